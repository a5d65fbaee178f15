//! La commande de l'élève, `cargo run -p tests` : où j'en suis, et quoi faire ensuite.
//!
//! ```text
//! cargo run -p tests                  # le tableau des étapes, la prochaine chose à faire
//! cargo run -p tests -- suivre        # la même chose, relancée à chaque enregistrement
//! cargo run -p tests -- indice        # l'indice de la prochaine fonction à écrire
//! cargo run -p tests -- indice 2      # le niveau suivant de cet indice (puis 3)
//! ```
//!
//! Une étape est **faite** quand il ne reste aucun `todo!` dans ses sources et que sa suite de
//! notation passe en entier. La commande lance les suites dans l'ordre et s'arrête à la première
//! étape qui n'est pas faite : les suivantes ne montrent que ce qui reste à écrire. Pour l'étape
//! à faire, elle montre la prochaine fonction à écrire (fichier, ligne, indice) et, si la suite
//! échoue, le message de son premier test qui échoue (dans l'ordre du fichier de la suite). Elle
//! ne montre jamais de réponse : le premier indice est celui du `todo!`, les suivants viennent de
//! `tests/indices.txt`, et aucun ne contient le code.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

/// Les étapes : leur paquet et le nombre de fonctions que l'élève y écrit.
pub const ETAPES: [(&str, usize); 8] = [
    ("etape1_connexion", 2),
    ("etape2_boucle", 3),
    ("etape3_deconnexion", 2),
    ("etape4_communication", 7),
    ("etape5_instructions", 2),
    ("etape6_commandes", 4),
    ("etape7_multiclients", 6),
    ("etape8_verrous", 10),
];

/// Une fonction encore à écrire : un `todo!("Étape N : …")` dans les sources d'une étape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AFaire {
    /// Le fichier, relatif à la racine du classeur (`etape2_boucle/src/lib.rs`).
    pub fichier: PathBuf,
    /// La ligne du `todo!`, à partir de 1.
    pub ligne: usize,
    /// La fonction qui le contient.
    pub fonction: String,
    /// Le premier indice : le texte du `todo!`, sans « Étape N : ».
    pub indice: String,
}

/// Les fichiers `.rs` sous `dossier`, dans l'ordre alphabétique des chemins.
fn sources(dossier: &Path, trouves: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entrees: Vec<PathBuf> = fs::read_dir(dossier)?
        .map(|entree| entree.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entrees.sort();
    for chemin in entrees {
        if chemin.is_dir() {
            sources(&chemin, trouves)?;
        } else if chemin.extension().is_some_and(|e| e == "rs") {
            trouves.push(chemin);
        }
    }
    Ok(())
}

/// Le texte d'un `todo!` écrit sur une ligne, sous ses trois formes : `todo!("…")` (sans ses
/// échappements), `todo!(r#"…"#)` et `todo!("{}", r#"…"#)` (celle d'un texte à accolades).
fn texte_du_todo(ligne: &str) -> Option<String> {
    let mut reste = &ligne[ligne.find("todo!(")? + "todo!(".len()..];
    reste = reste.strip_prefix("\"{}\", ").unwrap_or(reste);
    if let Some(brute) = reste.strip_prefix('r') {
        let diezes = brute.len() - brute.trim_start_matches('#').len();
        let contenu = brute[diezes..].strip_prefix('"')?;
        let fin = contenu.find(&format!("\"{}", "#".repeat(diezes)))?;
        return Some(contenu[..fin].to_string());
    }
    let contenu = reste.strip_prefix('"')?;
    let fin = contenu.rfind("\")")?;
    Some(contenu[..fin].replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// Le nom de la fonction qui contient la ligne `numero` (la dernière ligne `fn nom(` au-dessus).
fn fonction_englobante(lignes: &[&str], numero: usize) -> String {
    lignes[..numero]
        .iter()
        .rev()
        .find_map(|ligne| {
            let apres = ligne.split_once("fn ")?.1;
            let nom: String = apres
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!nom.is_empty() && !ligne.trim_start().starts_with("//")).then_some(nom)
        })
        .unwrap_or_else(|| "?".to_string())
}

/// Les fonctions encore à écrire de l'étape `numero` (1 à 8), dans l'ordre des fichiers.
pub fn a_faire(racine: &Path, numero: usize) -> io::Result<Vec<AFaire>> {
    let (paquet, _) = ETAPES[numero - 1];
    let mut fichiers = Vec::new();
    sources(&racine.join(paquet).join("src"), &mut fichiers)?;
    let marque = format!("Étape {numero} : ");
    let mut trouves = Vec::new();
    for fichier in fichiers {
        let texte = fs::read_to_string(&fichier)?;
        let lignes: Vec<&str> = texte.lines().collect();
        for (i, ligne) in lignes.iter().enumerate() {
            let Some(tout) = texte_du_todo(ligne).filter(|texte| texte.starts_with(&marque)) else {
                continue;
            };
            let indice = tout
                .split_once(" : ")
                .map_or(tout.as_str(), |(_, reste)| reste)
                .to_string();
            trouves.push(AFaire {
                fichier: fichier
                    .strip_prefix(racine)
                    .unwrap_or(&fichier)
                    .to_path_buf(),
                ligne: i + 1,
                fonction: fonction_englobante(&lignes, i),
                indice,
            });
        }
    }
    Ok(trouves)
}

/// Ce qu'a donné la suite de notation d'une étape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suite {
    pub reussis: usize,
    pub total: usize,
    /// Le premier test qui échoue (dans l'ordre du fichier de la suite) et son message.
    pub premier_echec: Option<(String, String)>,
    /// Quand la suite n'a pas pu tourner (une étape qui ne compile pas…) : pourquoi.
    pub probleme: Option<String>,
}

impl Suite {
    /// Vrai si la suite a tourné et que tous ses tests passent.
    pub fn reussie(&self) -> bool {
        self.probleme.is_none() && self.total > 0 && self.reussis == self.total
    }
}

/// Les tests d'un fichier de la suite, dans l'ordre où ils sont écrits.
pub fn ordre_des_tests(source: &str) -> Vec<String> {
    let mut noms = Vec::new();
    let mut apres_test = false;
    for ligne in source.lines().map(str::trim_start) {
        if ligne.starts_with("#[test]") {
            apres_test = true;
        } else if apres_test && let Some(reste) = ligne.strip_prefix("fn ") {
            let nom: String = reste
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            noms.push(nom);
            apres_test = false;
        }
    }
    noms
}

/// Lit la sortie de `cargo test` (libtest) : tests réussis, total, et pour chaque test qui a
/// échoué, son message de panique (sans la ligne « thread … panicked at », en anglais).
pub fn lire_la_sortie(sortie: &str) -> (usize, usize, HashMap<String, String>) {
    let (mut reussis, mut echoues) = (0, 0);
    for ligne in sortie.lines() {
        if let Some(reste) = ligne.strip_prefix("test result: ") {
            let nombre = |mot: &str| {
                reste
                    .split("; ")
                    .find_map(|morceau| morceau.trim_end_matches(';').strip_suffix(mot))
                    .and_then(|n| n.trim().rsplit(' ').next()?.parse::<usize>().ok())
                    .unwrap_or(0)
            };
            reussis += nombre(" passed");
            echoues += nombre(" failed");
        }
    }
    let mut messages = HashMap::new();
    let mut lignes = sortie.lines().peekable();
    while let Some(ligne) = lignes.next() {
        let Some(nom) = ligne
            .strip_prefix("---- ")
            .and_then(|reste| reste.strip_suffix(" stdout ----"))
        else {
            continue;
        };
        let mut message = Vec::new();
        let mut dans_le_message = false;
        while let Some(suivante) = lignes.peek() {
            if suivante.starts_with("---- ") || *suivante == "failures:" {
                break;
            }
            let suivante = lignes.next().unwrap_or_default();
            if suivante.starts_with("thread '") && suivante.contains("panicked at") {
                dans_le_message = true;
            } else if suivante.starts_with("note: run with")
                || suivante.starts_with("stack backtrace")
            {
                dans_le_message = false;
            } else if dans_le_message {
                message.push(suivante);
            }
        }
        while message.last().is_some_and(|l| l.trim().is_empty()) {
            message.pop();
        }
        messages.insert(nom.to_string(), message.join("\n"));
    }
    (reussis, reussis + echoues, messages)
}

/// Lance la suite de notation de l'étape `numero` dans le classeur `racine`.
pub fn lancer_la_suite(racine: &Path, numero: usize) -> Suite {
    let (paquet, _) = ETAPES[numero - 1];
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    // D'abord l'étape elle-même : une erreur de compilation se dit mieux ici que dans un test.
    let construite = Command::new(&cargo)
        .current_dir(racine)
        .args([
            "build",
            "--quiet",
            "--message-format",
            "short",
            "-p",
            paquet,
        ])
        .stdin(Stdio::null())
        .output();
    match construite {
        Ok(sortie) if !sortie.status.success() => {
            let erreurs = String::from_utf8_lossy(&sortie.stderr);
            let premieres: Vec<&str> = erreurs.lines().take(12).collect();
            return Suite {
                probleme: Some(format!(
                    "l'étape {numero} ne compile pas ; les premières erreurs du compilateur :\n{}",
                    premieres.join("\n")
                )),
                ..Suite::default()
            };
        }
        Ok(_) => {}
        Err(erreur) => {
            return Suite {
                probleme: Some(format!("impossible de lancer cargo : {erreur}")),
                ..Suite::default()
            };
        }
    }
    let lancee = Command::new(&cargo)
        .current_dir(racine)
        .args([
            "test",
            "--quiet",
            "-p",
            "tests",
            "--test",
            &format!("etape{numero}"),
        ])
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output();
    let sortie = match lancee {
        Ok(sortie) => sortie,
        Err(erreur) => {
            return Suite {
                probleme: Some(format!("impossible de lancer cargo : {erreur}")),
                ..Suite::default()
            };
        }
    };
    let texte = String::from_utf8_lossy(&sortie.stdout);
    let (reussis, total, messages) = lire_la_sortie(&texte);
    if total == 0 {
        let erreurs = String::from_utf8_lossy(&sortie.stderr);
        return Suite {
            probleme: Some(format!(
                "la suite de l'étape {numero} n'a pas pu tourner ; la fin de sa sortie :\n{}",
                crate::dernieres_lignes(&format!("{texte}{erreurs}"), 12)
            )),
            ..Suite::default()
        };
    }
    let ordre = fs::read_to_string(racine.join(format!("tests/tests/etape{numero}.rs")))
        .map(|source| ordre_des_tests(&source))
        .unwrap_or_default();
    let premier_echec = ordre
        .iter()
        .find(|nom| messages.contains_key(*nom))
        .or_else(|| messages.keys().min())
        .map(|nom| (nom.clone(), messages[nom].clone()));
    Suite {
        reussis,
        total,
        premier_echec,
        probleme: None,
    }
}

/// Une barre de dix cases, `fait` sur `total`.
pub fn barre(fait: usize, total: usize) -> String {
    let pleines = (fait * 10).checked_div(total).unwrap_or(0).min(10);
    format!("{}{}", "█".repeat(pleines), "░".repeat(10 - pleines))
}

/// L'état d'une étape : ses fonctions à écrire, et sa suite si elle a été lancée.
#[derive(Clone, Debug, Default)]
pub struct Etat {
    pub a_faire: Vec<AFaire>,
    pub suite: Option<Suite>,
}

impl Etat {
    fn faite(&self) -> bool {
        self.a_faire.is_empty() && self.suite.as_ref().is_some_and(Suite::reussie)
    }
}

/// La première étape qui n'est pas faite (1 à 8), ou `None` si toutes le sont.
pub fn prochaine(etats: &[Etat]) -> Option<usize> {
    etats.iter().position(|etat| !etat.faite()).map(|i| i + 1)
}

/// L'état de chaque étape : les `todo!` de toutes, et les suites lancées dans l'ordre jusqu'à la
/// première étape qui n'est pas faite.
pub fn etats(racine: &Path) -> io::Result<Vec<Etat>> {
    let mut etats = Vec::new();
    let mut continuer = true;
    for numero in 1..=ETAPES.len() {
        let a_faire = a_faire(racine, numero)?;
        let suite = continuer.then(|| lancer_la_suite(racine, numero));
        let etat = Etat { a_faire, suite };
        if !etat.faite() {
            continuer = false;
        }
        etats.push(etat);
    }
    Ok(etats)
}

/// Le tableau des étapes et la prochaine chose à faire, en français.
pub fn rapport(etats: &[Etat]) -> String {
    let mut texte = String::from("Étape  Fonctions écrites        Tests de la suite\n");
    for (i, etat) in etats.iter().enumerate() {
        let (paquet, fonctions) = ETAPES[i];
        let ecrites = fonctions.saturating_sub(etat.a_faire.len());
        let tests = match &etat.suite {
            None => "pas encore lancés".to_string(),
            Some(suite) if suite.probleme.is_some() => "ne tournent pas".to_string(),
            Some(suite) => format!(
                "{} {:>2}/{:<2}",
                barre(suite.reussis, suite.total),
                suite.reussis,
                suite.total
            ),
        };
        let _ = writeln!(
            texte,
            "{:>3}    {} {:>2}/{:<2}  {tests}   {paquet}",
            i + 1,
            barre(ecrites, fonctions),
            ecrites,
            fonctions
        );
    }
    texte.push('\n');
    let Some(numero) = prochaine(etats) else {
        texte.push_str(
            "Toutes les étapes sont faites : bravo ! Relisez « Pour aller plus loin ».\n",
        );
        return texte;
    };
    let etat = &etats[numero - 1];
    let _ = writeln!(
        texte,
        "À faire : l'étape {numero} ({}).",
        ETAPES[numero - 1].0
    );
    if let Some(premiere) = etat.a_faire.first() {
        let _ = writeln!(
            texte,
            "Prochaine fonction à écrire : `{}`, dans {}:{}\nIndice : {}\nPlus d'aide : cargo run -p tests -- indice 2",
            premiere.fonction,
            premiere.fichier.display(),
            premiere.ligne,
            premiere.indice
        );
    }
    match &etat.suite {
        Some(Suite {
            probleme: Some(probleme),
            ..
        }) => {
            let _ = writeln!(texte, "\nLa suite de notation ne tourne pas : {probleme}");
        }
        Some(Suite {
            premier_echec: Some((nom, message)),
            ..
        }) => {
            let _ = writeln!(
                texte,
                "\nPremier test qui échoue : {nom}\n{}",
                crate::dernieres_lignes(message, 20)
            );
        }
        _ => {}
    }
    texte
}

/// Les indices de niveau 2 et plus, lus dans `tests/indices.txt` : pour chaque (paquet,
/// fonction), les niveaux dans l'ordre.
pub fn lire_les_indices(texte: &str) -> HashMap<(String, String), Vec<(usize, String)>> {
    let mut indices: HashMap<(String, String), Vec<(usize, String)>> = HashMap::new();
    let mut cle: Option<(String, String)> = None;
    for ligne in texte.lines() {
        if let Some(reste) = ligne.strip_prefix("=== ") {
            cle = reste
                .split_once(' ')
                .map(|(paquet, fonction)| (paquet.trim().to_string(), fonction.trim().to_string()));
        } else if let (Some(cle), Some((niveau, texte))) = (&cle, ligne.split_once(" | "))
            && let Ok(niveau) = niveau.trim().parse::<usize>()
        {
            indices
                .entry(cle.clone())
                .or_default()
                .push((niveau, texte.trim().to_string()));
        }
    }
    indices
}

/// L'indice de niveau `niveau` de la prochaine fonction à écrire, ou une phrase qui dit pourquoi
/// il n'y en a pas.
pub fn indice(racine: &Path, niveau: usize) -> io::Result<String> {
    let mut numero = None;
    for n in 1..=ETAPES.len() {
        if !a_faire(racine, n)?.is_empty() {
            numero = Some(n);
            break;
        }
    }
    let Some(numero) = numero else {
        return Ok(
            "Il ne reste aucun todo! à écrire. Si une suite échoue encore, lancez \
                   cargo run -p tests : son premier message dit quoi."
                .to_string(),
        );
    };
    let Some(premiere) = a_faire(racine, numero)?.into_iter().next() else {
        return Ok(String::new());
    };
    let entete = format!(
        "Étape {numero}, `{}` ({}:{}), indice {niveau} :",
        premiere.fonction,
        premiere.fichier.display(),
        premiere.ligne
    );
    if niveau <= 1 {
        return Ok(format!("{entete}\n{}", premiere.indice));
    }
    let texte = fs::read_to_string(racine.join("tests/indices.txt")).unwrap_or_default();
    let indices = lire_les_indices(&texte);
    let cle = (ETAPES[numero - 1].0.to_string(), premiere.fonction.clone());
    let niveaux = indices.get(&cle).cloned().unwrap_or_default();
    Ok(match niveaux.iter().find(|(n, _)| *n == niveau) {
        Some((_, texte)) => {
            let suite = if niveaux.iter().any(|(n, _)| *n == niveau + 1) {
                format!(
                    "\nPlus d'aide : cargo run -p tests -- indice {}",
                    niveau + 1
                )
            } else {
                "\nC'est le dernier indice : le reste est à vous. Relisez l'énoncé et la \
                 documentation de la fonction."
                    .to_string()
            };
            format!("{entete}\n{texte}{suite}")
        }
        None => format!(
            "{entete}\nPas d'indice de ce niveau pour cette fonction. Relisez l'énoncé \
             (cargo doc -p {} --open) et la documentation de la fonction.",
            ETAPES[numero - 1].0
        ),
    })
}

/// Une empreinte des sources des étapes et de la suite : change quand un fichier est enregistré.
pub fn empreinte(racine: &Path) -> Vec<(PathBuf, Option<SystemTime>)> {
    let mut fichiers = Vec::new();
    for (paquet, _) in ETAPES {
        let _ = sources(&racine.join(paquet).join("src"), &mut fichiers);
    }
    let _ = sources(&racine.join("tests"), &mut fichiers);
    fichiers
        .into_iter()
        .map(|chemin| {
            let date = fs::metadata(&chemin).and_then(|m| m.modified()).ok();
            (chemin, date)
        })
        .collect()
}

/// L'intervalle entre deux coups d'œil aux dates des fichiers, en mode `suivre`.
pub const INTERVALLE_SUIVRE: Duration = Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;

    /// Un faux classeur : pour chaque étape, un `lib.rs` avec `todo` fonctions à écrire.
    fn classeur(nom: &str, todos: [usize; 8]) -> io::Result<PathBuf> {
        let racine = std::env::temp_dir().join(format!("eleve-{nom}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&racine);
        for (i, (paquet, _)) in ETAPES.iter().enumerate() {
            let src = racine.join(paquet).join("src");
            fs::create_dir_all(&src)?;
            let mut texte = String::from("//! Une étape.\n");
            for f in 0..todos[i] {
                texte.push_str(&format!(
                    "pub fn f{f}() {{\n    todo!(\"Étape {} : rendez \\\"42\\\" sans tricher\")\n}}\n",
                    i + 1
                ));
            }
            fs::write(src.join("lib.rs"), texte)?;
        }
        Ok(racine)
    }

    #[test]
    fn les_todo_d_une_etape_donnent_ses_fonctions_a_ecrire() -> io::Result<()> {
        let racine = classeur("todo", [2, 0, 0, 0, 0, 0, 0, 0])?;
        let a_faire = a_faire(&racine, 1)?;
        assert_eq!(a_faire.len(), 2);
        assert_eq!(a_faire[0].fonction, "f0");
        assert_eq!(a_faire[0].ligne, 3);
        assert_eq!(a_faire[0].indice, "rendez \"42\" sans tricher");
        assert_eq!(
            a_faire[0].fichier,
            Path::new("etape1_connexion").join("src").join("lib.rs")
        );
        assert!(super::a_faire(&racine, 2)?.is_empty());
        assert_eq!(
            texte_du_todo(r##"    todo!(r#"Étape 3 : un "\n" brut"#)"##).as_deref(),
            Some(r#"Étape 3 : un "\n" brut"#)
        );
        assert_eq!(
            texte_du_todo(r##"    todo!("{}", r#"Étape 3 : `{ … }`"#)"##).as_deref(),
            Some("Étape 3 : `{ … }`")
        );
        fs::remove_dir_all(&racine)
    }

    fn etat(todos: usize, suite_reussie: Option<bool>) -> Etat {
        let a_faire = (0..todos)
            .map(|i| AFaire {
                fichier: PathBuf::from("x.rs"),
                ligne: i,
                fonction: "f".into(),
                indice: "i".into(),
            })
            .collect();
        let suite = suite_reussie.map(|ok| Suite {
            reussis: if ok { 5 } else { 3 },
            total: 5,
            ..Suite::default()
        });
        Etat { a_faire, suite }
    }

    #[test]
    fn la_prochaine_etape_est_la_premiere_qui_n_est_pas_faite() {
        // L'édition intacte : tout est à écrire.
        let intacte: Vec<Etat> = ETAPES.iter().map(|(_, n)| etat(*n, None)).collect();
        assert_eq!(prochaine(&intacte), Some(1));
        // L'étape 1 écrite et sa suite réussie : au tour de la 2.
        let mut une = intacte.clone();
        une[0] = etat(0, Some(true));
        assert_eq!(prochaine(&une), Some(2));
        // Écrite mais sa suite échoue : elle reste à faire.
        une[0] = etat(0, Some(false));
        assert_eq!(prochaine(&une), Some(1));
        let toutes: Vec<Etat> = ETAPES.iter().map(|_| etat(0, Some(true))).collect();
        assert_eq!(prochaine(&toutes), None);
        assert!(rapport(&toutes).contains("Toutes les étapes sont faites"));
        let texte = rapport(&intacte);
        assert!(
            texte.contains("À faire : l'étape 1 (etape1_connexion)"),
            "{texte}"
        );
        assert!(
            texte.contains("Prochaine fonction à écrire : `f`"),
            "{texte}"
        );
    }

    #[test]
    fn la_sortie_de_libtest_donne_les_comptes_et_les_messages() {
        let sortie = "\nrunning 3 tests\n...\nfailures:\n\n---- b_second stdout ----\n\nthread 'b_second' (12) panicked at tests/tests/etape1.rs:9:5:\nÉtape 1 : attendu : « Bienvenue »\nligne 2\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n---- a_premier stdout ----\n\nthread 'a_premier' (13) panicked at x.rs:1:1:\nun autre\n\nfailures:\n    a_premier\n    b_second\n\ntest result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.2s\n";
        let (reussis, total, messages) = lire_la_sortie(sortie);
        assert_eq!((reussis, total), (1, 3));
        assert_eq!(
            messages["b_second"],
            "Étape 1 : attendu : « Bienvenue »\nligne 2"
        );
        assert_eq!(messages["a_premier"], "un autre");
        let ordre = ordre_des_tests("#[test]\nfn b_second() {}\n\n#[test]\nfn a_premier() {}\n");
        assert_eq!(ordre, ["b_second", "a_premier"]);
    }

    #[test]
    fn les_indices_se_lisent_par_fonction_et_par_niveau() -> io::Result<()> {
        let indices =
            lire_les_indices("# commentaire\n=== etape1_connexion f0\n2 | plus\n3 | encore plus\n");
        assert_eq!(
            indices[&("etape1_connexion".to_string(), "f0".to_string())],
            [(2, "plus".to_string()), (3, "encore plus".to_string())]
        );
        let racine = classeur("indices", [1, 1, 0, 0, 0, 0, 0, 0])?;
        fs::create_dir_all(racine.join("tests"))?;
        fs::write(
            racine.join("tests/indices.txt"),
            "=== etape1_connexion f0\n2 | le plan\n3 | la recette\n",
        )?;
        assert!(indice(&racine, 1)?.contains("rendez \"42\""));
        let deux = indice(&racine, 2)?;
        assert!(
            deux.contains("le plan") && deux.contains("indice 3"),
            "{deux}"
        );
        assert!(indice(&racine, 3)?.contains("dernier indice"));
        assert!(indice(&racine, 4)?.contains("Pas d'indice de ce niveau"));
        fs::remove_dir_all(&racine)
    }

    #[test]
    fn une_barre_a_dix_cases() {
        assert_eq!(barre(0, 4), "░░░░░░░░░░");
        assert_eq!(barre(2, 4), "█████░░░░░");
        assert_eq!(barre(4, 4), "██████████");
        assert_eq!(barre(0, 0), "░░░░░░░░░░");
    }

    /// Une région du classeur (ou son `todo!` dans l'édition) : sa fonction, son premier indice,
    /// et les lignes de sa réponse (vides dans l'édition).
    fn regions(numero: usize) -> Vec<(String, String, Vec<String>)> {
        let racine = crate::racine();
        let mut fichiers = Vec::new();
        let _ = sources(
            &racine.join(ETAPES[numero - 1].0).join("src"),
            &mut fichiers,
        );
        let mut trouvees = Vec::new();
        for fichier in fichiers {
            let texte = fs::read_to_string(&fichier).unwrap_or_default();
            let lignes: Vec<&str> = texte.lines().collect();
            let mut i = 0;
            while i < lignes.len() {
                if let Some(indice) = lignes[i]
                    .trim_start()
                    .strip_prefix("// corrigé:début Indice : ")
                {
                    let fin = (i..lignes.len())
                        .find(|&j| lignes[j].trim_start().starts_with("// corrigé:fin"))
                        .unwrap_or(lignes.len());
                    let corps = lignes[i + 1..fin]
                        .iter()
                        .map(|l| l.trim().to_string())
                        .collect();
                    trouvees.push((fonction_englobante(&lignes, i), indice.to_string(), corps));
                    i = fin;
                }
                i += 1;
            }
        }
        if trouvees.is_empty() {
            // L'édition : les régions sont devenues des `todo!`.
            for a_faire in a_faire(&racine, numero).unwrap_or_default() {
                trouvees.push((a_faire.fonction, a_faire.indice, Vec::new()));
            }
        }
        trouvees
    }

    /// L'échelle des indices des étapes 1 à 8 : un premier indice court qui dit quoi, deux autres
    /// niveaux dans `tests/indices.txt`, et aucun qui contienne une ligne de la réponse.
    #[test]
    fn chaque_fonction_a_ecrire_a_son_echelle_d_indices_sans_la_reponse() {
        let texte = fs::read_to_string(crate::racine().join("tests/indices.txt"))
            .expect("tests/indices.txt");
        let indices = lire_les_indices(&texte);
        for numero in 1..=8 {
            let (paquet, fonctions) = ETAPES[numero - 1];
            let regions = regions(numero);
            assert_eq!(regions.len(), fonctions, "{paquet} : fonctions à écrire");
            for (fonction, premier, corps) in regions {
                assert!(
                    premier.chars().count() <= 250,
                    "{paquet}::{fonction} : le premier indice a {} caractères (250 au plus)",
                    premier.chars().count()
                );
                let niveaux = indices
                    .get(&(paquet.to_string(), fonction.clone()))
                    .unwrap_or_else(|| {
                        panic!("{paquet}::{fonction} : absent de tests/indices.txt")
                    });
                let numeros: Vec<usize> = niveaux.iter().map(|(n, _)| *n).collect();
                assert_eq!(numeros, [2, 3], "{paquet}::{fonction} : niveaux");
                for ligne in corps
                    .iter()
                    .filter(|l| l.len() > 20 && !l.starts_with("//"))
                {
                    for texte in std::iter::once(&premier).chain(niveaux.iter().map(|(_, t)| t)) {
                        assert!(
                            !texte.contains(ligne.as_str()),
                            "{paquet}::{fonction} : un indice contient une ligne de la réponse : {ligne}"
                        );
                    }
                }
            }
        }
    }
}
