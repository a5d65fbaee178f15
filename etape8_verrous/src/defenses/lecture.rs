//! Lire une socket avec une **échéance globale**, pas seulement un délai par lecture.
//!
//! Attaque : des centaines de connexions qui ne choisissent jamais de pseudo, même goutte à goutte
//! (un octet toutes les 29 s). Test : `une_connexion_qui_ne_choisit_pas_de_pseudo_a_temps_est_fermee`.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

/// Une lecture de socket qui respecte une **échéance globale**, pas seulement un délai par
/// lecture.
///
/// Un délai par lecture (`set_read_timeout`) ne suffit pas contre un client qui envoie un octet
/// toutes les 29 s : chaque lecture réussit, et la ligne n'en finit pas. Avant chaque lecture, on
/// règle donc le délai sur ce qui **reste** jusqu'à l'échéance. Sans échéance, on lit sans délai.
#[derive(Debug)]
pub struct LectureBornee<'a> {
    pub(crate) flux: &'a TcpStream,
    /// Au-delà, chaque lecture échoue avec `TimedOut`.
    pub echeance: Option<Instant>,
}

impl Read for LectureBornee<'_> {
    fn read(&mut self, tampon: &mut [u8]) -> io::Result<usize> {
        let delai = match self.echeance {
            None => None,
            Some(echeance) => {
                let reste = echeance.saturating_duration_since(Instant::now());
                if reste.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                Some(reste)
            }
        };
        self.flux.set_read_timeout(delai)?;
        let mut flux = self.flux;
        flux.read(tampon)
    }
}
