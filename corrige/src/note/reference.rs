//! La référence : ce que donne l'édition élève intacte (les tests attendus, ceux qui réussissent
//! sans travail), calculée une fois et gardée en cache, reconnue par l'empreinte du classeur.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::dossier::vider_sauf_target;
use super::lancement::{cargo, compiler_la_suite, essayer_les_etapes};
use super::*;
use crate::edition::{collecter, ecrire_version_eleve, verifier_classeur};

/// Ce que le classeur attend, étape par étape : les tests de sa suite, et ceux qui réussissent
/// déjà sur l'édition élève intacte (non notés).
#[derive(Clone, Debug, Default)]
pub struct Reference {
    /// Pour l'étape `n`, à l'indice `n - 1` : les noms des tests attendus.
    pub attendus: [Vec<String>; 8],
    /// Pour l'étape `n`, à l'indice `n - 1` : les tests qui réussissent sur l'édition intacte.
    pub gratuits: [BTreeSet<String>; 8],
}

/// Le dossier de travail de la notation, dans `target/notation` du classeur.
pub(crate) fn dossier_de_notation(classeur: &Path) -> PathBuf {
    classeur.join("target").join("notation")
}

/// Calcule la [`Reference`] du classeur : liste les tests de la suite, puis note l'édition élève
/// intacte pour savoir lesquels réussissent sans aucun travail.
///
/// Le résultat est gardé dans `target/notation/`, sous une empreinte des sources du classeur : il
/// n'est recalculé que si une source a changé (ou pour des étapes pas encore calculées).
pub fn reference(classeur: &Path, reglages: &Reglages) -> anyhow::Result<Reference> {
    verifier_classeur(classeur)?;
    let cache =
        dossier_de_notation(classeur).join(format!("reference-{:016x}.txt", empreinte(classeur)?));
    if let Ok(texte) = fs::read_to_string(&cache) {
        let reference = lire_reference(&texte);
        if reglages
            .etapes()
            .all(|b| !reference.attendus[usize::from(b.etape - 1)].is_empty())
        {
            return Ok(reference);
        }
    }
    let reference = calculer_reference(classeur, reglages)?;
    fs::create_dir_all(dossier_de_notation(classeur))?;
    fs::write(&cache, ecrire_reference(&reference))?;
    Ok(reference)
}

/// Une empreinte du contenu des sources du classeur (ce que [`collecter`] copierait).
pub(crate) fn empreinte(classeur: &Path) -> anyhow::Result<u64> {
    use std::hash::{Hash, Hasher};
    let mut fichiers = Vec::new();
    collecter(classeur, classeur, &mut fichiers)?;
    let mut hacheur = std::collections::hash_map::DefaultHasher::new();
    for relatif in fichiers {
        relatif.hash(&mut hacheur);
        fs::read(classeur.join(&relatif))?.hash(&mut hacheur);
    }
    Ok(hacheur.finish())
}

/// `étape;a;nom` (attendu) et `étape;g;nom` (réussit sur l'édition intacte), une ligne chacun.
pub(crate) fn ecrire_reference(reference: &Reference) -> String {
    let mut texte = String::new();
    for i in 0..8 {
        for nom in &reference.attendus[i] {
            let _ = writeln!(texte, "{};a;{nom}", i + 1);
        }
        for nom in &reference.gratuits[i] {
            let _ = writeln!(texte, "{};g;{nom}", i + 1);
        }
    }
    texte
}

pub(crate) fn lire_reference(texte: &str) -> Reference {
    let mut reference = Reference::default();
    for ligne in texte.lines() {
        let mut champs = ligne.splitn(3, ';');
        let (Some(etape), Some(sorte), Some(nom)) = (champs.next(), champs.next(), champs.next())
        else {
            continue;
        };
        let Some(i) = etape.parse::<usize>().ok().filter(|e| (1..=8).contains(e)) else {
            continue;
        };
        match sorte {
            "a" => reference.attendus[i - 1].push(nom.to_string()),
            "g" => {
                reference.gratuits[i - 1].insert(nom.to_string());
            }
            _ => {}
        }
    }
    reference
}

pub(crate) fn calculer_reference(
    classeur: &Path,
    reglages: &Reglages,
) -> anyhow::Result<Reference> {
    let mut reference = Reference::default();
    for bareme in reglages.etapes() {
        let liste = Command::new(cargo())
            .current_dir(classeur)
            .args(["test", "--quiet", "--package", "tests", "--test"])
            .arg(format!("etape{}", bareme.etape))
            .args(["--", "--list"])
            .output()
            .context("impossible de lancer cargo")?;
        let noms: Vec<String> = String::from_utf8_lossy(&liste.stdout)
            .lines()
            .filter_map(|ligne| ligne.strip_suffix(": test"))
            .map(str::to_string)
            .collect();
        if noms.is_empty() {
            bail!(
                "la suite de notation du classeur ne liste aucun test pour l'étape {} :\n{}",
                bareme.etape,
                String::from_utf8_lossy(&liste.stderr)
            );
        }
        reference.attendus[usize::from(bareme.etape - 1)] = noms;
    }
    // L'édition est réécrite à chaque fois (les sources ont pu changer), mais sa compilation
    // (`target`) est gardée d'une fois sur l'autre.
    let edition = dossier_de_notation(classeur).join("edition-intacte");
    let neuve = dossier_de_notation(classeur).join(format!("edition-{}", std::process::id()));
    if neuve.exists() {
        fs::remove_dir_all(&neuve)?;
    }
    ecrire_version_eleve(classeur, &neuve)?;
    vider_sauf_target(&edition)?;
    for entree in fs::read_dir(&neuve)? {
        let entree = entree?;
        fs::rename(entree.path(), edition.join(entree.file_name()))?;
    }
    fs::remove_dir_all(&neuve)?;
    if reglages.progression {
        eprintln!("[note] édition intacte : les tests qui réussissent sans travail…");
    }
    // La suite compilée ici sert ensuite à toutes les copies (voir `compiler_la_suite`).
    let suite = compiler_la_suite(&edition, reglages.delai)?;
    let baremes: Vec<&'static Bareme> = reglages.etapes().collect();
    let essais = essayer_les_etapes(&edition, &baremes, &suite, reglages.delai)?;
    for (bareme, essai) in baremes.into_iter().zip(essais) {
        let i = usize::from(bareme.etape - 1);
        let probleme = match essai {
            Essai::Fini { reussis, .. } => {
                reference.gratuits[i] = reussis
                    .into_iter()
                    .filter(|nom| reference.attendus[i].contains(nom))
                    .collect();
                continue;
            }
            Essai::NeCompilePas => "ne compile pas".to_string(),
            Essai::DelaiDepasse => format!(
                "dépasse le délai de {} s (augmentez --delai)",
                reglages.delai.as_secs()
            ),
            Essai::SortieIncoherente(raison) => raison,
        };
        // Sans cette liste, des tests réussis sans travail seraient notés : on ne note pas.
        bail!(
            "l'édition élève intacte, étape {} : {probleme} ; impossible de savoir quels tests \
             réussissent sans travail, donc de noter",
            bareme.etape
        );
    }
    Ok(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_reference_se_relit_comme_elle_s_ecrit() {
        let mut reference = Reference::default();
        reference.attendus[2] = vec!["a".into(), "b".into()];
        reference.gratuits[2].insert("b".into());
        let relue = lire_reference(&ecrire_reference(&reference));
        assert_eq!(relue.attendus[2], ["a", "b"]);
        assert!(relue.gratuits[2].contains("b") && relue.gratuits[0].is_empty());
    }
}
