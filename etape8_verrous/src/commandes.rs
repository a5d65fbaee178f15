//! Les commandes du salon : celles de l'étape 7, plus `bye` (comme `/quitter`) et
//! `stop <jeton>` (arrêt du serveur, réservé à l'administrateur).
//!
//! L'analyse est la même qu'à l'étape 6 (`split_once(' ')`, une `enum`, un `match` exhaustif) ;
//! les commandes qui ne touchent qu'au texte sont exécutées ici ([`repondre`]), celles qui
//! touchent au salon ou au serveur par le serveur.

use etape6_commandes::Session;
use etape7_multiclients::commandes::{Commande as CommandeSalon, Entree as EntreeSalon};

/// Longueur maximale d'un pseudo, en caractères.
pub const LONGUEUR_PSEUDO_MAX: usize = 20;

/// Le texte de `/aide`, sur une seule ligne.
pub const AIDE: &str = "commandes : /liste, /mp <pseudo> <texte>, /pseudo <nom>, \
    /calcul <expression>, /majuscules <texte>, /minuscules <texte>, /inverse <texte>, \
    /longueur <texte>, /heure, /aide, /quitter (ou bye) ; une ligne sans / est envoyée à tout le \
    salon";

/// Une commande reconnue : celles de l'étape 7, plus `stop`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Commande {
    /// Une commande de l'étape 7 (`/liste`, `/mp`, `/pseudo`, `/quitter`, celles de l'étape 6…).
    Salon(CommandeSalon),
    /// `stop <jeton>` : arrêter le serveur, si le jeton est celui de l'administrateur.
    Stop(String),
}

/// Ce qu'est une ligne reçue : une commande ou un message pour le salon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entree {
    Commande(Commande),
    Message(String),
}

/// Analyse une ligne : `bye` et `stop` ici, tout le reste par l'[`analyser`
/// de l'étape 7](etape7_multiclients::commandes::analyser).
///
/// Deux mots sans `/` sont des commandes, hérités du serveur d'origine : `bye` (partir) et
/// `stop` (arrêter le serveur). `stop` est **exact** : `stop` seul ou `stop <jeton>` (un seul mot
/// après, en majuscules ou en minuscules : `STOP s3cret` n'est jamais diffusé, le jeton d'un
/// administrateur maladroit ne s'affiche chez personne). « stop la musique » est un message.
pub fn analyser(ligne: &str) -> Result<Entree, String> {
    if ligne == "bye" {
        return Ok(Entree::Commande(Commande::Salon(CommandeSalon::Quitter)));
    }
    let mut mots = ligne.split_whitespace();
    if mots
        .next()
        .is_some_and(|mot| mot.eq_ignore_ascii_case("stop"))
    {
        let jeton = mots.next().unwrap_or("").to_string();
        if mots.next().is_none() {
            return Ok(Entree::Commande(Commande::Stop(jeton)));
        }
    }
    Ok(match etape7_multiclients::commandes::analyser(ligne)? {
        EntreeSalon::Message(texte) => Entree::Message(texte),
        EntreeSalon::Commande(commande) => Entree::Commande(Commande::Salon(commande)),
    })
}

/// Exécute une commande qui ne touche qu'au texte ; `None` pour celles du salon.
pub fn repondre(commande: &Commande) -> Option<Result<String, String>> {
    match commande {
        Commande::Salon(CommandeSalon::Aide) => Some(Ok(AIDE.to_string())),
        // Une commande de texte ne change pas la session : une session neuve suffit.
        Commande::Salon(CommandeSalon::Texte(texte)) => Some(etape6_commandes::executer(
            texte.clone(),
            &mut Session::default(),
        )),
        Commande::Salon(_) | Commande::Stop(_) => None,
    }
}

/// Les lettres accentuées du français permises dans un pseudo, avec leur lettre de base.
const ACCENTS: [(char, &str); 18] = [
    ('à', "a"),
    ('â', "a"),
    ('ä', "a"),
    ('ç', "c"),
    ('é', "e"),
    ('è', "e"),
    ('ê', "e"),
    ('ë', "e"),
    ('î', "i"),
    ('ï', "i"),
    ('ô', "o"),
    ('ö', "o"),
    ('ù', "u"),
    ('û', "u"),
    ('ü', "u"),
    ('ÿ', "y"),
    ('œ', "oe"),
    ('æ', "ae"),
];

/// Vérifie un pseudo : 1 à [`LONGUEUR_PSEUDO_MAX`] caractères, lettres latines (avec les accents
/// du français), chiffres, `-` ou `_`.
///
/// Une liste de caractères **permis** plutôt qu'une liste d'interdits : ni espace, ni caractère de
/// contrôle, ni séquence d'échappement ne peuvent passer, et personne ne peut se faire passer
/// pour « alice » avec un « а » cyrillique ou un « ａ » pleine largeur, qui s'affichent pareil.
pub fn valider_pseudo(pseudo: &str) -> Result<(), String> {
    if pseudo.chars().count() > LONGUEUR_PSEUDO_MAX {
        return Err(format!(
            "pseudo refusé : {LONGUEUR_PSEUDO_MAX} caractères au plus"
        ));
    }
    let permis = |c: char| {
        c.is_ascii_alphanumeric()
            || c == '-'
            || c == '_'
            || ACCENTS.iter().any(|&(a, _)| c.to_lowercase().eq([a]))
    };
    if pseudo.is_empty() || !pseudo.chars().all(permis) {
        return Err(
            "pseudo refusé : lettres (accents du français compris), chiffres, « - » et « _ » seulement"
                .to_string(),
        );
    }
    Ok(())
}

/// La clé sous laquelle un pseudo est unique : en minuscules, sans accents, et avec les signes
/// qui se confondent à l'écran réunis (`i`, `l` et `1` ; `o` et `0`, après passage en minuscules).
/// « Élodie », « elodie » et « ELODIE » sont le même pseudo, comme « alice » et « aIice ».
pub fn cle_pseudo(pseudo: &str) -> String {
    let mut cle = String::with_capacity(pseudo.len());
    for c in pseudo.chars().flat_map(char::to_lowercase) {
        match ACCENTS.iter().find(|&&(a, _)| a == c) {
            Some((_, base)) => cle.push_str(base),
            None => cle.push(match c {
                'i' | '1' => 'l',
                '0' => 'o',
                autre => autre,
            }),
        }
    }
    cle
}

/// Vrai pour les caractères invisibles qui changent l'affichage : espaces de largeur nulle,
/// marques et remplacements de direction (U+202E retourne le texte qui suit), séparateurs de
/// ligne Unicode, indicateur d'ordre des octets, caractères « étiquettes » (texte caché), lettres
/// de remplissage coréennes qui s'affichent comme un blanc.
fn est_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{0600}'..='\u{0605}' | '\u{115F}' | '\u{1160}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}')
}

/// Rend visibles les caractères de contrôle (sauf la tabulation) et les caractères invisibles de
/// mise en forme : ni séquence ANSI, ni `\r`, ni inversion du sens d'écriture ne doivent
/// atteindre le terminal d'un autre client ou le journal.
pub fn nettoyer(texte: &str) -> String {
    let mut propre = String::with_capacity(texte.len());
    for c in texte.chars() {
        if (c.is_control() && c != '\t') || est_invisible(c) {
            propre.extend(c.escape_unicode());
        } else {
            propre.push(c);
        }
    }
    propre
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
        check(
            "/liste",
            Ok(Entree::Commande(Commande::Salon(CommandeSalon::Liste))),
        );
        check(
            "/mp bob salut à toi",
            Ok(Entree::Commande(Commande::Salon(CommandeSalon::Mp {
                destinataire: "bob".into(),
                texte: "salut à toi".into(),
            }))),
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
            Ok(Entree::Commande(Commande::Salon(CommandeSalon::Texte(
                etape6_commandes::Commande::Calcul("1+1".into()),
            )))),
        );
        check("/xyz", Err("commande inconnue « /xyz » ; tapez /aide"));
        check("salut", Ok(Entree::Message("salut".into())));
        check(
            "bye",
            Ok(Entree::Commande(Commande::Salon(CommandeSalon::Quitter))),
        );
        check("bye bye", Ok(Entree::Message("bye bye".into())));
        check("stop", Ok(Entree::Commande(Commande::Stop(String::new()))));
        check(
            "stop  s3cret ",
            Ok(Entree::Commande(Commande::Stop("s3cret".into()))),
        );
        check("stopper", Ok(Entree::Message("stopper".into())));
        check(
            "STOP s3cret",
            Ok(Entree::Commande(Commande::Stop("s3cret".into()))),
        );
        check(
            "stop la musique",
            Ok(Entree::Message("stop la musique".into())),
        );
    }

    #[test]
    fn les_commandes_de_texte_repondent_ici() {
        egal!(
            repondre(&Commande::Salon(CommandeSalon::Texte(
                etape6_commandes::Commande::Calcul("6*7".into())
            ))),
            Some(Ok("42".into()))
        );
        egal!(repondre(&Commande::Salon(CommandeSalon::Liste)), None);
    }

    #[test]
    fn les_pseudos() {
        vrai!(valider_pseudo("alice").is_ok());
        vrai!(valider_pseudo("Élève-2_b").is_ok());
        vrai!(valider_pseudo("Chloé").is_ok());
        vrai!(valider_pseudo("Zoë_Œuvre").is_ok());
        for refuse in [
            "",
            "a b",
            "a\u{1b}[31m",
            "x".repeat(21).as_str(),
            "a:b",
            "*",
            "\u{430}lice",
            "\u{ff41}lice",
            "straße",
            "ali\u{200b}ce",
        ] {
            assert!(valider_pseudo(refuse).is_err(), "{refuse:?}");
        }
    }

    #[test]
    fn nettoyer_neutralise_les_echappements() {
        egal!(nettoyer("\u{1b}[2Jfaux\r\n"), "\\u{1b}[2Jfaux\\u{d}\\u{a}");
        egal!(
            nettoyer("a\u{202e}b\u{200b}c\u{2028}\u{feff}"),
            "a\\u{202e}b\\u{200b}c\\u{2028}\\u{feff}"
        );
        egal!(nettoyer("tab\tok é"), "tab\tok é");
    }

    #[test]
    fn la_cle_d_un_pseudo_oublie_casse_et_accents() {
        egal!(cle_pseudo("Élodie"), "elodle");
        egal!(cle_pseudo("ŒUVRE"), "oeuvre");
        egal!(cle_pseudo("Zoë"), cle_pseudo("zoe"));
        egal!(cle_pseudo("aIice"), cle_pseudo("alice"));
        egal!(cle_pseudo("b0b"), cle_pseudo("bob"));
    }
}
