//! Le dossier de notation d'une copie : préparé à neuf, rempli des sources de la copie et de tout
//! le reste du classeur, vérifié après coup (rien du classeur ne doit avoir changé).

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};

use super::reference::{ecrire_reference, empreinte};
use super::sources::{copier_les_sources, source_d_etape};
use super::*;
use crate::edition::{collecter, retirer_le_corrige};

/// Le code d'une copie tourne avec les droits de l'enseignant : il pourrait modifier la suite de
/// notation ou le cache de la référence, et fausser les copies suivantes. On vérifie après chaque
/// copie que les sources du classeur n'ont pas changé et que le cache dit toujours ce que la
/// notation a utilisé ; sinon, c'est une erreur qui nomme la copie (et `classe` s'arrête).
pub(crate) fn verifier_que_rien_n_a_change(
    classeur: &Path,
    empreinte_avant: u64,
    reference: &Reference,
    nom: &str,
) -> anyhow::Result<()> {
    if empreinte(classeur)? != empreinte_avant {
        bail!(
            "les sources du classeur ont changé pendant la notation de « {nom} » (la suite de \
             notation a pu être modifiée par son code, ou par un processus laissé par une copie \
             notée avant) : notation arrêtée ; vérifiez le classeur (git status) et les copies \
             signalées « à relire »"
        );
    }
    let cache = dossier_de_notation(classeur).join(format!("reference-{empreinte_avant:016x}.txt"));
    if let Ok(texte) = fs::read_to_string(&cache)
        && texte != ecrire_reference(reference)
    {
        let _ = fs::remove_file(&cache);
        bail!(
            "le cache de la référence a été modifié pendant la notation de « {nom} » : il est \
             effacé et la notation arrêtée ; vérifiez cette copie"
        );
    }
    Ok(())
}

/// Efface le dossier de travail d'une copie, sauf avec `--garder-compilation` : une compilation
/// par copie, c'est environ 1 Go, et trente copies rempliraient un disque. Un échec n'enlève pas
/// ses notes à la copie : il est dit sur la sortie d'erreur.
pub(crate) fn effacer_la_compilation(travail: &Path, reglages: &Reglages) {
    if reglages.garder_compilation {
        return;
    }
    if let Err(erreur) = fs::remove_dir_all(travail) {
        eprintln!(
            "[note] attention : le dossier de travail {} n'a pas pu être effacé ({}) ; \
             effacez-le à la main",
            travail.display(),
            erreur
        );
    }
}

/// Prépare dans `travail` ce qui sera noté : **tout vient du classeur** (manifestes, suite de
/// notation, `Cargo.lock`, `.cargo/config.toml`…), **sauf les sources des étapes**
/// (`etapeN_*/src/**`), qui viennent de la copie.
///
/// Rien d'autre de la copie n'est repris : ni son paquet `tests`, ni les manifestes de ses
/// étapes (une dépendance remplacée, un `build.rs` qui réécrirait la suite), ni son
/// `.cargo/config.toml` (un `runner` qui imprimerait de faux « ok », des variables
/// d'environnement), ni un `rust-toolchain.toml`. Dans les sources, seuls les fichiers ordinaires
/// sont copiés : un lien symbolique (vers la copie d'un autre élève, vers `/dev/zero`) ou un
/// fichier spécial est ignoré, de même qu'un fichier de plus de [`TAILLE_MAX_SOURCE`] octets ;
/// chacun est dit dans le résultat.
pub(crate) fn preparer_le_dossier(
    copie: &Path,
    classeur: &Path,
    travail: &Path,
) -> anyhow::Result<Vec<String>> {
    // Si `travail/target` est resté d'une notation précédente de la même copie
    // (`--garder-compilation`), on le garde : seules les sources changent. Le reste est refait.
    vider_sauf_target(travail)?;
    let mut fichiers = Vec::new();
    collecter(classeur, classeur, &mut fichiers)?;
    for relatif in fichiers {
        if source_d_etape(&relatif) {
            continue;
        }
        copier(&classeur.join(&relatif), &travail.join(&relatif))?;
    }
    let manifeste = fs::read_to_string(classeur.join("Cargo.toml"))?;
    fs::write(travail.join("Cargo.toml"), retirer_le_corrige(&manifeste))?;
    let mut ignores = Vec::new();
    for bareme in &BAREME {
        let relatif = Path::new(bareme.paquet).join("src");
        copier_les_sources(copie, &relatif, travail, &mut ignores)?;
    }
    // Une copie neuve part des dépendances compilées pour l'édition intacte (clap, anyhow…) :
    // elles ne sont pas recompilées. Les paquets du classeur, eux, le sont toujours : leurs
    // fichiers portent une empreinte de leur chemin, qui n'est pas celui de l'édition ; on ne
    // les recopie donc pas (ni la compilation incrémentale), ce qui divise la copie par deux.
    let amorce = dossier_de_notation(classeur)
        .join("edition-intacte")
        .join("target");
    let cible = travail.join("target");
    if !cible.exists() && amorce.is_dir() && travail != amorce.parent().unwrap_or(travail) {
        copier_les_dependances(&amorce, &cible)?;
    }
    Ok(ignores)
}

/// Vrai pour un fichier de compilation d'un paquet du classeur (`libetape2_boucle-1a2b.rlib`,
/// `etape3-9f8e` (un programme de la suite), `tests-…`, `corrige-…`), faux pour une dépendance.
pub(crate) fn du_classeur(nom: &str) -> bool {
    let nom = nom.strip_prefix("lib").unwrap_or(nom);
    let paquet = nom.split(['-', '.']).next().unwrap_or(nom);
    BAREME.iter().any(|b| b.paquet == paquet)
        || matches!(paquet, "tests" | "corrige")
        || paquet
            .strip_prefix("etape")
            .is_some_and(|n| n.len() == 1 && n.bytes().all(|o| o.is_ascii_digit()))
}

/// Recopie de `source` (un dossier `target`) les dépendances compilées seulement : dans chaque
/// profil, `deps`, `build` et `.fingerprint`, sans ce qui appartient aux paquets du classeur.
pub(crate) fn copier_les_dependances(source: &Path, destination: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(destination)?;
    for entree in fs::read_dir(source)? {
        let entree = entree?;
        let type_ = entree.file_type()?;
        if type_.is_file() {
            fs::copy(entree.path(), destination.join(entree.file_name()))?;
            continue;
        }
        if !type_.is_dir() {
            continue;
        }
        // Un profil (`debug`, `release`) : ses dossiers de dépendances.
        for sous in ["deps", "build", ".fingerprint"] {
            let dossier = entree.path().join(sous);
            let Ok(elements) = fs::read_dir(&dossier) else {
                continue;
            };
            let cible = destination.join(entree.file_name()).join(sous);
            fs::create_dir_all(&cible)?;
            for element in elements {
                let element = element?;
                let nom = element.file_name();
                if du_classeur(&nom.to_string_lossy()) {
                    continue;
                }
                let type_ = element.file_type()?;
                if type_.is_dir() {
                    copier_dossier(&element.path(), &cible.join(&nom))?;
                } else if type_.is_file() {
                    fs::copy(element.path(), cible.join(&nom))?;
                }
            }
        }
    }
    Ok(())
}

/// Un nom de dossier sûr pour la compilation d'une copie : lettres, chiffres, `-`, `_` et `.`
/// seulement, plus une empreinte du nom exact (deux noms proches restent deux dossiers). Un `:`
/// dans un chemin casse `LD_LIBRARY_PATH`, que cargo construit avec ce chemin : la copie ne
/// compilerait pas.
pub(crate) fn nom_de_dossier(nom: &str) -> String {
    use std::hash::{Hash, Hasher};
    let sur: String = nom
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if sur == nom {
        return sur;
    }
    let mut hacheur = std::collections::hash_map::DefaultHasher::new();
    nom.hash(&mut hacheur);
    format!("{sur}-{:08x}", hacheur.finish() & 0xffff_ffff)
}

/// Un nom d'élève tel qu'il peut aller dans une case de CSV ou de tableau : sans saut de ligne ni
/// `;`, et sans commencer par `=`, `+`, `-` ou `@`, qu'un tableur prendrait pour une formule.
pub fn nom_pour_tableau(nom: &str) -> String {
    let propre: String = nom
        .chars()
        .map(|c| if c.is_control() || c == ';' { ' ' } else { c })
        .collect();
    if propre.trim_start().starts_with(['=', '+', '-', '@']) {
        format!("'{propre}")
    } else {
        propre
    }
}

/// Vérifie que `copie` ressemble à une copie du TP : au moins une étape avec son dossier `src`.
/// Le reste (manifestes, suite de notation) vient du classeur : une copie qui les a perdus ou
/// modifiés est notée quand même.
pub fn verifier_copie(copie: &Path) -> anyhow::Result<()> {
    let une_etape = BAREME
        .iter()
        .any(|b| fs::symlink_metadata(copie.join(b.paquet).join("src")).is_ok_and(|m| m.is_dir()));
    if !une_etape {
        bail!(
            "{} n'est pas une copie du TP : aucun dossier d'étape avec ses sources \
             (etape1_connexion/src, …)",
            copie.display()
        );
    }
    Ok(())
}

/// Crée `dossier` s'il n'existe pas, et retire tout ce qu'il contient sauf `target`.
pub(crate) fn vider_sauf_target(dossier: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dossier)
        .with_context(|| format!("création de {} impossible", dossier.display()))?;
    for entree in fs::read_dir(dossier)? {
        let entree = entree?;
        // `target` n'est gardé que si c'est un vrai dossier (pas un fichier, pas un lien).
        if entree.file_name() != "target" || !entree.file_type()?.is_dir() {
            let chemin = entree.path();
            if entree.file_type()?.is_dir() {
                fs::remove_dir_all(&chemin)?;
            } else {
                fs::remove_file(&chemin)?;
            }
        }
    }
    Ok(())
}

/// Copie un dossier entier (sans suivre les liens symboliques).
pub(crate) fn copier_dossier(source: &Path, destination: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(destination)?;
    for entree in fs::read_dir(source)? {
        let entree = entree?;
        let type_ = entree.file_type()?;
        let cible = destination.join(entree.file_name());
        if type_.is_dir() {
            copier_dossier(&entree.path(), &cible)?;
        } else if type_.is_file() {
            fs::copy(entree.path(), &cible)?;
        }
    }
    Ok(())
}

pub(crate) fn copier(source: &Path, destination: &Path) -> anyhow::Result<()> {
    if let Some(parent) = destination.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("création de {} impossible", parent.display()))?;
    }
    fs::copy(source, destination).with_context(|| {
        format!(
            "copie de {} vers {} impossible",
            source.display(),
            destination.display()
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn les_fichiers_du_classeur_se_distinguent_des_dependances() {
        for nom in [
            "libetape2_boucle-1a2b.rlib",
            "etape3_deconnexion-9f8e",
            "etape3-9f8e",
            "etape8-0011.d",
            "tests-77aa",
            "libcorrige-12.rmeta",
        ] {
            assert!(du_classeur(nom), "{nom}");
        }
        for nom in [
            "libclap-5d3c.rlib",
            "anyhow-2b1a",
            "libpredicates_tree-3.rmeta",
            "assert_cmd-99",
        ] {
            assert!(!du_classeur(nom), "{nom}");
        }
    }
}
