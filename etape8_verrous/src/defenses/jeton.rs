//! Le jeton d'administration : `stop <jeton>` venu d'un client.
//!
//! Attaques : deviner le jeton par milliers d'essais (test
//! `deviner_le_jeton_ferme_la_connexion_apres_trois_essais`), `stop` sans `--jeton-admin` (test
//! `sans_jeton_admin_stop_d_un_client_ne_fait_rien`), mesurer la durée des réponses.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::conversation::deposer_reponse;
use crate::livraison::FileEnvoi;
use crate::partage::Partage;

/// Après tant de jetons faux sur une connexion, elle est fermée.
pub const ESSAIS_JETON: u32 = 3;

/// Après un jeton faux, aucun essai de la même adresse IP n'est examiné pendant ce délai.
pub const PAUSE_JETON: Duration = Duration::from_secs(1);

/// Compare deux jetons en un temps qui ne dépend pas de l'endroit où ils diffèrent : celui qui
/// mesure la durée des réponses n'apprend pas combien de caractères il a trouvés.
pub fn meme_jeton(propose: &str, attendu: &str) -> bool {
    let (a, b) = (propose.as_bytes(), attendu.as_bytes());
    let mut difference = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        difference |= usize::from(x ^ y);
    }
    difference == 0
}

/// `stop <jeton>` venu d'un client. Rend `false` si la connexion doit être fermée (trop d'essais).
///
/// Contre qui devine : un jeton faux ferme la porte aux essais **de la même adresse IP** pendant
/// [`PAUSE_JETON`] (un essai par seconde et par machine, sur autant de connexions qu'on veut), et
/// une connexion qui se trompe [`ESSAIS_JETON`] fois est fermée. La pause est par adresse, et
/// non pour tout le serveur : sinon n'importe qui, en se trompant sans cesse, empêcherait
/// l'administrateur d'arrêter le serveur depuis sa machine. Deviner un jeton de 12 caractères au
/// hasard à un essai par seconde prendrait plus que l'âge de l'univers.
///
/// Aucune autre réponse ne dépend du jeton : un message qui le contiendrait est diffusé comme un
/// autre (le refuser dirait à qui essaie s'il l'a trouvé, des milliers d'essais par ligne).
///
/// La réponse est déposée **avant** de déclencher l'arrêt : l'arrêt ferme les files, et une
/// réponse déposée après serait perdue.
pub(crate) fn demander_arret(
    jeton: &str,
    (pseudo, ip): (&str, IpAddr),
    file: &FileEnvoi,
    partage: &Partage,
    essais: &mut u32,
) -> bool {
    let Some(attendu) = partage
        .config
        .jeton_admin
        .as_deref()
        .filter(|j| !j.is_empty())
    else {
        deposer_reponse(
            file,
            "ERREUR : ce serveur ne s'arrête que depuis sa console (lancé sans --jeton-admin) ; rien n'a changé",
        );
        return true;
    };
    if jeton.is_empty() {
        deposer_reponse(
            file,
            "ERREUR : stop est réservé à l'administrateur (stop <jeton>) ; rien n'a changé",
        );
        return true;
    }
    let maintenant = Instant::now();
    let trop_tot = {
        let mut pauses = crate::verrouiller(&partage.pauses_jeton);
        // Les pauses finies sont oubliées : la table ne garde que les adresses en pause.
        pauses.retain(|_, fin| *fin > maintenant);
        pauses.contains_key(&ip)
    };
    if !trop_tot && meme_jeton(jeton, attendu) {
        deposer_reponse(file, "= arrêt du serveur demandé");
        partage.afficher(&format!(
            "[ARRÊT] Demandé par {pseudo} (jeton d'administration)"
        ));
        partage.arret.declencher();
        return true;
    }
    if !trop_tot {
        crate::verrouiller(&partage.pauses_jeton).insert(ip, maintenant + PAUSE_JETON);
    }
    *essais += 1;
    partage.afficher(&format!(
        "[REFUS] {pseudo} a tenté « stop » sans le bon jeton (essai {essais})"
    ));
    if *essais >= ESSAIS_JETON {
        deposer_reponse(file, "ERREUR : trop d'essais de jeton ; connexion fermée");
        return false;
    }
    let raison = if trop_tot {
        "trop d'essais de jeton, réessayez dans une seconde"
    } else {
        "jeton refusé"
    };
    deposer_reponse(file, &format!("ERREUR : {raison} ; rien n'a changé"));
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::vrai;

    #[test]
    fn les_jetons_se_comparent_exactement() {
        vrai!(meme_jeton("s3cret", "s3cret"));
        for faux in ["", "s3cre", "s3cret2", "S3CRET", "x3cret"] {
            assert!(!meme_jeton(faux, "s3cret"), "{faux}");
        }
    }
}
