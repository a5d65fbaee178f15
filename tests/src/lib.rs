//! # Outils de la suite de notation
//!
//! La suite de notation (`tests/tests/etapeN.rs`, un fichier par étape) pilote les **vrais
//! programmes** des étapes : elle les compile, les lance sur `127.0.0.1` avec `--port 0`, lit le
//! port réservé sur leur première ligne, puis leur parle en TCP comme le ferait un élève avec `nc`.
//!
//! Règles suivies partout :
//!
//! - chaque lecture est bornée par [`DELAI`] : un serveur cassé fait échouer un test, il ne le
//!   bloque jamais ;
//! - on se synchronise sur des **événements** (une ligne reçue, une ligne de la console, la fin du
//!   processus), jamais sur une pause ;
//! - chaque message d'échec, en français, dit ce qui était attendu et ce qui est venu.
//!
//! Pourquoi compiler les programmes depuis les tests ? Cargo ne donne le chemin d'un binaire
//! (`CARGO_BIN_EXE_<nom>`) qu'aux tests du paquet qui le possède. La suite vit dans son propre
//! paquet, pour qu'une étape qui ne compile pas n'empêche pas de noter les autres : elle demande
//! donc à Cargo de construire l'étape voulue ([`programme`]) puis la trouve avec
//! [`assert_cmd::cargo::cargo_bin`].

pub mod eleve;
pub mod pannes;
use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Borne de chaque attente : au-delà, le test échoue avec un message qui dit ce qui manquait.
pub const DELAI: Duration = Duration::from_secs(10);

/// Borne de **toutes** les lectures d'un [`Client`], depuis sa connexion. Chaque attente est déjà
/// bornée par [`DELAI`], mais un test qui lit mille lignes d'affilée pourrait, face à un serveur
/// qui en envoie une toutes les neuf secondes, durer des heures : au-delà de cette durée de vie,
/// toute lecture du client échoue. Le test le plus long de la suite dure quelques secondes.
pub const VIE_D_UN_CLIENT: Duration = Duration::from_secs(25);

/// Les étapes déjà construites par ce processus de test.
static CONSTRUITS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// `assert_eq!` en français : `egal!(obtenu, attendu)` ou `egal!(obtenu, attendu, "message {}", x)`.
/// Un échec dit le message, puis « attendu : … » et « obtenu : … », au lieu du `left`/`right`
/// anglais de la bibliothèque standard.
#[macro_export]
macro_rules! egal {
    // Un `match` plutôt qu'un `let`, comme `assert_eq!` : les valeurs temporaires des deux
    // expressions vivent jusqu'à la fin de la comparaison.
    ($obtenu:expr, $attendu:expr $(,)?) => {
        match (&$obtenu, &$attendu) {
            (obtenu, attendu) => {
                if obtenu != attendu {
                    panic!(
                        "les deux valeurs diffèrent\n  attendu : {:?}\n  obtenu  : {:?}",
                        attendu, obtenu
                    );
                }
            }
        }
    };
    ($obtenu:expr, $attendu:expr, $($message:tt)+) => {
        match (&$obtenu, &$attendu) {
            (obtenu, attendu) => {
                if obtenu != attendu {
                    panic!(
                        "{}\n  attendu : {:?}\n  obtenu  : {:?}",
                        format_args!($($message)+),
                        attendu,
                        obtenu
                    );
                }
            }
        }
    };
}

/// La variable d'environnement par laquelle `corrige` donne le dossier de la copie à noter : il
/// compile la suite une fois pour toute la classe, puis lance ses programmes sur chaque copie.
pub const VARIABLE_CLASSEUR: &str = "TP_CLASSEUR";

/// Dossier racine du classeur (l'espace de travail Cargo) : celui de la suite, ou celui que
/// donne [`VARIABLE_CLASSEUR`].
pub fn racine() -> PathBuf {
    if let Some(dossier) = std::env::var_os(VARIABLE_CLASSEUR) {
        return PathBuf::from(dossier);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Construit (une fois par processus) le programme de l'étape `nom` et rend son chemin.
///
/// Si l'étape ne compile pas, le test échoue avec un message qui le dit.
pub fn programme(nom: &str) -> PathBuf {
    let mut construits = CONSTRUITS.lock().unwrap_or_else(PoisonError::into_inner);
    let construits = construits.get_or_insert_with(HashSet::new);
    if !construits.contains(nom) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut commande = Command::new(cargo);
        commande
            .current_dir(racine())
            .args(["build", "--quiet", "--package", nom, "--bin", nom]);
        if profil_release() {
            commande.arg("--release");
        }
        let sortie = commande
            .output()
            .unwrap_or_else(|e| panic!("impossible de lancer cargo pour construire {nom} : {e}"));
        assert!(
            sortie.status.success(),
            "{} : le programme {nom} ne compile pas :\n{}",
            etape_de(nom),
            String::from_utf8_lossy(&sortie.stderr)
        );
        construits.insert(nom.to_string());
    }
    if std::env::var_os(VARIABLE_CLASSEUR).is_some() {
        // La suite n'a pas été compilée dans ce classeur : le programme est dans son `target`.
        let cible = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| racine().join("target"));
        let profil = if profil_release() { "release" } else { "debug" };
        return cible
            .join(profil)
            .join(format!("{nom}{}", std::env::consts::EXE_SUFFIX));
    }
    assert_cmd::cargo::cargo_bin(nom)
}

/// Vrai quand la suite elle-même a été compilée en `--release` : on construit alors l'étape
/// dans le même profil, pour tester le binaire du même dossier.
fn profil_release() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .any(|dossier| dossier.file_name().is_some_and(|n| n == "release"))
                .then_some(())
        })
        .is_some()
}

/// « etape3_deconnexion » → « Étape 3 », pour les messages d'échec.
pub fn etape_de(nom: &str) -> String {
    match nom
        .strip_prefix("etape")
        .and_then(|reste| reste.chars().next())
    {
        Some(chiffre) => format!("Étape {chiffre}"),
        None => nom.to_string(),
    }
}

/// Un événement lu sur la sortie standard d'un programme lancé par un test.
enum Sortie {
    Ligne(String),
    Fin,
}

/// Un serveur d'étape lancé pour un test ; il est tué quand la valeur est abandonnée.
pub struct Serveur {
    /// « Étape N », en tête de chaque message d'échec.
    pub etape: String,
    /// L'adresse lue sur la première ligne du serveur.
    pub adresse: SocketAddr,
    processus: Child,
    entree: Option<ChildStdin>,
    console: Receiver<Sortie>,
    /// Toutes les lignes de la console lues jusqu'ici (pour les messages d'échec).
    pub lu: Vec<String>,
    erreurs: SortieErreur,
}

impl Serveur {
    /// Lance `nom serveur --port 0 <options>` et attend sa première ligne.
    pub fn lancer(nom: &str, options: &[&str]) -> Serveur {
        Serveur::lancer_dans(nom, options, None)
    }

    /// Comme [`Serveur::lancer`], en choisissant le dossier de travail du serveur.
    pub fn lancer_dans(nom: &str, options: &[&str], dossier: Option<&Path>) -> Serveur {
        Serveur::lancer_avec(nom, options, dossier, Console::Lue)
    }

    /// Lance le serveur, lit sa première ligne (l'adresse), puis traite sa console selon `console`
    /// ([`Console::Fermee`] : plus personne ne la lit, chaque écriture échoue ;
    /// [`Console::JamaisLue`] : elle reste ouverte mais n'est plus lue, elle finit par bloquer).
    pub fn lancer_avec(
        nom: &str,
        options: &[&str],
        dossier: Option<&Path>,
        traitement: Console,
    ) -> Serveur {
        Serveur::lancer_sous(&[], nom, options, dossier, traitement)
    }

    /// Comme [`Serveur::lancer_avec`], à travers un programme `enveloppe` (par exemple
    /// `["prlimit", "--nofile=40"]` pour limiter ses descripteurs de fichiers).
    pub fn lancer_sous(
        enveloppe: &[&str],
        nom: &str,
        options: &[&str],
        dossier: Option<&Path>,
        traitement: Console,
    ) -> Serveur {
        let etape = etape_de(nom);
        let chemin = programme(nom);
        let mut commande = match enveloppe.split_first() {
            None => Command::new(&chemin),
            Some((premier, reste)) => {
                let mut commande = Command::new(premier);
                commande.args(reste).arg(&chemin);
                commande
            }
        };
        commande
            .args(["serveur", "--port", "0"])
            .args(options)
            // Le message d'une panique suffit ; une trace de pile noierait la fin de stderr.
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dossier) = dossier {
            commande.current_dir(dossier);
        }
        let mut processus = commande
            .spawn()
            .unwrap_or_else(|e| panic!("{etape} : impossible de lancer le serveur : {e}"));
        let console = lire_en_fond(processus.stdout.take(), traitement);
        let erreurs = SortieErreur::default();
        if let Some(flux) = processus.stderr.take() {
            let erreurs = erreurs.clone();
            thread::spawn(move || {
                for ligne in BufReader::new(flux).lines().map_while(Result::ok) {
                    erreurs.ajouter(ligne);
                }
                erreurs.finir();
            });
        }
        let entree = processus.stdin.take();
        let mut serveur = Serveur {
            etape,
            adresse: SocketAddr::from(([127, 0, 0, 1], 0)),
            processus,
            entree,
            console,
            lu: Vec::new(),
            erreurs,
        };
        let premiere = serveur.ligne_console().unwrap_or_else(|raison| {
            panic!(
                "{} : la première ligne du serveur doit donner son adresse IP:PORT ; {raison}{}",
                serveur.etape,
                serveur.stderr()
            )
        });
        serveur.adresse = adresse_dans(&premiere).unwrap_or_else(|| {
            panic!(
                "{} : la première ligne du serveur doit contenir l'adresse réservée (IP:PORT) ; \
                 reçu : « {premiere} »{}",
                serveur.etape,
                serveur.stderr()
            )
        });
        serveur
    }

    /// Ce que le serveur a écrit sur sa sortie d'erreur jusqu'ici (pour les messages d'échec).
    /// La fin de la sortie d'erreur du serveur, prête à suivre un message d'échec (vide s'il
    /// n'a rien écrit).
    pub fn stderr(&self) -> String {
        self.erreurs.pour_un_echec()
    }

    /// La prochaine ligne de la console du serveur avant `echeance`, ou la raison de son absence.
    fn ligne_console_avant(&mut self, echeance: Instant) -> Result<String, String> {
        match self
            .console
            .recv_timeout(echeance.saturating_duration_since(Instant::now()))
        {
            Ok(Sortie::Ligne(ligne)) => {
                self.lu.push(ligne.clone());
                Ok(ligne)
            }
            Ok(Sortie::Fin) | Err(RecvTimeoutError::Disconnected) => {
                Err("le serveur s'est arrêté".to_string())
            }
            Err(RecvTimeoutError::Timeout) => Err(format!("rien de tel en {} s", DELAI.as_secs())),
        }
    }

    /// La prochaine ligne de la console du serveur, ou la raison de son absence.
    fn ligne_console(&mut self) -> Result<String, String> {
        self.ligne_console_avant(Instant::now() + DELAI)
    }

    /// Attend une ligne de la console du serveur contenant `motif` et la rend.
    ///
    /// L'attente entière est bornée par [`DELAI`] : un serveur qui écrit sans cesse autre chose
    /// ne la prolonge pas.
    pub fn attendre_console(&mut self, motif: &str) -> String {
        let echeance = Instant::now() + DELAI;
        loop {
            match self.ligne_console_avant(echeance) {
                Ok(ligne) if ligne.contains(motif) => return ligne,
                Ok(_) => {}
                Err(raison) => panic!(
                    "{} : la console du serveur devait afficher une ligne contenant « {motif} » ; \
                     {raison}. Les dernières lignes vues :\n{}{}",
                    self.etape,
                    dernieres_lignes(&self.lu.join("\n"), 20),
                    self.stderr()
                ),
            }
        }
    }

    /// Les lignes de console qui arrivent pendant `duree`, puis plus rien.
    ///
    /// Une **fenêtre d'observation**, pas une synchronisation : pour vérifier qu'une chose qui se
    /// répète (un `accept` qui échoue toutes les 100 ms) n'est dite qu'une fois, il faut la
    /// laisser se répéter pendant un temps connu.
    pub fn console_pendant(&mut self, duree: Duration) -> Vec<String> {
        let fin = Instant::now() + duree;
        let mut lignes = Vec::new();
        while let Ok(ligne) = self.ligne_console_avant(fin) {
            lignes.push(ligne);
        }
        lignes
    }

    /// Les lignes de console arrivées jusqu'ici, sans attendre.
    pub fn console_jusqu_ici(&mut self) -> &[String] {
        while let Ok(Sortie::Ligne(ligne)) = self.console.try_recv() {
            self.lu.push(ligne);
        }
        &self.lu
    }

    /// Tape `texte` sur la console du serveur (son entrée standard).
    pub fn taper(&mut self, texte: &str) {
        let etape = &self.etape;
        let Some(entree) = self.entree.as_mut() else {
            panic!("{etape} : la console du serveur a déjà été fermée par le test");
        };
        let ecrit = entree.write_all(format!("{texte}\n").as_bytes());
        assert!(
            ecrit.is_ok(),
            "{} : impossible d'écrire sur la console du serveur",
            self.etape
        );
    }

    /// Ferme l'entrée standard du serveur (comme Ctrl-D dans un terminal).
    pub fn fermer_console(&mut self) {
        self.entree = None;
    }

    /// Ouvre une connexion TCP vers le serveur.
    ///
    /// Si la connexion échoue (le serveur est mort, par exemple sur un `todo!`), le message
    /// d'échec montre la fin de sa sortie d'erreur.
    pub fn connecter(&self) -> Client {
        match Client::essayer(self.adresse, &self.etape) {
            Ok(mut client) => {
                client.erreurs_serveur = Some(self.erreurs.clone());
                client
            }
            Err(raison) => match self.erreurs.derniere_ligne() {
                // Le cas de l'édition intacte : le serveur est tombé sur un `todo!`.
                Some(derniere) => panic!(
                    "{} : le serveur ne répond plus sur {} : il s'est arrêté, sa dernière ligne \
                     d'erreur dit « {derniere} ».{}",
                    self.etape,
                    self.adresse,
                    self.stderr()
                ),
                None => panic!("{raison}{}", self.stderr()),
            },
        }
    }

    /// Une socket brute vers le serveur (pour les tests qui parlent un autre cadrage que les
    /// lignes), avec le même message d'échec que [`Serveur::connecter`].
    pub fn connecter_brut(&self) -> TcpStream {
        self.connecter().flux
    }

    /// Le numéro du processus serveur (pour lui envoyer un signal).
    pub fn pid(&self) -> u32 {
        self.processus.id()
    }

    /// Attend la fin du processus (sortie standard fermée) et rend son code de retour.
    pub fn attendre_fin(&mut self) -> Option<i32> {
        let debut = Instant::now();
        let deja_lues = self.lu.len();
        loop {
            let reste = DELAI.saturating_sub(debut.elapsed());
            match self.console.recv_timeout(reste) {
                Ok(Sortie::Ligne(ligne)) => self.lu.push(ligne),
                Ok(Sortie::Fin) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let pendant = self.lu.len() - deja_lues;
                    let cause = if pendant > 1000 {
                        format!(
                            " Il a écrit {pendant} lignes de console pendant cette attente : il sert \
                             encore un client qui n'en finit pas (un client qui envoie sans lire \
                             doit être congédié par le délai d'écriture)."
                        )
                    } else {
                        String::new()
                    };
                    panic!(
                        "{} : le serveur devait s'arrêter ; il tourne encore après {} s.{cause} Les \
                         dernières lignes de sa console :\n{}{}",
                        self.etape,
                        DELAI.as_secs(),
                        dernieres_lignes(&self.lu.join("\n"), 20),
                        self.stderr()
                    )
                }
            }
        }
        // Sortie standard fermée ne veut pas dire processus fini : on attend sa fin, bornée aussi.
        loop {
            match self.processus.try_wait() {
                Ok(Some(statut)) => return statut.code(),
                Ok(None) if debut.elapsed() < DELAI => {
                    // Pas d'événement « processus fini » dans std sans bloquer : un coup d'œil
                    // toutes les 10 ms, jusqu'à l'échéance.
                    thread::sleep(Duration::from_millis(10));
                }
                Ok(None) => panic!(
                    "{} : le serveur a fermé sa sortie standard mais tourne encore après {} s{}",
                    self.etape,
                    DELAI.as_secs(),
                    self.stderr()
                ),
                Err(_) => return None,
            }
        }
    }

    /// Le numéro de port réservé par le serveur, en texte, pour la ligne de commande d'un client.
    pub fn port(&self) -> String {
        self.adresse.port().to_string()
    }
}

impl Drop for Serveur {
    fn drop(&mut self) {
        let _ = self.processus.kill();
        let _ = self.processus.wait();
    }
}

/// La sortie d'erreur d'un serveur lancé par un test, partagée avec ses clients : quand le
/// serveur meurt (un `todo!` qui panique), chaque message d'échec en montre la fin.
#[derive(Clone, Debug, Default)]
pub struct SortieErreur(Arc<(Mutex<Lues>, Condvar)>);

/// Les dernières lignes lues, et si la sortie est finie (le serveur l'a fermée en s'arrêtant).
#[derive(Debug, Default)]
struct Lues {
    lignes: VecDeque<String>,
    finie: bool,
}

impl SortieErreur {
    /// Nombre de lignes gardées : les dernières.
    const GARDEES: usize = 20;

    /// Ce qu'un message d'échec attend au plus que la sortie d'erreur finisse : un serveur qui
    /// vient de tomber a peut-être écrit sa dernière ligne sans qu'elle soit encore lue.
    const ATTENTE_DE_LA_FIN: Duration = Duration::from_millis(500);

    fn lues(&self) -> MutexGuard<'_, Lues> {
        self.0.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn ajouter(&self, ligne: String) {
        let mut lues = self.lues();
        if lues.lignes.len() == Self::GARDEES {
            lues.lignes.pop_front();
        }
        lues.lignes.push_back(ligne);
    }

    /// La sortie d'erreur est finie : le serveur l'a fermée (il s'arrête).
    fn finir(&self) {
        self.lues().finie = true;
        self.0.1.notify_all();
    }

    /// Les lignes gardées, après avoir attendu au plus [`Self::ATTENTE_DE_LA_FIN`] que la sortie
    /// finisse (sur un échec seulement : un serveur en vie la garde ouverte).
    fn lignes_apres_la_fin(&self) -> Vec<String> {
        let (lues, _) = self
            .0
            .1
            .wait_timeout_while(self.lues(), Self::ATTENTE_DE_LA_FIN, |lues| !lues.finie)
            .unwrap_or_else(PoisonError::into_inner);
        lues.lignes.iter().cloned().collect()
    }

    /// La dernière ligne non vide de la sortie d'erreur, s'il y en a une.
    pub fn derniere_ligne(&self) -> Option<String> {
        self.lignes_apres_la_fin()
            .into_iter()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.starts_with("note: "))
    }

    /// « Sortie d'erreur du serveur : … », et ce qu'elle veut dire quand on le sait
    /// ([`pannes::expliquer_l_arret`]) ; rien si elle est vide.
    pub fn pour_un_echec(&self) -> String {
        let lignes = self.lignes_apres_la_fin();
        if lignes.is_empty() {
            return String::new();
        }
        let texte = lignes.join("\n");
        let pourquoi = pannes::expliquer_l_arret(&texte)
            .map(|phrase| format!("\nCe que cela veut dire : {phrase}"))
            .unwrap_or_default();
        format!("\nSortie d'erreur du serveur :\n{texte}{pourquoi}")
    }
}

/// Une lecture de socket avec une **échéance globale** : avant chaque `read`, le délai de la
/// socket est réglé sur ce qui reste. Un serveur qui envoie un octet par seconde, sans jamais
/// finir sa ligne, ne retient donc pas un test au-delà de l'échéance.
struct AvecEcheance {
    flux: TcpStream,
    echeance: Instant,
}

impl Read for AvecEcheance {
    fn read(&mut self, tampon: &mut [u8]) -> std::io::Result<usize> {
        let reste = self.echeance.saturating_duration_since(Instant::now());
        if reste.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.flux.set_read_timeout(Some(reste))?;
        self.flux.read(tampon)
    }
}

/// Règle `flux` pour que toutes ses lectures finissent avant `DELAI` en tout (pas seulement
/// chacune) : pour les tests qui lisent une socket brute (octets, trames).
pub fn avec_echeance(flux: TcpStream) -> impl Read {
    AvecEcheance {
        flux,
        echeance: Instant::now() + DELAI,
    }
}

/// Ce qu'un test fait de la console d'un serveur après sa première ligne.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Console {
    /// Lue jusqu'au bout (le cas normal).
    Lue,
    /// Fermée : le serveur écrit dans un tube que plus personne ne lit, chaque écriture échoue.
    Fermee,
    /// Gardée ouverte mais plus lue : dès que le tube est plein, chaque écriture bloque.
    JamaisLue,
}

/// Lit les lignes d'un flux dans un thread et les rend disponibles sur un canal.
fn lire_en_fond(flux: Option<impl Read + Send + 'static>, traitement: Console) -> Receiver<Sortie> {
    let (envoi, reception) = mpsc::channel();
    if let Some(flux) = flux {
        thread::spawn(move || {
            let mut lecteur = BufReader::new(flux);
            let mut octets = Vec::new();
            let mut lues = 0;
            loop {
                if lues == 1 && traitement != Console::Lue {
                    if traitement == Console::JamaisLue {
                        // Le tube reste ouvert, sans lecteur, tant que le processus de test vit.
                        std::mem::forget(lecteur);
                    }
                    return;
                }
                lues += 1;
                octets.clear();
                match lecteur.read_until(b'\n', &mut octets) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let ligne = String::from_utf8_lossy(&octets)
                            .trim_end_matches(['\r', '\n'])
                            .to_string();
                        if envoi.send(Sortie::Ligne(ligne)).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = envoi.send(Sortie::Fin);
        });
    }
    reception
}

/// Trouve le premier `IP:PORT` d'une ligne (`[ÉCOUTE] … sur 127.0.0.1:5050` → l'adresse).
pub fn adresse_dans(ligne: &str) -> Option<SocketAddr> {
    ligne
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .find_map(|mot| mot.trim_end_matches('.').parse().ok())
}

/// Ce que [`Client::ligne`] peut rendre.
#[derive(Debug, PartialEq, Eq)]
pub enum Recu {
    Ligne(String),
    Fermeture,
    Rien,
}

/// Nombre de lignes reçues qu'un [`Client`] garde pour ses messages d'échec.
pub const GARDEES: usize = 200;

/// Un client TCP de test : chaque attente (une ligne, un motif, la fermeture) est bornée en
/// tout par [`DELAI`], quel que soit le nombre de lectures qu'elle demande.
pub struct Client {
    etape: String,
    flux: TcpStream,
    lecteur: BufReader<AvecEcheance>,
    /// Les dernières lignes reçues ([`GARDEES`] au plus), pour les messages d'échec.
    pub recu: VecDeque<String>,
    /// La sortie d'erreur du serveur, quand le client vient de [`Serveur::connecter`].
    erreurs_serveur: Option<SortieErreur>,
    /// Au-delà, plus aucune lecture n'attend (voir [`VIE_D_UN_CLIENT`]).
    fin_de_vie: Instant,
    /// Le début d'une ligne dont le saut de ligne n'est pas (encore) arrivé : gardé pour la
    /// lecture suivante, et cité si l'attente échoue.
    partiel: Vec<u8>,
    /// L'adresse du serveur, pour vérifier, quand une attente échoue, s'il répond encore.
    adresse: SocketAddr,
}

impl Client {
    /// Se connecte à `adresse` ; `etape` préfixe les messages d'échec.
    pub fn connecter(adresse: SocketAddr, etape: &str) -> Client {
        Client::essayer(adresse, etape).unwrap_or_else(|raison| panic!("{raison}"))
    }

    /// Comme [`Client::connecter`], mais rend la raison d'un échec au lieu d'échouer.
    pub fn essayer(adresse: SocketAddr, etape: &str) -> Result<Client, String> {
        let flux = TcpStream::connect_timeout(&adresse, DELAI).map_err(|e| {
            let cause = match e.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    "connexion refusée : personne n'écoute sur ce port".to_string()
                }
                std::io::ErrorKind::TimedOut => format!("pas de réponse en {} s", DELAI.as_secs()),
                _ => format!("erreur du système ({e})"),
            };
            format!("{etape} : connexion au serveur {adresse} impossible : {cause}")
        })?;
        // Les deux copies partagent la même socket, donc les mêmes délais.
        let reglage = flux.try_clone().and_then(|lecture| {
            flux.set_read_timeout(Some(DELAI))?;
            flux.set_write_timeout(Some(DELAI))?;
            Ok(lecture)
        });
        let lecture = reglage.map_err(|e| {
            format!("{etape} : réglage de la socket de test impossible (délais, copie) : {e}")
        })?;
        Ok(Client {
            etape: etape.to_string(),
            flux,
            lecteur: BufReader::new(AvecEcheance {
                flux: lecture,
                echeance: Instant::now() + DELAI,
            }),
            recu: VecDeque::new(),
            erreurs_serveur: None,
            fin_de_vie: Instant::now() + VIE_D_UN_CLIENT,
            partiel: Vec::new(),
            adresse,
        })
    }

    /// Le flux brut, pour les tests qui veulent fermer ou couper eux-mêmes.
    pub fn flux(&self) -> &TcpStream {
        &self.flux
    }

    /// Envoie `texte` suivi d'un saut de ligne.
    pub fn envoyer(&mut self, texte: &str) {
        self.envoyer_octets(format!("{texte}\n").as_bytes());
    }

    /// Envoie des octets tels quels (UTF-8 invalide, ligne coupée en deux…).
    pub fn envoyer_octets(&mut self, octets: &[u8]) {
        if let Err(e) = self.flux.write_all(octets).and_then(|()| self.flux.flush()) {
            panic!("{} : envoi au serveur impossible : {e}", self.etape);
        }
    }

    /// Envoie `fois` fois la ligne `ligne` sans jamais rien lire, et ignore les erreurs : le
    /// serveur finira par couper la connexion (c'est ce qu'on attend de lui). Rend le nombre de
    /// lignes envoyées.
    pub fn inonder_sans_lire(&self, ligne: &str, fois: usize) -> usize {
        let lot = format!("{ligne}\n").repeat(1000);
        let mut flux = &self.flux;
        for envoyes in (0..fois).step_by(1000) {
            if flux.write_all(lot.as_bytes()).is_err() {
                return envoyes;
            }
        }
        fois
    }

    /// Envoie `texte` et rend la ligne qui répond.
    pub fn demander(&mut self, texte: &str) -> String {
        self.envoyer(texte);
        self.ligne(&format!("la réponse à « {texte} »"))
    }

    /// Coupe la connexion **brutalement** (RST), en laissant `demi_ligne` (sans `\n`) derrière
    /// soi.
    ///
    /// Fermer une socket qui contient des données reçues et non lues fait envoyer un RST par le
    /// système au lieu d'une fin normale. On attend donc (sans la lire) qu'une donnée du serveur
    /// soit arrivée — l'appelant s'arrange pour qu'il en envoie une — puis on abandonne la socket.
    pub fn couper_brutalement(self, demi_ligne: &[u8]) {
        let mut octet = [0u8; 1];
        let _ = self.flux.peek(&mut octet);
        let mut flux = &self.flux;
        let _ = flux.write_all(demi_ligne);
    }

    /// Lit la prochaine ligne (sans `\r\n`), la fermeture, ou rien dans le délai.
    pub fn lire(&mut self) -> Recu {
        self.lire_avant(Instant::now() + DELAI)
    }

    /// Lit la prochaine ligne, la fermeture, ou rien avant `echeance` (et avant la fin de vie du
    /// client, voir [`VIE_D_UN_CLIENT`]).
    fn lire_avant(&mut self, echeance: Instant) -> Recu {
        self.lecteur.get_mut().echeance = echeance.min(self.fin_de_vie);
        let mut octets = std::mem::take(&mut self.partiel);
        match self.lecteur.read_until(b'\n', &mut octets) {
            Ok(0) => Recu::Fermeture,
            Ok(_) if octets.last() != Some(&b'\n') => Recu::Fermeture,
            Ok(_) => {
                let ligne = String::from_utf8_lossy(&octets)
                    .trim_end_matches(['\r', '\n'])
                    .to_string();
                if self.recu.len() == GARDEES {
                    self.recu.pop_front();
                }
                self.recu.push_back(ligne.clone());
                Recu::Ligne(ligne)
            }
            Err(e) if delai_depasse(&e) => {
                // `read_until` a laissé dans `octets` ce qu'il a lu avant le délai.
                self.partiel = octets;
                Recu::Rien
            }
            // Une connexion coupée par le serveur (RST) compte comme une fermeture.
            Err(_) => Recu::Fermeture,
        }
    }

    /// Quand une attente n'a rien reçu, la cause probable, si on peut la voir d'ici : une ligne
    /// arrivée sans son saut de ligne, ou (étapes 7 et 8) un salon figé, qui ne répond plus même à
    /// un nouveau venu.
    fn diagnostic(&self, recu: &Recu) -> String {
        if !matches!(recu, Recu::Rien) {
            return String::new();
        }
        if !self.partiel.is_empty() {
            let debut = String::from_utf8_lossy(&self.partiel);
            let debut: String = debut.chars().take(200).collect();
            return format!(
                " Reçu « {debut} » sans saut de ligne final : chaque ligne envoyée doit finir \
                 par '\\n' (`writeln!`, pas `write!`), sinon l'autre côté attend la fin de la ligne."
            );
        }
        let salon = self.etape == "Étape 7" || self.etape == "Étape 8";
        if salon && !salon_repond(self.adresse) {
            return " Un nouveau client n'obtient plus rien non plus : le serveur semble figé. \
                 Cause probable : le verrou du salon est pris et jamais rendu, soit pris deux fois \
                 par le même thread (un `Mutex` ne se prend pas deux fois : n'appelez pas une \
                 fonction qui verrouille pendant que vous tenez la garde), soit tenu pendant une \
                 attente."
                .to_string();
        }
        String::new()
    }

    /// Les lignes reçues, puis la fin de la sortie d'erreur du serveur s'il en a écrit une.
    fn contexte(&self) -> String {
        let erreurs = self
            .erreurs_serveur
            .as_ref()
            .map(SortieErreur::pour_un_echec)
            .unwrap_or_default();
        let vie = if Instant::now() >= self.fin_de_vie {
            format!(
                "(ce client est connecté depuis plus de {} s : le serveur répond trop lentement, \
                 et aucune lecture n'attend plus)\n",
                VIE_D_UN_CLIENT.as_secs()
            )
        } else {
            String::new()
        };
        format!("{vie}{}{erreurs}", Vec::from(self.recu.clone()).join("\n"))
    }

    /// La prochaine ligne ; échoue si le serveur ferme ou ne dit rien.
    pub fn ligne(&mut self, attendu: &str) -> String {
        match self.lire() {
            Recu::Ligne(ligne) => ligne,
            autre => panic!(
                "{} : attendu : {attendu} ; {}.{} Lignes reçues avant :\n{}",
                self.etape,
                decrire(&autre),
                self.diagnostic(&autre),
                self.contexte()
            ),
        }
    }

    /// Lit des lignes jusqu'à en trouver une qui contient `motif`, et la rend. L'attente entière
    /// est bornée par [`DELAI`] : un serveur qui bavarde sans jamais dire `motif` échoue aussi.
    pub fn attendre(&mut self, motif: &str) -> String {
        self.attendre_sinon(motif, "")
    }

    /// Comme [`Client::attendre`], et si `motif` ne vient pas, l'échec dit aussi `cause` : la
    /// cause probable que le test connaît.
    pub fn attendre_sinon(&mut self, motif: &str, cause: &str) -> String {
        let echeance = Instant::now() + DELAI;
        loop {
            match self.lire_avant(echeance) {
                Recu::Ligne(ligne) if ligne.contains(motif) => return ligne,
                Recu::Ligne(_) => {}
                autre => panic!(
                    "{} : attendu : une ligne contenant « {motif} » ; {}.{}{} Lignes reçues :\n{}",
                    self.etape,
                    decrire(&autre),
                    self.diagnostic(&autre),
                    if cause.is_empty() {
                        String::new()
                    } else {
                        format!(" {cause}")
                    },
                    self.contexte()
                ),
            }
        }
    }

    /// Lit jusqu'à ce que le serveur ferme la connexion ; échoue s'il la garde ouverte plus de
    /// [`DELAI`] en tout.
    pub fn attendre_fermeture(&mut self, pourquoi: &str) {
        let echeance = Instant::now() + DELAI;
        loop {
            match self.lire_avant(echeance) {
                Recu::Fermeture => return,
                Recu::Ligne(_) => {}
                Recu::Rien => panic!(
                    "{} : le serveur devait fermer la connexion ({pourquoi}) ; elle est encore \
                     ouverte après {} s. Lignes reçues :\n{}",
                    self.etape,
                    DELAI.as_secs(),
                    self.contexte()
                ),
            }
        }
    }
}

/// Vrai si un nouveau venu obtient encore l'invite et l'accueil du salon (étapes 7 et 8) en
/// quelques secondes. Sert à dire, quand un test n'a rien reçu, si tout le serveur est figé.
fn salon_repond(adresse: SocketAddr) -> bool {
    const SONDE: Duration = Duration::from_secs(2);
    let Ok(flux) = TcpStream::connect_timeout(&adresse, SONDE) else {
        return false;
    };
    let reglage = flux
        .set_read_timeout(Some(SONDE))
        .and_then(|()| flux.set_write_timeout(Some(SONDE)))
        .and_then(|()| flux.try_clone());
    let Ok(mut ecriture) = reglage else {
        return false;
    };
    let echeance = Instant::now() + 2 * SONDE;
    let mut lecteur = BufReader::new(flux);
    let mut attendre = |motifs: &[&str]| {
        let mut ligne = String::new();
        while Instant::now() < echeance {
            ligne.clear();
            match lecteur.read_line(&mut ligne) {
                Ok(0) | Err(_) => return false,
                Ok(_) if motifs.iter().any(|m| ligne.contains(m)) => return true,
                Ok(_) => {}
            }
        }
        false
    };
    if !attendre(&["pseudo"]) {
        return false;
    }
    let pseudo = format!("sonde{}", std::process::id() % 100_000);
    if writeln!(ecriture, "{pseudo}").is_err() {
        return false;
    }
    attendre(&["bienvenue", "ERREUR"])
}

/// Un port de `127.0.0.1` où personne n'écoute, pour les tests « client sans serveur ».
///
/// Le port 1 : sous les ports que le système distribue avec le port 0, aucun serveur de la suite
/// ne peut l'obtenir, et personne n'y écoute d'ordinaire. Un port « réservé puis libéré » ne va
/// pas : un autre test lancé en même temps pouvait le recevoir aussitôt, et le client s'y
/// connectait (vu une fois en vingt passages de la suite).
pub fn port_sans_serveur(nom: &str) -> String {
    assert!(
        TcpStream::connect(("127.0.0.1", 1)).is_err(),
        "{} : un programme écoute sur le port 1 de cette machine ; ce test a besoin d'un port \
         où personne n'écoute",
        etape_de(nom)
    );
    "1".to_string()
}

/// Le client de l'étape `nom`, lancé sans serveur, échoue en français et nomme **son** étape
/// (le client est écrit une fois, à l'étape 4, et repris par les suivantes).
pub fn verifier_qu_un_client_sans_serveur_nomme_son_etape(nom: &str) {
    let port = port_sans_serveur(nom);
    assert_cmd::Command::new(programme(nom))
        .args(["client", "--port", &port])
        .timeout(DELAI)
        .assert()
        .failure()
        .stderr(predicates::str::contains(format!("cargo run -p {nom}")))
        .stderr(predicates::prelude::PredicateBooleanExt::not(
            predicates::str::contains("panicked"),
        ));
}

/// Un délai de lecture dépassé : `WouldBlock` sous Linux et macOS, `TimedOut` sous Windows.
fn delai_depasse(erreur: &std::io::Error) -> bool {
    use std::io::ErrorKind::{TimedOut, WouldBlock};
    matches!(erreur.kind(), WouldBlock | TimedOut)
}

fn decrire(recu: &Recu) -> String {
    match recu {
        Recu::Ligne(ligne) => format!("reçu « {ligne} »"),
        Recu::Fermeture => "le serveur a fermé la connexion".to_string(),
        Recu::Rien => format!("rien reçu en {} s", DELAI.as_secs()),
    }
}

/// Les `n` dernières lignes d'un texte, précédées de « … N lignes omises » s'il y en a plus.
pub fn dernieres_lignes(texte: &str, n: usize) -> String {
    let lignes: Vec<&str> = texte.lines().collect();
    let debut = lignes.len().saturating_sub(n);
    let mut resume = String::new();
    if debut > 0 {
        resume.push_str(&format!("… {debut} lignes omises\n"));
    }
    resume.push_str(&lignes[debut..].join("\n"));
    resume
}

/// Lance le programme de l'étape `nom` avec `arguments` (et `entree` sur son entrée standard),
/// attend sa fin au plus [`DELAI`], et rend ce qu'il a produit. Un programme qui ne finit pas à
/// temps (ou qu'un signal arrête) fait échouer le test par une phrase qui le dit, avec la fin de
/// ce qu'il a affiché : jamais le « Unexpected failure » anglais d'`assert_cmd`.
pub fn executer_programme(nom: &str, arguments: &[&str], entree: &str, quoi: &str) -> Output {
    let sortie = assert_cmd::Command::new(programme(nom))
        .args(arguments)
        .write_stdin(entree.to_string())
        .timeout(DELAI)
        .output()
        .unwrap_or_else(|e| panic!("{} : impossible de lancer {quoi} : {e}", etape_de(nom)));
    if sortie.status.code().is_none() {
        panic!(
            "{} : {quoi} n'a pas fini en {} s (ou un signal l'a arrêté). Sa sortie \
             standard :\n{}\nSa sortie d'erreur :\n{}",
            etape_de(nom),
            DELAI.as_secs(),
            dernieres_lignes(&String::from_utf8_lossy(&sortie.stdout), 20),
            dernieres_lignes(&String::from_utf8_lossy(&sortie.stderr), 20)
        );
    }
    sortie
}

/// Lance `nom client --port <port>` avec `entree` sur son entrée standard (voir
/// [`executer_programme`]), et rend le résultat à vérifier avec `assert_cmd`.
pub fn client_programme(nom: &str, serveur: &Serveur, entree: &str) -> assert_cmd::assert::Assert {
    let port = serveur.port();
    let sortie = executer_programme(nom, &["client", "--port", &port], entree, "le client");
    assert_cmd::assert::Assert::new(sortie)
}

/// Ce qui change d'un lancement à l'autre masqué : les ports et les horodatages.
pub fn sans_variables(texte: &str) -> String {
    sans_horodatages(&sans_ports(texte))
}

/// Remplace chaque `AAAA-MM-JJ hh:mm:ss` (chiffres) par ce modèle.
pub fn sans_horodatages(texte: &str) -> String {
    const MODELE: &str = "AAAA-MM-JJ hh:mm:ss";
    let forme = |morceau: &[u8]| {
        morceau.len() == MODELE.len()
            && morceau.iter().zip(MODELE.bytes()).all(|(&o, m)| match m {
                b'-' | b' ' | b':' => o == m,
                _ => o.is_ascii_digit(),
            })
    };
    let octets = texte.as_bytes();
    let mut resultat = String::with_capacity(texte.len());
    let mut debut_copie = 0;
    let mut i = 0;
    while i + MODELE.len() <= octets.len() {
        if forme(&octets[i..i + MODELE.len()]) {
            resultat.push_str(&texte[debut_copie..i]);
            resultat.push_str(MODELE);
            i += MODELE.len();
            debut_copie = i;
        } else {
            i += 1;
        }
    }
    resultat.push_str(&texte[debut_copie..]);
    resultat
}

/// Remplace chaque numéro de port après `127.0.0.1:` par `*` : ils changent à chaque lancement.
pub fn sans_ports(texte: &str) -> String {
    let mut resultat = String::with_capacity(texte.len());
    let mut reste = texte;
    while let Some(position) = reste.find("127.0.0.1:") {
        let fin = position + "127.0.0.1:".len();
        resultat.push_str(&reste[..fin]);
        reste = &reste[fin..];
        let chiffres = reste.len() - reste.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if chiffres > 0 {
            resultat.push('*');
        }
        reste = &reste[chiffres..];
    }
    resultat.push_str(reste);
    resultat
}

/// La transcription « Résultat attendu » de l'énoncé d'une étape (le premier bloc `text` qui suit
/// ce titre dans la documentation de `src/lib.rs`).
pub fn transcription_de_l_enonce(nom: &str) -> String {
    let chemin = racine().join(nom).join("src").join("lib.rs");
    let source = std::fs::read_to_string(&chemin)
        .unwrap_or_else(|e| panic!("lecture de {} impossible : {e}", chemin.display()));
    let doc: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    let titre = doc
        .iter()
        .position(|l| l.starts_with("## Résultat attendu"))
        .unwrap_or_else(|| {
            panic!(
                "{} : l'énoncé n'a pas de section « Résultat attendu »",
                etape_de(nom)
            )
        });
    let debut = titre
        + doc[titre..]
            .iter()
            .position(|l| l.starts_with("```text"))
            .unwrap_or_else(|| {
                panic!(
                    "{} : pas de bloc ```text sous « Résultat attendu »",
                    etape_de(nom)
                )
            })
        + 1;
    let fin = debut
        + doc[debut..]
            .iter()
            .position(|l| l.starts_with("```"))
            .unwrap_or(doc.len() - debut);
    doc[debut..fin].join("\n")
}

/// Vérifie que `nom demo` affiche exactement la transcription de l'énoncé (ports mis à part).
pub fn verifier_demo(nom: &str) {
    let etape = etape_de(nom);
    let sortie = executer_programme(nom, &["demo"], "", "la démo");
    let affiche = String::from_utf8_lossy(&sortie.stdout).to_string();
    assert!(
        sortie.status.success(),
        "{etape} : la démo a échoué ({}). Ce qu'elle a affiché :\n{}\nSa sortie d'erreur :\n{}",
        sortie.status,
        dernieres_lignes(&affiche, 20),
        dernieres_lignes(&String::from_utf8_lossy(&sortie.stderr), 20)
    );
    let obtenu = sans_variables(&affiche);
    let attendu = sans_variables(&transcription_de_l_enonce(nom));
    if let Some(ecart) = difference_de_lignes(attendu.trim_end(), obtenu.trim_end()) {
        panic!(
            "{etape} : la démo doit afficher la transcription « Résultat attendu » de l'énoncé.\n{ecart}"
        );
    }
}

/// La différence entre deux textes, ligne par ligne, dite pour un élève : la première ligne qui
/// diffère, puis les lignes attendues qui manquent et celles qui n'étaient pas attendues.
/// `None` s'ils sont égaux.
pub fn difference_de_lignes(attendu: &str, obtenu: &str) -> Option<String> {
    if attendu == obtenu {
        return None;
    }
    let a: Vec<&str> = attendu.lines().collect();
    let o: Vec<&str> = obtenu.lines().collect();
    let premiere = (0..a.len().max(o.len()))
        .find(|&n| a.get(n) != o.get(n))
        .unwrap_or(0);
    let cite = |ligne: Option<&&str>| ligne.map_or("(rien)".to_string(), |l| format!("« {l} »"));
    let mut texte = format!(
        "Première différence, ligne {} :\n  attendu : {}\n  obtenu  : {}\n",
        premiere + 1,
        cite(a.get(premiere)),
        cite(o.get(premiere))
    );
    let manquent: Vec<&&str> = a.iter().filter(|l| !o.contains(l)).take(10).collect();
    let en_trop: Vec<&&str> = o.iter().filter(|l| !a.contains(l)).take(10).collect();
    for (titre, lignes) in [
        ("Attendues, jamais affichées", manquent),
        ("Affichées, pas attendues", en_trop),
    ] {
        if !lignes.is_empty() {
            texte.push_str(&format!("{titre} :\n"));
            for ligne in lignes {
                texte.push_str(&format!("  « {ligne} »\n"));
            }
        }
    }
    Some(texte)
}

/// Un générateur pseudo-aléatoire minuscule et reproductible (xorshift), pour les tests de bruit :
/// la même graine donne toujours les mêmes octets, donc un échec se rejoue à l'identique.
pub struct Hasard(u64);

impl Hasard {
    pub fn new(graine: u64) -> Hasard {
        Hasard(graine.max(1))
    }

    pub fn suivant(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Un octet au hasard.
    pub fn octet(&mut self) -> u8 {
        (self.suivant() >> 32) as u8
    }

    /// Un entier au hasard dans `0..n`.
    pub fn jusqu_a(&mut self, n: usize) -> usize {
        (self.suivant() % n.max(1) as u64) as usize
    }
}

/// Rejoint le salon des étapes 7 et 8 : attend l'invite (qui parle de pseudo), envoie `pseudo`,
/// attend l'accueil `= bienvenue …`. Les lignes d'historique éventuelles restent dans
/// [`Client::recu`].
pub fn rejoindre(serveur: &Serveur, pseudo: &str) -> Client {
    let mut client = serveur.connecter();
    client.attendre("pseudo");
    client.envoyer(pseudo);
    client.attendre("= bienvenue");
    client
}

/// Vérifie qu'un client qui envoie des centaines de milliers de lignes sans jamais lire ne
/// bloque pas un serveur d'un seul thread : les réponses remplissent les tampons, le `write` du
/// serveur bloque, et il doit abandonner au bout de son délai pour servir le client suivant.
///
/// La console doit dire pourquoi le premier est parti : son délai d'écriture est dépassé, il ne
/// lit plus ses réponses (et non « connexion perdue »).
pub fn verifier_qu_un_client_qui_ne_lit_pas_ne_bloque_pas_le_suivant(nom: &str, ligne: &str) {
    let mut serveur = Serveur::lancer(nom, &[]);
    let inondeur = serveur.connecter();
    thread::scope(|portee| {
        portee.spawn(|| inondeur.inonder_sans_lire(ligne, 1_000_000));
        let mut suivant = serveur.connecter();
        let echeance = Instant::now() + DELAI;
        loop {
            match suivant.lire_avant(echeance) {
                Recu::Ligne(l) if l.contains("Bienvenue") => break,
                Recu::Ligne(_) => {}
                autre => panic!(
                    "{} : un client qui envoie sans jamais lire ses réponses bloque le serveur : le \
                     client suivant n'a pas reçu sa bienvenue ({}). Le `write` du serveur vers le \
                     premier attend sans fin qu'il lise : il lui faut un délai d'écriture \
                     (`set_write_timeout`), après lequel il abandonne ce client.{}",
                    serveur.etape,
                    decrire(&autre),
                    serveur.stderr()
                ),
            }
        }
    });
    let fin = serveur.attendre_console("[DÉCONNEXION]");
    assert!(
        fin.contains("ne lit plus ses réponses"),
        "{} : un client qui ne lit plus ses réponses est congédié par le délai d'écriture, et la \
         console le dit (« … inactif trop longtemps, ou ne lit plus ses réponses : connexion \
         fermée ») ; vu « {fin} »",
        serveur.etape
    );
}

/// Vérifie qu'un client qui envoie `/quitter` puis coupe brutalement (RST) finit, sur la
/// console, comme une fin demandée : `[FIN] …` puis `[DÉCONNEXION] Conversation avec <pair>
/// terminée`, jamais « perdue ».
///
/// Après `/quitter`, la conversation est finie : si le client a déjà coupé quand le serveur ferme
/// la socket, `shutdown` rend une erreur (« la socket n'est pas connectée ») qui ne change rien
/// à ce qui s'est passé, et qu'il ne faut pas dire comme une connexion perdue.
pub fn verifier_qu_une_coupure_apres_quitter_reste_une_fin_demandee(nom: &str) {
    let mut serveur = Serveur::lancer(nom, &[]);
    let flux = serveur.connecter_brut();
    // La bienvenue arrive et reste non lue : fermer la socket enverra un RST au lieu d'un FIN.
    let _ = flux.peek(&mut [0u8; 1]);
    let mut ecrivain = &flux;
    let _ = ecrivain.write_all(b"/quitter\n");
    drop(flux);
    serveur.attendre_console("[FIN]");
    let fin = serveur.attendre_console("[DÉCONNEXION]");
    assert!(
        fin.contains("terminée"),
        "{} : un client qui envoie /quitter puis coupe tout de suite a fini comme il le demandait : \
         attendu « [DÉCONNEXION] Conversation avec <pair> terminée », vu « {fin} ». Après \
         /quitter, une erreur de `shutdown` (la socket déjà coupée par le client) n'est pas une \
         connexion perdue : ignorez-la.",
        serveur.etape
    );
}

/// Vrai si `prlimit` (Linux) est là : limiter les descripteurs de fichiers d'un autre processus
/// n'a pas de moyen portable.
pub fn prlimit_present() -> bool {
    Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|sortie| sortie.status.success())
}

/// Vérifie qu'un `accept` qui échoue en boucle (plus aucun descripteur de fichier : `EMFILE`)
/// est dit **une fois** sur la console, pas toutes les 100 ms, et que le serveur sert de nouveau
/// quand les descripteurs reviennent.
///
/// Le serveur est lancé avec 4 descripteurs (l'entrée, les deux sorties et l'écoute ; jusqu'à 64 permis) : chaque
/// `accept` échoue aussitôt. Puis `prlimit --pid` lui en rend 64 : l'épisode finit.
pub fn verifier_qu_un_echec_d_accept_se_dit_une_fois(nom: &str, bienvenue: &str) {
    if !prlimit_present() {
        eprintln!(
            "{} : pas de prlimit sur cette machine, test des descripteurs sauté",
            etape_de(nom)
        );
        return;
    }
    let mut serveur =
        Serveur::lancer_sous(&["prlimit", "--nofile=4:64"], nom, &[], None, Console::Lue);
    serveur.attendre_console("[ERREUR] Connexion refusée par le système");
    // Cinq pauses de 100 ms : `accept` échoue encore cinq fois pendant cette fenêtre.
    let ensuite = serveur.console_pendant(Duration::from_millis(600));
    let repetees = ensuite.iter().filter(|l| l.contains("[ERREUR]")).count();
    assert!(
        repetees == 0,
        "{} : quand accept échoue en boucle (plus de descripteurs de fichiers), l'erreur se dit          une fois par épisode, pas à chaque essai ; {repetees} lignes [ERREUR] de plus en 0,6 s.          Lignes vues :\n{}",
        serveur.etape,
        dernieres_lignes(&serveur.lu.join("\n"), 20)
    );
    let rendu = Command::new("prlimit")
        .args(["--pid", &serveur.pid().to_string(), "--nofile=64:64"])
        .status()
        .is_ok_and(|statut| statut.success());
    assert!(rendu, "{} : prlimit --pid a échoué", serveur.etape);
    let mut client = serveur.connecter();
    client.attendre(bienvenue);
}

/// Vérifie que 200 allers-retours (une ligne envoyée, sa réponse lue) tiennent en 4 s. Une
/// réponse écrite en deux `write` (`writeln!` sur la socket : le texte, puis le `'\n'`) part en
/// deux segments, et le second attend l'ACK retardé de l'autre côté : 40 ms par réponse sous
/// Linux, 8 s pour 200. Une réponse écrite d'un seul `write_all` prend moins d'une milliseconde.
pub fn verifier_que_les_reponses_partent_sans_attendre(nom: &str, ligne: &str) {
    const ALLERS_RETOURS: u32 = 200;
    const LIMITE: Duration = Duration::from_secs(4);
    let serveur = Serveur::lancer(nom, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    let debut = Instant::now();
    for fait in 1..=ALLERS_RETOURS {
        client.demander(ligne);
        let duree = debut.elapsed();
        assert!(
            duree <= LIMITE,
            "{} : {fait} allers-retours « {ligne} » ont déjà pris {} s ({} ms chacun) ; {ALLERS_RETOURS} \
             doivent tenir en {} s. Chaque réponse part-elle en deux `write` (`writeln!` sur la \
             socket) ? Le second segment attend l'ACK retardé de l'autre côté : envoyez chaque \
             ligne d'un seul `write_all` (`envoyer_ligne`, étape 2).",
            etape_de(nom),
            format!("{:.1}", duree.as_secs_f64()).replace('.', ","),
            duree.as_millis() / u128::from(fait),
            LIMITE.as_secs()
        );
    }
}

/// Vérifie que la ligne de console `etiquette` d'une instruction pleine de caractères de contrôle
/// (séquence ANSI, `\r` suivi d'une fausse ligne de console) les montre échappés, dans
/// l'instruction comme dans la réponse.
pub fn verifier_que_la_console_echappe(nom: &str, instruction: &str, etiquette: &str) {
    let mut serveur = Serveur::lancer(nom, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer(&format!(
        "{instruction} \u{1b}[2Jfaux\r[DÉCONNEXION] 6.6.6.6:666"
    ));
    client.ligne("la réponse");
    let ligne = serveur.attendre_console(etiquette);
    assert!(
        !ligne.contains(['\u{1b}', '\r']),
        "{} : la console du serveur doit rendre visibles les caractères de contrôle, dans \
         l'instruction comme dans la réponse ; vu {ligne:?}",
        etape_de(nom)
    );
}

/// La pointe de mémoire résidente d'un processus, en Kio, lue dans `/proc/<pid>/status` ;
/// `None` hors de Linux (les tests qui s'en servent ne vérifient alors que le comportement).
pub fn pointe_memoire_kio(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// L'écart toléré entre une heure écrite par le serveur et l'horloge du test (5 min).
const ECART_D_HORLOGE: u64 = 300;

/// Secondes UTC depuis 1970 d'une date civile (algorithme « days from civil » de H. Hinnant).
fn secondes_utc(annee: i64, mois: i64, jour: i64, h: i64, m: i64, s: i64) -> i64 {
    let a = if mois <= 2 { annee - 1 } else { annee };
    let ere = a.div_euclid(400);
    let annee_de_l_ere = a - ere * 400;
    let jour_de_l_annee = (153 * ((mois + 9) % 12) + 2) / 5 + jour - 1;
    let jour_de_l_ere =
        annee_de_l_ere * 365 + annee_de_l_ere / 4 - annee_de_l_ere / 100 + jour_de_l_annee;
    let jours = ere * 146_097 + jour_de_l_ere - 719_468;
    jours * 86_400 + h * 3600 + m * 60 + s
}

fn maintenant_utc() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Les nombres de `texte` aux positions de `format` marquées `A`, `M`, `J`, `h`, `m` ou `s`, les
/// autres caractères devant être identiques (`"AAAA-MM-JJ hh:mm:ss"`) ; `None` sinon.
fn champs(texte: &str, format: &str) -> Option<Vec<i64>> {
    let texte = texte.as_bytes();
    if texte.len() < format.len() {
        return None;
    }
    let mut nombres = Vec::new();
    let mut courant: Option<i64> = None;
    for (i, f) in format.bytes().enumerate() {
        let c = texte[i];
        if b"AMJhms".contains(&f) {
            let chiffre = i64::from(char::from(c).to_digit(10)?);
            courant = Some(courant.unwrap_or(0) * 10 + chiffre);
        } else {
            if c != f {
                return None;
            }
            nombres.extend(courant.take());
        }
    }
    nombres.extend(courant);
    Some(nombres)
}

/// Vérifie qu'une ligne commence par `AAAA-MM-JJ hh:mm:ss`, une date et une heure UTC valides,
/// à moins de cinq minutes de l'horloge du test.
pub fn verifier_horodatage_utc(ligne: &str) -> Result<(), String> {
    let format = "AAAA-MM-JJ hh:mm:ss";
    let Some([a, mo, j, h, mi, se]) = champs(ligne, format)
        .as_deref()
        .map(|c| [c[0], c[1], c[2], c[3], c[4], c[5]])
    else {
        return Err(format!("« {ligne} » ne commence pas par « {format} »"));
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&j) || h > 23 || mi > 59 || se > 60 {
        return Err(format!("« {ligne} » : date ou heure impossible"));
    }
    let ecart = secondes_utc(a, mo, j, h, mi, se).abs_diff(maintenant_utc());
    if ecart > ECART_D_HORLOGE {
        return Err(format!(
            "« {ligne} » est à {ecart} s de l'heure UTC actuelle (l'heure locale au lieu d'UTC ?)"
        ));
    }
    Ok(())
}

/// Vérifie une réponse `= HH:MM:SS (UTC)` : une heure valide, à moins de cinq minutes de
/// l'heure UTC de l'horloge du test.
pub fn verifier_heure_utc(reponse: &str) -> Result<(), String> {
    let format = "= hh:mm:ss (UTC)";
    let Some([h, mi, se]) = champs(reponse, format)
        .as_deref()
        .map(|c| [c[0], c[1], c[2]])
    else {
        return Err(format!(
            "« {reponse} » n'a pas la forme « = HH:MM:SS (UTC) »"
        ));
    };
    if h > 23 || mi > 59 || se > 60 {
        return Err(format!("« {reponse} » : heure impossible"));
    }
    let dans_la_journee = (h * 3600 + mi * 60 + se).rem_euclid(86_400);
    let ecart = (dans_la_journee - maintenant_utc().rem_euclid(86_400)).rem_euclid(86_400);
    let ecart = ecart.min(86_400 - ecart).unsigned_abs();
    if ecart > ECART_D_HORLOGE {
        return Err(format!(
            "« {reponse} » est à {ecart} s de l'heure UTC actuelle (l'heure locale au lieu d'UTC ?)"
        ));
    }
    Ok(())
}

/// Attend que le fichier `chemin` contienne `motif`, et rend son contenu ; échoue après [`DELAI`].
///
/// Un fichier n'envoie pas d'événement quand on y écrit : on le relit toutes les 10 ms jusqu'à
/// l'échéance. C'est ce qu'on veut vérifier : ce qu'un serveur a reçu est **sur le disque**
/// pendant qu'il tourne, pas seulement à son arrêt.
pub fn attendre_dans_fichier(chemin: &Path, motif: &str, etape: &str) -> String {
    let echeance = Instant::now() + DELAI;
    loop {
        let texte = std::fs::read_to_string(chemin).unwrap_or_default();
        if texte.contains(motif) {
            return texte;
        }
        assert!(
            Instant::now() < echeance,
            "{etape} : « {motif} » n'est toujours pas dans {} après {} s, alors que le serveur \
             l'a diffusé (un tampon jamais vidé, comme un BufWriter sans flush ?). Contenu :\n{texte}",
            chemin.display(),
            DELAI.as_secs()
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Fait une pause pour **jouer** un client lent (qui lit peu à peu).
///
/// Ce n'est jamais une façon de se synchroniser : les tests attendent des événements (une ligne,
/// une fermeture, la fin d'un processus). Cette pause imite seulement un humain ou un réseau lent.
pub fn patienter(duree: Duration) {
    thread::sleep(duree);
}

/// Un dossier temporaire propre à un test, supprimé à la fin du test.
pub struct Dossier(pub PathBuf);

impl Dossier {
    /// Crée `…/tp-client-serveur-<nom>-<pid>` (vide).
    pub fn nouveau(nom: &str) -> Dossier {
        let chemin =
            std::env::temp_dir().join(format!("tp-client-serveur-{nom}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&chemin);
        std::fs::create_dir_all(&chemin)
            .unwrap_or_else(|e| panic!("création de {} impossible : {e}", chemin.display()));
        Dossier(chemin)
    }

    /// Un chemin dans ce dossier, en texte pour une ligne de commande.
    pub fn fichier(&self, nom: &str) -> String {
        self.0.join(nom).to_string_lossy().into_owned()
    }
}

impl Drop for Dossier {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_sortie_d_erreur_d_un_serveur_tombe_est_lue_jusqu_au_bout() {
        let erreurs = SortieErreur::default();
        let debut = Instant::now();
        // Comme le thread qui lit la sortie d'erreur d'un serveur qui vient de tomber : ses
        // dernières lignes arrivent peut-être après le début du message d'échec.
        let lecteur = {
            let erreurs = erreurs.clone();
            thread::spawn(move || {
                erreurs.ajouter("thread 'main' panicked at src/lib.rs:1:1:".to_string());
                erreurs.ajouter("memory allocation of 64 bytes failed".to_string());
                erreurs.ajouter("note: run with `RUST_BACKTRACE=1`".to_string());
                erreurs.finir();
            })
        };
        let message = erreurs.pour_un_echec();
        vrai!(
            message.contains("memory allocation of 64 bytes failed")
                && message.contains("Ce que cela veut dire : le programme a demandé 64 octets"),
            "{message}"
        );
        egal!(
            erreurs.derniere_ligne().as_deref(),
            Some("memory allocation of 64 bytes failed")
        );
        // Sans attendre l'échéance : la fin de la sortie a réveillé l'attente.
        vrai!(
            debut.elapsed() < SortieErreur::ATTENTE_DE_LA_FIN,
            "attendu {:?}",
            debut.elapsed()
        );
        let _ = lecteur.join();
        // Les plus anciennes lignes s'en vont au-delà de GARDEES.
        for i in 0..SortieErreur::GARDEES + 5 {
            erreurs.ajouter(format!("ligne {i}"));
        }
        let message = erreurs.pour_un_echec();
        vrai!(
            !message.contains("ligne 4\n") && message.contains("ligne 5\n"),
            "{message}"
        );
        let vide = SortieErreur::default();
        vide.finir();
        egal!(vide.pour_un_echec(), "");
    }

    #[test]
    fn sans_ports_remplace_les_numeros() {
        assert_eq!(
            sans_ports("de 127.0.0.1:5050 à 127.0.0.1:6 et 127.0.0.1:x"),
            "de 127.0.0.1:* à 127.0.0.1:* et 127.0.0.1:x"
        );
    }

    #[test]
    fn sans_horodatages_masque_les_dates() {
        assert_eq!(
            sans_horodatages("[h] 2026-11-22 09:15:00 *** é 2026-1"),
            "[h] AAAA-MM-JJ hh:mm:ss *** é 2026-1"
        );
    }

    #[test]
    fn adresse_dans_trouve_ip_port() {
        assert_eq!(
            adresse_dans("[ÉCOUTE] Serveur en écoute sur 127.0.0.1:5050"),
            Some(SocketAddr::from(([127, 0, 0, 1], 5050)))
        );
        assert_eq!(adresse_dans("rien ici"), None);
    }

    #[test]
    fn etape_de_lit_le_numero() {
        assert_eq!(etape_de("etape3_deconnexion"), "Étape 3");
    }
}
