//! Les sources d'une copie, lues avec méfiance : seules celles des étapes sont reprises, et ce qui
//! sort du paquet (`include!`, `#[path]`) ou lance des programmes est signalé.

use std::fs;
use std::path::Path;

use anyhow::Context;

use super::dossier::copier;
use super::*;

/// La taille au-delà de laquelle un fichier source d'une copie est ignoré (1 Mio : le plus gros
/// fichier du classeur en fait moins de 50 Kio).
pub const TAILLE_MAX_SOURCE: u64 = 1024 * 1024;

/// Vrai pour un fichier sous `etapeN_*/src/` : ce que la copie apporte.
pub(crate) fn source_d_etape(relatif: &Path) -> bool {
    let mut parties = relatif.components();
    let (Some(paquet), Some(src)) = (parties.next(), parties.next()) else {
        return false;
    };
    BAREME.iter().any(|b| paquet.as_os_str() == b.paquet) && src.as_os_str() == "src"
}

/// Copie les fichiers ordinaires de `copie/relatif` (récursivement) dans `travail/relatif`, sans
/// suivre aucun lien ; ce qui est ignoré est ajouté à `ignores`.
pub(crate) fn copier_les_sources(
    copie: &Path,
    relatif: &Path,
    travail: &Path,
    ignores: &mut Vec<String>,
) -> anyhow::Result<()> {
    let chemin = copie.join(relatif);
    let Ok(meta) = fs::symlink_metadata(&chemin) else {
        return Ok(());
    };
    let nom = relatif.display();
    if meta.file_type().is_symlink() {
        ignores.push(format!("{nom} : lien symbolique ignoré"));
    } else if meta.is_dir() {
        let mut entrees: Vec<_> = fs::read_dir(&chemin)
            .with_context(|| format!("lecture de {} impossible", chemin.display()))?
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        entrees.sort();
        for entree in entrees {
            copier_les_sources(copie, &relatif.join(entree), travail, ignores)?;
        }
    } else if !meta.is_file() {
        ignores.push(format!("{nom} : fichier spécial ignoré"));
    } else if meta.len() > TAILLE_MAX_SOURCE {
        ignores.push(format!(
            "{nom} : {} octets, plus que la limite de {TAILLE_MAX_SOURCE} ; ignoré",
            meta.len()
        ));
    } else {
        let texte = fs::read(&chemin).unwrap_or_default();
        let texte = String::from_utf8_lossy(&texte);
        let sorties = inclusions_hors_du_paquet(&texte, relatif);
        if let Some(sortie) = sorties.first() {
            ignores.push(format!("{nom} : ignoré, {sortie}"));
        } else {
            copier(&chemin, &travail.join(relatif))?;
            let mots = a_relire(&texte);
            if !mots.is_empty() {
                ignores.push(format!("{nom} : à relire ({})", mots.join(", ")));
            }
        }
    }
    Ok(())
}

/// Ce qui, dans la source `texte` (au chemin `relatif`, `etapeN_*/src/…`), fait entrer dans la
/// compilation un fichier **hors du paquet de l'étape** : `include!`, `include_str!`,
/// `include_bytes!` ou un attribut `path = "…"` dont le chemin est absolu ou remonte au-dessus
/// du paquet, ou dont l'argument n'est pas un chemin écrit en toutes lettres.
///
/// Le dossier de notation est dans le classeur : `#[path = "../../../../../etape1_connexion/src/lib.rs"]`
/// y ferait compiler la solution de l'enseignant à la place du travail de l'élève.
pub fn inclusions_hors_du_paquet(texte: &str, relatif: &Path) -> Vec<String> {
    // Le dossier du fichier, en parties, depuis la racine du paquet (`src`, `src/sous`…).
    let dossier: Vec<String> = relatif
        .parent()
        .map(|d| {
            d.components()
                .skip(1)
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let sort = |chemin: &str| -> bool {
        if chemin.starts_with(['/', '\\']) || chemin.get(1..2) == Some(":") {
            return true;
        }
        let mut ici = dossier.clone();
        for partie in chemin.split(['/', '\\']) {
            match partie {
                "" | "." => {}
                ".." => {
                    if ici.pop().is_none() {
                        return true;
                    }
                }
                autre => ici.push(autre.to_string()),
            }
        }
        false
    };
    let mut trouvees = Vec::new();
    // Sans les commentaires : `#[path /* */ = "…"]` ne cache rien.
    let code = sans_commentaires(texte);
    let texte = code.as_str();
    let octets = texte.as_bytes();
    let mot =
        |i: usize| i == 0 || !(octets[i - 1].is_ascii_alphanumeric() || octets[i - 1] == b'_');
    for (debut, _) in texte.match_indices("include") {
        if !mot(debut) {
            continue;
        }
        let reste = &texte[debut + "include".len()..];
        let reste = reste
            .strip_prefix("_str")
            .or_else(|| reste.strip_prefix("_bytes"))
            .unwrap_or(reste);
        if reste.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(reste) = reste.trim_start().strip_prefix('!') else {
            // `use std::include as inclure;` : la même macro sous un autre nom.
            trouvees.push("nomme une macro d'inclusion sans l'appeler (un alias ?)".to_string());
            continue;
        };
        let reste = reste.trim_start();
        let Some(reste) = reste.strip_prefix(['(', '[', '{']) else {
            continue;
        };
        match litteral(reste.trim_start()) {
            Some(chemin) if !sort(&chemin) => {}
            Some(chemin) => trouvees.push(format!("inclut « {chemin} », hors de sa copie")),
            None => trouvees.push(
                "inclut un fichier dont le chemin n'est pas écrit en toutes lettres".to_string(),
            ),
        }
    }
    for (debut, _) in texte.match_indices("path") {
        if !mot(debut) {
            continue;
        }
        let reste = texte[debut + "path".len()..].trim_start();
        let Some(reste) = reste.strip_prefix('=') else {
            continue;
        };
        if reste.starts_with('=') {
            continue;
        }
        let reste = reste.trim_start();
        match litteral(reste) {
            Some(chemin) if sort(&chemin) => {
                trouvees.push(format!("prend le module « {chemin} », hors de sa copie"));
            }
            Some(_) => {}
            // Une chaîne avec des échappements (`"\x2e\x2e/…"`) : illisible ici, donc refusée.
            None if reste.starts_with('"')
                || reste.starts_with("r\"")
                || reste.starts_with("r#") =>
            {
                trouvees.push(
                    "prend un module dont le chemin n'est pas écrit en toutes lettres".to_string(),
                );
            }
            None => {}
        }
    }
    trouvees
}

/// `texte` sans ses commentaires (`//…` et `/* … */`, imbriqués), chaînes et caractères gardés.
pub fn sans_commentaires(texte: &str) -> String {
    let c: Vec<char> = texte.chars().collect();
    let mut sortie = String::with_capacity(texte.len());
    let identifiant = |k: usize| c[k].is_alphanumeric() || c[k] == '_';
    let mut i = 0;
    while i < c.len() {
        let suivant = c.get(i + 1).copied();
        if c[i] == '/' && suivant == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && suivant == Some('*') {
            let mut profondeur = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    profondeur += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    profondeur -= 1;
                    i += 2;
                    if profondeur == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            sortie.push(' ');
        } else if c[i] == 'r'
            && matches!(suivant, Some('"' | '#'))
            && (i == 0 || !identifiant(i - 1))
        {
            // Chaîne brute : jusqu'au `"` suivi d'autant de `#`.
            let mut j = i + 1;
            let mut diezes = 0;
            while c.get(j) == Some(&'#') {
                diezes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                sortie.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            while j < c.len() && !(c[j] == '"' && (1..=diezes).all(|k| c.get(j + k) == Some(&'#')))
            {
                j += 1;
            }
            let fin = (j + 1 + diezes).min(c.len());
            sortie.extend(&c[i..fin]);
            i = fin;
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            let fin = (j + 1).min(c.len());
            sortie.extend(&c[i..fin]);
            i = fin;
        } else if c[i] == '\'' {
            // Un caractère (`'x'`, `'\n'`, `'"'`) ou une durée de vie (`'a`).
            let fin = if suivant == Some('\\') {
                (i + 2..c.len().min(i + 12))
                    .find(|&k| c[k] == '\'')
                    .map(|k| k + 1)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            let fin = fin.unwrap_or(i + 1).min(c.len());
            sortie.extend(&c[i..fin]);
            i = fin;
        } else {
            sortie.push(c[i]);
            i += 1;
        }
    }
    sortie
}

/// Ce que le code d'une étape n'a aucune raison de contenir dans ce TP (lancer un programme,
/// fouiller `/proc`, viser un dossier de compilation) : la note n'en dépend pas, mais la copie est
/// signalée « à relire ».
pub const A_RELIRE: [&str; 9] = [
    "Command",
    "/proc",
    "/dev/",
    "exec",
    "setsid",
    "kill",
    "CARGO_MANIFEST_DIR",
    "target/",
    "notation",
];

/// Les mots de [`A_RELIRE`] trouvés dans le code de `texte` (commentaires exclus).
pub fn a_relire(texte: &str) -> Vec<&'static str> {
    let code = sans_commentaires(texte);
    let bord = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    A_RELIRE
        .iter()
        .copied()
        .filter(|mot| {
            let seul = mot.chars().all(|c| c.is_alphanumeric() || c == '_');
            code.match_indices(mot).any(|(i, _)| {
                !seul
                    || (bord(code[..i].chars().next_back())
                        && bord(code[i + mot.len()..].chars().next()))
            })
        })
        .collect()
}

/// La chaîne littérale au début de `texte` (`"…"` sans échappement, ou brute `r#"…"#`) ;
/// `None` sinon.
pub(crate) fn litteral(texte: &str) -> Option<String> {
    if let Some(reste) = texte.strip_prefix('"') {
        let fin = reste.find('"')?;
        let contenu = &reste[..fin];
        return (!contenu.contains('\\')).then(|| contenu.to_string());
    }
    let reste = texte.strip_prefix('r')?;
    let diezes = reste.len() - reste.trim_start_matches('#').len();
    let reste = reste[diezes..].strip_prefix('"')?;
    let fin = reste.find(&format!("\"{}", "#".repeat(diezes)))?;
    Some(reste[..fin].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edition::collecter;

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
}
