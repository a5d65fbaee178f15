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

pub use dossier::*;
pub(crate) use lancement::*;
pub use libtest::*;
pub use rapport::*;
pub use reference::*;
pub use sources::*;

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

/// Note la copie `copie` avec la suite du `classeur` (voir les règles du module).
pub fn noter(
    copie: &Path,
    classeur: &Path,
    reference: &Reference,
    reglages: &Reglages,
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
    let mut resultats = Vec::new();
    for bareme in reglages.etapes() {
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
        let essai = match essayer(&travail, bareme, reglages.delai) {
            Ok(essai) => essai,
            Err(erreur) => {
                effacer_la_compilation(&travail, reglages);
                return Err(erreur);
            }
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
    let mut copies = Vec::new();
    for (rang, dossier) in dossiers.iter().enumerate() {
        let eleve = dossier
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if reglages.progression {
            eprintln!("[classe] copie {}/{} : {eleve}", rang + 1, dossiers.len());
        }
        let resultats =
            noter(dossier, classeur, reference, reglages).map_err(|erreur| format!("{erreur:#}"));
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
    use crate::edition::collecter;

    #[test]
    fn la_reference_se_relit_comme_elle_s_ecrit() {
        let mut reference = Reference::default();
        reference.attendus[2] = vec!["a".into(), "b".into()];
        reference.gratuits[2].insert("b".into());
        let relue = lire_reference(&ecrire_reference(&reference));
        assert_eq!(relue.attendus[2], ["a", "b"]);
        assert!(relue.gratuits[2].contains("b") && relue.gratuits[0].is_empty());
    }

    #[test]
    fn le_bareme_fait_vingt() {
        assert_eq!(BAREME.iter().map(|b| b.points).sum::<f64>(), 20.0);
    }

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

    #[test]
    fn seules_les_sources_des_etapes_viennent_de_la_copie() -> anyhow::Result<()> {
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let racine = std::env::temp_dir().join(format!("note-preparer-{}", std::process::id()));
        let (copie, travail) = (racine.join("copie"), racine.join("travail"));
        let _ = fs::remove_dir_all(&racine);
        let src = copie.join("etape1_connexion").join("src");
        fs::create_dir_all(&src)?;
        fs::create_dir_all(copie.join(".cargo"))?;
        fs::create_dir_all(copie.join("tests").join("tests"))?;
        fs::write(src.join("lib.rs"), "// le travail de l'élève\n")?;
        fs::write(
            copie.join(".cargo").join("config.toml"),
            "[target.x]\nrunner = \"faux\"\n",
        )?;
        fs::write(
            copie.join("etape1_connexion").join("build.rs"),
            "fn main() {}\n",
        )?;
        fs::write(
            copie.join("etape1_connexion").join("Cargo.toml"),
            "[package]\n",
        )?;
        fs::write(
            copie.join("tests").join("tests").join("etape1.rs"),
            "#[test]\nfn vide() {}\n",
        )?;
        fs::write(
            src.join("gros.rs"),
            vec![b'a'; TAILLE_MAX_SOURCE as usize + 1],
        )?;
        #[cfg(unix)]
        std::os::unix::fs::symlink("/dev/zero", src.join("zero.rs"))?;
        verifier_copie(&copie)?;
        let ignores = preparer_le_dossier(&copie, &classeur, &travail)?;
        let lu = |relatif: &str| fs::read_to_string(travail.join(relatif)).unwrap_or_default();
        assert_eq!(
            lu("etape1_connexion/src/lib.rs"),
            "// le travail de l'élève\n"
        );
        assert_eq!(
            lu(".cargo/config.toml"),
            fs::read_to_string(classeur.join(".cargo/config.toml"))?
        );
        assert_eq!(
            lu("etape1_connexion/Cargo.toml"),
            fs::read_to_string(classeur.join("etape1_connexion/Cargo.toml"))?
        );
        assert_eq!(
            lu("tests/tests/etape1.rs"),
            fs::read_to_string(classeur.join("tests/tests/etape1.rs"))?
        );
        assert!(!travail.join("etape1_connexion/build.rs").exists());
        assert!(!travail.join("etape1_connexion/src/gros.rs").exists());
        // Les sources des étapes que la copie n'a pas ne viennent pas du classeur.
        assert!(!travail.join("etape2_boucle/src/lib.rs").exists());
        #[cfg(unix)]
        assert!(
            ignores
                .iter()
                .any(|i| i.contains("zero.rs") && i.contains("lien symbolique"))
        );
        assert!(ignores.iter().any(|i| i.contains("gros.rs")));
        fs::remove_dir_all(&racine)?;
        assert!(verifier_copie(&racine).is_err());
        Ok(())
    }

    #[test]
    fn une_inclusion_hors_du_paquet_se_voit() {
        let ici = Path::new("etape1_connexion/src/lib.rs");
        let sous = Path::new("etape1_connexion/src/a/b.rs");
        let hors =
            |texte: &str, chemin: &Path| !inclusions_hors_du_paquet(texte, chemin).is_empty();
        // Ce que le classeur fait lui-même : rester dans le paquet.
        assert!(!hors("#![doc = include_str!(\"../mesures.svg\")]", ici));
        assert!(!hors("include_str!(\"conversation.rs\")", ici));
        assert!(!hors("include_bytes! ( \"../../x.bin\" )", sous));
        assert!(!hors("let chemin = \"../x\"; // pas un attribut path", ici));
        // La solution de l'enseignant, par un chemin relatif ou absolu.
        assert!(hors(
            "#[path = \"../../../../../etape1_connexion/src/lib.rs\"] mod cle;",
            ici
        ));
        assert!(hors(
            "#[path=\"/work/main/etape1_connexion/src/lib.rs\"] mod cle;",
            ici
        ));
        assert!(hors("include!(\"../../etape2_boucle/src/lib.rs\");", ici));
        assert!(hors("include_str!(r#\"/etc/passwd\"#)", ici));
        assert!(hors(
            "include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../x.rs\"));",
            ici
        ));
        assert!(hors(
            "macro_rules! i { ($p:expr) => { include!($p) } }",
            ici
        ));
        assert!(hors("#[cfg_attr(unix, path = \"../../x.rs\")] mod m;", ici));
        // Ce qu'un attaquant a essayé ensuite : un commentaire, des échappements, un alias.
        assert!(hors(
            "#[path /* */ = \"../../../../../e/src/lib.rs\"] mod cle;",
            ici
        ));
        assert!(hors(
            "#[path = \"\\x2e\\x2e/\\x2e\\x2e/x.rs\"] mod cle;",
            ici
        ));
        assert!(hors(
            "use std::include as inclure; inclure!(\"x.rs\");",
            ici
        ));
        assert!(!hors(
            "// #[path = \"../../../x.rs\"] en commentaire\nfn f() {}",
            ici
        ));
        assert!(!hors(
            "let s = \"include! dans une chaîne\"; let c = '\"';",
            ici
        ));
    }

    #[test]
    fn le_code_a_relire_se_signale_sans_toucher_aux_commandes_du_tp() -> anyhow::Result<()> {
        assert_eq!(
            a_relire("let _ = std::process::Command::new(\"kill\");"),
            ["Command", "kill"]
        );
        assert!(a_relire("enum Commande { Quitter } // Command::new en commentaire").is_empty());
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut fichiers = Vec::new();
        collecter(&classeur, &classeur, &mut fichiers)?;
        for relatif in fichiers.iter().filter(|r| source_d_etape(r)) {
            let texte = fs::read_to_string(classeur.join(relatif))?;
            assert!(
                a_relire(&texte).is_empty(),
                "{} : {:?}",
                relatif.display(),
                a_relire(&texte)
            );
        }
        Ok(())
    }

    #[test]
    fn les_sources_du_classeur_n_incluent_rien_hors_de_leur_paquet() -> anyhow::Result<()> {
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut fichiers = Vec::new();
        collecter(&classeur, &classeur, &mut fichiers)?;
        for relatif in fichiers.iter().filter(|r| source_d_etape(r)) {
            let texte = fs::read_to_string(classeur.join(relatif))?;
            let sorties = inclusions_hors_du_paquet(&texte, relatif);
            assert!(sorties.is_empty(), "{} : {sorties:?}", relatif.display());
        }
        Ok(())
    }

    #[test]
    fn les_noms_d_eleves_ne_cassent_ni_les_chemins_ni_le_csv() {
        assert_eq!(nom_de_dossier("lea_martin-2"), "lea_martin-2");
        let deux_points = nom_de_dossier("a:b");
        assert!(deux_points.starts_with("a_b-") && !deux_points.contains(':'));
        assert_ne!(nom_de_dossier("a:b"), nom_de_dossier("a;b"));
        assert_eq!(nom_pour_tableau("n\nfaux;1;x"), "n faux 1 x");
        assert_eq!(nom_pour_tableau("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
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
            non_notes: Vec::new(),
            remarque: String::new(),
        }];
        assert!(tableau(&resultats).contains("1,50 / 2"));
        assert!(csv(&resultats).contains("2;etape2_boucle;3;4;1,50;2;\ntotal;;;;1,50;2;"));
    }
}
