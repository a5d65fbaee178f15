//! Reculer quand `accept` échoue.
//!
//! Attaque : épuiser les descripteurs de fichiers du serveur (`EMFILE`). Test :
//! `quand_les_descripteurs_manquent_accept_recule_et_le_dit_une_fois`.

use std::time::Duration;

/// Le recul après un échec d'`accept` : 10 ms, puis le double à chaque échec, jusqu'à 1 s.
///
/// Quand le processus n'a plus de descripteurs de fichiers (`EMFILE`, « Too many open files »),
/// `accept` échoue **aussitôt**, et la connexion reste dans la file d'attente : réessayer sans
/// pause ferait tourner un cœur à vide et écrirait des millions de lignes d'erreur. On attend
/// donc, de plus en plus, et on ne le dit qu'une fois par épisode.
#[derive(Debug, Default)]
pub struct Recul {
    pause: Duration,
}

impl Recul {
    /// Un échec de plus : rend la pause à faire, et vrai si c'est le premier de l'épisode.
    pub fn echec(&mut self) -> (Duration, bool) {
        let premier = self.pause.is_zero();
        self.pause = (self.pause * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
        (self.pause, premier)
    }

    /// Un succès : rend vrai s'il termine un épisode d'échecs.
    pub fn succes(&mut self) -> bool {
        !std::mem::take(&mut self.pause).is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    #[test]
    fn le_recul_double_jusqu_a_une_seconde_et_ne_parle_qu_une_fois_par_episode() {
        let mut recul = Recul::default();
        egal!(recul.echec(), (Duration::from_millis(10), true));
        egal!(recul.echec(), (Duration::from_millis(20), false));
        for _ in 0..20 {
            recul.echec();
        }
        egal!(recul.echec(), (Duration::from_secs(1), false));
        assert!(recul.succes(), "le succès termine l'épisode");
        vrai!(!recul.succes());
        egal!(recul.echec(), (Duration::from_millis(10), true));
    }
}
