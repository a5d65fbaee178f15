//! La table des notes : la suite de notation **du classeur** lancée sur la copie d'un élève.
//!
//! Une note doit pouvoir se défendre devant un élève. D'où ces règles :
//!
//! 1. **seuls les tests de l'enseignant comptent** : de la copie, seules les sources des étapes
//!    (`etapeN_*/src/`) sont reprises dans un dossier de notation (voir `preparer`) ; son
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
//! | 3 déconnexions | 2 | la boucle d'acceptation et le traitement des erreurs par connexion |
//! | 4 communication | 3 | les threads, le canal, la fin propre, l'en-tête de longueur |
//! | 5 instructions | 2 | répondre sans jamais exécuter le texte du client (la calculatrice est donnée) |
//! | 6 commandes | 2 | une `enum` et `split_once` |
//! | 7 multiclients | 4 | un thread par client, l'état partagé et la règle des pseudos, la diffusion |
//! | 8 verrous | 4 | la discipline des verrous, les files, l'arrêt propre |

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::edition::{collecter, ecrire_version_eleve, retirer_le_corrige, verifier_classeur};

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

/// Ce que le classeur attend, étape par étape : les tests de sa suite, et ceux qui réussissent
/// déjà sur l'édition élève intacte (non notés).
#[derive(Clone, Debug, Default)]
pub struct Reference {
    /// Pour l'étape `n`, à l'indice `n - 1` : les noms des tests attendus.
    pub attendus: [Vec<String>; 8],
    /// Pour l'étape `n`, à l'indice `n - 1` : les tests qui réussissent sur l'édition intacte.
    pub gratuits: [BTreeSet<String>; 8],
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
fn empreinte(classeur: &Path) -> anyhow::Result<u64> {
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
fn ecrire_reference(reference: &Reference) -> String {
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

fn lire_reference(texte: &str) -> Reference {
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

fn calculer_reference(classeur: &Path, reglages: &Reglages) -> anyhow::Result<Reference> {
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
    for bareme in reglages.etapes() {
        if reglages.progression {
            eprintln!(
                "[note] édition intacte, étape {} : tests qui réussissent sans travail…",
                bareme.etape
            );
        }
        let i = usize::from(bareme.etape - 1);
        let probleme = match essayer(&edition, classeur, bareme, reglages.delai)? {
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
    let ignores = preparer(copie, classeur, &travail)?;
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
        let essai = match essayer(&travail, classeur, bareme, reglages.delai) {
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

/// Le code d'une copie tourne avec les droits de l'enseignant : il pourrait modifier la suite de
/// notation ou le cache de la référence, et fausser les copies suivantes. On vérifie après chaque
/// copie que les sources du classeur n'ont pas changé et que le cache dit toujours ce que la
/// notation a utilisé ; sinon, c'est une erreur qui nomme la copie (et `classe` s'arrête).
fn verifier_que_rien_n_a_change(
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
fn effacer_la_compilation(travail: &Path, reglages: &Reglages) {
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
pub(crate) fn preparer(
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
    // Une copie neuve part de la compilation de l'édition intacte : les dépendances (clap,
    // anyhow…) sont déjà compilées. Les paquets des étapes, eux, sont toujours recompilés : leurs
    // fichiers portent une empreinte de leur chemin, qui n'est pas celui de l'édition.
    let amorce = dossier_de_notation(classeur)
        .join("edition-intacte")
        .join("target");
    let cible = travail.join("target");
    if !cible.exists() && amorce.is_dir() && travail != amorce.parent().unwrap_or(travail) {
        copier_dossier(&amorce, &cible)?;
    }
    Ok(ignores)
}

/// Un nom de dossier sûr pour la compilation d'une copie : lettres, chiffres, `-`, `_` et `.`
/// seulement, plus une empreinte du nom exact (deux noms proches restent deux dossiers). Un `:`
/// dans un chemin casse `LD_LIBRARY_PATH`, que cargo construit avec ce chemin : la copie ne
/// compilerait pas.
fn nom_de_dossier(nom: &str) -> String {
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

/// La taille au-delà de laquelle un fichier source d'une copie est ignoré (1 Mio : le plus gros
/// fichier du classeur en fait moins de 50 Kio).
pub const TAILLE_MAX_SOURCE: u64 = 1024 * 1024;

/// Vrai pour un fichier sous `etapeN_*/src/` : ce que la copie apporte.
fn source_d_etape(relatif: &Path) -> bool {
    let mut parties = relatif.components();
    let (Some(paquet), Some(src)) = (parties.next(), parties.next()) else {
        return false;
    };
    BAREME.iter().any(|b| paquet.as_os_str() == b.paquet) && src.as_os_str() == "src"
}

/// Copie les fichiers ordinaires de `copie/relatif` (récursivement) dans `travail/relatif`, sans
/// suivre aucun lien ; ce qui est ignoré est ajouté à `ignores`.
fn copier_les_sources(
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
fn litteral(texte: &str) -> Option<String> {
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
fn vider_sauf_target(dossier: &Path) -> anyhow::Result<()> {
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
fn copier_dossier(source: &Path, destination: &Path) -> anyhow::Result<()> {
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

fn copier(source: &Path, destination: &Path) -> anyhow::Result<()> {
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

/// Ce qu'a donné une étape.
pub(crate) enum Essai {
    NeCompilePas,
    DelaiDepasse,
    /// La sortie de la suite ne se lit pas comme celle d'un programme de tests qui a fini
    /// normalement (lignes ajoutées, programme tué) : rien n'y est cru.
    SortieIncoherente(String),
    /// Les noms des tests réussis, et de ceux qui ont échoué.
    Fini {
        reussis: BTreeSet<String>,
        echoues: BTreeSet<String>,
    },
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Compile l'étape puis lance son fichier de la suite dans `dossier`, avec son propre dossier de
/// compilation, le tout en moins de `delai`.
pub(crate) fn essayer(
    dossier: &Path,
    classeur: &Path,
    bareme: &Bareme,
    delai: Duration,
) -> anyhow::Result<Essai> {
    let echeance = Instant::now() + delai;
    let cible = dossier.join("target");
    let commande = |arguments: &[&str]| {
        let mut commande = Command::new(cargo());
        commande
            .current_dir(dossier)
            .args(arguments)
            .env(MARQUE, dossier)
            .env("CARGO_TARGET_DIR", &cible)
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .stdin(Stdio::null());
        commande
    };
    let _ = classeur;
    let compilation = lancer_avec_echeance(
        commande(&["build", "--quiet", "--package", bareme.paquet]),
        echeance,
    )?;
    match compilation {
        None => return Ok(Essai::DelaiDepasse),
        Some(fin) if fin.code != Some(0) => return Ok(Essai::NeCompilePas),
        Some(_) => {}
    }
    let fichier = format!("etape{}", bareme.etape);
    let suite = lancer_avec_echeance(
        // Sans `--quiet` : le programme de tests écrit alors une ligne `test nom ... ok` par test.
        commande(&[
            "test",
            "--package",
            "tests",
            "--test",
            &fichier,
            "--",
            "--test-threads",
            "8",
        ]),
        echeance,
    )?;
    // Un serveur de la copie a pu lancer un processus hors du groupe (`setsid`) : on arrête tout
    // ce qui tourne encore depuis son dossier de notation.
    arreter_les_survivants(dossier);
    let Some(fin) = suite else {
        return Ok(Essai::DelaiDepasse);
    };
    Ok(match lire_la_suite(&fin.sortie, &fin.erreurs, fin.code) {
        Ok((reussis, echoues)) => Essai::Fini { reussis, echoues },
        Err(raison) => Essai::SortieIncoherente(raison),
    })
}

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

/// Ce qu'a rendu une commande finie dans les temps.
pub(crate) struct Fin {
    /// Son code de sortie ; `None` si elle a été tuée par un signal.
    pub code: Option<i32>,
    pub sortie: String,
    pub erreurs: String,
}

/// Lance `commande`, lit ses sorties, et l'arrête (elle et tout ce qu'elle a lancé) si elle n'a
/// pas fini à `echeance`. Rend `None` dans ce cas.
///
/// Les sorties sont lues jusqu'à leur fermeture, mais pas au-delà de l'échéance : un processus
/// laissé derrière (lancé par le code de la copie, hors du groupe) qui garderait le tube ouvert
/// ne retient pas la notation.
fn lancer_avec_echeance(mut commande: Command, echeance: Instant) -> anyhow::Result<Option<Fin>> {
    commande.stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        // Un groupe de processus à part : à l'échéance, on arrête cargo, le programme de tests
        // et les serveurs qu'il a lancés, d'un seul coup.
        use std::os::unix::process::CommandExt;
        commande.process_group(0);
    }
    let mut enfant = commande.spawn().context("impossible de lancer cargo")?;
    let lire = |flux: Option<Box<dyn Read + Send>>| {
        let (envoi, reception) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut texte = Vec::new();
            if let Some(flux) = flux {
                // Borné : une copie qui écrirait sans fin ne remplit pas la mémoire.
                let _ = flux.take(64 * 1024 * 1024).read_to_end(&mut texte);
            }
            let _ = envoi.send(String::from_utf8_lossy(&texte).into_owned());
        });
        reception
    };
    let sortie = lire(
        enfant
            .stdout
            .take()
            .map(|f| Box::new(f) as Box<dyn Read + Send>),
    );
    let erreurs = lire(
        enfant
            .stderr
            .take()
            .map(|f| Box::new(f) as Box<dyn Read + Send>),
    );
    loop {
        if let Some(statut) = enfant.try_wait()? {
            // Cargo a fini ; ses tubes se ferment d'habitude aussitôt. Un survivant qui les
            // tiendrait ouverts : on attend jusqu'à l'échéance, pas plus (mais au moins 2 s, pour
            // lire jusqu'au bout ce qu'a écrit une étape finie juste avant l'échéance).
            arreter_tout(&mut enfant);
            let reste = || {
                echeance
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_secs(2))
            };
            let (Ok(sortie), Ok(erreurs)) =
                (sortie.recv_timeout(reste()), erreurs.recv_timeout(reste()))
            else {
                return Ok(None);
            };
            return Ok(Some(Fin {
                code: statut.code(),
                sortie,
                erreurs,
            }));
        }
        if Instant::now() >= echeance {
            arreter_tout(&mut enfant);
            let _ = enfant.wait();
            return Ok(None);
        }
        // Un outil de l'enseignant qui surveille un processus : une pause entre deux coups d'œil.
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// La variable d'environnement posée sur tout ce que la notation d'une copie lance (cargo, puis
/// ses enfants, qui en héritent) : elle permet de retrouver ce qui tourne encore après.
const MARQUE: &str = "TP_NOTATION_DOSSIER";

/// Arrête (SIGKILL) tout processus dont le programme ou le dossier courant est sous `dossier`, ou
/// qui porte la [`MARQUE`] de ce dossier dans son environnement (Linux : lu dans `/proc`) ;
/// ailleurs, ne fait rien. Un processus qui a tout changé (programme, dossier, environnement)
/// échappe : ce n'est pas un bac à sable.
fn arreter_les_survivants(dossier: &Path) {
    let marque = format!("{MARQUE}={}", dossier.display());
    let Ok(dossier) = dossier.canonicalize() else {
        return;
    };
    let Ok(processus) = fs::read_dir("/proc") else {
        return;
    };
    let moi = std::process::id().to_string();
    for entree in processus.filter_map(Result::ok) {
        let pid = entree.file_name().to_string_lossy().into_owned();
        if pid == moi || !pid.bytes().all(|o| o.is_ascii_digit()) {
            continue;
        }
        let sous = |lien: &str| {
            fs::read_link(entree.path().join(lien)).is_ok_and(|cible| cible.starts_with(&dossier))
        };
        let marque_vue = fs::read(entree.path().join("environ")).is_ok_and(|env| {
            env.split(|&o| o == 0)
                .any(|variable| variable == marque.as_bytes())
        });
        if sous("exe") || sous("cwd") || marque_vue {
            let _ = Command::new("kill")
                .args(["-KILL", &pid])
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[cfg(unix)]
fn arreter_tout(enfant: &mut std::process::Child) {
    let groupe = format!("-{}", enfant.id());
    let _ = Command::new("kill")
        .args(["-KILL", "--", &groupe])
        .stderr(Stdio::null())
        .status();
    let _ = enfant.kill();
}

#[cfg(not(unix))]
fn arreter_tout(enfant: &mut std::process::Child) {
    let _ = enfant.kill();
}

/// Les noms des tests réussis, lus dans la sortie de `cargo test` (`test nom ... ok`).
pub fn tests_reussis(sortie: &str) -> BTreeSet<String> {
    sortie
        .lines()
        .filter_map(|ligne| ligne.strip_prefix("test ")?.strip_suffix(" ... ok"))
        .map(str::to_string)
        .collect()
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
    for r in resultats.iter().filter(|r| !r.non_notes.is_empty()) {
        let _ = writeln!(
            texte,
            "non notés à l'étape {} (ils réussissent sur l'édition intacte) : {}",
            r.etape,
            r.non_notes.join(", ")
        );
    }
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

/// La table de la classe : une ligne par élève, ses points par étape et son total.
pub fn tableau_de_classe(copies: &[Copie]) -> String {
    let mut texte = String::new();
    let _ = write!(texte, "{:<20}", "élève");
    for bareme in BAREME {
        let _ = write!(texte, " {:>6}", format!("é{}", bareme.etape));
    }
    let _ = writeln!(texte, " {:>8}   remarques", "total");
    for copie in copies {
        let _ = write!(texte, "{:<20}", nom_pour_tableau(&copie.eleve));
        match &copie.resultats {
            Ok(resultats) => {
                for bareme in BAREME {
                    let case = resultats
                        .iter()
                        .find(|r| r.etape == bareme.etape)
                        .map(|r| decimal(r.points))
                        .unwrap_or_default();
                    let _ = write!(texte, " {case:>6}");
                }
                let remarques: Vec<String> = resultats
                    .iter()
                    .filter(|r| !r.remarque.is_empty())
                    .map(|r| format!("étape {} : {}", r.etape, r.remarque))
                    .collect();
                let _ = writeln!(
                    texte,
                    " {:>8}   {}",
                    decimal(total(resultats)),
                    remarques.join(" ; ")
                );
            }
            Err(raison) => {
                let _ = writeln!(texte, "{:>57}   non notée : {raison}", "0,00");
            }
        }
    }
    texte
}

/// La table de la classe en CSV : une ligne par élève et par étape, puis son total.
pub fn csv_de_classe(copies: &[Copie]) -> String {
    let mut texte =
        String::from("eleve;etape;paquet;reussis;total;points;bareme;remarque;non_notes\n");
    for copie in copies {
        let eleve = nom_pour_tableau(&copie.eleve);
        match &copie.resultats {
            Ok(resultats) => {
                for r in resultats {
                    let _ = writeln!(
                        texte,
                        "{eleve};{};{};{};{};{};{};{};{}",
                        r.etape,
                        r.paquet,
                        r.reussis,
                        r.total,
                        decimal(r.points),
                        r.bareme,
                        nom_pour_tableau(&r.remarque),
                        r.non_notes.join(" ")
                    );
                }
                let bareme: f64 = resultats.iter().map(|r| r.bareme).sum();
                let _ = writeln!(
                    texte,
                    "{eleve};total;;;;{};{bareme};;",
                    decimal(total(resultats))
                );
            }
            Err(raison) => {
                // Une ligne par étape quand même : le tableur de l'enseignant garde ses colonnes.
                let raison = raison.replace([';', '\n'], " ");
                for b in BAREME {
                    let _ = writeln!(
                        texte,
                        "{eleve};{};{};0;;0,00;{};non notée : {raison};",
                        b.etape, b.paquet, b.points
                    );
                }
                let _ = writeln!(texte, "{eleve};total;;;;0,00;20;non notée : {raison};");
            }
        }
    }
    texte
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
        let ignores = preparer(&copie, &classeur, &travail)?;
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
