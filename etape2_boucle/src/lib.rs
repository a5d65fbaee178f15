//! # Étape 2 — Boucle de réception
//!
//! ## Objectifs
//!
//! - Après la bienvenue, le serveur **lit en boucle** les lignes du client, les écrit sur sa
//!   console et répond à chacune par un accusé de réception qui la cite : `Message reçu : …`.
//! - Comprendre que TCP transporte un **flux d'octets**, pas des messages : c'est nous qui
//!   découpons ce flux en lignes ([`lire_ligne`]).
//! - Résister aux mauvaises entrées : ligne trop longue, octets qui ne sont pas de l'UTF-8,
//!   caractères de contrôle.
//!
//! ## Ce qui change depuis l'étape 1
//!
//! - La conversation ([`converser`], appelée par [`servir`]) est maintenant une boucle de
//!   lecture ; elle s'arrête quand le client ferme.
//! - Nouveau : [`lire_ligne`] (découpage en lignes, avec une limite de taille), [`Ligne`] et
//!   [`nettoyer`] (les caractères de contrôle sont rendus visibles avant d'être affichés).
//! - Le client envoie chaque ligne tapée et affiche la réponse ; quand son entrée se termine
//!   (Ctrl-D, ou la fin d'un `printf … |`), il ferme son côté écriture et quitte.
//! - Le serveur sert toujours **un seul** client, puis s'arrête (l'étape 3 changera cela).
//!
//! ## Ce que vous écrivez
//!
//! Trois fonctions : [`lire_ligne`] (découper le flux d'octets en lignes bornées : le cœur de
//! l'étape), [`servir`] (un client) et [`converser`] (la boucle de réponses). Les étapes
//! suivantes réutilisent `lire_ligne` et `converser` : ce que vous écrivez ici sert jusqu'au bout.
//! Donnée : [`envoyer_ligne`], qui envoie une ligne d'un seul `write` (sa documentation dit
//! pourquoi ce détail coûte 40 ms par réponse).
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape2_boucle                      # terminal 1 : le serveur
//! cargo run -p etape2_boucle -- client            # terminal 2 : tapez des lignes, Ctrl-D pour finir (Windows : Ctrl-Z, Entrée)
//! printf 'a\nb\n' | cargo run -q -p etape2_boucle -- client   # une session scriptée
//! nc 127.0.0.1 5050                               # ou telnet, ou ncat sous Windows
//! cargo run -p etape2_boucle -- udp               # UDP contre TCP, en une minute
//! ```
//!
//! ## UDP contre TCP
//!
//! `cargo run -p etape2_boucle -- udp` montre en quelques lignes pourquoi cette étape découpe le
//! flux : avec UDP, trois envois donnent trois messages entiers, mais une rafale en perd sans
//! prévenir ; avec TCP, rien ne se perd, mais trois écritures arrivent collées
//! (« undeuxtrois »). Le code est dans [`udp`], donné.
//!
//! ## Résultat attendu
//!
//! ```text
//! === Démo de l'étape 2 : boucle de réception ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [démo] Le client envoie deux lignes puis ferme.
//! [client] Bienvenue sur le serveur !
//! [client] Message reçu : Bonjour
//! [client] Message reçu : Comment ça va ?
//! [démo] Le client est parti, le serveur s'est arrêté. Sa console :
//! [CONNEXION] Client connecté depuis 127.0.0.1:52814
//! [MESSAGE] 127.0.0.1:52814 : Bonjour
//! [MESSAGE] 127.0.0.1:52814 : Comment ça va ?
//! [DÉCONNEXION] 127.0.0.1:52814 a fermé la connexion
//! ```
//!
//! ## Questions du TP
//!
//! 1. *Que se passe-t-il sans boucle ?* → [`servir`].
//! 2. *Pourquoi une boucle infinie ?* → [`servir`].
//! 3. *TCP permet-il d'envoyer plusieurs réponses à la fois ?* → [`lire_ligne`].
//!
//! ## Pour aller plus loin
//!
//! 1. Avec `nc`, collez d'un coup trois lignes : combien d'accusés de réception ? Et si vous tapez
//!    une ligne sans appuyer sur Entrée puis faites Ctrl-D ?
//! 2. Envoyez une ligne de 5 000 caractères (`python3 -c 'print("x"*5000)' | nc …`). Que répond le
//!    serveur, et pourquoi ne garde-t-il pas toute la ligne en mémoire ?
//! 3. Ajoutez un compteur : `Message n°3 reçu : …`.

pub mod udp;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow};

/// Le message que le serveur envoie à chaque client, suivi d'un saut de ligne.
pub const MESSAGE_BIENVENUE: &str = "Bienvenue sur le serveur !";

/// Longueur maximale d'une ligne, en octets, saut de ligne non compris.
///
/// Au-delà, la ligne est refusée avec un message d'erreur et **jetée au fil de l'eau** : le
/// serveur ne garde jamais plus de `LIMITE_LIGNE + 1` octets en mémoire pour un client.
pub const LIMITE_LIGNE: usize = 4096;

/// Le plus longtemps qu'une réponse peut rester bloquée dans `write`.
///
/// Un client qui envoie sans jamais lire remplit d'abord ses propres tampons de réception, puis
/// ceux d'envoi du serveur ; ensuite chaque `write` du serveur **attend** qu'il lise. Ce serveur
/// n'a qu'un thread : sans délai d'écriture ([`TcpStream::set_write_timeout`]), il attendrait pour
/// toujours, et le client suivant avec lui. Passé ce délai, `write` échoue (`WouldBlock` ou
/// `TimedOut`) et la conversation se termine.
///
/// Pourquoi si court : `write` ne bloque qu'une fois les tampons pleins, c'est-à-dire quand des
/// centaines de kilo-octets de réponses attendent déjà, non lues. Un client qui lit les vide en
/// quelques microsecondes sur la boucle locale ou un réseau local ; rester bloqué 250 ms de
/// plus, c'est ne plus lire. (Sur Internet, on compterait plutôt en secondes.)
pub const DELAI_ECRITURE: Duration = Duration::from_millis(250);

/// Ce qu'une lecture de ligne peut donner.
#[derive(Debug, PartialEq, Eq)]
pub enum Ligne {
    /// Une ligne complète, sans son `\n` ni un éventuel `\r` final.
    Texte(String),
    /// Une ligne de plus de [`LIMITE_LIGNE`] octets : elle a été lue et jetée.
    TropLongue,
    /// Une ligne complète dont les octets ne sont pas de l'UTF-8 valide.
    PasUtf8,
    /// La fin du flux : l'autre côté a fermé. Une ligne incomplète (sans `\n`) juste avant la
    /// fermeture est abandonnée : on n'exécute jamais une demi-ligne.
    Fin,
}

/// Lit la prochaine ligne de `lecteur`, sans jamais garder plus de `limite + 1` octets.
///
/// Les cas limites, que la suite vérifie : une ligne d'exactement `limite` octets (sans son
/// `\n`) est un [`Ligne::Texte`] ; dès `limite + 1` octets, c'est une [`Ligne::TropLongue`],
/// dont la suite est lue et jetée jusqu'à son `\n` : la lecture suivante rend la ligne d'après.
/// Au plus `limite` octets sans `\n` juste avant la fin du flux sont une demi-ligne :
/// [`Ligne::Fin`]. Un `\r` juste avant le `\n` est retiré (telnet, Windows).
///
/// # Question : TCP permet-il d'envoyer plusieurs réponses à la fois ?
///
/// Oui, et c'est justement pour cela qu'il faut cette fonction. TCP ne transporte pas des
/// *messages* mais un **flux d'octets**, fiable et ordonné, sans frontières :
///
/// - plusieurs `write` de l'émetteur peuvent arriver en **un seul** `read` chez le récepteur
///   (deux réponses collées, ou la moitié de la suivante) ;
/// - un seul `write` peut arriver en **plusieurs** `read` (un long message coupé en morceaux).
///
/// On peut donc envoyer plusieurs réponses d'affilée sans attendre (et TCP est bidirectionnel :
/// les deux côtés peuvent émettre en même temps), mais le récepteur ne les distinguera que si le
/// protocole dit où chacune finit. Ici, un message = une ligne terminée par `\n` : [`BufRead`]
/// accumule les octets jusqu'au `\n`, quel que soit leur découpage en paquets. L'étape 4 montre
/// un autre cadrage : un en-tête qui annonce la longueur.
///
/// La limite rend la lecture sûre : une « ligne » de plusieurs gigaoctets sans `\n` ne peut pas
/// remplir la mémoire du serveur.
pub fn lire_ligne(lecteur: &mut impl BufRead, limite: usize) -> io::Result<Ligne> {
    // corrigé:début Indice : découpez le flux d'octets en lignes, car TCP ne connaît pas les messages, sans jamais garder plus d'un octet au-delà de la limite : chaque appel rend la ligne suivante, ou le cas de `Ligne` qui dit pourquoi il n'y en a pas.
    let mut octets = Vec::new();
    let lus = lecteur
        .by_ref()
        .take(limite as u64 + 1)
        .read_until(b'\n', &mut octets)?;
    if lus == 0 {
        return Ok(Ligne::Fin);
    }
    if octets.last() != Some(&b'\n') {
        if octets.len() > limite {
            // Trop long : on jette le reste de la ligne sans le garder.
            lecteur.skip_until(b'\n')?;
            return Ok(Ligne::TropLongue);
        }
        // Moins que la limite et pas de '\n' : le flux s'est terminé au milieu d'une ligne.
        return Ok(Ligne::Fin);
    }
    octets.pop();
    if octets.last() == Some(&b'\r') {
        octets.pop();
    }
    Ok(match String::from_utf8(octets) {
        Ok(texte) => Ligne::Texte(texte),
        Err(_) => Ligne::PasUtf8,
    })
    // corrigé:fin
}

/// Rend visibles les caractères de contrôle (sauf la tabulation) : `\u{1b}` au lieu d'un vrai
/// caractère d'échappement.
///
/// Sans cela, un client pourrait envoyer des séquences ANSI qui effacent ou recolorent le
/// terminal du serveur, ou un `\r` qui écrase une ligne de la console pour en forger une fausse.
pub fn nettoyer(texte: &str) -> String {
    let mut propre = String::with_capacity(texte.len());
    for c in texte.chars() {
        if c.is_control() && c != '\t' {
            propre.extend(c.escape_default());
        } else {
            propre.push(c);
        }
    }
    propre
}

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Se connecte au serveur `adresse:port` (voir l'étape 1 pour les erreurs possibles).
pub fn connecter(adresse: IpAddr, port: u16) -> anyhow::Result<TcpStream> {
    TcpStream::connect((adresse, port)).map_err(|erreur| {
        etape1_connexion::francais::serveur_injoignable(adresse, port, &erreur, "etape2_boucle")
    })
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, sert un client.
pub fn lancer_serveur(adresse: IpAddr, port: u16) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    println!("[ÉCOUTE] Serveur en écoute sur {locale}");
    servir(ecoute, &mut io::stdout()).context("le serveur s'est arrêté sur une erreur")
}

/// Accepte **un** client, puis répond à chacune de ses lignes jusqu'à ce qu'il parte.
///
/// Une erreur de réseau (client coupé brutalement, par exemple) termine la conversation et est
/// écrite sur la console ; seule une erreur d'`accept` ou d'écriture de la console elle-même
/// remonte.
///
/// Les lignes `[CONNEXION]` et `[DÉCONNEXION]` sont celles du « Résultat attendu » de l'énoncé ;
/// une conversation qui finit sur une erreur s'écrit, à la place de `[DÉCONNEXION]`,
/// `[ERREUR] Connexion avec <pair> perdue : <erreur>`, l'erreur en français
/// (`etape1_connexion::francais::erreur_systeme`).
///
/// # Question : que se passe-t-il sans boucle ?
///
/// Le serveur lirait **une** ligne, répondrait, puis fermerait la connexion et s'arrêterait : les
/// lignes suivantes du client n'auraient plus personne pour les lire (le client verrait au mieux
/// une connexion fermée, au pire une erreur « connexion réinitialisée » en écrivant).
///
/// # Question : pourquoi une boucle « infinie » ?
///
/// Parce qu'on ne sait pas d'avance combien de lignes le client enverra. Mais la boucle n'est pas
/// vraiment infinie : elle a une **condition de sortie**, la fin du flux. Quand le client ferme,
/// `read` rend 0 octet ([`Ligne::Fin`]) ; une boucle qui l'ignorerait (`while True: recv()` sans
/// tester le vide, erreur classique en Python) tournerait à 100 % du processeur sur des lectures
/// vides. Entre deux lignes, la lecture est **bloquante** : le thread dort, il ne consomme rien.
pub fn servir(ecoute: TcpListener, console: &mut impl Write) -> io::Result<()> {
    // corrigé:début Indice : servez un seul client : acceptez-le, annoncez-le, confiez-le à `converser`, puis dites sur la console comment la conversation a fini. L'erreur d'un client se dit : elle n'arrête pas le serveur.
    let (flux, pair) = ecoute.accept()?;
    writeln!(console, "[CONNEXION] Client connecté depuis {pair}")?;
    match converser(&flux, console, pair) {
        Ok(()) => writeln!(console, "[DÉCONNEXION] {pair} a fermé la connexion")?,
        Err(erreur) => writeln!(
            console,
            "[ERREUR] Connexion avec {pair} perdue : {erreur}",
            erreur = etape1_connexion::francais::erreur_systeme(&erreur)
        )?,
    }
    Ok(())
    // corrigé:fin
}

/// Envoie `texte` suivi de `'\n'`, **en un seul `write_all`**.
///
/// `writeln!(flux, "{texte}")` sur une socket fait deux appels à `write` (le texte, puis le
/// saut de ligne), donc deux segments TCP. Le second attend alors que le premier soit acquitté
/// (l'algorithme de **Nagle** retient un petit segment tant qu'un autre est en vol), et l'autre
/// côté retarde son acquittement en espérant l'accrocher à une réponse (**ACK retardé**, 40 ms
/// sous Linux, jusqu'à 200 ms sous Windows) : chaque réponse arrive avec 40 ms de retard.
/// Mesuré sur ce classeur avec `writeln!` : 44 ms par aller-retour ; avec cette fonction, moins
/// d'une milliseconde. C'est encore « TCP est un flux d'octets » : les segments ne sont pas les
/// messages, et c'est le découpage en lignes de [`lire_ligne`] qui les recolle de l'autre côté
/// (voir aussi le labo du README, qui montre les deux segments avec `tcpdump`).
pub fn envoyer_ligne(flux: &mut impl Write, texte: &str) -> io::Result<()> {
    flux.write_all(format!("{texte}\n").as_bytes())
}

/// La conversation avec un client : bienvenue, puis une réponse par ligne reçue.
///
/// `flux` est une **référence** `&TcpStream`, et pourtant on peut y lire et y écrire : la
/// bibliothèque standard implémente [`Read`] et [`Write`] pour `&TcpStream` (voir « Trait
/// Implementations » dans la documentation de [`TcpStream`]), parce qu'une socket se lit et
/// s'écrit en même temps sans que Rust ait à l'empêcher. D'où les deux lignes du début :
/// `let mut ecrivain = flux;` (une copie de la référence, qui écrit) et
/// `BufReader::new(flux)` (une autre, qui lit avec un tampon). Ailleurs, `&mut &flux` est la
/// même idée quand une fonction attend un `&mut impl Write`.
///
/// D'abord le délai d'écriture [`DELAI_ECRITURE`] (un client qui ne lit plus ne bloque pas le
/// serveur), puis la bienvenue. Ensuite, pour chaque ligne que rend [`lire_ligne`] (limite
/// [`LIMITE_LIGNE`]) :
///
/// - un texte : `[MESSAGE] <pair> : <ligne>` sur la console, et la réponse
///   `Message reçu : <ligne>`, la ligne passée par [`nettoyer`] ;
/// - une ligne trop longue : `[ERREUR] <pair> : ligne trop longue, ignorée` sur la console, et
///   la réponse `ERREUR : ligne trop longue (plus de 4096 octets), ignorée` ;
/// - une ligne qui n'est pas de l'UTF-8 :
///   `[ERREUR] <pair> : ligne qui n'est pas de l'UTF-8, ignorée` sur la console, et la réponse
///   `ERREUR : ligne ignorée, ce n'est pas du texte UTF-8` ;
/// - la fin du flux : la conversation est finie, `Ok(())`.
///
/// Chaque ligne (bienvenue comprise) part avec [`envoyer_ligne`]. Une erreur de la socket, en
/// lecture ou en écriture, termine la conversation : rendez-la, [`servir`] la dira.
pub fn converser(flux: &TcpStream, console: &mut impl Write, pair: SocketAddr) -> io::Result<()> {
    // corrigé:début Indice : la boucle de l'étape : après la bienvenue, lisez les lignes du client une à une et répondez à chacune, accusé de réception ou refus, jusqu'à la fin du flux. Les textes sont dans la documentation.
    flux.set_write_timeout(Some(DELAI_ECRITURE))?;
    let mut ecrivain = flux;
    let mut lecteur = BufReader::new(flux);
    envoyer_ligne(&mut ecrivain, MESSAGE_BIENVENUE)?;
    loop {
        let reponse = match lire_ligne(&mut lecteur, LIMITE_LIGNE)? {
            Ligne::Texte(texte) => {
                let texte = nettoyer(&texte);
                writeln!(console, "[MESSAGE] {pair} : {texte}")?;
                format!("Message reçu : {texte}")
            }
            Ligne::TropLongue => {
                writeln!(console, "[ERREUR] {pair} : ligne trop longue, ignorée")?;
                format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée")
            }
            Ligne::PasUtf8 => {
                writeln!(
                    console,
                    "[ERREUR] {pair} : ligne qui n'est pas de l'UTF-8, ignorée"
                )?;
                "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8".to_string()
            }
            Ligne::Fin => return Ok(()),
        };
        envoyer_ligne(&mut ecrivain, &reponse)?;
    }
    // corrigé:fin
}

/// Le client : affiche la bienvenue, puis envoie chaque ligne de `entree` et affiche la réponse.
///
/// Quand `entree` se termine, il ferme son côté écriture (`shutdown(Write)`) : le serveur lit
/// alors la fin du flux. Le client affiche encore ce que le serveur envoie, jusqu'à sa fermeture.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    let flux = connecter(adresse, port)?;
    let mut lecteur = BufReader::new(&flux);
    let mut ecrivain = &flux;
    afficher_une_ligne(&mut lecteur, sortie)?;
    for ligne in entree.lines() {
        let ligne = ligne.context("l'entrée standard n'est pas du texte UTF-8")?;
        envoyer_ligne(&mut ecrivain, &ligne).context("envoi impossible : le serveur a fermé")?;
        if !afficher_une_ligne(&mut lecteur, sortie)? {
            return Ok(());
        }
    }
    flux.shutdown(Shutdown::Write)
        .context("fermeture du côté écriture impossible")?;
    while afficher_une_ligne(&mut lecteur, sortie)? {}
    Ok(())
}

/// Lit une ligne du serveur et l'affiche ; rend `false` quand le serveur a fermé.
fn afficher_une_ligne(lecteur: &mut impl BufRead, sortie: &mut impl Write) -> anyhow::Result<bool> {
    match lire_ligne(lecteur, LIMITE_LIGNE).context("lecture impossible depuis le serveur")? {
        Ligne::Texte(texte) => writeln!(sortie, "{}", nettoyer(&texte))?,
        Ligne::TropLongue => writeln!(sortie, "(ligne trop longue reçue du serveur, ignorée)")?,
        Ligne::PasUtf8 => writeln!(sortie, "(ligne non UTF-8 reçue du serveur, ignorée)")?,
        Ligne::Fin => return Ok(false),
    }
    Ok(true)
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(sortie, "=== Démo de l'étape 2 : boucle de réception ===")?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    let serveur = thread::spawn(move || {
        let mut journal = Vec::new();
        servir(ecoute, &mut journal).map(|()| journal)
    });

    writeln!(sortie, "[démo] Le client envoie deux lignes puis ferme.")?;
    let mut recu = Vec::new();
    let script = io::Cursor::new("Bonjour\nComment ça va ?\n");
    client(adresse.ip(), adresse.port(), script, &mut recu)?;
    for ligne in String::from_utf8_lossy(&recu).lines() {
        writeln!(sortie, "[client] {ligne}")?;
    }

    let journal = serveur
        .join()
        .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
    writeln!(
        sortie,
        "[démo] Le client est parti, le serveur s'est arrêté. Sa console :"
    )?;
    sortie.write_all(&journal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::egal;
    use std::io::Cursor;

    fn lignes(octets: &[u8], limite: usize) -> Vec<Ligne> {
        let mut lecteur = Cursor::new(octets.to_vec());
        let mut vues = Vec::new();
        loop {
            let ligne = lire_ligne(&mut lecteur, limite).unwrap_or_else(|erreur| {
                panic!(
                    "`lire_ligne` a rendu une erreur en lisant des octets en mémoire : {}. Du texte qui \
                     n'est pas de l'UTF-8, une ligne trop longue ou la fin du flux ne sont pas des \
                     erreurs : chacun a son cas (la fin, c'est `Ligne::Fin`).",
                    etape1_connexion::francais::erreur_systeme(&erreur)
                )
            });
            let fin = ligne == Ligne::Fin;
            vues.push(ligne);
            if fin {
                return vues;
            }
        }
    }

    fn texte(t: &str) -> Ligne {
        Ligne::Texte(t.to_string())
    }

    #[test]
    fn deux_lignes_dans_un_seul_envoi_donnent_deux_lignes() {
        egal!(lignes(b"a\nb\n", 10), [texte("a"), texte("b"), Ligne::Fin]);
    }

    #[test]
    fn le_retour_chariot_final_est_retire() {
        egal!(lignes(b"telnet\r\n", 10), [texte("telnet"), Ligne::Fin]);
    }

    #[test]
    fn une_demi_ligne_avant_la_fin_n_est_pas_rendue() {
        egal!(lignes(b"ok\nmoit", 10), [texte("ok"), Ligne::Fin]);
    }

    #[test]
    fn une_ligne_trop_longue_est_jetee_et_la_suivante_est_lue() {
        let mut octets = vec![b'x'; 50];
        octets.extend_from_slice(b"\nsuite\n");
        egal!(
            lignes(&octets, 10),
            [Ligne::TropLongue, texte("suite"), Ligne::Fin]
        );
    }

    #[test]
    fn une_ligne_de_la_taille_limite_passe() {
        let mut octets = vec![b'x'; 10];
        octets.push(b'\n');
        egal!(lignes(&octets, 10), [texte("xxxxxxxxxx"), Ligne::Fin]);
    }

    #[test]
    fn l_utf8_invalide_est_signale_sans_couper_le_flux() {
        egal!(
            lignes(b"\xff\xfe\nbon\n", 10),
            [Ligne::PasUtf8, texte("bon"), Ligne::Fin]
        );
    }

    #[test]
    fn nettoyer_rend_visibles_les_echappements() {
        egal!(nettoyer("a\u{1b}[31mb\tc\r"), "a\\u{1b}[31mb\tc\\r");
    }
}
