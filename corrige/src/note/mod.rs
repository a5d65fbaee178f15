//! La table des notes : la suite de notation **du classeur** lancée sur la copie d'un élève.
//!
//! Une note doit pouvoir se défendre devant un élève. D'où ces règles :
//!
//! 1. **seuls les tests de l'enseignant comptent** : de la copie, seules les sources des étapes
//!    (`etapeN_*/src/`) sont reprises dans un dossier de notation (voir `preparer_le_dossier`) ; son
//!    paquet `tests` (que l'élève a pu modifier : un `#[test]` vide par fichier, des `#[ignore]`),
//!    ses manifestes, un `build.rs` ou un `.cargo/config.toml` n'y entrent pas : tout cela vient
//!    du classeur ;
//! 2. **chaque test attendu est compté** : la liste vient du classeur (`cargo test -- --list`) ;
//!    un test absent de la sortie compte comme échoué ;
//! 3. **chaque copie a son propre dossier de compilation** (`CARGO_TARGET_DIR` est imposé, quoi
//!    que dise l'environnement) : jamais le programme d'une autre copie ;
//! 4. **chaque étape a un temps limité** (`--delai`, 120 s par défaut) ; au-delà, tout ce que
//!    l'étape a lancé est arrêté, et elle a 0 avec la remarque « délai dépassé » ;
//! 5. **pas de point sans travail** : un test qui réussit déjà sur l'édition élève intacte (un
//!    message d'erreur donné, l'aide) n'est pas noté ; il est listé « non noté ». L'édition intacte
//!    a donc 0,00/20 ;
//! 6. **une sortie qui ne se contredit pas** : le code de la copie tourne pendant la suite et
//!    pourrait écrire de faux résultats ; ils ne sont crus que s'ils s'accordent avec le bilan et
//!    le code de sortie de cargo (voir [`lire_la_suite`]) ;
//! 7. **rien ne survit à une copie** : ses processus restants sont arrêtés, et si les sources du
//!    classeur ou le cache de la référence ont changé pendant sa notation, tout s'arrête en la
//!    nommant.
//!
//! Ce n'est pas un bac à sable : le code d'une copie s'exécute avec les droits de l'enseignant.
//!
//! Les points d'une étape sont proportionnels : `barème × réussis / notés`.
//!
//! # Le barème (sur 20)
//!
//! | étape | points | pourquoi ce poids |
//! |---|---|---|
//! | 1 connexion | 1 | quelques lignes, guidées |
//! | 2 boucle | 2 | le découpage en lignes, avec sa limite |
//! | 3 déconnexions | 2 | la boucle d'accueil et le traitement des erreurs par connexion |
//! | 4 communication | 3 | les threads, le canal, la fin propre, l'en-tête de longueur |
//! | 5 instructions | 2 | répondre sans jamais exécuter le texte du client (la calculatrice est donnée) |
//! | 6 commandes | 2 | une `enum` et `split_once` |
//! | 7 multiclients | 4 | un thread par client, l'état partagé et la règle des pseudos, la diffusion |
//! | 8 verrous | 4 | la discipline des verrous, les files, l'arrêt propre |

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

mod dossier;
mod lancement;
mod libtest;
mod rapport;
mod reference;
mod sources;

// Ce que le reste du corrigé appelle ; chaque module importe ce qu'il prend des autres.
pub(crate) use dossier::preparer_le_dossier;
use dossier::{effacer_la_compilation, nom_de_dossier, verifier_que_rien_n_a_change};
pub use dossier::{nom_pour_tableau, verifier_copie};
pub(crate) use lancement::{Essai, essayer};
use lancement::{compiler_la_suite, essayer_les_etapes};
pub use libtest::{lire_la_suite, tests_reussis};
use rapport::decimal;
pub use rapport::{csv, csv_de_classe, tableau, tableau_de_classe};
pub(crate) use reference::dossier_de_notation;
use reference::empreinte;
pub use reference::{Reference, reference};
pub use sources::{
    A_RELIRE, TAILLE_MAX_SOURCE, a_relire, inclusions_hors_du_paquet, sans_commentaires,
};

/// Une étape notée : numéro, paquet, points au barème.
#[derive(Clone, Copy, Debug)]
pub struct Bareme {
    pub etape: u8,
    pub paquet: &'static str,
    pub points: f64,
}

/// Le barème sur 20 (voir la documentation du module).
pub const BAREME: [Bareme; 8] = [
    Bareme {
        etape: 1,
        paquet: "etape1_connexion",
        points: 1.0,
    },
    Bareme {
        etape: 2,
        paquet: "etape2_boucle",
        points: 2.0,
    },
    Bareme {
        etape: 3,
        paquet: "etape3_deconnexion",
        points: 2.0,
    },
    Bareme {
        etape: 4,
        paquet: "etape4_communication",
        points: 3.0,
    },
    Bareme {
        etape: 5,
        paquet: "etape5_instructions",
        points: 2.0,
    },
    Bareme {
        etape: 6,
        paquet: "etape6_commandes",
        points: 2.0,
    },
    Bareme {
        etape: 7,
        paquet: "etape7_multiclients",
        points: 4.0,
    },
    Bareme {
        etape: 8,
        paquet: "etape8_verrous",
        points: 4.0,
    },
];

/// Le résultat d'une étape.
#[derive(Clone, Debug, PartialEq)]
pub struct Resultat {
    pub etape: u8,
    pub paquet: &'static str,
    pub compile: bool,
    /// Tests notés réussis.
    pub reussis: usize,
    /// Tests notés (les tests attendus, moins ceux qui réussissent sur l'édition intacte).
    pub total: usize,
    pub points: f64,
    pub bareme: f64,
    /// Les tests attendus qui ne sont pas notés (ils réussissent sur l'édition intacte).
    pub non_notes: Vec<String>,
    /// Une remarque pour l'enseignant (« ne compile pas », « délai dépassé »…), vide sinon.
    pub remarque: String,
}

/// Les réglages d'une notation.
#[derive(Clone, Debug)]
pub struct Reglages {
    /// Les étapes à noter ; vide : toutes.
    pub etapes: Vec<u8>,
    /// Le temps laissé à chaque étape (compilation et suite).
    pub delai: Duration,
    /// Afficher l'avancement sur la sortie d'erreur.
    pub progression: bool,
    /// Garder la compilation de chaque copie (`target/notation/copie-<nom>`, environ 1 Go
    /// chacune) pour la renoter plus vite ; sinon, elle est effacée une fois la copie notée.
    pub garder_compilation: bool,
}

impl Reglages {
    fn etapes(&self) -> impl Iterator<Item = &'static Bareme> + '_ {
        BAREME
            .iter()
            .filter(|b| self.etapes.is_empty() || self.etapes.contains(&b.etape))
    }
}

/// Les programmes de la suite de notation, compilés une fois (dans l'édition intacte) pour toutes
/// les copies ; vide si c'est impossible : chaque copie compile alors la sienne, plus lentement.
fn programmes_de_la_suite(classeur: &Path, reglages: &Reglages) -> HashMap<u8, PathBuf> {
    let edition = dossier_de_notation(classeur).join("edition-intacte");
    if !edition.join("Cargo.toml").is_file() {
        return HashMap::new();
    }
    match compiler_la_suite(&edition, reglages.delai) {
        Ok(programmes) => programmes,
        Err(erreur) => {
            if reglages.progression {
                eprintln!("[note] suite compilée pour chaque copie ({erreur:#})");
            }
            HashMap::new()
        }
    }
}

/// Note la copie `copie` avec la suite du `classeur` (voir les règles du module).
pub fn noter(
    copie: &Path,
    classeur: &Path,
    reference: &Reference,
    reglages: &Reglages,
) -> anyhow::Result<Vec<Resultat>> {
    let suite = programmes_de_la_suite(classeur, reglages);
    noter_avec(copie, classeur, reference, reglages, &suite)
}

/// [`noter`], avec les programmes de la suite déjà compilés.
fn noter_avec(
    copie: &Path,
    classeur: &Path,
    reference: &Reference,
    reglages: &Reglages,
    suite: &HashMap<u8, PathBuf>,
) -> anyhow::Result<Vec<Resultat>> {
    verifier_copie(copie)?;
    let empreinte_avant = empreinte(classeur)?;
    let nom = copie
        .canonicalize()
        .ok()
        .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "copie".to_string());
    let travail = dossier_de_notation(classeur).join(format!("copie-{}", nom_de_dossier(&nom)));
    if !reglages.garder_compilation && fs::symlink_metadata(&travail).is_ok() {
        // Rien ne reste d'avant : ni compilation, ni fichier qu'une autre copie aurait posé là.
        fs::remove_dir_all(&travail)
            .with_context(|| format!("effacement de {} impossible", travail.display()))?;
    }
    let ignores = preparer_le_dossier(copie, classeur, &travail)?;
    if reglages.progression {
        for ignore in &ignores {
            eprintln!("[note] {nom} : {ignore}");
        }
    }
    let baremes: Vec<&'static Bareme> = reglages.etapes().collect();
    let essais = match essayer_les_etapes(&travail, &baremes, suite, reglages.delai) {
        Ok(essais) => essais,
        Err(erreur) => {
            effacer_la_compilation(&travail, reglages);
            return Err(erreur);
        }
    };
    let mut resultats = Vec::new();
    for (bareme, essai) in baremes.into_iter().zip(essais) {
        let i = usize::from(bareme.etape - 1);
        let gratuits = &reference.gratuits[i];
        let notes: Vec<&String> = reference.attendus[i]
            .iter()
            .filter(|nom| !gratuits.contains(*nom))
            .collect();
        let mut resultat = Resultat {
            etape: bareme.etape,
            paquet: bareme.paquet,
            compile: true,
            reussis: 0,
            total: notes.len(),
            points: 0.0,
            bareme: bareme.points,
            non_notes: gratuits.iter().cloned().collect(),
            remarque: String::new(),
        };
        match essai {
            Essai::NeCompilePas => {
                resultat.compile = false;
                resultat.remarque = "ne compile pas".to_string();
            }
            Essai::DelaiDepasse => resultat.remarque = "délai dépassé".to_string(),
            Essai::SortieIncoherente(raison) => {
                resultat.remarque = format!("sortie de la suite incohérente : {raison}");
            }
            Essai::Fini { reussis, .. } => {
                resultat.reussis = notes.iter().filter(|nom| reussis.contains(**nom)).count();
                if resultat.total > 0 {
                    resultat.points =
                        bareme.points * resultat.reussis as f64 / resultat.total as f64;
                }
            }
        }
        let ignores_ici: Vec<&String> = ignores
            .iter()
            .filter(|i| i.starts_with(&format!("{}/", bareme.paquet)))
            .collect();
        if !ignores_ici.is_empty() {
            let relire = ignores_ici
                .iter()
                .filter(|i| i.contains(" : à relire"))
                .count();
            let ignores_vraiment = ignores_ici.len() - relire;
            let mut dits = Vec::new();
            if ignores_vraiment > 0 {
                dits.push(format!("{ignores_vraiment} fichier(s) ignoré(s)"));
            }
            if relire > 0 {
                dits.push(format!("code à relire dans {relire} fichier(s)"));
            }
            let dit = dits.join(" ; ");
            resultat.remarque = if resultat.remarque.is_empty() {
                dit
            } else {
                format!("{} ; {dit}", resultat.remarque)
            };
        }
        if reglages.progression {
            eprintln!(
                "[note] {nom}, étape {} : {}/{} ({} / {}) {}",
                bareme.etape,
                resultat.reussis,
                resultat.total,
                decimal(resultat.points),
                resultat.bareme,
                resultat.remarque
            );
        }
        resultats.push(resultat);
    }
    effacer_la_compilation(&travail, reglages);
    verifier_que_rien_n_a_change(classeur, empreinte_avant, reference, &nom)?;
    Ok(resultats)
}

/// Une copie de la classe : le nom de l'élève (son dossier) et ses résultats, ou pourquoi elle
/// n'a pas pu être notée.
#[derive(Clone, Debug)]
pub struct Copie {
    pub eleve: String,
    pub resultats: Result<Vec<Resultat>, String>,
}

/// Note chaque sous-dossier de `classe`, dans l'ordre alphabétique. Une copie qui n'est pas un
/// classeur, qui ne compile pas ou qui dépasse le délai a ses zéros et n'arrête pas les autres.
pub fn noter_la_classe(
    classe: &Path,
    classeur: &Path,
    reference: &Reference,
    reglages: &Reglages,
) -> anyhow::Result<Vec<Copie>> {
    let mut dossiers: Vec<PathBuf> = Vec::new();
    for entree in fs::read_dir(classe)
        .with_context(|| format!("{} n'est pas un dossier lisible", classe.display()))?
        .filter_map(Result::ok)
    {
        match entree.file_type() {
            Ok(t) if t.is_dir() => dossiers.push(entree.path()),
            // Un lien vers un dossier n'est pas suivi : il pourrait mener à la copie d'un autre.
            Ok(t) if t.is_symlink() => eprintln!(
                "[classe] {} est un lien symbolique : pas noté (recopiez le dossier lui-même)",
                entree.path().display()
            ),
            _ => {}
        }
    }
    dossiers.sort();
    let suite = programmes_de_la_suite(classeur, reglages);
    let mut copies = Vec::new();
    for (rang, dossier) in dossiers.iter().enumerate() {
        let eleve = dossier
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if reglages.progression {
            eprintln!("[classe] copie {}/{} : {eleve}", rang + 1, dossiers.len());
        }
        let resultats = noter_avec(dossier, classeur, reference, reglages, &suite)
            .map_err(|erreur| format!("{erreur:#}"));
        if let Err(raison) = &resultats
            && (raison.starts_with("les sources du classeur ont changé")
                || raison.starts_with("le cache de la référence a été modifié"))
        {
            bail!("{raison}");
        }
        copies.push(Copie { eleve, resultats });
    }
    Ok(copies)
}

/// Le total d'une copie sur 20.
fn total(resultats: &[Resultat]) -> f64 {
    resultats.iter().map(|r| r.points).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_bareme_fait_vingt() {
        assert_eq!(BAREME.iter().map(|b| b.points).sum::<f64>(), 20.0);
    }
}
