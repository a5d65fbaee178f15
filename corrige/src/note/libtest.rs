//! Lire la sortie de libtest sans la croire sur parole : elle doit s'accorder avec le bilan et le
//! code de sortie de cargo.

use std::collections::BTreeSet;

/// Lit les résultats de la suite : (réussis, échoués).
///
/// Le code de la copie tourne pendant la suite (ses serveurs) et pourrait écrire de fausses
/// lignes `test nom ... ok` dans la sortie du programme de tests. D'où quatre règles :
/// un test qui a une ligne `FAILED` a échoué, même s'il a aussi une ligne `ok` ; la sortie doit
/// finir par **une seule** ligne `test result:`, dont les nombres de réussis et d'échoués sont
/// exactement ceux des lignes lues ; ni cargo (`code`, son code de sortie : `None` s'il a été
/// tué) ni le programme de tests (cargo l'écrit sur sa sortie d'erreur) ne doivent avoir été
/// tués par un signal ; et le code de sortie doit dire la même chose que le bilan (0 : tout a
/// réussi ; 101 : des échecs). Sinon la sortie est incohérente.
pub fn lire_la_suite(
    sortie: &str,
    erreurs: &str,
    code: Option<i32>,
) -> Result<(BTreeSet<String>, BTreeSet<String>), String> {
    let echoues: BTreeSet<String> = sortie
        .lines()
        .filter_map(|ligne| ligne.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_string)
        .collect();
    let reussis: BTreeSet<String> = tests_reussis(sortie)
        .into_iter()
        .filter(|nom| !echoues.contains(nom))
        .collect();
    if code.is_none() || erreurs.contains("(signal:") {
        return Err("le programme de tests ou cargo a été arrêté par un signal".to_string());
    }
    let bilans: Vec<&str> = sortie
        .lines()
        .filter(|ligne| ligne.starts_with("test result: "))
        .collect();
    let [bilan] = bilans[..] else {
        return Err(format!(
            "{} lignes « test result » au lieu d'une",
            bilans.len()
        ));
    };
    let nombre = |mot: &str| -> Option<usize> {
        let avant = bilan.split(&format!(" {mot}")).next()?;
        avant.rsplit([' ', '.']).next()?.parse().ok()
    };
    if nombre("passed;") != Some(reussis.len()) || nombre("failed;") != Some(echoues.len()) {
        return Err(format!(
            "le bilan « {bilan} » ne correspond pas aux lignes lues ({} réussis, {} échoués)",
            reussis.len(),
            echoues.len()
        ));
    }
    let attendu = if echoues.is_empty() { 0 } else { 101 };
    if code != Some(attendu) {
        return Err(format!(
            "cargo test a rendu le code {code:?}, et non {attendu}, pour {} échec(s)",
            echoues.len()
        ));
    }
    Ok((reussis, echoues))
}

/// Les noms des tests réussis, lus dans la sortie de `cargo test` (`test nom ... ok`).
pub fn tests_reussis(sortie: &str) -> BTreeSet<String> {
    sortie
        .lines()
        .filter_map(|ligne| ligne.strip_prefix("test ")?.strip_suffix(" ... ok"))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lire_les_tests_reussis_dans_la_sortie_de_cargo_test() {
        let sortie = "running 3 tests\ntest a ... ok\ntest b ... FAILED\ntest c ... ignored\n\
                      test d ... ok\ntest result: FAILED. 2 passed; 1 failed; 1 ignored\n";
        let reussis: Vec<String> = tests_reussis(sortie).into_iter().collect();
        assert_eq!(reussis, ["a", "d"]);
    }

    #[test]
    fn une_sortie_de_suite_trafiquee_n_est_pas_crue() {
        let vraie = "running 2 tests\ntest a ... ok\ntest b ... FAILED\n\
                     test result: FAILED. 1 passed; 1 failed; 0 ignored\n";
        let (reussis, echoues) =
            lire_la_suite(vraie, "", Some(101)).expect("une vraie sortie se lit");
        assert!(reussis.contains("a") && echoues.contains("b") && reussis.len() == 1);
        // Un serveur de la copie écrit « test b ... ok » dans la sortie du programme de tests :
        // la ligne FAILED l'emporte.
        let ajout = vraie.replace("test b ... FAILED\n", "test b ... ok\ntest b ... FAILED\n");
        let (reussis, _) = lire_la_suite(&ajout, "", Some(101)).expect("toujours lisible");
        assert!(!reussis.contains("b"));
        // Un faux test réussi de plus : le bilan ne correspond plus.
        let faux = vraie.replace("test a ... ok\n", "test a ... ok\ntest c ... ok\n");
        assert!(lire_la_suite(&faux, "", Some(101)).is_err());
        // Un second bilan, ou aucun.
        assert!(
            lire_la_suite(
                &format!("{vraie}test result: ok. 2 passed; 0 failed\n"),
                "",
                Some(101)
            )
            .is_err()
        );
        assert!(lire_la_suite("test a ... ok\n", "", Some(0)).is_err());
        // Le programme de tests tué (après avoir imprimé un faux bilan).
        let tue = "process didn't exit successfully: `etape8-…` (signal: 9, SIGKILL: kill)";
        assert!(lire_la_suite(vraie, tue, Some(101)).is_err());
        // Cargo tué lui aussi : pas de code de sortie.
        assert!(lire_la_suite(vraie, "", None).is_err());
        // Un faux bilan « tout a réussi » alors que cargo dit le contraire.
        let tout_ok = "test a ... ok\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        assert!(lire_la_suite(tout_ok, "", Some(0)).is_ok());
        assert!(lire_la_suite(tout_ok, "", Some(101)).is_err());
    }
}
