//! UDP contre TCP : pourquoi l'étape 2 découpe le flux en lignes.
//!
//! `cargo run -p etape2_boucle -- udp` joue deux petites expériences sur la boucle locale, dans
//! un seul processus :
//!
//! 1. **UDP garde les frontières, mais peut perdre.** Trois `send_to` donnent trois `recv_from`,
//!    chacun un message entier : un datagramme arrive entier ou pas du tout. Puis une rafale de
//!    datagrammes envoyés à un récepteur qui ne lit pas encore : ceux qui ne tiennent pas dans sa
//!    mémoire tampon sont **jetés** sans que personne ne le dise (ni l'émetteur, ni le
//!    récepteur). Sur un vrai réseau, ils peuvent aussi arriver dans le désordre.
//! 2. **TCP ne perd rien, mais n'a pas de frontières.** Trois `write` (« un », « deux »,
//!    « trois ») arrivent dans l'ordre et sans perte… collés : « undeuxtrois ». Rien ne dit où
//!    finit un message : c'est au protocole de le dire, ici par une fin de ligne ([`lire_ligne`]).
//!
//! Ce code est donné : il n'y a rien à écrire, seulement à lancer et à expliquer.
//!
//! [`lire_ligne`]: crate::lire_ligne

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

/// Le nombre de datagrammes de la rafale, et la taille de chacun : 6 Mo en tout, plus que ce
/// qu'un récepteur qui ne lit pas garde en mémoire (quelques centaines de kilo-octets d'habitude).
const RAFALE: usize = 5000;
const TAILLE_DATAGRAMME: usize = 1200;

/// Joue les deux expériences et écrit ce qui se passe dans `sortie`.
pub fn comparer(sortie: &mut impl Write) -> io::Result<()> {
    writeln!(sortie, "=== UDP contre TCP, sur 127.0.0.1 ===")?;
    udp_frontieres(sortie)?;
    udp_pertes(sortie)?;
    tcp_flux(sortie)?;
    Ok(())
}

/// Trois datagrammes, trois réceptions : les frontières sont gardées.
fn udp_frontieres(sortie: &mut impl Write) -> io::Result<()> {
    let recepteur = UdpSocket::bind("127.0.0.1:0")?;
    recepteur.set_read_timeout(Some(Duration::from_secs(2)))?;
    let emetteur = UdpSocket::bind("127.0.0.1:0")?;
    for message in ["un", "deux", "trois"] {
        emetteur.send_to(message.as_bytes(), recepteur.local_addr()?)?;
    }
    writeln!(sortie, "[UDP] 3 send_to : « un », « deux », « trois »")?;
    let mut tampon = [0u8; 1500];
    for _ in 0..3 {
        match recepteur.recv_from(&mut tampon) {
            Ok((n, _)) => writeln!(
                sortie,
                "[UDP] un recv_from rend un datagramme entier : « {} »",
                String::from_utf8_lossy(&tampon[..n])
            )?,
            Err(_) => writeln!(sortie, "[UDP] un datagramme n'est jamais arrivé")?,
        }
    }
    Ok(())
}

/// Une rafale vers un récepteur qui ne lit pas encore : ce qui ne tient pas est perdu.
fn udp_pertes(sortie: &mut impl Write) -> io::Result<()> {
    let recepteur = UdpSocket::bind("127.0.0.1:0")?;
    let emetteur = UdpSocket::bind("127.0.0.1:0")?;
    let datagramme = [b'x'; TAILLE_DATAGRAMME];
    let mut envoyes = 0;
    for _ in 0..RAFALE {
        // `send_to` réussit même si le datagramme sera jeté à l'arrivée : UDP ne le saura pas.
        if emetteur
            .send_to(&datagramme, recepteur.local_addr()?)
            .is_ok()
        {
            envoyes += 1;
        }
    }
    // Le récepteur lit enfin : tout ce qui est encore là arrive aussitôt ; le reste est perdu.
    recepteur.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut tampon = [0u8; TAILLE_DATAGRAMME];
    let mut recus = 0;
    while recepteur.recv_from(&mut tampon).is_ok() {
        recus += 1;
    }
    writeln!(
        sortie,
        "[UDP] rafale : {envoyes} datagrammes envoyés sans erreur, {recus} reçus"
    )?;
    if recus < envoyes {
        writeln!(
            sortie,
            "[UDP] {} perdus, et personne n'a été prévenu",
            envoyes - recus
        )?;
    } else {
        writeln!(
            sortie,
            "[UDP] aucun perdu cette fois-ci ; UDP ne le garantit pas pour autant"
        )?;
    }
    Ok(())
}

/// Trois écritures TCP, lues en bloc : les octets arrivent tous, dans l'ordre, mais collés.
fn tcp_flux(sortie: &mut impl Write) -> io::Result<()> {
    let ecoute = TcpListener::bind("127.0.0.1:0")?;
    let adresse = ecoute.local_addr()?;
    let emetteur = thread::spawn(move || -> io::Result<()> {
        let mut flux = TcpStream::connect(adresse)?;
        for message in ["un", "deux", "trois"] {
            flux.write_all(message.as_bytes())?;
        }
        // Fin du flux : le récepteur saura qu'il n'y a plus rien à attendre.
        flux.shutdown(std::net::Shutdown::Write)
    });
    let (mut flux, _) = ecoute.accept()?;
    writeln!(sortie, "[TCP] 3 write : « un », « deux », « trois »")?;
    emetteur
        .join()
        .map_err(|_| io::Error::other("le thread émetteur a paniqué"))??;
    let mut recu = Vec::new();
    let mut lectures = 0;
    let mut tampon = [0u8; 1024];
    loop {
        let n = flux.read(&mut tampon)?;
        if n == 0 {
            break;
        }
        lectures += 1;
        recu.extend_from_slice(&tampon[..n]);
    }
    writeln!(
        sortie,
        "[TCP] {} octets en {lectures} read : « {} » ; où finit « un » ? Rien ne le dit.",
        recu.len(),
        String::from_utf8_lossy(&recu)
    )?;
    writeln!(
        sortie,
        "[TCP] d'où la fin de ligne de l'étape 2 : « un\\ndeux\\ntrois\\n » se découpe sans ambiguïté."
    )?;
    Ok(())
}
