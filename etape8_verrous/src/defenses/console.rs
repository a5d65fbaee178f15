//! La console du serveur, qui peut bloquer elle aussi : une [`Sortie`] qui perd plutôt que
//! d'attendre.
//!
//! Attaque : une console fermée, ou un tube que personne ne lit (`serveur | less` en pause, un
//! superviseur bloqué). Test : `une_console_fermee_ou_qui_ne_suit_plus_n_arrete_pas_le_salon`.
//!
//! La console aussi est une entrée-sortie qui peut bloquer : si la sortie standard est un tube que
//! personne ne lit, `println!` attend, et tout thread qui écrit un événement attendrait avec lui,
//! la boucle d'accueil comprise. Les lignes passent donc par une sortie ([`crate::sortie`]) :
//! déposées sans attendre, écrites par un seul thread ; au-delà de [`RETARD_CONSOLE`], une ligne
//! est perdue, et la console le dit dès qu'elle reprend. Une console fermée n'est pas non plus une
//! raison de tomber : l'erreur d'écriture est ignorée.

use std::io::{self, Write};

use crate::sortie::{Debord, PourLEcrivain, Sortie};

/// Le retard de la console, en octets, au-delà duquel une ligne de console est perdue.
pub const RETARD_CONSOLE: usize = 1024 * 1024;

/// Lance le thread de la console (la sortie standard) et rend la sortie qui le nourrit.
pub fn ouvrir_console() -> io::Result<Sortie> {
    Sortie::lancer(
        "console",
        Debord::Perdre {
            seuil: RETARD_CONSOLE,
        },
        ecrire_la_console,
    )
}

/// Le thread de la console : écrit chaque lot sur la sortie standard, puis dit combien de lignes
/// ont été perdues pendant qu'il était bloqué.
fn ecrire_la_console(ecrivain: PourLEcrivain) {
    let mut lot = Vec::new();
    while ecrivain.file.prendre(&mut lot) {
        let mut sortie = io::stdout().lock();
        for ligne in lot.drain(..) {
            let _ = writeln!(sortie, "{ligne}");
        }
        let perdues = ecrivain.perdues();
        if perdues > 0 {
            let _ = writeln!(
                sortie,
                "[ATTENTION] {perdues} lignes de console perdues : la console ne suivait pas"
            );
        }
        let _ = sortie.flush();
    }
}
