//! Lancer cargo sur une copie avec une échéance, et arrêter tout ce qui survit.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::*;

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

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Compile l'étape puis lance son fichier de la suite dans `dossier`, avec son propre dossier de
/// compilation, le tout en moins de `delai`.
pub(crate) fn essayer(dossier: &Path, bareme: &Bareme, delai: Duration) -> anyhow::Result<Essai> {
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

/// Combien de suites d'une copie tournent en même temps. Elles attendent surtout le réseau et
/// leurs délais, pas le processeur ; chacune garde son échéance et ses serveurs sur le port 0.
pub(crate) const SUITES_EN_MEME_TEMPS: usize = 4;

/// Le chemin d'un programme dans un message JSON de cargo (`"executable":"…"`).
fn executable(ligne: &str) -> Option<&str> {
    let debut = ligne.find("\"executable\":\"")? + "\"executable\":\"".len();
    let fin = ligne[debut..].find('"')?;
    Some(&ligne[debut..debut + fin])
}

/// Compile une fois les programmes de la suite de notation dans `dossier` (l'édition intacte,
/// sa compilation dans `dossier/target`) et rend, pour chaque étape, le chemin du sien. Chaque
/// copie en reçoit ensuite sa propre copie : elle ne peut toucher qu'aux siens.
pub(crate) fn compiler_la_suite(
    dossier: &Path,
    delai: Duration,
) -> anyhow::Result<HashMap<u8, PathBuf>> {
    let mut commande = Command::new(cargo());
    commande
        .current_dir(dossier)
        .args([
            "test",
            "--package",
            "tests",
            "--no-run",
            "--message-format",
            "json",
        ])
        .env("CARGO_TARGET_DIR", dossier.join("target"))
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null());
    let Some(fin) = lancer_avec_echeance(commande, Instant::now() + delai)? else {
        bail!(
            "la suite de notation ne compile pas en {} s",
            delai.as_secs()
        );
    };
    if fin.code != Some(0) {
        bail!("la suite de notation ne compile pas :\n{}", fin.erreurs);
    }
    let mut programmes = HashMap::new();
    for ligne in fin.sortie.lines() {
        if !ligne.contains("\"reason\":\"compiler-artifact\"")
            || !ligne.contains("\"kind\":[\"test\"]")
        {
            continue;
        }
        for bareme in &BAREME {
            if ligne.contains(&format!("\"name\":\"etape{}\"", bareme.etape))
                && let Some(chemin) = executable(ligne)
            {
                programmes.insert(bareme.etape, PathBuf::from(chemin));
            }
        }
    }
    Ok(programmes)
}

/// Compile d'un coup les étapes de `baremes` dans `dossier` (`--keep-going` : une étape qui ne
/// compile pas n'empêche pas les autres), puis lance **en même temps** (au plus
/// [`SUITES_EN_MEME_TEMPS`]) les suites des étapes compilées, avec les programmes de `suite`
/// (voir [`compiler_la_suite`]). La compilation a `delai`, chaque suite aussi. Rend un essai
/// par étape, dans l'ordre de `baremes`.
pub(crate) fn essayer_les_etapes(
    dossier: &Path,
    baremes: &[&'static Bareme],
    suite: &HashMap<u8, PathBuf>,
    delai: Duration,
) -> anyhow::Result<Vec<Essai>> {
    let cible = dossier.join("target");
    let mut construction = Command::new(cargo());
    construction
        .current_dir(dossier)
        .args(["build", "--keep-going", "--message-format", "json"])
        .env(MARQUE, dossier)
        .env("CARGO_TARGET_DIR", &cible)
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null());
    for bareme in baremes {
        construction.args(["--package", bareme.paquet]);
    }
    let Some(fin) = lancer_avec_echeance(construction, Instant::now() + delai)? else {
        arreter_les_survivants(dossier);
        return Ok(baremes.iter().map(|_| Essai::DelaiDepasse).collect());
    };
    let compiles: BTreeSet<&str> = baremes
        .iter()
        .filter(|bareme| {
            let nom = format!("{}{}", bareme.paquet, std::env::consts::EXE_SUFFIX);
            fin.sortie.lines().any(|ligne| {
                ligne.contains("\"reason\":\"compiler-artifact\"")
                    && executable(ligne).is_some_and(|chemin| {
                        Path::new(chemin).file_name().is_some_and(|f| *f == *nom)
                    })
            })
        })
        .map(|bareme| bareme.paquet)
        .collect();
    // Chaque copie lance ses propres exemplaires des programmes de la suite.
    let propres = dossier.join("suite");
    fs::create_dir_all(&propres)?;
    let mut a_lancer = VecDeque::new();
    let mut essais: Vec<Option<Essai>> = baremes.iter().map(|_| None).collect();
    for (rang, bareme) in baremes.iter().enumerate() {
        if !compiles.contains(bareme.paquet) {
            essais[rang] = Some(Essai::NeCompilePas);
            continue;
        }
        let Some(programme) = suite.get(&bareme.etape) else {
            essais[rang] = Some(essayer(dossier, bareme, delai)?);
            continue;
        };
        let copie = propres.join(format!(
            "etape{}{}",
            bareme.etape,
            std::env::consts::EXE_SUFFIX
        ));
        fs::copy(programme, &copie)
            .with_context(|| format!("copie de {} impossible", programme.display()))?;
        a_lancer.push_back((rang, copie));
    }
    let file = Mutex::new(a_lancer);
    let resultats = Mutex::new(Vec::new());
    std::thread::scope(|portee| {
        for _ in 0..SUITES_EN_MEME_TEMPS {
            portee.spawn(|| {
                loop {
                    let Some((rang, programme)) = verrouiller(&file).pop_front() else {
                        return;
                    };
                    let mut commande = Command::new(&programme);
                    commande
                        .current_dir(dossier.join("tests"))
                        .args(["--test-threads", "8"])
                        .env(MARQUE, dossier)
                        .env(tests_variable_classeur(), dossier)
                        .env("CARGO_TARGET_DIR", &cible)
                        .env("CARGO", cargo())
                        .env_remove("CARGO_BUILD_TARGET_DIR")
                        .env_remove("RUSTFLAGS")
                        .stdin(Stdio::null());
                    let essai = match lancer_avec_echeance(commande, Instant::now() + delai) {
                        Ok(None) => Essai::DelaiDepasse,
                        Ok(Some(fin)) => match lire_la_suite(&fin.sortie, &fin.erreurs, fin.code) {
                            Ok((reussis, echoues)) => Essai::Fini { reussis, echoues },
                            Err(raison) => Essai::SortieIncoherente(raison),
                        },
                        Err(erreur) => Essai::SortieIncoherente(format!("{erreur:#}")),
                    };
                    verrouiller(&resultats).push((rang, essai));
                }
            });
        }
    });
    // Un serveur de la copie a pu lancer un processus hors du groupe (`setsid`) : on arrête tout
    // ce qui tourne encore depuis son dossier de notation, une fois toutes ses suites finies.
    arreter_les_survivants(dossier);
    for (rang, essai) in resultats
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        essais[rang] = Some(essai);
    }
    Ok(essais
        .into_iter()
        .map(|essai| essai.unwrap_or(Essai::DelaiDepasse))
        .collect())
}

/// Prend un verrou même empoisonné : un thread de lancement tombé ne doit pas bloquer les autres.
fn verrouiller<T>(verrou: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    verrou
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Le nom de la variable par laquelle la suite apprend le dossier de la copie (voir
/// `tests::VARIABLE_CLASSEUR` : la suite n'est pas une dépendance du corrigé).
fn tests_variable_classeur() -> &'static str {
    "TP_CLASSEUR"
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
pub(crate) fn lancer_avec_echeance(
    mut commande: Command,
    echeance: Instant,
) -> anyhow::Result<Option<Fin>> {
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
pub(crate) const MARQUE: &str = "TP_NOTATION_DOSSIER";

/// Arrête (SIGKILL) tout processus dont le programme ou le dossier courant est sous `dossier`, ou
/// qui porte la [`MARQUE`] de ce dossier dans son environnement (Linux : lu dans `/proc`) ;
/// ailleurs, ne fait rien. Un processus qui a tout changé (programme, dossier, environnement)
/// échappe : ce n'est pas un bac à sable.
pub(crate) fn arreter_les_survivants(dossier: &Path) {
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
pub(crate) fn arreter_tout(enfant: &mut std::process::Child) {
    let groupe = format!("-{}", enfant.id());
    let _ = Command::new("kill")
        .args(["-KILL", "--", &groupe])
        .stderr(Stdio::null())
        .status();
    let _ = enfant.kill();
}

#[cfg(not(unix))]
pub(crate) fn arreter_tout(enfant: &mut std::process::Child) {
    let _ = enfant.kill();
}
