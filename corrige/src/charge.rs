//! Le banc d'essai : des centaines de clients contre un serveur de discussion, et des mesures.
//!
//! `N` clients se connectent et choisissent un pseudo (`charge0`, `charge1`, …) ; `S` d'entre eux
//! envoient chacun `M` messages d'un coup ; `K` clients de plus rejoignent le salon puis **ne
//! lisent plus jamais** (des « sourds »). Chaque message porte son numéro d'émetteur, son numéro
//! d'ordre et son heure d'envoi : chaque client qui le reçoit calcule sa latence. On mesure :
//!
//! - les **livraisons** : chaque message doit atteindre chacun des autres clients qui lisent
//!   (un client ne reçoit pas ses propres messages) ; ce qui manque à l'échéance est une perte ;
//! - le **débit** : livraisons par seconde, du premier envoi à la dernière réception ;
//! - la **latence** : médiane (p50), 99ᵉ centile (p99) et maximum ;
//! - la **mémoire** du serveur, si l'on donne son numéro de processus (`--pid-serveur`, Linux).
//!
//! Il parle à n'importe quel serveur de discussion en lignes qui demande d'abord un pseudo : il
//! lit une ligne, envoie le pseudo, puis attend une ligne qui contient « bienvenue » ou le pseudo.
//! Tout le trafic reste sur l'adresse donnée (la boucle locale, en pratique).

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Nombre de clients qui se connectent en même temps pendant les arrivées.
const VAGUE: usize = 100;

/// Le scénario d'une mesure : combien de clients, d'émetteurs, de messages, de sourds.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub adresse: IpAddr,
    pub port: u16,
    /// Clients qui lisent (émetteurs compris).
    pub clients: usize,
    /// Combien d'entre eux envoient.
    pub emetteurs: usize,
    /// Messages par émetteur.
    pub messages: usize,
    /// Clients en plus qui ne lisent jamais.
    pub sourds: usize,
    /// Taille visée de chaque message, en octets (bourrage) ; 0 : le plus court possible.
    pub taille: usize,
    /// Échéance : au-delà, ce qui n'est pas arrivé est perdu.
    pub delai: Duration,
    /// Numéro du processus serveur, pour lire sa mémoire (Linux).
    pub pid_serveur: Option<u32>,
    /// Un client de plus qui lit à ce débit (octets par seconde), s'il y en a un.
    pub lent: Option<u64>,
    /// Afficher la progression sur la sortie d'erreur.
    pub progression: bool,
}

/// Ce qu'une mesure a vu.
#[derive(Clone, Debug)]
pub struct Mesure {
    pub attendues: usize,
    pub livrees: usize,
    pub duree: Duration,
    pub connexion: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Mémoire résidente du serveur à la fin, et sa pointe (Kio), si connues.
    pub memoire_kio: Option<(u64, u64)>,
    /// Pour le client lent : messages reçus, messages attendus, et s'il a été déconnecté.
    pub lent: Option<(usize, usize, bool)>,
}

impl Mesure {
    pub fn pertes(&self) -> usize {
        self.attendues.saturating_sub(self.livrees)
    }

    pub fn debit(&self) -> f64 {
        self.livrees as f64 / self.duree.as_secs_f64().max(1e-9)
    }
}

/// Ce qu'un lecteur rend à la fin : ses livraisons et leurs latences (µs).
struct Lecture {
    livrees: usize,
    latences: Vec<u32>,
}

/// Lance une mesure complète.
pub fn mesurer(r: &Scenario) -> anyhow::Result<Mesure> {
    if r.emetteurs > r.clients {
        bail!(
            "il faut au moins autant de clients ({}) que d'émetteurs ({})",
            r.clients,
            r.emetteurs
        );
    }
    let adresse = SocketAddr::new(r.adresse, r.port);
    let origine = Instant::now();
    // Chaque lecteur attend les messages de tous les émetteurs sauf lui-même.
    let attendues_par = |i: usize| (r.emetteurs - usize::from(i < r.emetteurs)) * r.messages;
    let attendues: usize = (0..r.clients).map(attendues_par).sum();

    // 1. Connexions et pseudos, en parallèle : un thread par client. Chaque lecteur lit dès qu'il
    //    a rejoint le salon (les annonces d'arrivée des autres, puis les messages) : un client de
    //    banc qui ne lirait pas pendant les arrivées remplirait ses tampons et fausserait la mesure.
    let recues = Arc::new(AtomicUsize::new(0));
    let (fin, fins) = mpsc::channel::<()>();
    let (pret, prets) = mpsc::channel::<Result<(usize, TcpStream), String>>();
    let mut lecteurs: Vec<JoinHandle<Lecture>> = Vec::with_capacity(r.clients);
    let mut flux_par_client: Vec<Option<TcpStream>> = (0..r.clients).map(|_| None).collect();
    let mut erreurs = Vec::new();
    // Par vagues de `VAGUE` : mille `connect` simultanés déborderaient la file d'attente du
    // serveur (128 connexions avec `TcpListener::bind`), et le noyau ne réessaierait qu'après
    // des délais croissants (1 s, 3 s, 7 s…). Une salle de classe n'arrive pas d'un seul coup.
    for debut_vague in (0..r.clients).step_by(VAGUE) {
        let vague = debut_vague..(debut_vague + VAGUE).min(r.clients);
        for i in vague.clone() {
            let (recues, fin, pret) = (Arc::clone(&recues), fin.clone(), pret.clone());
            let attendues = attendues_par(i);
            let lecteur = thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || {
                    let vide = Lecture {
                        livrees: 0,
                        latences: Vec::new(),
                    };
                    let rejoint = rejoindre(adresse, &format!("charge{i}"))
                        .and_then(|(flux, lecteur)| Ok((flux.try_clone()?, flux, lecteur)));
                    let (copie, _flux, mut lecteur) = match rejoint {
                        Ok(rejoint) => rejoint,
                        Err(erreur) => {
                            let _ = pret.send(Err(format!("{erreur:#}")));
                            return vide;
                        }
                    };
                    let _ = pret.send(Ok((i, copie)));
                    let lecture = lire_messages(&mut lecteur, i, attendues, origine, &recues);
                    let _ = fin.send(());
                    lecture
                })
                .context("impossible de lancer un thread de client")?;
            lecteurs.push(lecteur);
        }
        for _ in vague {
            match prets.recv_timeout(Duration::from_secs(60)) {
                Ok(Ok((i, flux))) => flux_par_client[i] = Some(flux),
                Ok(Err(erreur)) => erreurs.push(erreur),
                Err(_) => {
                    erreurs.push("délai dépassé pendant les arrivées".to_string());
                    break;
                }
            }
        }
    }
    drop(pret);
    let sourds: Vec<TcpStream> = (0..r.sourds)
        .map(|k| rejoindre(adresse, &format!("sourd{k}")).map(|(flux, _)| flux))
        .collect::<anyhow::Result<_>>()?;
    // Le lecteur lent lit par morceaux de 4 Kio, en s'arrêtant pour ne pas dépasser son débit.
    let lent = match r.lent {
        None => None,
        Some(debit) => {
            let (flux, lecteur) = rejoindre(adresse, "lent")?;
            let attendues = r.emetteurs * r.messages;
            let fin = fin.clone();
            let copie = flux.try_clone()?;
            let fil = thread::spawn(move || {
                let resultat = lire_lentement(lecteur, debit.max(1), attendues);
                let _ = fin.send(());
                resultat
            });
            Some((copie, fil, attendues))
        }
    };
    drop(fin);
    let connexion = origine.elapsed();
    if !erreurs.is_empty() {
        for flux in flux_par_client.iter().flatten() {
            let _ = flux.shutdown(Shutdown::Both);
        }
        bail!(
            "{} clients n'ont pas pu rejoindre le salon : {}",
            erreurs.len(),
            erreurs
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ; ")
        );
    }

    // 2. La rafale : chaque émetteur envoie ses messages aussi vite qu'il peut.
    let debut = Instant::now();
    let mut emetteurs = Vec::new();
    for (i, flux) in flux_par_client.iter().take(r.emetteurs).enumerate() {
        let Some(flux) = flux else { continue };
        let mut flux = flux.try_clone()?;
        let messages = r.messages;
        let bourrage = "x".repeat(r.taille.saturating_sub(40));
        emetteurs.push(thread::spawn(move || -> io::Result<()> {
            let mut tampon = io::BufWriter::with_capacity(16 * 1024, &mut flux);
            for numero in 0..messages {
                let t = origine.elapsed().as_micros();
                writeln!(tampon, "charge {i} {numero} {t} {bourrage}")?;
                // Chaque message part tout de suite : c'est une rafale de messages, pas un lot.
                tampon.flush()?;
            }
            Ok(())
        }));
    }

    // 3. Attendre les lecteurs, avec une progression et une échéance.
    let echeance = debut + r.delai;
    let mut finis = 0;
    let a_attendre = r.clients + usize::from(lent.is_some());
    while finis < a_attendre {
        let reste = echeance.saturating_duration_since(Instant::now());
        match fins.recv_timeout(reste.min(Duration::from_secs(1))) {
            Ok(()) => finis += 1,
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) if Instant::now() >= echeance => break,
            Err(RecvTimeoutError::Timeout) => {
                if r.progression {
                    let vues = recues.load(Ordering::Relaxed);
                    eprintln!(
                        "[charge] {vues} / {attendues} livraisons ({:.0} %)",
                        100.0 * vues as f64 / attendues.max(1) as f64
                    );
                }
            }
        }
    }
    let duree = debut.elapsed().min(r.delai);
    let memoire_kio = r.pid_serveur.and_then(memoire_du_processus);

    // 4. Tout fermer : les lecteurs encore bloqués voient la fin du flux.
    for flux in flux_par_client.iter().flatten().chain(sourds.iter()) {
        let _ = flux.shutdown(Shutdown::Both);
    }
    let lent = lent.map(|(flux, fil, attendues)| {
        let _ = flux.shutdown(Shutdown::Both);
        let (recues, coupe) = fil.join().unwrap_or((0, false));
        (recues, attendues, coupe)
    });
    for emetteur in emetteurs {
        let _ = emetteur.join();
    }
    let mut latences = Vec::with_capacity(attendues);
    let mut livrees = 0;
    for lecteur in lecteurs {
        if let Ok(lecture) = lecteur.join() {
            livrees += lecture.livrees;
            latences.extend(lecture.latences);
        }
    }
    latences.sort_unstable();
    let centile = |p: f64| {
        let rang = ((latences.len() as f64 * p).ceil() as usize).saturating_sub(1);
        Duration::from_micros(latences.get(rang).copied().unwrap_or(0).into())
    };
    Ok(Mesure {
        attendues,
        livrees,
        duree,
        connexion,
        p50: centile(0.50),
        p99: centile(0.99),
        max: Duration::from_micros(latences.last().copied().unwrap_or(0).into()),
        memoire_kio,
        lent,
    })
}

/// Lit au plus `debit` octets par seconde jusqu'à `attendues` messages du banc ; rend combien
/// sont arrivés et si le serveur a fermé la connexion avant.
fn lire_lentement(
    mut lecteur: BufReader<TcpStream>,
    debit: u64,
    attendues: usize,
) -> (usize, bool) {
    let debut = Instant::now();
    let (mut lus, mut recues) = (0u64, 0);
    let mut ligne = String::new();
    while recues < attendues {
        // En avance sur le débit voulu : on attend d'être de nouveau à l'heure.
        let a_l_heure = Duration::from_secs_f64(lus as f64 / debit as f64);
        if let Some(avance) = a_l_heure.checked_sub(debut.elapsed()) {
            thread::sleep(avance);
        }
        ligne.clear();
        match lecteur.read_line(&mut ligne) {
            Ok(0) | Err(_) => return (recues, true),
            Ok(n) => lus += n as u64,
        }
        if ligne.contains(": charge ") {
            recues += 1;
        }
    }
    (recues, false)
}

/// Se connecte et choisit un pseudo ; rend la socket et son lecteur, prêts pour le salon.
fn rejoindre(
    adresse: SocketAddr,
    pseudo: &str,
) -> anyhow::Result<(TcpStream, BufReader<TcpStream>)> {
    let flux = TcpStream::connect_timeout(&adresse, Duration::from_secs(10))
        .with_context(|| format!("connexion à {adresse} impossible (le serveur est-il lancé ?)"))?;
    flux.set_nodelay(true)?;
    flux.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut lecteur = BufReader::new(flux.try_clone()?);
    let mut ligne = String::new();
    lecteur
        .read_line(&mut ligne)
        .context("pas d'invite du serveur")?;
    writeln!(&flux, "{pseudo}")?;
    loop {
        ligne.clear();
        if lecteur.read_line(&mut ligne)? == 0 {
            bail!(
                "le serveur a fermé la connexion pendant le choix du pseudo « {pseudo} » : {ligne}"
            );
        }
        if ligne.starts_with("ERREUR") || ligne.contains("complet") {
            bail!("pseudo « {pseudo} » refusé : {}", ligne.trim_end());
        }
        if ligne.to_lowercase().contains("bienvenue") || ligne.contains(pseudo) {
            break;
        }
    }
    flux.set_read_timeout(None)?;
    Ok((flux, lecteur))
}

/// Lit les messages du banc jusqu'à en avoir `attendues` (ou la fin du flux).
fn lire_messages(
    lecteur: &mut BufReader<TcpStream>,
    moi: usize,
    attendues: usize,
    origine: Instant,
    recues: &AtomicUsize,
) -> Lecture {
    let mut lecture = Lecture {
        livrees: 0,
        latences: Vec::with_capacity(attendues),
    };
    let mut ligne = String::new();
    while lecture.livrees < attendues {
        ligne.clear();
        match lecteur.read_line(&mut ligne) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        // « chargeK : charge K numéro t » : on lit les trois derniers champs.
        let Some(reste) = ligne.split("charge ").nth(1) else {
            continue;
        };
        let mut champs = reste.split_whitespace();
        let (Some(emetteur), Some(_numero), Some(t)) =
            (champs.next(), champs.next(), champs.next())
        else {
            continue;
        };
        if emetteur.parse() == Ok(moi) {
            continue;
        }
        if let Ok(t) = t.parse::<u128>() {
            let latence = origine.elapsed().as_micros().saturating_sub(t);
            lecture
                .latences
                .push(u32::try_from(latence).unwrap_or(u32::MAX));
            lecture.livrees += 1;
            recues.fetch_add(1, Ordering::Relaxed);
        }
    }
    lecture
}

/// La mémoire résidente d'un processus et sa pointe, en Kio (Linux : `/proc/<pid>/status`).
pub fn memoire_du_processus(pid: u32) -> Option<(u64, u64)> {
    let statut = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let champ = |nom: &str| {
        statut
            .lines()
            .find_map(|l| l.strip_prefix(nom))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some((champ("VmRSS:")?, champ("VmHWM:")?))
}

/// Le compte rendu d'une mesure, en français.
pub fn compte_rendu(r: &Scenario, m: &Mesure) -> String {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0).replace('.', ",");
    let mut texte = format!(
        "Charge : {} clients ({} émetteurs × {} messages de {} octets), {} sourds, sur {}:{}\n\
         Connexions : {} clients prêts en {}\n\
         Livraisons : {} / {} (pertes : {}) en {}\n\
         Débit : {} livraisons/s\n\
         Latence : p50 {}, p99 {}, max {}\n",
        r.clients,
        r.emetteurs,
        r.messages,
        r.taille.max(40),
        r.sourds,
        r.adresse,
        r.port,
        r.clients + r.sourds,
        ms(m.connexion),
        m.livrees,
        m.attendues,
        m.pertes(),
        ms(m.duree),
        grouper(m.debit() as u64),
        ms(m.p50),
        ms(m.p99),
        ms(m.max)
    );
    if let Some((recues, attendues, coupe)) = m.lent {
        texte.push_str(&format!(
            "Client lent ({} octets/s) : {recues} / {attendues} messages reçus{}\n",
            r.lent.unwrap_or(0),
            if coupe {
                ", déconnecté par le serveur"
            } else {
                ", jamais déconnecté"
            }
        ));
    }
    if let Some((rss, pointe)) = m.memoire_kio {
        texte.push_str(&format!(
            "Mémoire du serveur : {} Mio (pointe {} Mio)\n",
            rss / 1024,
            pointe / 1024
        ));
    }
    texte
}

/// Une ligne du tableau du README.
pub fn ligne_tableau(nom: &str, r: &Scenario, m: &Mesure) -> String {
    let ms = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1000.0);
    format!(
        "| {nom} | {} | {}×{} ({} o) | {} | {}/{} | {} | {} | {} | {} |",
        r.clients,
        r.emetteurs,
        r.messages,
        r.taille.max(40),
        r.sourds,
        m.livrees,
        m.attendues,
        grouper(m.debit() as u64),
        ms(m.p50),
        ms(m.p99),
        m.memoire_kio
            .map(|(_, pointe)| format!("{}", pointe / 1024))
            .unwrap_or_else(|| "?".to_string())
    )
}

/// `1234567` → `1 234 567`.
pub fn grouper(n: u64) -> String {
    let chiffres = n.to_string();
    let mut texte = String::new();
    for (i, c) in chiffres.chars().enumerate() {
        if i > 0 && (chiffres.len() - i) % 3 == 0 {
            texte.push(' ');
        }
        texte.push(c);
    }
    texte
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouper_les_milliers() {
        assert_eq!(grouper(0), "0");
        assert_eq!(grouper(999), "999");
        assert_eq!(grouper(1_500_000), "1 500 000");
    }

    #[test]
    fn la_memoire_d_un_processus_se_lit_sous_linux() {
        if cfg!(target_os = "linux") {
            let (rss, pointe) = memoire_du_processus(std::process::id()).expect("/proc lisible");
            assert!(rss > 0 && pointe >= rss);
        }
    }
}
