//! Les commandes du salon : celles de l'étape 6, plus `/liste` et `/mp`.
//!
//! L'analyse et l'exécution des commandes de texte (`/calcul`, `/majuscules`, `/heure`…) sont
//! celles de l'étape 6, réutilisées telles quelles ([`etape6_commandes::analyser`],
//! [`etape6_commandes::executer`]) : ce module n'ajoute que ce qui touche au salon. Votre code de
//! l'étape 6 sert donc ici.

use etape6_commandes::Session;

pub use etape2_boucle::nettoyer;
pub use etape6_commandes::{LONGUEUR_PSEUDO_MAX, valider_pseudo};

/// Le texte de `/aide`, sur une seule ligne.
pub const AIDE: &str = "commandes : /liste, /mp <pseudo> <texte>, /pseudo <nom>, \
    /calcul <expression>, /majuscules <texte>, /minuscules <texte>, /inverse <texte>, \
    /longueur <texte>, /heure, /aide, /quitter ; une ligne sans / est envoyée à tout le salon";

/// Une commande reconnue, avec ses arguments déjà extraits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Commande {
    /// Une commande de l'étape 6 qui ne touche qu'au texte : `/calcul`, `/majuscules`, `/heure`…
    Texte(etape6_commandes::Commande),
    Aide,
    Pseudo(String),
    Liste,
    Mp {
        destinataire: String,
        texte: String,
    },
    Quitter,
}

/// Ce qu'est une ligne reçue : une commande ou un message pour le salon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entree {
    Commande(Commande),
    Message(String),
}

/// Analyse une ligne : `/liste` et `/mp` ici, tout le reste par l'[`analyser`
/// de l'étape 6](etape6_commandes::analyser).
pub fn analyser(ligne: &str) -> Result<Entree, String> {
    let (nom, argument) = ligne.split_once(' ').unwrap_or((ligne, ""));
    let commande = match nom {
        "/liste" => Commande::Liste,
        // `/mp bob salut à toi` : un second `split_once` sépare le destinataire du texte.
        "/mp" => match argument.trim().split_once(' ') {
            Some((destinataire, texte)) if !texte.trim().is_empty() => Commande::Mp {
                destinataire: destinataire.to_string(),
                texte: texte.trim().to_string(),
            },
            _ => return Err("/mp attend un argument (exemple : /mp bob salut !)".to_string()),
        },
        _ => match etape6_commandes::analyser(ligne)? {
            etape6_commandes::Entree::Message(texte) => return Ok(Entree::Message(texte)),
            etape6_commandes::Entree::Commande(commande) => match commande {
                etape6_commandes::Commande::Aide => Commande::Aide,
                etape6_commandes::Commande::Pseudo(pseudo) => Commande::Pseudo(pseudo),
                etape6_commandes::Commande::Quitter => Commande::Quitter,
                texte => Commande::Texte(texte),
            },
        },
    };
    Ok(Entree::Commande(commande))
}

/// Exécute une commande qui ne touche qu'au texte ; `None` pour celles du salon.
pub fn repondre(commande: &Commande) -> Option<Result<String, String>> {
    match commande {
        Commande::Aide => Some(Ok(AIDE.to_string())),
        // Une commande de texte ne change pas la session : une session neuve suffit.
        Commande::Texte(texte) => Some(etape6_commandes::executer(
            texte.clone(),
            &mut Session::default(),
        )),
        Commande::Pseudo(_) | Commande::Liste | Commande::Mp { .. } | Commande::Quitter => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    fn check(ligne: &str, attendu: Result<Entree, &str>) {
        egal!(
            analyser(ligne),
            attendu.map_err(str::to_string),
            "analyse de {ligne:?}"
        );
    }

    #[test]
    fn l_analyse_des_commandes_du_salon() {
        check("/liste", Ok(Entree::Commande(Commande::Liste)));
        check(
            "/mp bob salut à toi",
            Ok(Entree::Commande(Commande::Mp {
                destinataire: "bob".into(),
                texte: "salut à toi".into(),
            })),
        );
        check(
            "/mp bob",
            Err("/mp attend un argument (exemple : /mp bob salut !)"),
        );
        check(
            "/mp",
            Err("/mp attend un argument (exemple : /mp bob salut !)"),
        );
        check(
            "/calcul 1+1",
            Ok(Entree::Commande(Commande::Texte(
                etape6_commandes::Commande::Calcul("1+1".into()),
            ))),
        );
        check("/xyz", Err("commande inconnue « /xyz » ; tapez /aide"));
        check("salut", Ok(Entree::Message("salut".into())));
    }

    #[test]
    fn les_commandes_de_texte_repondent_ici() {
        egal!(
            repondre(&Commande::Texte(etape6_commandes::Commande::Calcul(
                "6*7".into()
            ))),
            Some(Ok("42".into()))
        );
        egal!(repondre(&Commande::Liste), None);
    }

    #[test]
    fn les_pseudos() {
        vrai!(valider_pseudo("alice").is_ok());
        vrai!(valider_pseudo("Élève-2_b").is_ok());
        for refuse in [
            "",
            "a b",
            "a\u{1b}[31m",
            "x".repeat(21).as_str(),
            "a:b",
            "*",
        ] {
            assert!(valider_pseudo(refuse).is_err(), "{refuse:?}");
        }
    }

    #[test]
    fn nettoyer_neutralise_les_echappements() {
        egal!(nettoyer("\u{1b}[2Jfaux\r\n"), "\\u{1b}[2Jfaux\\r\\n");
    }
}
