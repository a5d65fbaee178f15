//! La démo : le scénario de l'étape, joué dans un seul processus (voir « Résultat attendu » dans
//! l'énoncé).

use std::io::{BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::{Arc, Barrier, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::anyhow;

use crate::client::LIMITE_RECEPTION;
use crate::commandes::nettoyer;
use crate::lancement::ouvrir_ecoute;
use crate::serveur::{Arret, Serveur};
use crate::{Config, Ligne, lire_ligne};

/// Un client de la démo : un nom, une socket, un lecteur.
struct Personnage {
    nom: &'static str,
    flux: TcpStream,
    lecteur: BufReader<TcpStream>,
}

impl Personnage {
    fn arriver(nom: &'static str, adresse: SocketAddr) -> anyhow::Result<Personnage> {
        let flux = TcpStream::connect(adresse)?;
        flux.set_read_timeout(Some(Duration::from_secs(10)))?;
        let lecteur = BufReader::new(flux.try_clone()?);
        Ok(Personnage { nom, flux, lecteur })
    }

    fn dire(&mut self, ligne: &str, sortie: &mut impl Write) -> anyhow::Result<()> {
        writeln!(sortie, "[{}] > {ligne}", self.nom)?;
        writeln!(self.flux, "{ligne}")?;
        Ok(())
    }

    fn entendre(&mut self, sortie: &mut impl Write) -> anyhow::Result<()> {
        match lire_ligne(&mut self.lecteur, LIMITE_RECEPTION)? {
            Ligne::Texte(texte) => writeln!(sortie, "[{}] {}", self.nom, nettoyer(&texte))?,
            Ligne::Fin => writeln!(sortie, "[{}] (connexion fermée par le serveur)", self.nom)?,
            autre => writeln!(sortie, "[{}] {autre:?}", self.nom)?,
        }
        Ok(())
    }
}

/// Un serveur de démo qui tourne dans un thread, sans événements sur la console (`evenements: false`).
struct ServeurDeDemo {
    adresse: SocketAddr,
    arret: Arc<Arret>,
    thread: JoinHandle<std::io::Result<()>>,
}

impl ServeurDeDemo {
    fn lancer(config: &Config) -> anyhow::Result<ServeurDeDemo> {
        let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
        let serveur = Serveur::new(ecoute, config.clone())?;
        Ok(ServeurDeDemo {
            adresse: serveur.adresse()?,
            arret: serveur.arret(),
            thread: thread::spawn(move || serveur.servir()),
        })
    }

    fn attendre_la_fin(self) -> anyhow::Result<()> {
        self.thread
            .join()
            .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
        Ok(())
    }
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(sortie, "=== Démo de l'étape 8 : le serveur final ===")?;
    let chemin = std::env::temp_dir().join(format!("etape8-demo-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&chemin);
    let config = Config {
        journal: chemin.clone(),
        jeton_admin: Some("s3cret".to_string()),
        evenements: false,
        ..Config::default()
    };
    let resultat = jouer_la_demo(&config, sortie);
    let _ = std::fs::remove_file(&chemin);
    resultat
}

fn jouer_la_demo(config: &Config, sortie: &mut impl Write) -> anyhow::Result<()> {
    let premier = ServeurDeDemo::lancer(config)?;
    writeln!(
        sortie,
        "[démo] Premier serveur sur {}, jeton d'administration « s3cret ».",
        premier.adresse
    )?;
    let mut alice = Personnage::arriver("alice", premier.adresse)?;
    alice.entendre(sortie)?;
    alice.dire("alice", sortie)?;
    alice.entendre(sortie)?;
    let mut bob = Personnage::arriver("bob", premier.adresse)?;
    bob.entendre(sortie)?;
    bob.dire("bob", sortie)?;
    bob.entendre(sortie)?;
    bob.entendre(sortie)?;
    alice.entendre(sortie)?;
    alice.dire("Bonjour à tous", sortie)?;
    bob.entendre(sortie)?;
    bob.dire("stop", sortie)?;
    bob.entendre(sortie)?;
    bob.dire("bye", sortie)?;
    alice.entendre(sortie)?;
    alice.dire("stop s3cret", sortie)?;
    alice.entendre(sortie)?;
    alice.entendre(sortie)?;
    alice.entendre(sortie)?;
    premier.attendre_la_fin()?;
    writeln!(
        sortie,
        "[démo] Le serveur s'est arrêté proprement. On le relance avec le même journal."
    )?;

    let second = ServeurDeDemo::lancer(config)?;
    let mut carol = Personnage::arriver("carol", second.adresse)?;
    carol.entendre(sortie)?;
    carol.dire("carol", sortie)?;
    for _ in 0..6 {
        carol.entendre(sortie)?;
    }
    un_sourd_ne_fige_rien(&mut carol, second.adresse, sortie)?;
    un_seul_gagne_la_course(second.adresse, sortie)?;
    // Le second serveur est arrêté comme depuis sa console.
    second.arret.declencher();
    second.attendre_la_fin()
}

/// Le deuxième acte de la démo de l'étape 7, joué ici : erin rejoint puis ne lit plus, carol
/// envoie 8 Mo, dave lit tout. Personne n'attend erin : dave reçoit sa réponse pendant la
/// rafale, et erin est déconnectée après [`DELAI_GRACE`](crate::livraison::DELAI_GRACE) sans
/// progrès. Chaque attente a son délai.
fn un_sourd_ne_fige_rien(
    carol: &mut Personnage,
    adresse: SocketAddr,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    writeln!(
        sortie,
        "[démo] Le même essai qu'à l'étape 7 : erin rejoint le salon, puis cesse de lire."
    )?;
    let erin = TcpStream::connect(adresse)?;
    writeln!(&erin, "erin")?;
    carol.entendre(sortie)?;
    // dave lit tout dans son propre thread ; la démo reçoit les réponses (« = … »), les annonces
    // qui concernent erin, et un signal pour chaque ligne de la rafale.
    let dave = TcpStream::connect(adresse)?;
    writeln!(&dave, "dave")?;
    let (evenements, recus) = mpsc::channel();
    let lecture = dave.try_clone()?;
    thread::spawn(move || {
        let mut lecteur = BufReader::new(lecture);
        while let Ok(Ligne::Texte(ligne)) = lire_ligne(&mut lecteur, LIMITE_RECEPTION) {
            let utile = ligne.starts_with("= ") || ligne.starts_with("*** erin");
            if evenements.send(utile.then_some(ligne)).is_err() {
                return;
            }
        }
    });
    let bienvenue = attendre(&recus, Duration::from_secs(10), |_| true)?;
    writeln!(sortie, "[dave] {bienvenue}")?;
    carol.entendre(sortie)?;
    writeln!(
        sortie,
        "[carol] > (8 000 lignes de 1 000 caractères, 8 Mo d'un coup)"
    )?;
    let mut rafale = carol.flux.try_clone()?;
    thread::spawn(move || {
        let ligne = format!("{}\n", "x".repeat(1000));
        for _ in 0..8000 {
            if rafale.write_all(ligne.as_bytes()).is_err() {
                return;
            }
        }
    });
    // Pendant la rafale (dave en a reçu un millier de lignes), dave demande quelque chose.
    let echeance = Instant::now() + Duration::from_secs(30);
    let mut lignes = 0;
    while lignes < 1000 {
        let reste = echeance
            .checked_duration_since(Instant::now())
            .ok_or_else(|| anyhow!("la rafale n'est pas arrivée à dave en 30 s"))?;
        if recus.recv_timeout(reste)?.is_none() {
            lignes += 1;
        }
    }
    writeln!(sortie, "[dave] > /majuscules salut")?;
    writeln!(&dave, "/majuscules salut")?;
    let reponse = attendre(&recus, Duration::from_secs(2), |l| l.starts_with("= "))?;
    writeln!(
        sortie,
        "[dave] {reponse} (pendant la rafale : personne n'attend erin)"
    )?;
    let depart = attendre(&recus, Duration::from_secs(30), |l| {
        l.starts_with("*** erin")
    })?;
    writeln!(sortie, "[dave] {depart}")?;
    writeln!(
        sortie,
        "[démo] erin ne lisait plus depuis 3 s : le serveur l'a déconnectée ; les autres n'ont rien attendu."
    )?;
    Ok(())
}

/// La prochaine ligne utile qui satisfait `voulue`, avant `delai`.
fn attendre(
    recus: &mpsc::Receiver<Option<String>>,
    delai: Duration,
    voulue: impl Fn(&str) -> bool,
) -> anyhow::Result<String> {
    let echeance = Instant::now() + delai;
    loop {
        let reste = echeance
            .checked_duration_since(Instant::now())
            .ok_or_else(|| anyhow!("rien reçu à temps ({} s)", delai.as_secs()))?;
        if let Some(ligne) = recus.recv_timeout(reste)?
            && voulue(&ligne)
        {
            return Ok(ligne);
        }
    }
}

/// La course de l'étape 7, tentée pour de vrai : huit clients demandent « zoe » au même instant
/// (une barrière les lâche ensemble) ; un seul doit l'obtenir (voir
/// [`Salon::inscrire`](crate::salon::Salon::inscrire)).
fn un_seul_gagne_la_course(adresse: SocketAddr, sortie: &mut impl Write) -> anyhow::Result<()> {
    const CANDIDATS: usize = 8;
    writeln!(
        sortie,
        "[démo] {CANDIDATS} clients demandent le pseudo « zoe » au même instant."
    )?;
    let depart = Arc::new(Barrier::new(CANDIDATS));
    let essais: Vec<_> = (0..CANDIDATS)
        .map(|_| {
            let depart = Arc::clone(&depart);
            // Chaque candidat rend sa socket avec son résultat : le gagnant doit rester connecté
            // jusqu'à ce que tous aient leur réponse. S'il partait tout de suite, « zoe » serait
            // libérée, et un candidat plus lent (machine chargée) l'obtiendrait à son tour.
            thread::spawn(move || -> anyhow::Result<(bool, TcpStream)> {
                let flux = TcpStream::connect(adresse)?;
                flux.set_read_timeout(Some(Duration::from_secs(10)))?;
                let mut lecteur = BufReader::new(flux.try_clone()?);
                // L'invitation d'abord : la connexion est acceptée et attend son pseudo.
                lire_ligne(&mut lecteur, LIMITE_RECEPTION)?;
                depart.wait();
                writeln!(&flux, "zoe")?;
                let gagne = loop {
                    match lire_ligne(&mut lecteur, LIMITE_RECEPTION)? {
                        Ligne::Texte(l) if l.starts_with("= bienvenue") => break true,
                        Ligne::Texte(l) if l.starts_with("ERREUR") => break false,
                        Ligne::Texte(_) => continue,
                        _ => break false,
                    }
                };
                Ok((gagne, flux))
            })
        })
        .collect();
    let mut gagnants = 0;
    let mut connexions = Vec::with_capacity(CANDIDATS);
    for essai in essais {
        let (gagne, flux) = essai
            .join()
            .map_err(|_| anyhow!("un candidat a paniqué"))??;
        if gagne {
            gagnants += 1;
        }
        connexions.push(flux);
    }
    drop(connexions);
    writeln!(
        sortie,
        "[démo] {gagnants} l'obtient, {} reçoivent « ERREUR : le pseudo « zoe » est déjà pris ».",
        CANDIDATS - gagnants
    )?;
    Ok(())
}
