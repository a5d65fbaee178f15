//! Celui qui inonde paie : un débit par émetteur.
//!
//! Attaque : faire couper un lecteur lent en inondant le salon. Test :
//! `un_lecteur_lent_recoit_un_long_copier_coller_en_entier`.

use std::time::{Duration, Instant};

/// Le débit permis à chaque émetteur, en octets par seconde (voir [`Budget`]).
pub const DEBIT_EMETTEUR: usize = 2 * 1024 * 1024;

/// Ce qu'un émetteur peut envoyer d'un coup avant d'être tenu à [`DEBIT_EMETTEUR`].
pub const RESERVE_EMETTEUR: usize = 2 * 1024 * 1024;

/// Le débit permis à un émetteur : un seau de jetons.
///
/// Le seau contient au plus [`RESERVE_EMETTEUR`] octets et se remplit de [`DEBIT_EMETTEUR`]
/// octets par seconde. Ce que chaque ligne a fait produire au serveur (le texte diffusé, une fois
/// échappé ; la réponse d'une commande) le vide d'autant ; quand il est à sec, le thread de
/// lecture de l'émetteur fait une pause ([`Budget::payer`] dit combien) avant de lire la ligne
/// suivante. Pendant ce temps il ne lit plus sa socket : ce sont les tampons TCP de l'émetteur qui
/// se remplissent, et TCP ralentit **le programme qui inonde**. Personne d'autre n'attend.
#[derive(Debug)]
pub struct Budget {
    jetons: f64,
    dernier: Instant,
}

impl Budget {
    /// Un seau plein.
    pub fn new(maintenant: Instant) -> Budget {
        Budget {
            jetons: RESERVE_EMETTEUR as f64,
            dernier: maintenant,
        }
    }

    /// Paie `octets` à l'instant `maintenant` ; rend la pause à faire avant la ligne suivante.
    pub fn payer(&mut self, octets: usize, maintenant: Instant) -> Duration {
        let ecoule = maintenant.saturating_duration_since(self.dernier);
        self.dernier = maintenant;
        self.jetons = (self.jetons + ecoule.as_secs_f64() * DEBIT_EMETTEUR as f64)
            .min(RESERVE_EMETTEUR as f64)
            - octets as f64;
        if self.jetons >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.jetons / DEBIT_EMETTEUR as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    #[test]
    fn le_budget_laisse_passer_la_reserve_puis_tient_au_debit() {
        let debut = Instant::now();
        let mut budget = Budget::new(debut);
        egal!(budget.payer(RESERVE_EMETTEUR, debut), Duration::ZERO);
        let pause = budget.payer(DEBIT_EMETTEUR / 2, debut);
        assert!(
            (pause.as_secs_f64() - 0.5).abs() < 1e-6,
            "une demi-seconde de débit à rattraper : {pause:?}"
        );
        // Une seconde plus tard, le seau a regagné une seconde de débit (moins la dette).
        let plus_tard = debut + Duration::from_secs(1);
        egal!(budget.payer(DEBIT_EMETTEUR / 2, plus_tard), Duration::ZERO);
    }

    #[test]
    fn le_budget_ne_depasse_jamais_la_reserve() {
        let debut = Instant::now();
        let mut budget = Budget::new(debut);
        let longtemps = debut + Duration::from_secs(3600);
        vrai!(budget.payer(RESERVE_EMETTEUR + 1, longtemps) > Duration::ZERO);
    }
}
