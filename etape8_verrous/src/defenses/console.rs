//! La console du serveur, qui peut bloquer elle aussi : un thread écrit, les autres déposent
//! sans attendre.
//!
//! Attaque : une console fermée, ou un tube que personne ne lit (`serveur | less` en pause, un
//! superviseur bloqué). Test : `une_console_fermee_ou_qui_ne_suit_plus_n_arrete_pas_le_salon`.

use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

/// Ce que reçoit le thread de la console.
enum PourLaConsole {
    Ligne(String),
    /// « Préviens-moi quand tout ce qui précède est écrit. »
    Vider(mpsc::Sender<()>),
}

/// Le canal vers le thread de la console, une fois lancé par [`crate::lancer_serveur`].
static CONSOLE: OnceLock<SyncSender<PourLaConsole>> = OnceLock::new();

/// Les lignes de console perdues parce que la console ne suivait pas.
static PERDUES: AtomicUsize = AtomicUsize::new(0);

/// Écrit une ligne sur la console du serveur, **sans jamais attendre**.
///
/// La console aussi est une entrée-sortie qui peut bloquer : si la sortie standard est un tube que
/// personne ne lit (`serveur | less` en pause, un superviseur bloqué), `println!` attend, et tout
/// thread qui écrit un événement attendrait avec lui, la boucle d'acceptation comprise. Les lignes
/// passent donc par un canal borné vers un thread qui écrit ; canal plein, la ligne est perdue (et
/// comptée), mais personne n'attend. Une console fermée n'est pas non plus une raison de tomber :
/// l'erreur d'écriture est ignorée.
pub fn console(texte: &str) {
    match CONSOLE.get() {
        Some(envoi) => {
            if envoi
                .try_send(PourLaConsole::Ligne(texte.to_string()))
                .is_err()
            {
                PERDUES.fetch_add(1, Ordering::Relaxed);
            }
        }
        None => {
            let _ = writeln!(io::stdout().lock(), "{texte}");
        }
    }
}

/// Lance le thread de la console (une fois par processus).
pub(crate) fn lancer_la_console() {
    let (envoi, reception) = mpsc::sync_channel::<PourLaConsole>(4096);
    if CONSOLE.set(envoi).is_err() {
        return;
    }
    // Ce thread n'est pas attendu : il peut rester bloqué sur une console qui ne lit plus.
    let _ = thread::Builder::new()
        .name("console".to_string())
        .spawn(move || {
            for message in reception {
                let mut sortie = io::stdout().lock();
                match message {
                    PourLaConsole::Ligne(texte) => {
                        let _ = writeln!(sortie, "{texte}");
                    }
                    PourLaConsole::Vider(fait) => {
                        let _ = sortie.flush();
                        let _ = fait.send(());
                    }
                }
                let perdues = PERDUES.swap(0, Ordering::Relaxed);
                if perdues > 0 {
                    let _ = writeln!(
                        sortie,
                        "[ATTENTION] {perdues} lignes de console perdues : la console ne suivait pas"
                    );
                }
            }
        });
}

/// Attend, au plus `delai`, que la console ait écrit tout ce qu'on lui a confié.
pub(crate) fn vider_la_console(delai: Duration) {
    let Some(envoi) = CONSOLE.get() else {
        return;
    };
    let echeance = Instant::now() + delai;
    let (fait, attendre) = mpsc::channel();
    let mut message = PourLaConsole::Vider(fait);
    loop {
        match envoi.try_send(message) {
            Ok(()) => break,
            Err(TrySendError::Full(rendu)) if Instant::now() < echeance => {
                message = rendu;
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return,
        }
    }
    let _ = attendre.recv_timeout(echeance.saturating_duration_since(Instant::now()));
}
