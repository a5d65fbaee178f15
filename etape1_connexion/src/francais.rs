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
use std::net::IpAddr;
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

/// Pourquoi `bind` a échoué sur `adresse:port`, en une phrase française avec une piste : le port
/// pris, l'adresse qui n'est pas à cette machine, le port réservé (voir `ouvrir_ecoute` à
/// l'étape 1). Chaque étape s'en sert, pour que la phrase soit écrite une fois.
pub fn ecoute_impossible(adresse: IpAddr, port: u16, erreur: &io::Error) -> anyhow::Error {
    let cause = match erreur.kind() {
        io::ErrorKind::AddrInUse => format!(
            "le port {port} est déjà utilisé (un autre serveur tourne-t-il encore ?). \
             Choisissez-en un autre avec --port, par exemple --port 0 pour laisser le système choisir"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "l'adresse {adresse} n'appartient pas à cette machine ; essayez --adresse 127.0.0.1"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "permission refusée pour le port {port} (les ports sous 1024 sont réservés) ; \
             essayez --port 5050"
        ),
        _ => erreur_systeme(erreur),
    };
    anyhow::anyhow!("impossible d'écouter sur {adresse}:{port} : {cause}.")
}

/// Pourquoi `connect` vers `adresse:port` a échoué, en une phrase française qui rappelle la
/// commande du serveur de `paquet` (voir `connecter` à l'étape 1).
pub fn serveur_injoignable(
    adresse: IpAddr,
    port: u16,
    erreur: &io::Error,
    paquet: &str,
) -> anyhow::Error {
    let cause = match erreur.kind() {
        io::ErrorKind::ConnectionRefused => "connexion refusée".to_string(),
        io::ErrorKind::TimedOut => "pas de réponse dans le délai".to_string(),
        _ => erreur_systeme(erreur),
    };
    anyhow::anyhow!(
        "impossible de joindre le serveur {adresse}:{port} : {cause}. \
         Le serveur est-il lancé (cargo run -p {paquet}) ?"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

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
        egal!(
            erreur(&["x", "--port", "1", "--inconnu"]),
            "option inconnue « --inconnu »"
        );
        egal!(
            erreur(&["x", "--port", "abc"]),
            "valeur refusée « abc » pour --port <PORT> : ce n'est pas un nombre entier positif"
        );
        egal!(
            erreur(&["x", "--port", "70000"]),
            "valeur refusée « 70000 » pour --port <PORT> : hors des bornes (0 à 65535)"
        );
        egal!(
            erreur(&["x", "--port", "1", "--adresse", "ici"]),
            "valeur refusée « ici » pour --adresse <ADRESSE> : ce n'est pas une adresse IP \
             (exemple : 127.0.0.1)"
        );
        egal!(
            erreur(&["x", "--port"]),
            "il manque la valeur de --port <PORT>"
        );
        egal!(erreur(&["x"]), "il manque --port <PORT>");
    }

    #[test]
    fn zero_et_un_sont_au_singulier() {
        egal!(compter(0, "caractère"), "0 caractère");
        egal!(compter(1, "octet"), "1 octet");
        egal!(compter(2, "ligne"), "2 lignes");
    }

    #[test]
    fn les_erreurs_du_systeme_sont_en_francais_avec_le_detail() {
        let coupee = io::Error::from(io::ErrorKind::ConnectionReset);
        vrai!(erreur_systeme(&coupee).starts_with("connexion coupée brutalement"));
        let chaine = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("le serveur s'est arrêté sur une erreur");
        assert!(
            phrase(&chaine)
                .starts_with("le serveur s'est arrêté sur une erreur : l'autre côté a déjà fermé"),
            "{}",
            phrase(&chaine)
        );
    }

    #[test]
    fn chaque_erreur_du_systeme_a_sa_phrase() {
        use io::ErrorKind::*;
        for (genre, debut) in [
            (
                ConnectionReset,
                "connexion coupée brutalement par l'autre côté (",
            ),
            (ConnectionAborted, "connexion abandonnée ("),
            (
                ConnectionRefused,
                "connexion refusée (personne n'écoute sur ce port) (",
            ),
            (BrokenPipe, "l'autre côté a déjà fermé la connexion ("),
            (NotConnected, "la socket n'est pas connectée ("),
            (TimedOut, "délai dépassé ("),
            (WouldBlock, "délai dépassé ("),
            (AddrInUse, "adresse déjà utilisée ("),
            (AddrNotAvailable, "adresse indisponible sur cette machine ("),
            (PermissionDenied, "permission refusée ("),
            (NotFound, "fichier ou dossier introuvable ("),
            (UnexpectedEof, "fin des données inattendue ("),
            (InvalidData, "données invalides ("),
            (Interrupted, "opération interrompue ("),
            (OutOfMemory, "mémoire insuffisante ("),
            (Other, "erreur du système ("),
        ] {
            let phrase = erreur_systeme(&io::Error::from(genre));
            assert!(phrase.starts_with(debut), "{genre:?} : « {phrase} »");
        }
        let emfile = if cfg!(windows) { 10024 } else { 24 };
        assert!(
            erreur_systeme(&io::Error::from_raw_os_error(emfile))
                .starts_with("trop de fichiers ouverts par le programme")
        );
        // Un autre numéro du système n'est pas « trop de fichiers ouverts ».
        vrai!(!erreur_systeme(&io::Error::from_raw_os_error(emfile + 1)).starts_with("trop"));
    }

    #[test]
    fn compter_accorde_a_partir_de_deux() {
        egal!(compter(3, "client"), "3 clients");
        egal!(compter(100, "client"), "100 clients");
    }

    #[test]
    fn une_valeur_vide_et_une_raison_inconnue_sont_dites() {
        egal!(
            erreur(&["x", "--port", ""]),
            "valeur refusée «  » pour --port <PORT> : valeur vide"
        );
        egal!(raison_en_francais("déjà en français"), "déjà en français");
        egal!(
            raison_en_francais("number too large to fit in target type"),
            "nombre trop grand"
        );
    }

    #[test]
    fn ecouter_et_joindre_disent_pourquoi_en_francais() {
        let ici = IpAddr::from([127, 0, 0, 1]);
        let phrase = |genre| ecoute_impossible(ici, 80, &io::Error::from(genre)).to_string();
        vrai!(phrase(io::ErrorKind::AddrInUse).contains("le port 80 est déjà utilisé"));
        assert!(
            phrase(io::ErrorKind::AddrNotAvailable)
                .contains("l'adresse 127.0.0.1 n'appartient pas à cette machine")
        );
        assert!(
            phrase(io::ErrorKind::PermissionDenied).contains("permission refusée pour le port 80")
        );
        vrai!(phrase(io::ErrorKind::Other).contains("erreur du système"));
        let joindre = |genre| {
            serveur_injoignable(ici, 5050, &io::Error::from(genre), "etape3_deconnexion")
                .to_string()
        };
        vrai!(joindre(io::ErrorKind::ConnectionRefused).contains(": connexion refusée."));
        vrai!(joindre(io::ErrorKind::TimedOut).contains("pas de réponse dans le délai"));
        vrai!(joindre(io::ErrorKind::Other).contains("cargo run -p etape3_deconnexion"));
    }
}
