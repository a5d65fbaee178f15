//! # Étape 5 — Exécution d'instructions
//!
//! ## Objectifs
//!
//! - Chaque ligne du client est une **instruction** que le serveur évalue et à laquelle il répond
//!   par `= …` (le résultat) ou `ERREUR : …` (la raison, en français).
//! - Instructions : `calcul <expression>` (entiers, `+ - * / %`, parenthèses, moins unaire),
//!   `majuscules <texte>`, `minuscules <texte>`, `inverse <texte>`, `longueur <texte>`, `heure`,
//!   `aide`.
//! - **Ne jamais exécuter le texte du client** : ni `eval`, ni shell. La calculatrice est un petit
//!   analyseur écrit à la main ([`calcul`]) avec des limites de taille et de profondeur : aucune
//!   entrée ne peut planter, bloquer ou gonfler le serveur.
//!
//! ## Ce qui change depuis l'étape 4
//!
//! - Le serveur revient à la forme de l'étape 3 (un client à la fois, un seul thread) : c'est
//!   maintenant le **serveur qui répond**, la console ne parle plus au client, et le cadrage est
//!   toujours la ligne. Le client garde ses deux threads de l'étape 4 et le message [`FIN`].
//! - Nouveau : le module [`calcul`], [`executer`] et [`repondre`].
//!
//! ## Ce que vous écrivez
//!
//! [`executer`] (une instruction devient une réponse, sans jamais paniquer : c'est le « serveur
//! qui répond sans exécuter le texte du client » de l'étape) et [`converser`] (la conversation de
//! l'étape 2, où chaque ligne est une instruction). La calculatrice ([`calcul`]) est **donnée** :
//! lisez-la, elle montre les limites qui rendent toute entrée inoffensive (sa réécriture est un
//! bonus non noté). Sont repris : `lire_ligne` (étape 2), la boucle d'accueil (étape 3), le
//! client (étape 4). Les étapes 6 à 8 réutilisent cette calculatrice.
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape5_instructions                  # terminal 1 : le serveur
//! cargo run -p etape5_instructions -- client        # terminal 2 : tapez « aide »
//! printf 'calcul 6*7\nheure\n' | cargo run -q -p etape5_instructions -- client
//! ```
//!
//! ## Résultat attendu
//!
//! ```text
//! === Démo de l'étape 5 : exécution d'instructions ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [client] Bienvenue sur le serveur ! Tapez « aide » pour la liste des instructions.
//! [client] > calcul 2 + 3 * (4 - 1)
//! [client] = 11
//! [client] > calcul 7 / 0
//! [client] ERREUR : division par zéro
//! [client] > calcul 9223372036854775807 + 1
//! [client] ERREUR : dépassement de capacité (le résultat doit rester entre -9223372036854775808 et 9223372036854775807)
//! [client] > calcul __import__('os').system('ls')
//! [client] ERREUR : caractère interdit « _ » en colonne 1 (seuls les chiffres, + - * / % et les parenthèses sont permis)
//! [client] > majuscules Bonjour à tous
//! [client] = BONJOUR À TOUS
//! [client] > inverse Rust
//! [client] = tsuR
//! [client] > longueur héhé
//! [client] = 4 caractères (6 octets)
//! [client] > danser
//! [client] ERREUR : instruction inconnue « danser » ; tapez « aide »
//! [client] > /quitter
//! [démo] Console du serveur :
//! [CONNEXION] Client connecté depuis 127.0.0.1:52814
//! [INSTRUCTION] 127.0.0.1:52814 : calcul 2 + 3 * (4 - 1) → = 11
//! [INSTRUCTION] 127.0.0.1:52814 : calcul 7 / 0 → ERREUR : division par zéro
//! [INSTRUCTION] 127.0.0.1:52814 : calcul 9223372036854775807 + 1 → ERREUR : dépassement de capacité (le résultat doit rester entre -9223372036854775808 et 9223372036854775807)
//! [INSTRUCTION] 127.0.0.1:52814 : calcul __import__('os').system('ls') → ERREUR : caractère interdit « _ » en colonne 1 (seuls les chiffres, + - * / % et les parenthèses sont permis)
//! [INSTRUCTION] 127.0.0.1:52814 : majuscules Bonjour à tous → = BONJOUR À TOUS
//! [INSTRUCTION] 127.0.0.1:52814 : inverse Rust → = tsuR
//! [INSTRUCTION] 127.0.0.1:52814 : longueur héhé → = 4 caractères (6 octets)
//! [INSTRUCTION] 127.0.0.1:52814 : danser → ERREUR : instruction inconnue « danser » ; tapez « aide »
//! [FIN] 127.0.0.1:52814 a envoyé /quitter
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52814 terminée
//! ```
//!
//! ## Questions du TP
//!
//! 1. *Pourquoi `eval()` est-il dangereux ?* → [`executer`].
//! 2. *Comment éviter que le serveur plante sur une instruction invalide ?* → [`repondre`].
//!
//! ## Pour aller plus loin
//!
//! 1. Ajoutez la puissance `^` à la calculatrice (associative à droite : `2^3^2` = 512). Quelle
//!    vérification faut-il pour `2^100` ?
//! 2. Ajoutez l'instruction `compter <mot> <texte>`.
//! 3. Envoyez `calcul ` suivi de 100 parenthèses ouvrantes, puis de 2 000, puis de 5 000
//!    (`python3 -c "print('calcul ' + '(' * 100 + '1')" | cargo run -q -p etape5_instructions -- client`,
//!    `py` sous Windows) : pourquoi les trois réponses sont-elles différentes ? Quelle limite
//!    protège de quoi ?
//! 4. Bonus, non noté : la calculatrice ([`calcul`]) est donnée. Effacez le corps
//!    d'`Analyseur::terme` (ou d'`Analyseur::facteur`) et réécrivez-le d'après la grammaire en
//!    tête du module ; `cargo test -p tests --test etape5` vous dit si les priorités,
//!    l'associativité et les limites sont toujours justes.

pub mod calcul;

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow};
use etape4_communication::Cadrage;

/// Le message que le serveur envoie à chaque client.
pub const MESSAGE_BIENVENUE: &str =
    "Bienvenue sur le serveur ! Tapez « aide » pour la liste des instructions.";

/// Longueur maximale d'une ligne, en octets, saut de ligne non compris.
pub const LIMITE_LIGNE: usize = 4096;

/// Durée au-delà de laquelle un client qui n'envoie plus rien est congédié (voir l'étape 3).
pub const DELAI_INACTIVITE: Duration = Duration::from_secs(300);

/// Le plus longtemps qu'une réponse peut rester bloquée dans `write`.
///
/// Un client qui envoie sans jamais lire remplit d'abord ses propres tampons de réception, puis
/// ceux d'envoi du serveur ; ensuite chaque `write` du serveur **attend** qu'il lise. Ce serveur
/// n'a qu'un thread : sans délai d'écriture ([`TcpStream::set_write_timeout`]), il attendrait pour
/// toujours, et le client suivant avec lui. Passé ce délai, `write` échoue (`WouldBlock` ou
/// `TimedOut`) et la conversation se termine.
///
/// Pourquoi si court : `write` ne bloque qu'une fois les tampons pleins, c'est-à-dire quand des
/// centaines de kilo-octets de réponses attendent déjà, non lues. Un client qui lit les vide en
/// quelques microsecondes sur la boucle locale ou un réseau local ; rester bloqué 250 ms de
/// plus, c'est ne plus lire. (Sur Internet, on compterait plutôt en secondes.)
pub const DELAI_ECRITURE: Duration = Duration::from_millis(250);

/// Le message de fin de conversation (voir l'étape 4).
pub const FIN: &str = "/quitter";

/// Le texte de l'instruction `aide`, sur une seule ligne : une instruction, une réponse.
pub const AIDE: &str = "instructions : calcul <expression>, majuscules <texte>, \
    minuscules <texte>, inverse <texte>, longueur <texte>, heure, aide ; /quitter pour partir";

/// Répond à une ligne du client : `= résultat` ou `ERREUR : raison`. Ne panique jamais.
///
/// # Question : comment éviter que le serveur plante sur une instruction invalide ?
///
/// En Python, on entoure `eval` d'un `try/except` et l'on espère avoir tout rattrapé. En Rust, il
/// n'y a pas d'exceptions : une erreur prévisible est une **valeur**, un [`Result`], que le type
/// oblige à traiter. [`executer`] rend `Err(raison)` pour toute instruction invalide, et cette
/// fonction la transforme en ligne `ERREUR : …` ; la conversation continue.
///
/// Les *paniques*, elles, sont réservées aux bogues, et le code les évite là où l'entrée vient du
/// réseau : arithmétique vérifiée (un dépassement panique en débogage), récursion bornée (un
/// débordement de pile tue le processus, aucun `catch_unwind` ne le rattrape), découpage de
/// chaînes par caractères et non par octets (couper au milieu d'un caractère UTF-8 panique),
/// aucun `unwrap()` sur ce qui vient du client. Enfin, les limites de taille ([`LIMITE_LIGNE`],
/// [`calcul::LONGUEUR_MAX`]) empêchent qu'une instruction ne gonfle la mémoire ou ne dure.
pub fn repondre(ligne: &str) -> String {
    match executer(ligne) {
        Ok(resultat) => format!("= {resultat}"),
        Err(raison) => format!("ERREUR : {raison}"),
    }
}

/// Exécute une instruction : son nom, un espace, son argument.
///
/// Le nom va jusqu'au premier espace, l'argument est tout le reste (vide s'il n'y a pas
/// d'espace) ; les espaces autour de la ligne ne comptent pas (« ␣␣aide » est `aide`). Les
/// réponses, avant que [`repondre`] n'y ajoute `= ` ou `ERREUR : ` :
///
/// - `calcul` : la valeur que donne [`calcul::calculer`], ou son erreur en texte ;
/// - `majuscules`, `minuscules`, `inverse` : l'argument transformé, caractère par caractère
///   (`inverse héhé` donne « éhéh ») ;
/// - `longueur` : `4 caractères (6 octets)`, accordé (`0 caractère (0 octet)`) ;
/// - `heure` : [`heure_utc`] de l'instant présent ; `aide` : [`AIDE`] ;
/// - une ligne vide : `Err`, avec `instruction vide ; tapez « aide »` ;
/// - tout autre nom : `Err`, avec `instruction inconnue « <nom> » ; tapez « aide »`, le nom
///   passé par [`nettoyer`].
///
/// # Question : pourquoi `eval()` est-il dangereux ?
///
/// `eval(texte)` exécute `texte` comme du code Python, avec tous les droits du serveur. Un client
/// qui envoie `__import__('os').system('rm -rf ~')` efface les fichiers du compte ; il peut aussi
/// lire des fichiers, ouvrir un shell vers l'extérieur, ou simplement bloquer le serveur
/// (`9**9**9**9` calcule pendant des heures et remplit la mémoire). Ce n'est pas un bogue qu'on
/// corrige : c'est ce qu'`eval` est fait pour faire.
///
/// Rust n'a pas d'`eval`, mais on peut recréer la même faille : passer le texte du client à un
/// shell, `Command::new("sh").arg("-c").arg(format!("echo $(({texte}))"))`, ou à `bc`. Alors
/// `1; rm -rf ~`, `$(reboot)` ou `` `cat /etc/passwd` `` sont exécutés : c'est l'**injection de
/// commande**. La règle : le texte d'un client est une *donnée*, jamais du *code*.
///
/// Ici, chaque instruction est un cas d'un `match` sur une liste fermée de noms, et la calculatrice
/// ([`calcul::calculer`]) ne connaît que des chiffres, cinq opérateurs et des parenthèses : tout
/// autre caractère est refusé avant même d'être analysé. Rien n'est jamais exécuté.
pub fn executer(ligne: &str) -> Result<String, String> {
    // corrigé:début Indice : une instruction devient une réponse, sans jamais exécuter le texte du client : séparez le nom de l'argument, puis choisissez dans la liste fermée des instructions. Une entrée invalide donne une raison, jamais une panique.
    let ligne = ligne.trim();
    let (nom, argument) = ligne.split_once(' ').unwrap_or((ligne, ""));
    match nom {
        "calcul" => calcul::calculer(argument)
            .map(|valeur| valeur.to_string())
            .map_err(|erreur| erreur.to_string()),
        "majuscules" => Ok(argument.to_uppercase()),
        "minuscules" => Ok(argument.to_lowercase()),
        // Inverse les caractères Unicode (et non les octets, ce qui casserait l'UTF-8).
        "inverse" => Ok(argument.chars().rev().collect()),
        "longueur" => Ok(format!(
            "{} ({})",
            etape1_connexion::francais::compter(argument.chars().count(), "caractère"),
            etape1_connexion::francais::compter(argument.len(), "octet")
        )),
        "heure" => Ok(heure_utc(SystemTime::now())),
        "aide" => Ok(AIDE.to_string()),
        "" => Err("instruction vide ; tapez « aide »".to_string()),
        inconnu => Err(format!(
            "instruction inconnue « {} » ; tapez « aide »",
            nettoyer(inconnu)
        )),
    }
    // corrigé:fin
}

/// L'heure `HH:MM:SS` en temps universel (UTC).
///
/// La bibliothèque standard ne connaît pas les fuseaux horaires : on calcule l'heure UTC à partir
/// du nombre de secondes depuis le 1er janvier 1970 (l'« époque Unix »). Une horloge réglée avant
/// 1970 n'est pas une raison de paniquer : on affiche alors 00:00:00.
pub fn heure_utc(instant: SystemTime) -> String {
    let secondes = instant
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!(
        "{:02}:{:02}:{:02} (UTC)",
        secondes / 3600,
        secondes / 60 % 60,
        secondes % 60
    )
}

// Repris des étapes précédentes : la lecture d'une ligne bornée (étape 2), la boucle d'accueil
// (étape 3) et le client à deux threads (étape 4). Votre code de ces étapes sert donc ici.
pub use etape2_boucle::{Ligne, envoyer_ligne, lire_ligne, nettoyer};

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, sert les clients sans fin.
pub fn lancer_serveur(adresse: IpAddr, port: u16) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    println!("[ÉCOUTE] Serveur en écoute sur {locale}");
    servir(ecoute, &mut io::stdout(), None).context("le serveur s'est arrêté sur une erreur")
}

/// Sert les clients l'un après l'autre, sans fin (ou `limite` clients, pour la démo et les
/// tests) ; une erreur sur une connexion ne termine que cette connexion (voir l'étape 3).
pub fn servir(
    ecoute: TcpListener,
    console: &mut impl Write,
    limite: Option<usize>,
) -> io::Result<()> {
    etape3_deconnexion::servir_avec(ecoute, console, limite, converser)
}

/// La conversation avec un client : bienvenue, puis une réponse par instruction, jusqu'à
/// [`FIN`] ou la fin du flux.
///
/// C'est la conversation de l'étape 2 (délai d'écriture [`DELAI_ECRITURE`], bienvenue, chaque
/// ligne envoyée avec [`envoyer_ligne`]), où chaque ligne de texte est une instruction : la
/// réponse est celle de [`repondre`], et la console écrit
/// `[INSTRUCTION] <pair> : <instruction> → <réponse>`, les deux passées par [`nettoyer`]. Une
/// ligne trop longue ou qui n'est pas de l'UTF-8 reçoit le même refus qu'à l'étape 2, avec la
/// même ligne `[ERREUR]`. [`FIN`] s'écrit `[FIN] <pair> a envoyé /quitter` sur la console et
/// termine la conversation par `shutdown(Both)` : ici, pas de fermeture en douceur (ce serveur
/// sert un client à la fois et ne l'attend pas ; un client qui enverrait encore après `/quitter`
/// recevrait un RST, voir l'étape 4). C'est une fin demandée, dite `terminée` sur la console même
/// si `shutdown` échoue parce que le client a déjà coupé.
pub fn converser(flux: &TcpStream, console: &mut impl Write, pair: SocketAddr) -> io::Result<()> {
    // corrigé:début Indice : la conversation de l'étape 2, où chaque ligne est maintenant une instruction : répondez avec `repondre` et montrez l'instruction et sa réponse sur la console, jusqu'à `/quitter` ou la fin du flux.
    flux.set_write_timeout(Some(DELAI_ECRITURE))?;
    let mut ecrivain = flux;
    let mut lecteur = BufReader::new(flux);
    envoyer_ligne(&mut ecrivain, MESSAGE_BIENVENUE)?;
    loop {
        let reponse = match lire_ligne(&mut lecteur, LIMITE_LIGNE)? {
            Ligne::Texte(texte) if texte == FIN => {
                writeln!(console, "[FIN] {pair} a envoyé {FIN}")?;
                // Si le client a déjà coupé, `shutdown` échoue (« la socket n'est pas
                // connectée ») : rien n'est perdu, la conversation finit comme demandé.
                let _ = flux.shutdown(Shutdown::Both);
                return Ok(());
            }
            Ligne::Texte(texte) => {
                let reponse = repondre(&texte);
                writeln!(
                    console,
                    "[INSTRUCTION] {pair} : {} → {}",
                    nettoyer(&texte),
                    nettoyer(&reponse)
                )?;
                reponse
            }
            Ligne::TropLongue => {
                writeln!(console, "[ERREUR] {pair} : ligne trop longue, ignorée")?;
                format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée")
            }
            Ligne::PasUtf8 => {
                writeln!(
                    console,
                    "[ERREUR] {pair} : ligne qui n'est pas de l'UTF-8, ignorée"
                )?;
                "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8".to_string()
            }
            Ligne::Fin => return Ok(()),
        };
        envoyer_ligne(&mut ecrivain, &reponse)?;
    }
    // corrigé:fin
}

/// Le client de l'étape 4 : un thread envoie les lignes de `entree` (puis [`FIN`]), le thread
/// courant affiche les réponses jusqu'à ce que le serveur ferme.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    etape4_communication::client(adresse, port, Cadrage::Ligne, entree, sortie)
}

/// Les instructions jouées par la démo (sans `heure`, dont la réponse change à chaque seconde).
const SCENARIO: [&str; 9] = [
    "calcul 2 + 3 * (4 - 1)",
    "calcul 7 / 0",
    "calcul 9223372036854775807 + 1",
    "calcul __import__('os').system('ls')",
    "majuscules Bonjour à tous",
    "inverse Rust",
    "longueur héhé",
    "danser",
    FIN,
];

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        sortie,
        "=== Démo de l'étape 5 : exécution d'instructions ==="
    )?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    let serveur = thread::spawn(move || {
        let mut journal = Vec::new();
        servir(ecoute, &mut journal, Some(1)).map(|()| journal)
    });

    let flux = TcpStream::connect(adresse)?;
    let mut lecteur = BufReader::new(&flux);
    afficher(&mut lecteur, sortie)?;
    for instruction in SCENARIO {
        writeln!(sortie, "[client] > {instruction}")?;
        envoyer_ligne(&mut &flux, instruction)?;
        if instruction != FIN {
            afficher(&mut lecteur, sortie)?;
        }
    }
    while afficher(&mut lecteur, sortie)? {}

    let journal = serveur
        .join()
        .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
    writeln!(sortie, "[démo] Console du serveur :")?;
    sortie.write_all(&journal)?;
    Ok(())
}

/// Pour la démo : lit une ligne du serveur et l'affiche ; `false` quand il a fermé.
fn afficher(lecteur: &mut impl BufRead, sortie: &mut impl Write) -> anyhow::Result<bool> {
    match lire_ligne(lecteur, LIMITE_LIGNE)? {
        Ligne::Texte(texte) => writeln!(sortie, "[client] {}", nettoyer(&texte))?,
        Ligne::Fin => return Ok(false),
        autre => writeln!(sortie, "[client] {autre:?}")?,
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    fn check(instruction: &str, attendu: &str) {
        egal!(
            repondre(instruction),
            attendu,
            "instruction {instruction:?}"
        );
    }

    #[test]
    fn les_instructions_de_texte() {
        check("majuscules élève", "= ÉLÈVE");
        check("minuscules ÉCOLE", "= école");
        check("inverse été", "= été");
        check("inverse abc", "= cba");
        check("longueur", "= 0 caractère (0 octet)");
        check("longueur ça", "= 2 caractères (3 octets)");
    }

    #[test]
    fn le_calcul_et_ses_erreurs() {
        check("calcul 6*7", "= 42");
        check(
            "calcul",
            "ERREUR : expression vide (exemple : calcul 2 + 3 * 4)",
        );
        check("calcul 1/0", "ERREUR : division par zéro");
    }

    #[test]
    fn une_instruction_inconnue_ou_vide_cite_aide() {
        vrai!(repondre("rm -rf /").contains("« aide »"));
        vrai!(repondre("").contains("« aide »"));
        vrai!(repondre("\u{1b}[2J").starts_with("ERREUR"));
        vrai!(!repondre("\u{1b}[2J").contains('\u{1b}'));
    }

    #[test]
    fn l_heure_est_calculee_depuis_l_epoque() {
        let instant = UNIX_EPOCH + Duration::from_secs(86_400 * 365 + 3 * 3600 + 25 * 60 + 7);
        egal!(heure_utc(instant), "03:25:07 (UTC)");
        vrai!(repondre("heure").starts_with("= "));
    }

    #[test]
    fn aide_tient_sur_une_ligne() {
        vrai!(!repondre("aide").contains('\n'));
    }
}
