//! La table des notes : la suite de notation lancée dans la copie d'un élève, étape par étape.
//!
//! Pour chaque étape, `note` vérifie d'abord que le paquet compile (`cargo build`), puis lance le
//! fichier de la suite qui la note (`cargo test -p tests --test etapeN`) et compte les tests
//! réussis. Les points de l'étape sont proportionnels : `barème × réussis / total`.
//!
//! # Le barème (sur 20)
//!
//! | étape | points | pourquoi ce poids |
//! |---|---|---|
//! | 1 connexion | 1 | quelques lignes, guidées |
//! | 2 boucle | 2 | le découpage en lignes, avec sa limite |
//! | 3 déconnexions | 2 | la boucle d'acceptation et le traitement des erreurs par connexion |
//! | 4 communication | 3 | les threads, le canal, la fin propre, l'en-tête de longueur |
//! | 5 instructions | 3 | un analyseur sûr : le travail le plus long |
//! | 6 commandes | 2 | une `enum` et `split_once` |
//! | 7 multiclients | 3 | un thread par client, l'état partagé, la diffusion |
//! | 8 verrous | 4 | la discipline des verrous, les files, l'arrêt propre |

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::edition::verifier_classeur;

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
        points: 3.0,
    },
    Bareme {
        etape: 6,
        paquet: "etape6_commandes",
        points: 2.0,
    },
    Bareme {
        etape: 7,
        paquet: "etape7_multiclients",
        points: 3.0,
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
    pub reussis: usize,
    pub total: usize,
    pub points: f64,
    pub bareme: f64,
    /// Une remarque pour l'enseignant (« ne compile pas », …), vide sinon.
    pub remarque: String,
}

/// Note les étapes `etapes` (toutes si vide) du classeur `dossier`.
pub fn noter(dossier: &Path, etapes: &[u8]) -> anyhow::Result<Vec<Resultat>> {
    verifier_classeur(dossier)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut resultats = Vec::new();
    for bareme in BAREME
        .iter()
        .filter(|b| etapes.is_empty() || etapes.contains(&b.etape))
    {
        let total_prevu = compter_tests(dossier, bareme.etape);
        let compilation = Command::new(&cargo)
            .current_dir(dossier)
            .args([
                "build",
                "--quiet",
                "--package",
                bareme.paquet,
                "--all-targets",
            ])
            .output()?;
        let mut resultat = Resultat {
            etape: bareme.etape,
            paquet: bareme.paquet,
            compile: compilation.status.success(),
            reussis: 0,
            total: total_prevu,
            points: 0.0,
            bareme: bareme.points,
            remarque: String::new(),
        };
        if !resultat.compile {
            resultat.remarque = "ne compile pas".to_string();
            resultats.push(resultat);
            continue;
        }
        let essai = Command::new(&cargo)
            .current_dir(dossier)
            .args(["test", "--quiet", "--package", "tests", "--test"])
            .arg(format!("etape{}", bareme.etape))
            .args(["--", "--test-threads", "8"])
            .output()?;
        match compter_resultats(&String::from_utf8_lossy(&essai.stdout)) {
            Some((reussis, total)) => {
                resultat.reussis = reussis;
                resultat.total = total;
            }
            None => resultat.remarque = "la suite de notation n'a pas pu tourner".to_string(),
        }
        if resultat.total > 0 {
            resultat.points = bareme.points * resultat.reussis as f64 / resultat.total as f64;
        }
        resultats.push(resultat);
    }
    Ok(resultats)
}

/// Le nombre de tests du fichier de notation d'une étape (pour le total d'une étape qui ne
/// compile pas).
fn compter_tests(dossier: &Path, etape: u8) -> usize {
    std::fs::read_to_string(
        dossier
            .join("tests")
            .join("tests")
            .join(format!("etape{etape}.rs")),
    )
    .map(|texte| texte.matches("#[test]").count())
    .unwrap_or(0)
}

/// Additionne les lignes `test result: … N passed; M failed; …` d'une sortie de `cargo test`.
pub fn compter_resultats(sortie: &str) -> Option<(usize, usize)> {
    let mut trouve = false;
    let (mut reussis, mut total) = (0, 0);
    for ligne in sortie.lines().filter(|l| l.starts_with("test result:")) {
        trouve = true;
        let nombre = |mot: &str| {
            ligne
                .split(';')
                .find_map(|morceau| {
                    morceau
                        .trim()
                        .strip_suffix(mot)?
                        .trim()
                        .rsplit(' ')
                        .next()?
                        .parse::<usize>()
                        .ok()
                })
                .unwrap_or(0)
        };
        reussis += nombre("passed");
        total += nombre("passed") + nombre("failed");
    }
    trouve.then_some((reussis, total))
}

/// `12.5` → `« 12,50 »` : la virgule décimale française.
fn decimal(valeur: f64) -> String {
    format!("{valeur:.2}").replace('.', ",")
}

/// La table, prête à afficher.
pub fn tableau(resultats: &[Resultat]) -> String {
    let mut texte = String::new();
    let _ = writeln!(
        texte,
        "{:<24} {:>8} {:>14}   remarque",
        "étape", "tests", "points"
    );
    let (mut points, mut bareme) = (0.0, 0.0);
    for r in resultats {
        let _ = writeln!(
            texte,
            "{:<24} {:>8} {:>14}   {}",
            format!("{} {}", r.etape, r.paquet),
            format!("{}/{}", r.reussis, r.total),
            format!("{} / {}", decimal(r.points), r.bareme),
            r.remarque
        );
        points += r.points;
        bareme += r.bareme;
    }
    let _ = writeln!(
        texte,
        "{:<24} {:>8} {:>14}",
        "total",
        "",
        format!("{} / {}", decimal(points), bareme)
    );
    texte
}

/// La même table en CSV (séparateur `;`, virgule décimale : ce qu'attend un tableur français).
pub fn csv(resultats: &[Resultat]) -> String {
    let mut texte = String::from("etape;paquet;reussis;total;points;bareme;remarque\n");
    for r in resultats {
        let _ = writeln!(
            texte,
            "{};{};{};{};{};{};{}",
            r.etape,
            r.paquet,
            r.reussis,
            r.total,
            decimal(r.points),
            r.bareme,
            r.remarque
        );
    }
    let points: f64 = resultats.iter().map(|r| r.points).sum();
    let bareme: f64 = resultats.iter().map(|r| r.bareme).sum();
    let _ = writeln!(texte, "total;;;;{};{};", decimal(points), bareme);
    texte
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_bareme_fait_vingt() {
        assert_eq!(BAREME.iter().map(|b| b.points).sum::<f64>(), 20.0);
    }

    #[test]
    fn compter_les_resultats_de_cargo_test() {
        let sortie = "running 3 tests\n...\ntest result: ok. 3 passed; 0 failed; 0 ignored; \
                      0 measured; 0 filtered out; finished in 0.01s\n\ntest result: FAILED. 2 \
                      passed; 5 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1s\n";
        assert_eq!(compter_resultats(sortie), Some((5, 10)));
        assert_eq!(compter_resultats("error: could not compile"), None);
    }

    #[test]
    fn la_table_additionne_et_ecrit_a_la_francaise() {
        let resultats = [Resultat {
            etape: 2,
            paquet: "etape2_boucle",
            compile: true,
            reussis: 3,
            total: 4,
            points: 1.5,
            bareme: 2.0,
            remarque: String::new(),
        }];
        assert!(tableau(&resultats).contains("1,50 / 2"));
        assert!(csv(&resultats).contains("2;etape2_boucle;3;4;1,50;2;\ntotal;;;;1,50;2;"));
    }
}
