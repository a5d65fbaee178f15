//! Les erreurs typiques, **exécutées** : chaque ligne « erreur typique → test qui l'attrape » des
//! pages du corrigé est une transformation du code source, écrite dans `corrige/erreurs.txt`.
//!
//! `cargo run -p corrige -- erreurs` recopie le classeur dans un dossier de travail, puis, pour
//! chaque erreur : applique la transformation (l'erreur d'un élève, toute faite), compile l'étape,
//! lance **la suite de notation** de cette étape (pas les tests unitaires, que `note` ne lance
//! pas), vérifie que le test nommé échoue dans le délai, et remet le code en état. Il finit par
//! la ligne `N/M erreurs typiques attrapées`.
//!
//! Une affirmation du corrigé (« ce test attrape cette erreur ») n'est vraie qu'une fois l'erreur
//! faite et vue attrapée : c'est ce que ce module vérifie, à chaque passage de la CI.
//!
//! # Le format de `erreurs.txt`
//!
//! ```text
//! === 2 | garder le `\r` de telnet | un_retour_chariot_final_est_retire
//! --- etape2_boucle/src/lib.rs
//! <<<
//!     if octets.last() == Some(&b'\r') {
//!         octets.pop();
//!     }
//! >>>
//! ```
//!
//! `=== étape | erreur (le texte de la ligne du corrigé) | test qui doit échouer`, puis un ou
//! plusieurs remplacements : `--- fichier`, le texte exact à remplacer entre `<<<` et `>>>` (il
//! doit y figurer une seule fois), puis le texte qui le remplace, jusqu'au prochain `---`, `===`
//! ou la fin du fichier. Les lignes qui commencent par `#` hors d'un bloc sont des commentaires.

use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::edition::dans_une_region;
use crate::note::{
    BAREME, Essai, Reglages, dossier_de_notation, essayer, preparer_le_dossier, reference,
};

/// Un remplacement dans un fichier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remplacement {
    pub fichier: String,
    pub avant: String,
    pub apres: String,
}

/// Une erreur typique et le test de la suite qui doit l'attraper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erreur {
    pub etape: u8,
    pub description: String,
    pub test: String,
    pub remplacements: Vec<Remplacement>,
}

/// Lit le texte de `erreurs.txt` (voir le format dans la documentation du module).
pub fn lire(texte: &str) -> anyhow::Result<Vec<Erreur>> {
    let mut erreurs: Vec<Erreur> = Vec::new();
    let mut lignes = texte.lines().enumerate().peekable();
    while let Some((numero, ligne)) = lignes.next() {
        let numero = numero + 1;
        if let Some(entete) = ligne.strip_prefix("=== ") {
            let champs: Vec<&str> = entete.split(" | ").map(str::trim).collect();
            let [etape, description, test] = champs[..] else {
                bail!("ligne {numero} : « === étape | erreur | test » attendu");
            };
            let etape: u8 = etape
                .parse()
                .ok()
                .filter(|e| (1..=8).contains(e))
                .with_context(|| format!("ligne {numero} : étape de 1 à 8 attendue"))?;
            erreurs.push(Erreur {
                etape,
                description: description.to_string(),
                test: test.to_string(),
                remplacements: Vec::new(),
            });
        } else if let Some(fichier) = ligne.strip_prefix("--- ") {
            let Some(erreur) = erreurs.last_mut() else {
                bail!("ligne {numero} : un remplacement avant toute erreur");
            };
            if lignes.next().map(|(_, l)| l) != Some("<<<") {
                bail!("ligne {} : « <<< » attendu", numero + 1);
            }
            let mut avant = String::new();
            loop {
                match lignes.next() {
                    Some((_, ">>>")) => break,
                    Some((_, l)) => {
                        avant.push_str(l);
                        avant.push('\n');
                    }
                    None => bail!("ligne {numero} : bloc <<< sans >>>"),
                }
            }
            let mut apres = String::new();
            while let Some((_, l)) =
                lignes.next_if(|(_, l)| !l.starts_with("--- ") && !l.starts_with("=== "))
            {
                apres.push_str(l);
                apres.push('\n');
            }
            // Les lignes vides entre deux entrées ne font pas partie du remplacement.
            while apres.ends_with("\n\n") {
                apres.pop();
            }
            if apres == "\n" {
                apres.clear();
            }
            erreur.remplacements.push(Remplacement {
                fichier: fichier.trim().to_string(),
                avant,
                apres,
            });
        } else if !(ligne.trim().is_empty() || ligne.starts_with('#')) {
            bail!("ligne {numero} : ligne inattendue « {ligne} »");
        }
    }
    if let Some(vide) = erreurs.iter().find(|e| e.remplacements.is_empty()) {
        bail!("l'erreur « {} » n'a aucun remplacement", vide.description);
    }
    Ok(erreurs)
}

/// Ce qu'a donné une erreur.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Le test nommé a échoué ; avec lui, ces tests-là.
    Attrapee(Vec<String>),
    /// Le test nommé a réussi malgré l'erreur.
    Manquee,
    /// Le test nommé n'a pas échoué : absent de la sortie, ou sortie incohérente. Une erreur
    /// n'est attrapée que si son test a tourné et a échoué.
    PasVu(String),
    /// Le test nommé n'est pas noté (il réussit sur l'édition intacte) : il n'enlève aucun point.
    NonNote,
    /// L'étape a dépassé le délai : une suite qui ne rend pas la main n'attrape rien.
    DelaiDepasse,
    /// La transformation ne compile pas : ce n'est pas une erreur d'élève crédible.
    NeCompilePas,
}

/// Applique chaque erreur de `classeur/corrige/erreurs.txt` (celles des `etapes`, toutes si
/// vide) dans une copie du classeur, et dit si la suite l'attrape. Écrit l'avancement sur la
/// sortie d'erreur et le bilan sur la sortie standard. Rend `(attrapées, total)`.
pub fn verifier(classeur: &Path, etapes: &[u8], delai: Duration) -> anyhow::Result<(usize, usize)> {
    let texte = fs::read_to_string(classeur.join("corrige").join("erreurs.txt"))
        .context("lecture de corrige/erreurs.txt impossible")?;
    let erreurs: Vec<Erreur> = lire(&texte)?
        .into_iter()
        .filter(|e| etapes.is_empty() || etapes.contains(&e.etape))
        .collect();
    // Les tests non notés (ils réussissent sur l'édition intacte) n'enlèvent aucun point : une
    // erreur qu'ils seraient seuls à attraper ne serait pas vue par `note`.
    let mut etapes_vues: Vec<u8> = erreurs.iter().map(|e| e.etape).collect();
    etapes_vues.sort_unstable();
    etapes_vues.dedup();
    let reglages = Reglages {
        etapes: etapes_vues,
        delai,
        progression: true,
        garder_compilation: false,
    };
    let reference = reference(classeur, &reglages)?;
    let travail = dossier_de_notation(classeur).join("erreurs");
    preparer_le_dossier(classeur, classeur, &travail)?;
    let mut attrapees = 0;
    let mut dans_le_donne = 0;
    for (rang, erreur) in erreurs.iter().enumerate() {
        let donne = dans_le_code_donne(classeur, erreur)?;
        // Dans le code donné, un test non noté suffit : il vérifie ce que l'enseignant distribue,
        // et l'élève n'y touche pas.
        let non_note =
            !donne && reference.gratuits[usize::from(erreur.etape - 1)].contains(&erreur.test);
        let verdict = if non_note {
            Verdict::NonNote
        } else {
            essayer_une(classeur, &travail, erreur, delai)?
        };
        if donne {
            dans_le_donne += 1;
        }
        let bilan = match &verdict {
            Verdict::Attrapee(echecs) => {
                attrapees += 1;
                format!("attrapée ({} tests échouent)", echecs.len())
            }
            Verdict::Manquee => format!("MANQUÉE : {} réussit malgré l'erreur", erreur.test),
            Verdict::PasVu(raison) => {
                format!("MANQUÉE : {} n'a pas échoué ({raison})", erreur.test)
            }
            Verdict::NonNote => format!(
                "INVALIDE : {} n'est pas noté (il réussit sur l'édition intacte)",
                erreur.test
            ),
            Verdict::DelaiDepasse => "MANQUÉE : délai dépassé".to_string(),
            Verdict::NeCompilePas => "INVALIDE : la transformation ne compile pas".to_string(),
        };
        println!(
            "[{}/{}] étape {}{} — {} → {bilan}",
            rang + 1,
            erreurs.len(),
            erreur.etape,
            if donne { " (code donné)" } else { "" },
            erreur.description
        );
    }
    println!(
        "dont {} dans le code que l'élève écrit (les régions) et {dans_le_donne} dans le code donné",
        erreurs.len() - dans_le_donne
    );
    println!("{attrapees}/{} erreurs typiques attrapées", erreurs.len());
    Ok((attrapees, erreurs.len()))
}

/// Vrai si l'erreur touche du code **donné** dans l'édition élève (hors des régions de solution) :
/// l'élève ne peut pas la faire sans modifier ce qu'on lui donne ; elle reste utile à
/// l'enseignant qui modifie ce code, et montre ce que la suite vérifie.
pub fn dans_le_code_donne(classeur: &Path, erreur: &Erreur) -> anyhow::Result<bool> {
    for remplacement in &erreur.remplacements {
        let source = fs::read_to_string(classeur.join(&remplacement.fichier))
            .with_context(|| format!("lecture de {} impossible", remplacement.fichier))?;
        let Some(debut) = source.find(&remplacement.avant) else {
            bail!(
                "erreur « {} » : texte à remplacer absent de {}",
                erreur.description,
                remplacement.fichier
            );
        };
        if !dans_une_region(&source, debut, debut + remplacement.avant.len()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Applique une erreur dans `travail`, lance la suite de son étape, puis remet les fichiers.
fn essayer_une(
    classeur: &Path,
    travail: &Path,
    erreur: &Erreur,
    delai: Duration,
) -> anyhow::Result<Verdict> {
    let mut originaux = Vec::new();
    for remplacement in &erreur.remplacements {
        let chemin = travail.join(&remplacement.fichier);
        let source = fs::read_to_string(classeur.join(&remplacement.fichier))
            .with_context(|| format!("lecture de {} impossible", remplacement.fichier))?;
        let fois = source.matches(&remplacement.avant).count();
        if fois != 1 {
            bail!(
                "erreur « {} » : le texte à remplacer apparaît {fois} fois dans {} (une seule \
                 attendue)",
                erreur.description,
                remplacement.fichier
            );
        }
        let deja = originaux
            .iter()
            .position(|(c, _): &(std::path::PathBuf, String)| *c == chemin);
        let courant = match deja {
            Some(_) => fs::read_to_string(&chemin)?,
            None => {
                originaux.push((chemin.clone(), source.clone()));
                source
            }
        };
        fs::write(
            &chemin,
            courant.replacen(&remplacement.avant, &remplacement.apres, 1),
        )?;
    }
    let bareme = BAREME
        .iter()
        .find(|b| b.etape == erreur.etape)
        .context("étape inconnue")?;
    let essai = essayer(travail, bareme, delai);
    for (chemin, original) in &originaux {
        fs::write(chemin, original)?;
    }
    Ok(match essai? {
        Essai::NeCompilePas => Verdict::NeCompilePas,
        Essai::DelaiDepasse => Verdict::DelaiDepasse,
        Essai::SortieIncoherente(raison) => Verdict::PasVu(raison),
        Essai::Fini { reussis, .. } if reussis.contains(&erreur.test) => Verdict::Manquee,
        // Attrapée seulement si le test nommé a tourné et a échoué (pas s'il est absent).
        Essai::Fini { echoues, .. } if echoues.contains(&erreur.test) => {
            Verdict::Attrapee(echoues.into_iter().collect())
        }
        Essai::Fini { .. } => Verdict::PasVu("absent de la sortie de la suite".to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lire_le_format() -> anyhow::Result<()> {
        let texte = "# un commentaire\n\
                     === 2 | garder le \\r | un_test\n\
                     --- a/b.rs\n<<<\n    x();\n>>>\n    y();\n\n\
                     --- a/c.rs\n<<<\nz\n>>>\n\n\
                     === 3 | autre | t2\n--- d.rs\n<<<\nq\n>>>\nr\n";
        let erreurs = lire(texte)?;
        assert_eq!(erreurs.len(), 2);
        assert_eq!(erreurs[0].remplacements[0].avant, "    x();\n");
        assert_eq!(erreurs[0].remplacements[0].apres, "    y();\n");
        assert_eq!(erreurs[0].remplacements[1].apres, "");
        assert_eq!(erreurs[1].remplacements[0].apres, "r\n");
        assert!(lire("=== 9 | x | y\n").is_err());
        assert!(lire("=== 2 | sans remplacement | t\n").is_err());
        Ok(())
    }

    /// Chaque ligne « erreur typique » des pages du corrigé a sa transformation, avec le même
    /// test, et chaque transformation a sa ligne : les tables ne peuvent pas s'écarter de ce que
    /// `erreurs` exécute.
    /// Sans lancer la suite : chaque texte à remplacer figure une seule fois dans le classeur,
    /// sinon `erreurs` s'arrêterait sur cette entrée.
    #[test]
    fn chaque_erreur_s_applique_au_classeur() -> anyhow::Result<()> {
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut problemes = Vec::new();
        for erreur in lire(include_str!("../erreurs.txt"))? {
            for r in &erreur.remplacements {
                let source = fs::read_to_string(classeur.join(&r.fichier))?;
                let fois = source.matches(&r.avant).count();
                if fois != 1 {
                    problemes.push(format!(
                        "« {} » : le texte à remplacer figure {fois} fois dans {}",
                        erreur.description, r.fichier
                    ));
                }
            }
        }
        assert!(problemes.is_empty(), "{}", problemes.join("\n"));
        Ok(())
    }

    #[test]
    fn le_readme_dit_le_nombre_d_erreurs_typiques() -> anyhow::Result<()> {
        let n = lire(include_str!("../erreurs.txt"))?.len();
        let readme = include_str!("../../README.fr.md");
        assert!(
            readme.contains(&format!("`corrige/erreurs.txt`, {n} erreurs"))
                && readme.contains(&format!("`{n}/{n} erreurs typiques attrapées`")),
            "le README doit dire les {n} erreurs typiques de corrige/erreurs.txt"
        );
        Ok(())
    }

    /// Le README dit combien d'erreurs sont faites dans le code donné (hors régions), et chaque
    /// page du corrigé marque les siennes « (code donné) ».
    #[test]
    fn le_readme_et_les_pages_disent_les_erreurs_du_code_donne() -> anyhow::Result<()> {
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let erreurs = lire(include_str!("../erreurs.txt"))?;
        let mut donnees = Vec::new();
        for erreur in &erreurs {
            if dans_le_code_donne(&classeur, erreur)? {
                donnees.push(erreur);
            }
        }
        let n = erreurs.len();
        let d = donnees.len();
        let readme = include_str!("../../README.fr.md");
        let phrase = format!(
            "{} dans le code que l'élève écrit et {d} dans le code donné",
            n - d
        );
        let mut fautes = Vec::new();
        for erreur in &erreurs {
            let donnee = donnees.contains(&erreur);
            let page = fs::read_to_string(
                classeur.join(format!("corrige/reponses/etape{}.md", erreur.etape)),
            )?;
            let ligne = page
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", erreur.description)))
                .unwrap_or_default();
            if ligne.contains("(code donné)") != donnee {
                fautes.push(format!(
                    "étape {} : « {} » {} « (code donné) »",
                    erreur.etape,
                    erreur.description,
                    if donnee {
                        "doit dire"
                    } else {
                        "ne doit pas dire"
                    }
                ));
            }
        }
        assert!(fautes.is_empty(), "{}", fautes.join("\n"));
        assert!(readme.contains(&phrase), "le README doit dire « {phrase} »");
        Ok(())
    }

    #[test]
    fn les_tables_du_corrige_et_erreurs_txt_disent_la_meme_chose() -> anyhow::Result<()> {
        let erreurs = lire(include_str!("../erreurs.txt"))?;
        let pages = [
            include_str!("../reponses/etape1.md"),
            include_str!("../reponses/etape2.md"),
            include_str!("../reponses/etape3.md"),
            include_str!("../reponses/etape4.md"),
            include_str!("../reponses/etape5.md"),
            include_str!("../reponses/etape6.md"),
            include_str!("../reponses/etape7.md"),
            include_str!("../reponses/etape8.md"),
        ];
        let mut lignes = std::collections::BTreeSet::new();
        for (i, page) in pages.iter().enumerate() {
            let etape = u8::try_from(i + 1)?;
            // Une page peut avoir plusieurs tables (l'étape 5 : le travail noté, puis le bonus).
            let tables: Vec<&str> = page.split("| erreur typique |").skip(1).collect();
            if tables.is_empty() {
                bail!("étape {etape} : pas de table d'erreurs typiques");
            }
            let lignes_des_tables = tables
                .iter()
                .flat_map(|table| table.lines().skip(2).take_while(|l| l.starts_with('|')));
            for ligne in lignes_des_tables {
                let cases: Vec<&str> = ligne.split(" | ").collect();
                let description = cases[0].trim_start_matches('|').trim();
                let test = cases.last().unwrap_or(&"").trim_end_matches('|').trim();
                let trouvee = erreurs
                    .iter()
                    .find(|e| e.etape == etape && e.description == description);
                let Some(erreur) = trouvee else {
                    bail!("étape {etape} : « {description} » n'est pas dans erreurs.txt");
                };
                if !test.contains(&erreur.test) {
                    bail!(
                        "étape {etape} : « {description} » : la table nomme {test}, erreurs.txt {}",
                        erreur.test
                    );
                }
                lignes.insert((etape, description.to_string()));
            }
        }
        for erreur in &erreurs {
            if !lignes.contains(&(erreur.etape, erreur.description.clone())) {
                bail!(
                    "étape {} : « {} » est dans erreurs.txt mais pas dans la table du corrigé",
                    erreur.etape,
                    erreur.description
                );
            }
        }
        Ok(())
    }
}
