//! Le programme serveur : réserver le port, préparer le serveur, lire la console, servir.

use std::io::{self, BufRead};
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Context;

use crate::commandes::nettoyer;
use crate::config::Config;
use crate::serveur::{Arret, Serveur};
use crate::sortie::Sortie;

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Lance le serveur complet : réserve le port, prépare le serveur, annonce l'adresse, lit la
/// console dans un thread (`stop` arrête), fait de Ctrl-C un `stop`, sert jusqu'à l'arrêt.
pub fn lancer_serveur(adresse: IpAddr, port: u16, config: Config) -> anyhow::Result<()> {
    let jeton_court = config.jeton_admin.as_deref().is_some_and(|j| j.len() < 12);
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let serveur = Serveur::new(ecoute, config)?;
    let console = serveur.console();
    console.ligne(&format!(
        "[ÉCOUTE] Serveur en écoute sur {}",
        serveur.adresse()?
    ));
    if jeton_court {
        console.ligne(
            "[ATTENTION] Jeton d'administration court : un jeton de 12 caractères au hasard ou \
             plus résiste aux essais (voir l'aide de --jeton-admin)",
        );
    }
    let arret = serveur.arret();
    // Ctrl-C (et SIGTERM sous Linux et macOS) : la bibliothèque standard ne sait pas les
    // intercepter, d'où le petit paquet `ctrlc` (voir le README). Sans lui, le système tuerait
    // le programme sur-le-champ, sans prévenir personne.
    let (arret_du_signal, console_du_signal) = (Arc::clone(&arret), Arc::clone(&console));
    if let Err(erreur) = ctrlc::set_handler(move || {
        console_du_signal.ligne("[ARRÊT] Demandé par Ctrl-C");
        arret_du_signal.declencher();
    }) {
        console.ligne(&format!(
            "[ATTENTION] Ctrl-C arrêtera le serveur sans prévenir les clients : {erreur}"
        ));
    }
    // Ce thread n'est pas attendu : la bibliothèque standard ne sait pas interrompre une lecture
    // bloquante du clavier. Il ne tient qu'une poignée sur `Arret`, rien qui retienne l'arrêt.
    let pour_le_clavier = Arc::clone(&console);
    thread::spawn(move || lire_console(io::stdin().lock(), &arret, &pour_le_clavier));
    let servi = serveur.servir();
    if servi.is_ok() {
        console.ligne("[ARRÊT] Serveur arrêté proprement.");
    }
    // Une console que personne ne lit ne retient pas l'arrêt plus d'une seconde.
    let _ = console.terminer(Some(Duration::from_secs(1)));
    servi.context("le serveur s'est arrêté sur une erreur")
}

/// Lit les commandes de la console du serveur : `stop` demande l'arrêt ; les réponses vont sur
/// `console`.
pub fn lire_console(console_serveur: impl BufRead, arret: &Arret, console: &Sortie) {
    for ligne in console_serveur.lines().map_while(Result::ok) {
        match ligne.trim() {
            "stop" => {
                console.ligne("[ARRÊT] Demandé depuis la console");
                arret.declencher();
                return;
            }
            "" => {}
            autre => console.ligne(&format!(
                "[CONSOLE] « {} » inconnu ; tapez stop pour arrêter le serveur",
                nettoyer(autre)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::vrai;
    use std::io::Cursor;

    #[test]
    fn la_console_arrete_sur_stop_seulement() -> io::Result<()> {
        let ecoute = TcpListener::bind("127.0.0.1:0")?;
        let arret = Arret::new(ecoute.local_addr()?);
        let console = Sortie::muette()?;
        lire_console(Cursor::new("bonjour\n\n"), &arret, &console);
        vrai!(!arret.est_demande());
        lire_console(Cursor::new("  stop \n"), &arret, &console);
        vrai!(arret.est_demande());
        // Le réveil s'est connecté à l'écoute : `accept` a de quoi rendre la main.
        ecoute.accept()?;
        Ok(())
    }
}
