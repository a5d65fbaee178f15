//! La liste noire : les adresses IP refusées, une par ligne, relues à chaque connexion.
//!
//! ```text
//! # Commentaire : tout ce qui suit un # est ignoré
//! 192.168.1.66
//! 10.0.0.13   # la machine du fond
//! ```
//!
//! Relire le fichier à chaque connexion coûte une lecture de quelques octets ; en échange, une
//! modification s'applique dès la connexion suivante, sans redémarrer le serveur.

use std::collections::HashSet;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Le fichier de la liste noire, s'il y en a un.
#[derive(Clone, Debug, Default)]
pub struct ListeNoire {
    chemin: Option<PathBuf>,
}

impl ListeNoire {
    /// Une liste lue dans `chemin` à chaque connexion ; sans chemin, personne n'est refusé.
    ///
    /// Le fichier est lu une première fois ici, pour qu'une faute de chemin soit une erreur au
    /// démarrage plutôt qu'une surprise à la première connexion.
    pub fn new(chemin: Option<&Path>) -> io::Result<ListeNoire> {
        if let Some(chemin) = chemin {
            std::fs::read_to_string(chemin)?;
        }
        Ok(ListeNoire {
            chemin: chemin.map(Path::to_path_buf),
        })
    }

    /// Vrai si `ip` est dans le fichier tel qu'il est maintenant.
    pub fn refuse(&self, ip: IpAddr) -> io::Result<bool> {
        match &self.chemin {
            None => Ok(false),
            Some(chemin) => Ok(analyser(&std::fs::read_to_string(chemin)?).contains(&ip)),
        }
    }
}

/// Les adresses d'un texte de liste noire ; une ligne qui n'est pas une adresse est ignorée.
pub fn analyser(texte: &str) -> HashSet<IpAddr> {
    texte
        .lines()
        .map(|ligne| ligne.split('#').next().unwrap_or("").trim())
        .filter_map(|mot| mot.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commentaires_lignes_vides_et_erreurs_sont_ignores() {
        let liste =
            analyser("# titre\n\n10.0.0.1\n  ::1  # boucle IPv6\nn'importe quoi\n300.1.1.1\n");
        let attendu: HashSet<IpAddr> = ["10.0.0.1", "::1"]
            .iter()
            .filter_map(|ip| ip.parse().ok())
            .collect();
        assert_eq!(liste, attendu);
    }
}
