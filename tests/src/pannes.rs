//! Les programmes qui tombent : ce que veulent dire leurs derniers mots, et comment un test
//! unitaire survit à un code qui fait tomber tout le programme.
//!
//! Ces outils servent aussi aux tests unitaires des étapes (leurs `[dev-dependencies]` ont ce
//! paquet) : ils sont écrits une fois, ici, pour la suite de notation et pour eux.
//!
//! Une panique ordinaire ne fait échouer que son test. Mais une allocation que le système refuse
//! (`vec![0; n]` avec un `n` de 10 Go) **abandonne** le processus sans panique : le programme de
//! tests unitaires du paquet meurt d'un `SIGABRT`, avec tous ses tests, sans nommer le coupable.
//! [`isoler`] lance un tel test dans un processus à part.

use std::time::{Duration, Instant};

/// `assert!` en français : `vrai!(condition)` ou `vrai!(condition, "message {}", x)`. Un échec
/// dit la condition fausse (ou le message), au lieu de l'« assertion failed » anglais.
#[macro_export]
macro_rules! vrai {
    ($condition:expr $(,)?) => {
        if !$condition {
            panic!("condition fausse : {}", stringify!($condition));
        }
    };
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            panic!($($message)+);
        }
    };
}

/// Ce que veut dire, en français, la sortie d'erreur d'un programme Rust qui est tombé : la
/// phrase qui correspond à la première ligne reconnue, ou `None`.
pub fn expliquer_l_arret(sortie_d_erreur: &str) -> Option<String> {
    for ligne in sortie_d_erreur.lines() {
        if let Some(reste) = ligne.trim().strip_prefix("memory allocation of ") {
            let octets = reste.split(' ').next().unwrap_or("?");
            return Some(format!(
                "le programme a demandé {octets} octets d'un coup et le système les a refusés : il \
                 s'est arrêté net (un abandon, pas une panique). Une longueur venue de l'extérieur \
                 a-t-elle servi à réserver de la mémoire avant d'être vérifiée ?"
            ));
        }
        let phrase = if ligne.contains("has overflowed its stack") {
            "la pile du thread a débordé : une fonction qui s'appelle elle-même sans fin, ou trop \
             profondément ?"
        } else if ligne.contains("not yet implemented") {
            "un `todo!` : une fonction de cette étape reste à écrire."
        } else if ligne.contains("called `Result::unwrap()` on an `Err` value")
            || ligne.contains("called `Option::unwrap()` on a `None` value")
        {
            "un `unwrap` a paniqué sur une erreur ou une absence : traitez ce cas (rien de ce qui \
             vient du réseau ne doit faire tomber le programme)."
        } else if ligne.starts_with("attempt to") && ligne.contains("with overflow") {
            "un calcul sur des entiers a débordé (en mode débogage, Rust panique au lieu de \
             donner un résultat faux)."
        } else if ligne.contains("index out of bounds") || ligne.contains("is not a char boundary")
        {
            "un indice hors des bornes d'un tableau ou d'un texte (une tranche `&texte[a..b]` \
             doit tomber entre deux caractères UTF-8)."
        } else {
            continue;
        };
        return Some(phrase.to_string());
    }
    None
}

/// La variable d'environnement qui dit au processus lancé par [`isoler`] quel test il exécute.
const VARIABLE_ISOLE: &str = "TP_TEST_ISOLE";

/// Ce que le processus à part écrit quand le corps du test a fini sans échec.
const MARQUE_ISOLE: &str = "[test isolé : fini sans échec]";

/// Le temps laissé au processus à part.
const DELAI_ISOLE: Duration = Duration::from_secs(20);

/// Exécute `corps`, le test unitaire `nom` (son chemin dans le paquet, comme l'écrit
/// `cargo test` : `tests::mon_test`), dans un processus à part : le programme de tests se relance
/// lui-même sur ce seul test.
///
/// - Le corps finit sans échec : le test réussit.
/// - Le corps panique : le test échoue avec le même message.
/// - Le processus tombe sans panique (une allocation refusée…) ou ne finit pas en 20 s : le test
///   échoue par une phrase qui le dit, avec la fin de sa sortie d'erreur et ce qu'elle veut dire
///   ([`expliquer_l_arret`]) ; les autres tests du paquet, eux, continuent.
///
/// Un `nom` qui ne désigne aucun test fait échouer le test (le processus à part n'écrit pas sa
/// marque) : il ne peut pas réussir sans avoir rien exécuté.
#[track_caller]
pub fn isoler(nom: &str, corps: impl FnOnce()) {
    if std::env::var(VARIABLE_ISOLE).is_ok_and(|v| v == nom) {
        corps();
        println!("{MARQUE_ISOLE}");
        return;
    }
    let programme = std::env::current_exe()
        .unwrap_or_else(|e| panic!("{nom} : programme de tests introuvable : {e}"));
    let debut = Instant::now();
    let sortie = assert_cmd::Command::new(programme)
        .args([nom, "--exact", "--nocapture", "--test-threads", "1"])
        .env(VARIABLE_ISOLE, nom)
        .env("RUST_BACKTRACE", "0")
        .timeout(DELAI_ISOLE)
        .output()
        .unwrap_or_else(|e| panic!("{nom} : impossible de relancer le programme de tests : {e}"));
    let stdout = String::from_utf8_lossy(&sortie.stdout);
    let stderr = String::from_utf8_lossy(&sortie.stderr);
    if stdout.contains(MARQUE_ISOLE) {
        return;
    }
    // Une panique ordinaire : son message, sans l'en-tête anglais de la bibliothèque de tests.
    if let Some(position) = stderr.find("panicked at") {
        let message: Vec<&str> = stderr[position..]
            .lines()
            .skip(1)
            .take_while(|ligne| !ligne.starts_with("note: "))
            .collect();
        panic!("{}", message.join("\n").trim_end());
    }
    let utiles: Vec<&str> = stderr
        .lines()
        .filter(|ligne| !ligne.trim().is_empty() && !ligne.starts_with("note: "))
        .collect();
    let fin = if utiles.is_empty() {
        "(vide)".to_string()
    } else {
        crate::dernieres_lignes(&utiles.join("\n"), 5)
    };
    let pourquoi = expliquer_l_arret(&stderr)
        .map(|phrase| format!("\nCe que cela veut dire : {phrase}"))
        .unwrap_or_default();
    if debut.elapsed() >= DELAI_ISOLE {
        panic!(
            "{nom} n'a pas fini en {} s (exécuté dans un processus à part). La fin de sa sortie \
             d'erreur :\n{fin}{pourquoi}",
            DELAI_ISOLE.as_secs()
        );
    }
    if sortie.status.success() {
        panic!("{nom} : aucun test de ce nom dans ce programme (le nom donné à `isoler` est faux)");
    }
    panic!(
        "{nom} a fait tomber tout le programme de tests, sans panique ordinaire ({statut}) : il \
         a été exécuté dans un processus à part pour que les autres tests continuent. La fin de sa \
         sortie d'erreur :\n{fin}{pourquoi}",
        statut = decrire_le_statut(&sortie.status)
    );
}

/// Fait `test` dans un thread et l'attend au plus `delai` ; rend son résultat, ou fait échouer
/// le test par sa propre panique.
///
/// Un test qui ne finit pas (un verrou pris deux fois par le même thread : un `Mutex` ne se
/// prend pas deux fois ; un thread qui attend un réveil qui ne vient pas) échoue alors en
/// français, avec `cause_probable`, au lieu de bloquer `cargo test` pour toujours. Le thread
/// bloqué, lui, reste bloqué : il disparaît avec le programme de tests, à la fin.
#[track_caller]
pub fn dans_le_delai<T: Send + 'static>(
    delai: Duration,
    cause_probable: &str,
    test: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (fini, fin) = std::sync::mpsc::channel::<()>();
    let fil = std::thread::spawn(move || {
        // Envoyé même si `test` panique : ce témoin est lâché pendant le déroulement de la pile.
        let _temoin = fini;
        test()
    });
    if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = fin.recv_timeout(delai) {
        panic!(
            "ce test ne s'est pas terminé en {} s. Cause probable : {cause_probable}",
            delai.as_secs()
        );
    }
    match fil.join() {
        Ok(resultat) => resultat,
        // Le message du test a déjà été écrit par son thread ; on le fait échouer de même.
        Err(panique) => std::panic::resume_unwind(panique),
    }
}

/// Le statut de fin d'un processus, en français.
fn decrire_le_statut(statut: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = statut.signal() {
            let nom = match signal {
                6 => ", SIGABRT : abandon",
                9 => ", SIGKILL : tué",
                11 => ", SIGSEGV : accès mémoire interdit",
                _ => "",
            };
            return format!("arrêté par le signal {signal}{nom}");
        }
    }
    match statut.code() {
        Some(code) => format!("code de sortie {code}"),
        None => "arrêté sans code de sortie".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::egal;

    #[test]
    fn une_allocation_refusee_se_dit_en_francais() {
        let phrase = expliquer_l_arret("memory allocation of 999999999999 bytes failed\n")
            .expect("reconnue");
        vrai!(phrase.contains("999999999999 octets"), "{phrase}");
        vrai!(expliquer_l_arret("rien de connu").is_none());
        vrai!(
            expliquer_l_arret("thread 'main' panicked at src/lib.rs:3:5:\nnot yet implemented: x")
                .is_some_and(|p| p.contains("todo!"))
        );
    }

    #[test]
    fn un_test_isole_qui_reussit_reussit() {
        isoler("pannes::tests::un_test_isole_qui_reussit_reussit", || {
            egal!(1 + 1, 2);
        });
    }

    #[test]
    fn un_test_isole_qui_panique_echoue_avec_son_message() {
        let echec = std::panic::catch_unwind(|| {
            isoler(
                "pannes::tests::un_test_isole_qui_panique_echoue_avec_son_message",
                || panic!("le message du test"),
            )
        });
        // Dans le processus à part, c'est le corps qui panique ; ici, `isoler` rend son message.
        let message = echec.expect_err("le test isolé devait échouer");
        let texte = message
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| message.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        vrai!(texte.contains("le message du test"), "message : {texte}");
    }

    #[test]
    fn un_test_isole_qui_fait_tomber_le_programme_echoue_en_francais() {
        let echec = std::panic::catch_unwind(|| {
            isoler(
                "pannes::tests::un_test_isole_qui_fait_tomber_le_programme_echoue_en_francais",
                || {
                    eprintln!("memory allocation of 12 bytes failed");
                    eprintln!("note: une note qui n'a rien à faire dans le message");
                    std::process::abort()
                },
            )
        });
        let message = echec.expect_err("le test isolé devait échouer");
        let texte = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        vrai!(
            texte.contains("a fait tomber tout le programme de tests")
                && texte.contains("memory allocation of 12 bytes failed")
                && texte.contains("demandé 12 octets")
                && !texte.contains("note: "),
            "message : {texte}"
        );
        #[cfg(unix)]
        vrai!(texte.contains("signal 6, SIGABRT"), "message : {texte}");
    }

    #[cfg(unix)]
    #[test]
    fn les_signaux_courants_sont_nommes() {
        use std::os::unix::process::ExitStatusExt;
        // Un statut d'attente brut : le numéro du signal dans les 7 bits du bas ; un code de
        // sortie, décalé de 8 bits.
        for (brut, attendu) in [
            (6, "signal 6, SIGABRT"),
            (9, "signal 9, SIGKILL"),
            (11, "signal 11, SIGSEGV"),
            (15, "signal 15"),
            (3 << 8, "code de sortie 3"),
        ] {
            let texte = decrire_le_statut(&std::process::ExitStatus::from_raw(brut));
            vrai!(texte.contains(attendu), "{brut} : {texte}");
        }
    }

    #[test]
    fn chaque_panne_connue_a_sa_phrase() {
        for (ligne, attendu) in [
            ("thread 'x' has overflowed its stack", "la pile"),
            (
                "called `Result::unwrap()` on an `Err` value: Os",
                "`unwrap`",
            ),
            ("called `Option::unwrap()` on a `None` value", "`unwrap`"),
            ("attempt to add with overflow", "entiers a débordé"),
            ("attempt to add", ""),
            (
                "index out of bounds: the len is 3 but the index is 7",
                "hors des bornes",
            ),
            (
                "byte index 1 is not a char boundary; it is inside 'é'",
                "hors des bornes",
            ),
            ("with overflow, mais pas au début", ""),
        ] {
            let phrase = expliquer_l_arret(ligne);
            if attendu.is_empty() {
                vrai!(phrase.is_none(), "{ligne} : {phrase:?}");
            } else {
                vrai!(
                    phrase.as_deref().is_some_and(|p| p.contains(attendu)),
                    "{ligne} : {phrase:?}"
                );
            }
        }
    }

    #[test]
    fn un_test_qui_ne_finit_pas_echoue_avec_sa_cause() {
        let echec = std::panic::catch_unwind(|| {
            dans_le_delai(Duration::from_millis(100), "la cause du test", || {
                // Un verrou pris deux fois par le même thread : il ne finit jamais.
                let verrou = std::sync::Mutex::new(());
                let _garde = verrou.lock();
                let _encore = verrou.lock();
            })
        });
        let message = echec.expect_err("le test devait échouer");
        let texte = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        vrai!(
            texte.contains("pas terminé en 0 s") && texte.contains("la cause du test"),
            "message : {texte}"
        );
        egal!(dans_le_delai(DELAI_ISOLE, "", || 6 * 7), 42);
        let panique = std::panic::catch_unwind(|| {
            dans_le_delai(DELAI_ISOLE, "", || panic!("le message du test"))
        });
        let message = panique.expect_err("la panique devait passer");
        vrai!(message.downcast_ref::<&str>() == Some(&"le message du test"));
    }

    #[test]
    fn un_nom_faux_ne_reussit_pas() {
        let echec =
            std::panic::catch_unwind(|| isoler("pannes::tests::ce_test_n_existe_pas", || {}));
        vrai!(echec.is_err());
    }
}
