//! Les réglages du serveur et leurs bornes. Tout ce qui vient de la ligne de commande est vérifié
//! ici, **au démarrage** ([`Config::verifier`]) : une option hors limites est une phrase, jamais
//! une panique ni une surprise plus tard.

use std::path::PathBuf;
use std::time::Duration;

use crate::livraison::LIMITE_RETARD;

/// Le délai par défaut pour choisir un pseudo.
pub const DELAI_PSEUDO: Duration = Duration::from_secs(30);

/// Le fichier journal par défaut.
pub const JOURNAL_DEFAUT: &str = "chat_log.txt";

/// Combien de lignes d'historique reçoit un nouveau venu, par défaut.
pub const HISTORIQUE_DEFAUT: usize = 20;

/// Le nombre maximal de connexions simultanées par défaut. Chaque connexion tient un descripteur
/// de fichier ; la limite habituelle d'un processus est 1 024 (`ulimit -n`) : 500 laisse de la
/// marge.
pub const MAX_CLIENTS_DEFAUT: usize = 500;

/// Le plus grand `--historique` permis. L'historique envoyé à un nouveau venu est de toute façon
/// limité à la moitié de sa file (voir [`crate::salon::Salon::inscrire`]) : de longues lignes le raccourcissent.
pub const HISTORIQUE_MAX: usize = 1000;

/// Un mébioctet (Mio), pour dire les tailles.
pub const MIO: usize = 1024 * 1024;

/// Ce qui se règle au lancement du serveur.
#[derive(Clone, Debug)]
pub struct Config {
    /// Le fichier journal (créé s'il n'existe pas, complété sinon).
    pub journal: PathBuf,
    /// Combien de lignes d'historique un nouveau venu reçoit (au plus [`HISTORIQUE_MAX`]).
    pub historique: usize,
    /// Le fichier de la liste noire, s'il y en a un.
    pub liste_noire: Option<PathBuf>,
    /// Le jeton qui autorise `stop <jeton>` depuis un client ; sans jeton, seule la console
    /// arrête le serveur.
    pub jeton_admin: Option<String>,
    /// Nombre maximal de connexions simultanées, pseudo choisi ou non.
    pub max_clients: usize,
    /// Le temps laissé à une connexion pour choisir son pseudo ; ensuite elle est fermée.
    pub delai_pseudo: Duration,
    /// Le retard maximal d'un client, en octets (voir [`LIMITE_RETARD`], la valeur par défaut).
    pub limite_retard: usize,
    /// Écrire les événements sur la console (la sortie standard).
    pub evenements: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            journal: PathBuf::from(JOURNAL_DEFAUT),
            historique: HISTORIQUE_DEFAUT,
            liste_noire: None,
            jeton_admin: None,
            max_clients: MAX_CLIENTS_DEFAUT,
            delai_pseudo: DELAI_PSEUDO,
            limite_retard: LIMITE_RETARD,
            evenements: true,
        }
    }
}

impl Config {
    /// Refuse, par une phrase qui nomme l'option, un réglage hors de ses bornes.
    pub fn verifier(&self) -> anyhow::Result<()> {
        if self.historique > HISTORIQUE_MAX {
            anyhow::bail!(
                "--historique {} : au plus {HISTORIQUE_MAX} lignes d'historique",
                self.historique
            );
        }
        if !(MIO..=1024 * MIO).contains(&self.limite_retard) {
            anyhow::bail!(
                "--limite-retard {} : choisissez entre 1 et 1024 Mio",
                self.limite_retard / MIO
            );
        }
        if self.max_clients == 0 {
            anyhow::bail!("--max-clients 0 : il faut au moins une connexion");
        }
        if !(1..=3600).contains(&self.delai_pseudo.as_secs()) {
            anyhow::bail!(
                "--delai-pseudo {} : choisissez entre 1 et 3600 secondes",
                self.delai_pseudo.as_secs()
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::vrai;

    #[test]
    fn les_reglages_par_defaut_sont_acceptes_et_chaque_borne_refusee() {
        vrai!(Config::default().verifier().is_ok());
        let refuses = [
            Config {
                historique: HISTORIQUE_MAX + 1,
                ..Config::default()
            },
            Config {
                limite_retard: MIO - 1,
                ..Config::default()
            },
            Config {
                limite_retard: 1024 * MIO + 1,
                ..Config::default()
            },
            Config {
                max_clients: 0,
                ..Config::default()
            },
            Config {
                delai_pseudo: Duration::ZERO,
                ..Config::default()
            },
            Config {
                delai_pseudo: Duration::from_secs(3601),
                ..Config::default()
            },
        ];
        for config in refuses {
            assert!(config.verifier().is_err(), "{config:?}");
        }
        let limites = [
            Config {
                historique: HISTORIQUE_MAX,
                ..Config::default()
            },
            Config {
                limite_retard: MIO,
                ..Config::default()
            },
            Config {
                limite_retard: 1024 * MIO,
                ..Config::default()
            },
            Config {
                max_clients: 1,
                ..Config::default()
            },
            Config {
                delai_pseudo: Duration::from_secs(1),
                ..Config::default()
            },
            Config {
                delai_pseudo: Duration::from_secs(3600),
                ..Config::default()
            },
        ];
        for config in limites {
            assert!(config.verifier().is_ok(), "{config:?}");
        }
    }
}
