//! L'édition élève : une copie du classeur où les solutions et les réponses sont retirées.
//!
//! Deux transformations, faites sur les sources des étapes (`etapeN_*/src/*.rs`) :
//!
//! 1. chaque **région de solution**, marquée dans les sources
//!    (`// corrigé:début Indice : …` … `// corrigé:fin`, toujours le corps entier d'une fonction),
//!    devient `todo!("Étape N : <indice>")`. Le type de `todo!()` est `!`, qui se convertit en
//!    n'importe quel type : la copie **compile**, et chaque fonction à écrire panique avec un
//!    message qui nomme l'étape ;
//! 2. chaque section de documentation `# Question : …` garde sa question et perd sa réponse.
//!
//! Le paquet `corrige` lui-même n'est pas copié (c'est le corrigé), et l'espace de travail de la
//! copie ne le mentionne plus.
//!
//! ## Aucune solution dans l'édition, même plus loin
//!
//! Remplacer les régions ne suffit pas si une étape suivante **recopie** la solution d'une étape
//! précédente : la `lire_ligne` de l'étape 2 recopiée dans l'étape 3 donnerait la réponse. Le
//! classeur est donc construit ainsi : ce qu'une étape enseigne (et fait écrire), les suivantes
//! l'**utilisent** depuis son paquet (`pub use etape2_boucle::lire_ligne`,
//! `etape3_deconnexion::servir_avec(…)`, `etape5_instructions::calcul`…) au lieu d'en garder une
//! copie ; et quand une étape change une fonction déjà écrite (la conversation de l'étape 5
//! répond à des instructions), la nouvelle version est une région de cette étape. L'élève écrit
//! chaque idée une fois, et les tests d'une étape passent quand elle et celles dont elle dépend
//! sont faites.
//!
//! [`fuites`] le vérifie : aucune suite de [`LIGNES_D_UNE_FUITE`] lignes de code d'une région ne
//! se retrouve dans un fichier de l'édition (autre étape, tests, README). Un test du corrigé
//! l'exige sur le classeur à chaque `cargo test`.
//!
//! Ce test ne voit pas une réponse **réécrite** : la même idée, avec d'autres noms. Celles-là ont
//! été cherchées en relisant l'édition, et écartées par la même règle : une idée qu'une région
//! fait écrire n'existe qu'une fois. À l'étape 7, la règle des pseudos est la région `trouver`,
//! dont se servent `pseudo_disponible` et `/mp` (avant, `/mp` en contenait une copie) ; écrire
//! à un membre est la région `envoyer_a`, à côté de `diffuser` ; à l'étape 8, les numéros de
//! connexion viennent d'un compteur atomique, pas du compteur que l'étape 7 fait écrire. Restent
//! des formes communes que l'indice lui-même donne : la boucle `loop { match lire_ligne(…) }` des
//! conversations des étapes 7 et 8 (l'indice de l'étape 2 l'écrit), ou une entrée retirée d'une
//! table (`remove`) dans `Salon::retirer` de l'étape 8 comme dans `retirer` de l'étape 7. À
//! l'étape 8 encore, le journal est une file du même type que celle d'un client : la boucle
//! `while file.prendre(…)` du thread du journal (la région `ecrire_lignes`) a la forme de celle,
//! donnée, de `ecrire_vers_le_client`, et l'énoncé le dit ; ce qui reste à écrire est ce qui les
//! distingue (un fichier, qui peut disparaître, et des erreurs dites sur la console). De même,
//! `Salon::clore` (donnée) publie l'annonce d'arrêt comme `Salon::publier` (région) publie un
//! message, sans `livrer`.
//!
//! Enfin, le manifeste de l'édition coupe les avertissements « inutilisé » (voir
//! [`AVERTISSEMENTS_ELEVE`]) : une fonction réduite à `todo!` laisse des paramètres et des `use`
//! sans emploi, que `cargo fix` supprimerait alors que l'élève en aura besoin.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Le début et la fin d'une région de solution.
pub const DEBUT_REGION: &str = "// corrigé:début";
/// La fin d'une région de solution.
pub const FIN_REGION: &str = "// corrigé:fin";

/// Ce que [`ecrire_version_eleve`] a fait.
#[derive(Debug, Default)]
pub struct Rapport {
    /// Nombre de fichiers copiés.
    pub fichiers: usize,
    /// Nombre de régions remplacées, par étape (indice 0 = étape 1).
    pub regions: [usize; 8],
    /// Nombre de réponses retirées.
    pub reponses: usize,
}

/// Vérifie que `dossier` est un classeur : un espace de travail Cargo avec le paquet `tests`.
pub fn verifier_classeur(dossier: &Path) -> anyhow::Result<()> {
    let manifeste = dossier.join("Cargo.toml");
    let texte = fs::read_to_string(&manifeste).with_context(|| {
        format!(
            "{} n'est pas un classeur du TP : pas de Cargo.toml lisible",
            dossier.display()
        )
    })?;
    if !texte.contains("[workspace]")
        || !texte.contains("\"tests\"")
        || !dossier.join("tests").join("tests").is_dir()
    {
        bail!(
            "{} n'est pas un classeur du TP : son Cargo.toml doit déclarer un espace de travail \
             avec le paquet « tests » (la suite de notation)",
            dossier.display()
        );
    }
    Ok(())
}

/// Écrit dans `destination` (absent ou vide) l'édition élève du classeur `source`.
pub fn ecrire_version_eleve(source: &Path, destination: &Path) -> anyhow::Result<Rapport> {
    verifier_classeur(source)?;
    if destination.exists() {
        let vide = fs::read_dir(destination)
            .with_context(|| format!("{} n'est pas un dossier lisible", destination.display()))?
            .next()
            .is_none();
        if !vide {
            bail!(
                "le dossier {} existe déjà et n'est pas vide : rien n'a été écrit. \
                 Choisissez un dossier neuf.",
                destination.display()
            );
        }
    }
    // On prépare tout en mémoire d'abord : une erreur (région mal fermée) n'écrit rien.
    let (a_ecrire, mut rapport) = transformer_le_classeur(source)?;
    for (relatif, contenu) in a_ecrire {
        let chemin = destination.join(&relatif);
        if let Some(parent) = chemin.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("création de {} impossible", parent.display()))?;
        }
        fs::write(&chemin, contenu)
            .with_context(|| format!("écriture de {} impossible", chemin.display()))?;
        rapport.fichiers += 1;
    }
    Ok(rapport)
}

/// Un fichier de l'édition : son chemin relatif et son contenu.
type Fichier = (PathBuf, Vec<u8>);

/// L'édition en mémoire : chaque fichier et le rapport.
fn transformer_le_classeur(source: &Path) -> anyhow::Result<(Vec<Fichier>, Rapport)> {
    let mut fichiers = Vec::new();
    collecter(source, source, &mut fichiers)?;
    let mut rapport = Rapport::default();
    let mut a_ecrire: Vec<Fichier> = Vec::new();
    for relatif in fichiers {
        let octets = fs::read(source.join(&relatif))
            .with_context(|| format!("lecture de {} impossible", relatif.display()))?;
        let contenu = match (etape_du_chemin(&relatif), String::from_utf8(octets)) {
            (Some(etape), Ok(texte)) if relatif.extension().is_some_and(|e| e == "rs") => {
                let transforme = transformer_source(&texte, etape)
                    .with_context(|| format!("dans {}", relatif.display()))?;
                rapport.regions[usize::from(etape - 1)] += transforme.regions;
                rapport.reponses += transforme.reponses;
                transforme.texte.into_bytes()
            }
            (_, Ok(texte)) if relatif == Path::new("Cargo.toml") => {
                manifeste_eleve(&texte).into_bytes()
            }
            (_, Ok(texte)) if relatif == Path::new("Cargo.lock") => {
                verrou_sans_le_corrige(&texte).into_bytes()
            }
            (_, Ok(texte)) if relatif == Path::new("README.fr.md") => {
                readme_eleve(&texte).into_bytes()
            }
            (_, Ok(texte)) => texte.into_bytes(),
            (_, Err(binaire)) => binaire.into_bytes(),
        };
        a_ecrire.push((relatif, contenu));
    }
    if let Some(etape) = rapport.regions.iter().position(|&n| n == 0) {
        bail!(
            "l'étape {} n'a aucune région de solution marquée : l'édition élève n'aurait rien à faire",
            etape + 1
        );
    }
    Ok((a_ecrire, rapport))
}

/// Un morceau de solution retrouvé dans l'édition élève.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fuite {
    /// La région d'où vient le code : `etape2_boucle/src/lib.rs:119`.
    pub region: String,
    /// Où l'édition le montre : `etape3_deconnexion/src/lib.rs:88`.
    pub trouve: String,
    /// Les lignes de code communes (au moins [`LIGNES_D_UNE_FUITE`]).
    pub lignes: Vec<String>,
}

/// Le nombre de lignes de code consécutives d'une région qui, retrouvées ailleurs, font une fuite.
pub const LIGNES_D_UNE_FUITE: usize = 3;

/// Cherche dans l'édition élève de `source` le code des régions de solution : pour chaque région,
/// toute suite de [`LIGNES_D_UNE_FUITE`] de ses lignes de code retrouvée dans un fichier de
/// l'édition (une autre étape, un test, le README) est une fuite.
///
/// Une « ligne de code » est une ligne sans ses espaces, ni vide, ni commentaire, et qui contient
/// au moins une lettre : `}` ou `);` seuls ne comptent pas, `Ok(())` oui.
pub fn fuites(source: &Path) -> anyhow::Result<Vec<Fuite>> {
    let (edition, _) = transformer_le_classeur(source)?;
    let mut regions = Vec::new();
    for (relatif, _) in &edition {
        if etape_du_chemin(relatif).is_none() || relatif.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let texte = fs::read_to_string(source.join(relatif))
            .with_context(|| format!("lecture de {} impossible", relatif.display()))?;
        regions.extend(
            regions_de(&texte)
                .into_iter()
                .map(|(ligne, code)| (format!("{}:{ligne}", relatif.display()), code)),
        );
    }
    let mut trouvees = Vec::new();
    for (relatif, contenu) in &edition {
        let Ok(texte) = std::str::from_utf8(contenu) else {
            continue;
        };
        let code: Vec<(usize, String)> = texte
            .lines()
            .enumerate()
            .filter_map(|(i, l)| ligne_de_code(l).map(|c| (i + 1, c)))
            .collect();
        for (region, lignes) in &regions {
            for fenetre in lignes.windows(LIGNES_D_UNE_FUITE) {
                let trouve = code
                    .windows(LIGNES_D_UNE_FUITE)
                    .find(|f| f.iter().map(|(_, c)| c).eq(fenetre.iter()));
                if let Some(f) = trouve {
                    trouvees.push(Fuite {
                        region: region.clone(),
                        trouve: format!("{}:{}", relatif.display(), f[0].0),
                        lignes: fenetre.to_vec(),
                    });
                    break;
                }
            }
        }
    }
    Ok(trouvees)
}

/// Vrai si les octets `debut..fin` de `source` sont tout entiers dans une région de solution
/// (entre un marqueur de début et le marqueur de fin qui le suit).
pub fn dans_une_region(source: &str, debut: usize, fin: usize) -> bool {
    let mut position = 0;
    let mut region: Option<usize> = None;
    for ligne in source.split_inclusive('\n') {
        let suivante = position + ligne.len();
        let texte = ligne.trim_start();
        if texte.starts_with(DEBUT_REGION) {
            region = Some(suivante);
        } else if texte.starts_with(FIN_REGION)
            && let Some(ouverture) = region.take()
            && ouverture <= debut
            && fin <= position
        {
            return true;
        }
        position = suivante;
    }
    false
}

/// Les régions de solution d'une source : (ligne du marqueur de début, lignes de code).
fn regions_de(source: &str) -> Vec<(usize, Vec<String>)> {
    let mut regions = Vec::new();
    let mut courante: Option<(usize, Vec<String>)> = None;
    for (i, ligne) in source.lines().enumerate() {
        let debut = ligne.trim_start();
        if debut.starts_with(DEBUT_REGION) {
            courante = Some((i + 1, Vec::new()));
        } else if debut.starts_with(FIN_REGION) {
            regions.extend(courante.take());
        } else if let Some((_, code)) = courante.as_mut() {
            code.extend(ligne_de_code(ligne));
        }
    }
    regions
}

/// La ligne sans ses espaces si c'est une ligne de code (voir [`fuites`]).
fn ligne_de_code(ligne: &str) -> Option<String> {
    let l = ligne.trim();
    let code = !l.starts_with("//") && l.chars().any(char::is_alphabetic);
    code.then(|| l.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Les fichiers du classeur à copier, en chemins relatifs : tout sauf la compilation (`target`),
/// l'historique git, le corrigé, la CI et les journaux de discussion.
pub(crate) fn collecter(
    racine: &Path,
    dossier: &Path,
    fichiers: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let mut entrees: Vec<_> = fs::read_dir(dossier)
        .with_context(|| format!("lecture de {} impossible", dossier.display()))?
        .collect::<Result<_, _>>()?;
    entrees.sort_by_key(|e| e.file_name());
    for entree in entrees {
        let nom = entree.file_name();
        let nom = nom.to_string_lossy();
        let ignore = matches!(nom.as_ref(), "target" | ".git" | ".ci" | "corrige")
            || nom.ends_with("chat_log.txt");
        if ignore {
            continue;
        }
        let chemin = entree.path();
        if entree.file_type()?.is_dir() {
            collecter(racine, &chemin, fichiers)?;
        } else if let Ok(relatif) = chemin.strip_prefix(racine) {
            fichiers.push(relatif.to_path_buf());
        }
    }
    Ok(())
}

/// `etape3_deconnexion/src/lib.rs` → `Some(3)`.
fn etape_du_chemin(relatif: &Path) -> Option<u8> {
    let premier = relatif.components().next()?.as_os_str().to_str()?;
    let chiffre = premier
        .strip_prefix("etape")?
        .chars()
        .next()?
        .to_digit(10)?;
    u8::try_from(chiffre).ok().filter(|n| (1..=8).contains(n))
}

/// Le README de l'édition : celui du classeur sans ce qui concerne l'enseignant (la section
/// « Pour les enseignants », les mesures faites avec les outils du corrigé) et sans aucune
/// mention du corrigé, précédé d'un mot pour l'élève.
pub fn readme_eleve(readme: &str) -> String {
    let mut texte = String::new();
    let mut garder = true;
    // Le mot pour l'élève va sous le titre, et seulement là (pas sous un `# terminal 1` d'un
    // bloc de code).
    let mut titre_vu = false;
    // Dans l'édition, les réponses ne sont plus là : la phrase qui les annonce devient la consigne.
    let readme = readme.replace(
        "et les réponses aux questions du TP sont écrites à côté du code qu'elles expliquent.",
        "et les questions du TP y sont posées à côté du code qu'elles concernent.",
    );
    for ligne in readme.lines() {
        if let Some(titre) = ligne.strip_prefix("## ") {
            garder = !(titre.starts_with("Pour les enseignants") || titre.starts_with("Mesures"));
        }
        if !garder {
            continue;
        }
        texte.push_str(&ligne.replace(" et le corrigé", ""));
        texte.push('\n');
        if ligne.starts_with("# ") && !titre_vu {
            titre_vu = true;
            texte.push_str(
                "\n**Votre copie de travail.** Dans chaque étape, les fonctions à écrire contiennent \
                 `todo!(\"Étape N : …\")` avec un indice ; remplacez-les par votre code. \
                 `cargo run -p tests` dit où vous en êtes et quoi faire ensuite (la prochaine \
                 fonction, son indice, le premier test qui échoue) ; `cargo test --workspace` \
                 (ou `cargo test -p tests --test etape3` pour une seule étape) lance la suite qui \
                 vous notera : chaque échec dit, en français, ce qui était attendu. Les questions du TP sont dans la documentation de chaque étape \
                 (`cargo doc --workspace --no-deps --open`) ; à vous d'y répondre, sous chaque question (à la place de « À vous de répondre »), ou dans votre compte rendu si on vous le demande.\n",
            );
        }
    }
    texte
}

/// La section ajoutée au manifeste de l'édition, sous `[workspace.lints.rust]`.
pub const AVERTISSEMENTS_ELEVE: &str = "\
# Édition élève : tant qu'une fonction contient `todo!`, ses paramètres et les `use` dont elle
# aura besoin paraissent inutilisés. Ces avertissements sont coupés pour que `cargo fix` ne les
# supprime pas ; retirez cette ligne quand vous avez tout écrit.
unused = { level = \"allow\", priority = -1 }
";

/// Le manifeste de l'édition : sans le paquet `corrige`, et sans les avertissements « inutilisé »
/// que les `todo!` provoquent (voir [`AVERTISSEMENTS_ELEVE`]).
fn manifeste_eleve(manifeste: &str) -> String {
    let mut texte = String::new();
    for ligne in retirer_le_corrige(manifeste).lines() {
        texte.push_str(ligne);
        texte.push('\n');
        if ligne.trim() == "[workspace.lints.rust]" {
            texte.push_str(AVERTISSEMENTS_ELEVE);
        }
    }
    texte
}

/// Le `Cargo.lock` de l'édition : sans l'entrée du paquet `corrige` (ses dépendances sont aussi
/// celles des étapes, elles restent).
fn verrou_sans_le_corrige(verrou: &str) -> String {
    verrou
        .split("\n[[package]]\n")
        .filter(|paquet| !paquet.starts_with("name = \"corrige\"\n"))
        .collect::<Vec<_>>()
        .join("\n[[package]]\n")
}

/// Le manifeste de la copie : sans le paquet `corrige`.
pub(crate) fn retirer_le_corrige(manifeste: &str) -> String {
    manifeste
        .lines()
        .filter(|ligne| ligne.trim() != "\"corrige\",")
        .map(|ligne| format!("{ligne}\n"))
        .collect()
}

/// Une source transformée.
#[derive(Debug, PartialEq, Eq)]
pub struct Transforme {
    pub texte: String,
    pub regions: usize,
    pub reponses: usize,
}

/// `todo!` avec `message`, écrit pour qu'un élève lise l'indice tel quel dans la source.
///
/// `todo!("…")` lit son texte comme un format (`{pseudo}` y serait une variable) et une chaîne
/// ordinaire échappe `"` et `\` : un indice qui contient l'un de ces caractères va donc dans une
/// chaîne brute (`r#"…"#`, lue telle quelle), passée par `"{}"` s'il a des accolades.
fn appel_todo(message: &str) -> String {
    let accolades = message.contains(['{', '}']);
    if !accolades && !message.contains(['"', '\\']) {
        return format!("todo!(\"{message}\")");
    }
    let mut diezes = "#".to_string();
    while message.contains(&format!("\"{diezes}")) {
        diezes.push('#');
    }
    let brute = format!("r{diezes}\"{message}\"{diezes}");
    if accolades {
        format!("todo!(\"{{}}\", {brute})")
    } else {
        format!("todo!({brute})")
    }
}

/// Remplace les régions de solution par `todo!` et retire les réponses aux questions.
pub fn transformer_source(source: &str, etape: u8) -> anyhow::Result<Transforme> {
    let mut texte = String::with_capacity(source.len());
    let (mut regions, mut reponses) = (0, 0);
    // `Some("///")` (doc d'un élément) ou `Some("//!")` (doc d'un module) pendant qu'on saute
    // la réponse d'une question (jusqu'au titre suivant, ou la fin du commentaire).
    let mut dans_une_reponse: Option<&str> = None;
    let mut lignes = source.lines().enumerate();
    while let Some((numero, ligne)) = lignes.next() {
        let debut = ligne.trim_start();
        let indentation = &ligne[..ligne.len() - debut.len()];
        if let Some(marque) = dans_une_reponse {
            let titre = format!("{marque} # ");
            if debut.starts_with(marque) && !debut.starts_with(&titre) {
                continue;
            }
            dans_une_reponse = None;
            if debut.starts_with(&titre) {
                texte.push_str(&format!("{indentation}{marque}\n"));
            }
        }
        if let Some(reste) = debut.strip_prefix(DEBUT_REGION) {
            let indice = reste
                .trim()
                .strip_prefix("Indice :")
                .unwrap_or(reste)
                .trim();
            let fermee = lignes
                .by_ref()
                .any(|(_, l)| l.trim_start().starts_with(FIN_REGION));
            if !fermee {
                bail!(
                    "la région ouverte ligne {} n'est jamais fermée par « {FIN_REGION} »",
                    numero + 1
                );
            }
            texte.push_str(&format!(
                "{indentation}{}\n",
                appel_todo(&format!("Étape {etape} : {indice}"))
            ));
            regions += 1;
            continue;
        }
        texte.push_str(ligne);
        texte.push('\n');
        if let Some(marque) = ["///", "//!"]
            .into_iter()
            .find(|marque| debut.starts_with(&format!("{marque} # Question")))
        {
            texte.push_str(&format!("{indentation}{marque}\n"));
            texte.push_str(&format!(
                "{indentation}{marque} *À vous de répondre, ici, à la place de cette ligne : c'est une question du TP.*\n"
            ));
            reponses += 1;
            dans_une_reponse = Some(marque);
        }
    }
    Ok(Transforme {
        texte,
        regions,
        reponses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_readme_de_l_eleve_ne_parle_ni_du_corrige_ni_des_enseignants() {
        let eleve = readme_eleve(include_str!("../../README.fr.md"));
        assert!(!eleve.to_lowercase().contains("corrig"), "{eleve}");
        assert!(!eleve.contains("enseignant"), "{eleve}");
        assert!(eleve.contains("cargo test --workspace"));
        assert!(eleve.contains("todo!"));
        assert!(!eleve.contains("les réponses aux questions"), "{eleve}");
        assert_eq!(
            eleve.matches("Votre copie de travail").count(),
            1,
            "{eleve}"
        );
    }

    const SOURCE: &str = "\
/// Sert un client.
///
/// # Question : pourquoi ?
///
/// Parce que.
/// Voilà.
///
/// # Question : et encore ?
///
/// Réponse deux.
///
/// # Exemple
///
/// Gardé.
fn servir() -> u32 {
    // corrigé:début Indice : rendez \"42\".
    let x = 40;
    x + 2
    // corrigé:fin
}
";

    #[test]
    fn un_indice_se_lit_tel_quel_dans_la_source() {
        assert_eq!(
            appel_todo("Étape 1 : simple"),
            "todo!(\"Étape 1 : simple\")"
        );
        assert_eq!(
            appel_todo("Étape 2 : retirez \"\\r\\n\""),
            "todo!(r#\"Étape 2 : retirez \"\\r\\n\"\"#)"
        );
        assert_eq!(
            appel_todo("Étape 8 : « {pseudo} »"),
            "todo!(\"{}\", r#\"Étape 8 : « {pseudo} »\"#)"
        );
        assert_eq!(appel_todo("a \"# b"), "todo!(r##\"a \"# b\"##)");
    }

    #[test]
    fn les_regions_deviennent_todo_et_les_reponses_disparaissent() -> anyhow::Result<()> {
        let t = transformer_source(SOURCE, 3)?;
        assert_eq!(t.regions, 1);
        assert_eq!(t.reponses, 2);
        assert!(
            t.texte
                .contains("    todo!(r#\"Étape 3 : rendez \"42\".\"#)\n"),
            "{}",
            t.texte
        );
        assert!(!t.texte.contains("x + 2"));
        assert!(!t.texte.contains("Parce que") && !t.texte.contains("Réponse deux"));
        assert!(
            t.texte.contains("# Question : pourquoi ?")
                && t.texte.contains("# Question : et encore ?")
        );
        assert!(
            t.texte.contains("/// # Exemple\n///\n/// Gardé."),
            "{}",
            t.texte
        );
        Ok(())
    }

    #[test]
    fn une_question_dans_la_doc_d_un_module_perd_aussi_sa_reponse() -> anyhow::Result<()> {
        let source = "//! Le module.\n//!\n//! # Question : qui fixe l'ordre ?\n//!\n//! Le verrou.\n//!\n//! # Suite\n//!\n//! Gardée.\n";
        let t = transformer_source(source, 8)?;
        assert_eq!(t.reponses, 1);
        assert!(!t.texte.contains("Le verrou"), "{}", t.texte);
        assert!(
            t.texte.contains("//! # Question : qui fixe l'ordre ?")
                && t.texte.contains("//! # Suite\n//!\n//! Gardée."),
            "{}",
            t.texte
        );
        Ok(())
    }

    #[test]
    fn les_accolades_d_un_indice_ne_cassent_pas_todo() -> anyhow::Result<()> {
        let t = transformer_source(
            "fn f() {\n    // corrigé:début Indice : `loop { … }`\n    // corrigé:fin\n}\n",
            2,
        )?;
        assert!(
            t.texte
                .contains("todo!(\"{}\", r#\"Étape 2 : `loop { … }`\"#)"),
            "{}",
            t.texte
        );
        Ok(())
    }

    #[test]
    fn une_region_non_fermee_est_une_erreur() {
        let erreur = transformer_source("fn f() {\n    // corrigé:début x\n}\n", 1)
            .expect_err("région ouverte");
        assert!(erreur.to_string().contains("jamais fermée"));
    }

    #[test]
    fn le_manifeste_perd_le_corrige() {
        let m = "members = [\n    \"etape1_connexion\",\n    \"corrige\",\n    \"tests\",\n]\n";
        assert_eq!(
            retirer_le_corrige(m),
            "members = [\n    \"etape1_connexion\",\n    \"tests\",\n]\n"
        );
    }

    /// La garantie de l'édition : aucune solution n'y est donnée, pas même dans une étape
    /// suivante, un test ou le README.
    #[test]
    fn l_edition_ne_montre_aucune_solution() -> anyhow::Result<()> {
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let fuites = fuites(&classeur)?;
        let detail: Vec<String> = fuites
            .iter()
            .map(|f| format!("{} → {} : {}", f.region, f.trouve, f.lignes.join(" ⏎ ")))
            .collect();
        assert!(
            fuites.is_empty(),
            "{} morceaux de solution restent visibles dans l'édition élève :\n{}",
            fuites.len(),
            detail.join("\n")
        );
        Ok(())
    }

    /// Le nom de la fonction qui contient chaque région, par fichier.
    fn fonctions_a_ecrire(source: &str) -> Vec<String> {
        let mut noms = Vec::new();
        let mut courante = String::new();
        for ligne in source.lines() {
            let debut = ligne.trim_start();
            let sans_pub = debut
                .strip_prefix("pub(crate) ")
                .or_else(|| debut.strip_prefix("pub "))
                .unwrap_or(debut);
            if let Some(reste) = sans_pub.strip_prefix("fn ") {
                courante = reste
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
            }
            if debut.starts_with(DEBUT_REGION) {
                noms.push(courante.clone());
            }
        }
        noms
    }

    /// Chaque énoncé dit ce que l'élève écrit : toutes les fonctions à régions de l'étape sont
    /// nommées dans sa section « Ce que vous écrivez ».
    #[test]
    fn chaque_enonce_dit_ce_que_vous_ecrivez() -> anyhow::Result<()> {
        let classeur = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut oublis = Vec::new();
        for entree in fs::read_dir(&classeur)? {
            let dossier = entree?.path();
            let nom = dossier
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if !nom.starts_with("etape") {
                continue;
            }
            let enonce = fs::read_to_string(dossier.join("src/lib.rs"))?;
            let section = enonce
                .split("//! ## Ce que vous écrivez")
                .nth(1)
                .and_then(|reste| reste.split("//! ## ").next())
                .unwrap_or_default();
            if section.is_empty() {
                oublis.push(format!("{nom} : pas de section « Ce que vous écrivez »"));
            }
            let mut fichiers = Vec::new();
            collecter(&dossier, &dossier.join("src"), &mut fichiers)?;
            for fichier in fichiers {
                for fonction in fonctions_a_ecrire(&fs::read_to_string(dossier.join(&fichier))?) {
                    if !section.contains(&format!("{fonction}`")) {
                        oublis.push(format!("{nom} : `{fonction}` n'est pas nommée"));
                    }
                }
            }
        }
        assert!(oublis.is_empty(), "{}", oublis.join("\n"));
        Ok(())
    }

    #[test]
    fn une_fuite_se_voit_dans_une_autre_etape() {
        let region = "fn f() {\n    // corrigé:début x\n    let a = 1;\n    let b = a + 1;\n    \
                      b * 2\n    // corrigé:fin\n}\n";
        let regions = regions_de(region);
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].1, ["let a = 1;", "let b = a + 1;", "b * 2"]);
        assert_eq!(ligne_de_code("    }"), None);
        assert_eq!(ligne_de_code("  // let a = 1;"), None);
        assert_eq!(ligne_de_code("  Ok(( ))").as_deref(), Some("Ok(( ))"));
    }

    #[test]
    fn le_verrou_de_l_eleve_perd_le_corrige() {
        let v = verrou_sans_le_corrige(include_str!("../../Cargo.lock"));
        assert!(!v.contains("name = \"corrige\""));
        assert!(v.contains("name = \"etape8_verrous\""));
    }

    #[test]
    fn le_manifeste_de_l_eleve_coupe_les_avertissements_des_todo() {
        let m = manifeste_eleve(include_str!("../../Cargo.toml"));
        assert!(m.contains("[workspace.lints.rust]\n# Édition élève"), "{m}");
        assert!(!m.contains("\"corrige\""), "{m}");
    }

    #[test]
    fn le_numero_d_etape_vient_du_dossier() {
        assert_eq!(
            etape_du_chemin(Path::new("etape8_verrous/src/file.rs")),
            Some(8)
        );
        assert_eq!(etape_du_chemin(Path::new("tests/src/lib.rs")), None);
    }
}
