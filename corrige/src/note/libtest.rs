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
