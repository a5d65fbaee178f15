//! Les messages du système et de la ligne de commande, en français.
//!
//! Ce module n'est pas une leçon du TP : il est donné, et toutes les étapes l'utilisent.
//!
//! - `clap` écrit ses erreurs en anglais (« error: unexpected argument '--inconnu' found ») :
//!   [`lire_options`] garde l'aide (rédigée en français) et traduit les erreurs courantes.
//! - Le système aussi (« Connection reset by peer ») : [`erreur_systeme`] dit les erreurs
//!   courantes en français et garde le texte du système en détail, entre parenthèses ;
//!   [`phrase`] fait de même pour chaque maillon d'une erreur `anyhow`.

use std::io;
use std::process;

use clap::Parser;
use clap::error::{ContextKind, ErrorKind};

/// Lit les options du programme ; sur une erreur, l'écrit en français et termine avec le code 2
/// (celui d'une ligne de commande invalide, comme `clap`).
pub fn lire_options<T: Parser>() -> T {
    T::try_parse().unwrap_or_else(|erreur| {
        if matches!(
            erreur.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            erreur.exit();
        }
        eprintln!(
            "Erreur : {}.\nPour la liste des options : --help",
            erreur_clap(&erreur)
        );
        process::exit(2);
    })
}

/// La phrase française d'une erreur de `clap`.
pub fn erreur_clap(erreur: &clap::Error) -> String {
    let contexte = |cle| erreur.get(cle).map(ToString::to_string).unwrap_or_default();
    let option = contexte(ContextKind::InvalidArg);
    let valeur = contexte(ContextKind::InvalidValue);
    match erreur.kind() {
        ErrorKind::UnknownArgument => format!("option inconnue « {option} »"),
        ErrorKind::InvalidSubcommand => format!(
            "commande inconnue « {} » (les commandes sont listées par --help)",
            contexte(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue if valeur.is_empty() => {
            format!("il manque la valeur de {option}")
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let raison = std::error::Error::source(erreur)
                .map(|cause| format!(" : {}", raison_en_francais(&cause.to_string())))
                .unwrap_or_default();
            format!("valeur refusée « {valeur} » pour {option}{raison}")
        }
        ErrorKind::MissingRequiredArgument => format!("il manque {option}"),
        ErrorKind::ArgumentConflict => format!(
            "{option} ne peut pas aller avec {}",
            contexte(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("nombre de valeurs incorrect pour {option}")
        }
        autre => format!("ligne de commande invalide (détail : {autre})"),
    }
}

/// Les raisons que donnent les conversions de la bibliothèque standard et de `clap`, en
/// français ; une raison déjà française passe telle quelle.
fn raison_en_francais(raison: &str) -> String {
    if let Some((_, bornes)) = raison.split_once(" is not in ") {
        return format!("hors des bornes ({})", bornes.replace("..=", " à "));
    }
    let traduite = match raison {
        "invalid digit found in string" => "ce n'est pas un nombre entier positif",
        "number too large to fit in target type" => "nombre trop grand",
        "number too small to fit in target type" => "nombre trop petit",
        "cannot parse integer from empty string" => "valeur vide",
        "invalid IP address syntax" => "ce n'est pas une adresse IP (exemple : 127.0.0.1)",
        autre => return autre.to_string(),
    };
    traduite.to_string()
}

/// Une erreur du système en français, avec le texte du système en détail :
/// « connexion coupée brutalement par l'autre côté (Connection reset by peer (os error 104)) ».
pub fn erreur_systeme(erreur: &io::Error) -> String {
    use io::ErrorKind::*;
    // Trop de fichiers ouverts n'a pas de `ErrorKind` stable : on lit le numéro du système.
    let emfile = if cfg!(windows) { 10024 } else { 24 };
    let phrase = match erreur.kind() {
        _ if erreur.raw_os_error() == Some(emfile) => {
            "trop de fichiers ouverts par le programme (limite de descripteurs atteinte)"
        }
        ConnectionReset => "connexion coupée brutalement par l'autre côté",
        ConnectionAborted => "connexion abandonnée",
        ConnectionRefused => "connexion refusée (personne n'écoute sur ce port)",
        BrokenPipe => "l'autre côté a déjà fermé la connexion",
        NotConnected => "la socket n'est pas connectée",
        TimedOut | WouldBlock => "délai dépassé",
        AddrInUse => "adresse déjà utilisée",
        AddrNotAvailable => "adresse indisponible sur cette machine",
        PermissionDenied => "permission refusée",
        NotFound => "fichier ou dossier introuvable",
        UnexpectedEof => "fin des données inattendue",
        InvalidData => "données invalides",
        Interrupted => "opération interrompue",
        OutOfMemory => "mémoire insuffisante",
        _ => "erreur du système",
    };
    format!("{phrase} ({erreur})")
}

/// `n` suivi de `mot`, accordé : en français, 0 et 1 sont au singulier (« 0 caractère »,
/// « 1 octet », « 2 octets »).
pub fn compter(n: usize, mot: &str) -> String {
    if n < 2 {
        format!("{n} {mot}")
    } else {
        format!("{n} {mot}s")
    }
}

/// Une erreur `anyhow` en une phrase : ses maillons séparés par « : », chaque erreur du
/// système passée par [`erreur_systeme`].
pub fn phrase(erreur: &anyhow::Error) -> String {
    erreur
        .chain()
        .map(|maillon| match maillon.downcast_ref::<io::Error>() {
            Some(systeme) => erreur_systeme(systeme),
            None => maillon.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" : ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Parser, Debug)]
    struct Essai {
        #[arg(long)]
        port: u16,
        #[arg(long)]
        adresse: Option<std::net::IpAddr>,
    }

    fn erreur(arguments: &[&str]) -> String {
        let erreur = Essai::try_parse_from(arguments).expect_err("une erreur");
        erreur_clap(&erreur)
    }

    #[test]
    fn les_erreurs_de_la_ligne_de_commande_sont_en_francais() {
        assert_eq!(
            erreur(&["x", "--port", "1", "--inconnu"]),
            "option inconnue « --inconnu »"
        );
        assert_eq!(
            erreur(&["x", "--port", "abc"]),
            "valeur refusée « abc » pour --port <PORT> : ce n'est pas un nombre entier positif"
        );
        assert_eq!(
            erreur(&["x", "--port", "70000"]),
            "valeur refusée « 70000 » pour --port <PORT> : hors des bornes (0 à 65535)"
        );
        assert_eq!(
            erreur(&["x", "--port", "1", "--adresse", "ici"]),
            "valeur refusée « ici » pour --adresse <ADRESSE> : ce n'est pas une adresse IP \
             (exemple : 127.0.0.1)"
        );
        assert_eq!(
            erreur(&["x", "--port"]),
            "il manque la valeur de --port <PORT>"
        );
        assert_eq!(erreur(&["x"]), "il manque --port <PORT>");
    }

    #[test]
    fn zero_et_un_sont_au_singulier() {
        assert_eq!(compter(0, "caractère"), "0 caractère");
        assert_eq!(compter(1, "octet"), "1 octet");
        assert_eq!(compter(2, "ligne"), "2 lignes");
    }

    #[test]
    fn les_erreurs_du_systeme_sont_en_francais_avec_le_detail() {
        let coupee = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(erreur_systeme(&coupee).starts_with("connexion coupée brutalement"));
        let chaine = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("le serveur s'est arrêté sur une erreur");
        assert!(
            phrase(&chaine)
                .starts_with("le serveur s'est arrêté sur une erreur : l'autre côté a déjà fermé"),
            "{}",
            phrase(&chaine)
        );
    }
}
