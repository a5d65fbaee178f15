//! La démo : le scénario de l'étape, joué dans un seul processus (voir « Résultat attendu » dans
//! l'énoncé).

use std::io::{BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::anyhow;

use crate::commandes::nettoyer;
use crate::{Arret, Config, LIMITE_RECEPTION, Ligne, Serveur, lire_ligne, ouvrir_ecoute};

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

/// Un serveur de démo qui tourne dans un thread, sans journal à l'écran.
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
        bavard: false,
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
    // Le second serveur est arrêté comme depuis sa console.
    second.arret.declencher();
    second.attendre_la_fin()
}
