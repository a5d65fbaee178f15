//! # Étape 8 — Ressources partagées et sécurité : le serveur final
//!
//! ## Objectifs
//!
//! Le salon de l'étape 7, fait correctement, tel qu'une école pourrait le faire tourner pour une
//! classe :
//!
//! - **aucune entrée-sortie sous un verrou** : chaque client a une file bornée ([`file`](mod@crate::file)) et un
//!   thread d'écriture ; diffuser, c'est déposer un message partagé (`Arc<str>`) dans des files ;
//! - un client qui lit n'est jamais déconnecté, même pendant une rafale de milliers de lignes ; un
//!   client qui ne lit plus est déconnecté, avec une annonce, au bout de [`DELAI_GRACE`] au plus,
//!   et il ne retient pas le salon plus longtemps ;
//! - le pseudo est vérifié et réservé dans **une seule** section critique
//!   ([`salon::Salon::inscrire`]) : de deux clients qui veulent « bob » au même instant, un seul
//!   l'obtient ;
//! - une **liste noire** d'adresses IP (`--liste-noire <fichier>`), relue à chaque connexion ;
//! - un **journal** (`--journal <fichier>`, défaut `chat_log.txt`) : une ligne horodatée par
//!   message, arrivée ou départ, écrite aussitôt par un seul thread ([`journal`]) ;
//! - un **historique** : le nouveau venu reçoit d'abord les `--historique <N>` (défaut 20)
//!   dernières lignes du journal, même d'un lancement précédent ;
//! - `bye` pour partir ; `stop` tapé sur la console du serveur, ou `stop <jeton>` envoyé par un
//!   client quand le serveur a été lancé avec `--jeton-admin <jeton>`, **arrête proprement** le
//!   serveur : tous les clients sont prévenus, les sockets fermées, le journal écrit, et le
//!   programme rend 0 en moins de 2 s, même avec des centaines de clients ;
//! - des limites : longueur de ligne ([`LIMITE_LIGNE`]) et nombre de clients (`--max-clients`).
//!
//! ## Ce qui change depuis l'étape 7
//!
//! - [`diffuser`] ne touche plus aucune socket : elle dépose le message dans les files, hors du
//!   verrou du salon. Un thread d'écriture par client ([`ecrire_vers_le_client`]) vide sa file par
//!   lots et écrit dans la socket.
//! - L'état partagé ([`salon::Salon`]) ne fait que de la mémoire ; le serveur (`Arc<Partage>`)
//!   prend son verrou, copie ce qu'il faut, relâche, puis agit.
//! - Le serveur garde les poignées de tous ses threads et les attend à l'arrêt ([`Serveur`]).
//! - Nouveau : [`file`](mod@crate::file), [`journal`], [`liste_noire`], [`salon`], [`Config`], [`Arret`].
//!
//! ## Rafales et clients muets : le choix fait ici
//!
//! Une file par client, de [`CAPACITE_FILE`] messages. Quand elle est pleine, celui qui diffuse
//! **attend** qu'une place se libère, au plus [`DELAI_GRACE`] ([`file::FileEnvoi::deposer`]).
//! Les deux mécanismes se complètent :
//!
//! - une rafale (un copier-coller de 5 000 lignes) est absorbée : tant que les destinataires
//!   lisent, leurs files se vident, et l'émetteur est simplement **ralenti** à leur rythme. Son
//!   thread attend, ne lit plus sa socket, et TCP bloque à son tour le programme qui inonde :
//!   la contre-pression remonte jusqu'à la source, rien n'est perdu, la mémoire reste bornée ;
//! - un client qui ne lit plus du tout laisse sa file pleine et son thread d'écriture bloqué sur
//!   un lot : quand ce lot est bloqué depuis [`DELAI_GRACE`], la file est fermée, la connexion
//!   coupée et le départ annoncé. Le salon n'a attendu qu'une fois ce délai (mesuré : 1,5 s au lieu
//!   de 0,6 s pour une rafale de 10 Mo avec 5 muets). Les lots sont bornés
//!   ([`file::LOT_ECRITURE`] messages) : un client qui lit, même lentement, en finit un bien avant.
//!   Côté socket, chaque écriture est aussi bornée par [`DELAI_ECRITURE`].
//!
//! ## Mesures
//!
//! Le banc d'essai du corrigé (`bash corrige/banc.sh`, voir le README) compare cette étape à l'étape 7 ;
//! sur la machine de développement (2 cœurs, serveur et banc ensemble) :
//!
//! | serveur | clients | émetteurs × messages (taille) | muets | livrés / attendus | livraisons/s | p50 (ms) | p99 (ms) | mémoire max (Mio) |
//! |---|---|---|---|---|---|---|---|---|
//! | etape7 | 10 | 5×200 (40 o) | 0 | 9000/9000 | 294 270 | 14 | 29 | 2 |
//! | etape8 | 10 | 5×200 (40 o) | 0 | 9000/9000 | 3 929 024 | 1 | 2 | 3 |
//! | etape7 | 100 | 10×200 (40 o) | 0 | 198000/198000 | 192 696 | 511 | 1011 | 4 |
//! | etape8 | 100 | 10×200 (40 o) | 0 | 198000/198000 | 5 534 126 | 18 | 35 | 9 |
//! | etape7 | 1000 | 2×50 (40 o) | 0 | 99900/99900 | 128 004 | 387 | 749 | 16 |
//! | etape8 | 1000 | 2×50 (40 o) | 0 | 99900/99900 | 1 037 248 | 47 | 92 | 41 |
//! | etape7 | 100 | 10×1000 (1000 o) | 0 | 990000/990000 | 181 089 | 2744 | 5416 | 4 |
//! | etape8 | 100 | 10×1000 (1000 o) | 0 | 990000/990000 | 2 103 646 | 253 | 464 | 22 |
//! | etape7 | 10 | 5×200 (40 o) | 5 | 9000/9000 | 214 549 | 20 | 41 | 2 |
//! | etape8 | 10 | 5×200 (40 o) | 5 | 9000/9000 | 3 031 935 | 1 | 2 | 4 |
//! | etape7 | 100 | 10×200 (40 o) | 5 | 198000/198000 | 192 936 | 538 | 1012 | 4 |
//! | etape8 | 100 | 10×200 (40 o) | 5 | 198000/198000 | 5 433 554 | 16 | 34 | 9 |
//! | etape7 | 1000 | 2×50 (40 o) | 5 | 99900/99900 | 123 110 | 362 | 785 | 16 |
//! | etape8 | 1000 | 2×50 (40 o) | 5 | 99900/99900 | 1 223 826 | 41 | 73 | 41 |
//! | etape7 | 100 | 10×1000 (1000 o) | 5 | 387414/990000 | 38 741 | 1363 | 2988 | 4 |
//! | etape8 | 100 | 10×1000 (1000 o) | 5 | 990000/990000 | 663 535 | 256 | 1481 | 23 |
//!
//! L'étape 7 écrit sous son verrou : une écriture à la fois pour tout le salon, et un client muet
//! dont les tampons TCP sont pleins fige tout (dernière ligne : 602 586 messages perdus). Ici, tout
//! arrive ; un muet coûte une fois le délai de grâce, puis il est déconnecté.
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape8_verrous -- --jeton-admin s3cret         # terminal 1 ; tapez « stop » pour arrêter
//! cargo run -p etape8_verrous -- client                       # terminaux 2, 3… : un pseudo, puis parlez
//! cargo run -p etape8_verrous -- --liste-noire refus.txt --historique 50 --journal salon.txt
//! ```
//!
//! ## Résultat attendu
//!
//! La démo utilise un journal temporaire et le relance pour montrer l'historique (les heures sont
//! celles du moment) :
//!
//! ```text
//! === Démo de l'étape 8 : le serveur final ===
//! [démo] Premier serveur sur 127.0.0.1:40125, jeton d'administration « s3cret ».
//! [alice] Bienvenue sur le salon ! Choisissez un pseudo :
//! [alice] > alice
//! [alice] = bienvenue alice ; /aide pour les commandes
//! [bob] Bienvenue sur le salon ! Choisissez un pseudo :
//! [bob] > bob
//! [bob] [historique] 2026-11-22 09:15:00 *** alice a rejoint le salon
//! [bob] = bienvenue bob ; /aide pour les commandes
//! [alice] *** bob a rejoint le salon
//! [alice] > Bonjour à tous
//! [bob] alice : Bonjour à tous
//! [bob] > stop
//! [bob] ERREUR : stop est réservé à l'administrateur (stop <jeton>) ; rien n'a changé
//! [bob] > bye
//! [alice] *** bob a quitté le salon
//! [alice] > stop s3cret
//! [alice] = arrêt du serveur demandé
//! [alice] *** Le serveur s'arrête
//! [alice] (connexion fermée par le serveur)
//! [démo] Le serveur s'est arrêté proprement. On le relance avec le même journal.
//! [carol] Bienvenue sur le salon ! Choisissez un pseudo :
//! [carol] > carol
//! [carol] [historique] 2026-11-22 09:15:00 *** alice a rejoint le salon
//! [carol] [historique] 2026-11-22 09:15:00 *** bob a rejoint le salon
//! [carol] [historique] 2026-11-22 09:15:00 alice : Bonjour à tous
//! [carol] [historique] 2026-11-22 09:15:00 *** bob a quitté le salon
//! [carol] [historique] 2026-11-22 09:15:00 *** Le serveur s'arrête
//! [carol] = bienvenue carol ; /aide pour les commandes
//! ```
//!
//! ## Questions du TP
//!
//! 1. *À quoi servent les verrous ?* et 2. *Que risque-t-on sans eux ?* → [`Partage`].
//! 3. La course que Rust n'empêche pas (vérifier puis agir), et sa correction →
//!    [`salon::Salon::inscrire`].
//!
//! ## Pour aller plus loin
//!
//! 1. Mesurez avec le banc d'essai (`cargo run -p corrige --release -- charge --help`) l'étape 7
//!    et l'étape 8 avec un client muet : comparez les débits.
//! 2. Ajoutez `/expulser <pseudo> <jeton>` pour l'administrateur. Quelle section critique faut-il ?
//! 3. Rendez le jeton d'administration plus sûr : lisez-le dans une variable d'environnement
//!    plutôt que sur la ligne de commande (visible par `ps`).

pub mod calcul;
pub mod commandes;
pub mod file;
pub mod journal;
pub mod liste_noire;
pub mod salon;

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use commandes::{Commande, Entree, analyser, nettoyer, repondre, valider_pseudo};
use file::{Envoi, Fermeture, FileEnvoi, Refus};
use journal::{Journal, charger_historique};
use liste_noire::ListeNoire;
use salon::Salon;

/// La première ligne envoyée à un nouveau venu.
pub const MESSAGE_BIENVENUE: &str = "Bienvenue sur le salon !";

/// La demande de pseudo, renvoyée après chaque refus.
pub const INVITE_PSEUDO: &str = "Choisissez un pseudo :";

/// Ce que reçoit une adresse de la liste noire, juste avant la fermeture.
pub const ACCES_REFUSE: &str = "Accès refusé";

/// L'annonce envoyée à tous quand le serveur s'arrête.
pub const ANNONCE_ARRET: &str = "*** Le serveur s'arrête";

/// Longueur maximale d'une ligne, en octets, saut de ligne non compris.
pub const LIMITE_LIGNE: usize = 4096;

/// Le message de fin de conversation (voir l'étape 4) ; `bye` fait de même.
pub const FIN: &str = "/quitter";

/// Nombre de messages qu'une file de client peut garder.
pub const CAPACITE_FILE: usize = 1024;

/// Le plus longtemps qu'une diffusion attend une place dans la file d'un client : au-delà, ce
/// client ne lit plus, il est déconnecté.
pub const DELAI_GRACE: Duration = Duration::from_secs(1);

/// Le plus longtemps qu'une écriture dans une socket peut rester bloquée.
pub const DELAI_ECRITURE: Duration = Duration::from_secs(1);

/// Taille de la pile des threads de clients. Le défaut (2 Mio) est de la mémoire virtuelle
/// réservée pour rien : nos threads ont une récursion bornée (la calculatrice, 64 niveaux).
pub const TAILLE_PILE: usize = 256 * 1024;

/// Ce qui se règle au lancement du serveur.
#[derive(Clone, Debug)]
pub struct Config {
    /// Le fichier journal (créé s'il n'existe pas, complété sinon).
    pub journal: PathBuf,
    /// Combien de lignes d'historique un nouveau venu reçoit.
    pub historique: usize,
    /// Le fichier de la liste noire, s'il y en a un.
    pub liste_noire: Option<PathBuf>,
    /// Le jeton qui autorise `stop <jeton>` depuis un client ; sans jeton, seul la console arrête.
    pub jeton_admin: Option<String>,
    /// Nombre maximal de connexions simultanées.
    pub max_clients: usize,
    /// Écrire le journal des événements sur la sortie standard.
    pub bavard: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            journal: PathBuf::from("chat_log.txt"),
            historique: 20,
            liste_noire: None,
            jeton_admin: None,
            max_clients: 2000,
            bavard: true,
        }
    }
}

/// La demande d'arrêt, partagée entre la console, les clients et la boucle d'acceptation.
#[derive(Debug)]
pub struct Arret {
    demande: AtomicBool,
    /// Où se connecter pour réveiller `accept()`, qui ne sait pas attendre autre chose.
    reveil: SocketAddr,
}

impl Arret {
    fn new(ecoute: SocketAddr) -> Arret {
        // Une écoute sur « toutes les adresses » se réveille par la boucle locale.
        let ip = match ecoute.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Arret {
            demande: AtomicBool::new(false),
            reveil: SocketAddr::new(ip, ecoute.port()),
        }
    }

    /// Demande l'arrêt (une seule fois suffit) et réveille la boucle d'acceptation en s'y
    /// connectant : c'est la façon portable d'interrompre un `accept()` bloquant.
    pub fn declencher(&self) {
        if !self.demande.swap(true, Ordering::SeqCst) {
            let _ = TcpStream::connect_timeout(&self.reveil, DELAI_ECRITURE);
        }
    }

    /// Vrai une fois l'arrêt demandé.
    pub fn est_demande(&self) -> bool {
        self.demande.load(Ordering::SeqCst)
    }
}

/// Ce que tous les threads du serveur partagent, derrière un `Arc`.
///
/// # Question : à quoi servent les verrous ?
///
/// À rendre **atomique**, vue des autres threads, une suite d'opérations sur des données
/// partagées : entre `lock()` et la fin de la garde, personne d'autre ne voit le salon, donc
/// personne ne le voit à moitié modifié. Ici un seul verrou, `salon`, protège qui est connecté et
/// l'historique ; chaque section critique est courte et ne fait **que** de la mémoire (voir
/// [`salon`]). Le reste est partagé sans verrou parce qu'il n'est pas modifié (`config`), ou
/// parce qu'il se synchronise autrement : un atomique pour l'arrêt, un canal pour le journal, une
/// file par client (qui a son propre petit verrou, jamais tenu pendant une écriture réseau).
///
/// # Question : que risque-t-on sans eux ?
///
/// En Rust, d'abord de ne pas compiler : partager un `Salon` modifiable entre threads sans
/// `Mutex` est refusé (`Send`/`Sync`, voir l'étape 7). Dans un langage qui l'accepte : des mises à
/// jour perdues, des structures corrompues (une table de hachage lue pendant qu'elle grandit), un
/// plantage ou un comportement imprévisible, et des bogues qui n'apparaissent qu'une fois sur mille.
///
/// Mais un verrou mal placé a ses propres risques, que le compilateur ne voit pas :
///
/// - **tenir un verrou pendant une attente** (une écriture réseau, à l'étape 7) : un client lent
///   fige tous les autres. D'où la règle de cette étape : aucune entrée-sortie sous un verrou ;
/// - **couper en deux une opération qui doit être atomique** : vérifier dans une section, agir
///   dans une autre. C'est une course *logique* ; voir [`salon::Salon::inscrire`] ;
/// - **l'interblocage** : deux threads qui prennent deux verrous dans un ordre différent. Ici, on
///   ne tient jamais deux verrous à la fois.
#[derive(Debug)]
pub struct Partage {
    salon: Mutex<Salon>,
    journal: Journal,
    config: Config,
    arret: Arc<Arret>,
    liste_noire: ListeNoire,
    /// Chaque thread de client y signale sa fin : l'arrêt attend ces signaux, avec une échéance.
    fins: Sender<()>,
}

impl Partage {
    /// Prend le verrou du salon ; un thread qui a paniqué verrou tenu ne bloque pas les autres
    /// (chaque méthode de [`Salon`] laisse le salon cohérent).
    fn salon(&self) -> MutexGuard<'_, Salon> {
        self.salon.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn journaliser_console(&self, texte: &str) {
        if self.config.bavard {
            println!("{texte}");
        }
    }
}

/// Le serveur prêt à servir : son écoute, son état partagé, son thread de journal.
pub struct Serveur {
    ecoute: TcpListener,
    partage: Arc<Partage>,
    ecrivain_journal: JoinHandle<()>,
    fins: Receiver<()>,
}

impl Serveur {
    /// Prépare le serveur : ouvre le journal, relit l'historique, vérifie la liste noire. Chaque
    /// échec est une erreur claire **au démarrage**.
    pub fn new(ecoute: TcpListener, config: Config) -> anyhow::Result<Serveur> {
        let adresse = ecoute.local_addr().context("adresse locale introuvable")?;
        let historique =
            charger_historique(&config.journal, config.historique).with_context(|| {
                format!("impossible de lire le journal {}", config.journal.display())
            })?;
        let (journal, ecrivain_journal) = Journal::ouvrir(&config.journal).with_context(|| {
            format!(
                "impossible d'écrire dans le journal {} ; choisissez un autre fichier avec --journal",
                config.journal.display()
            )
        })?;
        let liste_noire = ListeNoire::new(config.liste_noire.as_deref()).with_context(|| {
            format!(
                "impossible de lire la liste noire {}",
                config
                    .liste_noire
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            )
        })?;
        // L'historique passe par les files : il doit y tenir, avec de la marge.
        let taille_historique = config.historique.min(CAPACITE_FILE / 2);
        let (signaler_fin, fins) = mpsc::channel();
        let partage = Arc::new(Partage {
            salon: Mutex::new(Salon::new(historique, taille_historique)),
            journal,
            config,
            arret: Arc::new(Arret::new(adresse)),
            liste_noire,
            fins: signaler_fin,
        });
        Ok(Serveur {
            ecoute,
            partage,
            ecrivain_journal,
            fins,
        })
    }

    /// L'adresse réellement réservée.
    pub fn adresse(&self) -> io::Result<SocketAddr> {
        self.ecoute.local_addr()
    }

    /// De quoi demander l'arrêt depuis un autre thread (la console, la démo, un test).
    pub fn arret(&self) -> Arc<Arret> {
        Arc::clone(&self.partage.arret)
    }

    /// Accepte les clients jusqu'à la demande d'arrêt, puis arrête tout proprement : annonce,
    /// fermeture des files et des sockets, attente de **tous** les threads, journal écrit.
    pub fn servir(self) -> io::Result<()> {
        let Serveur {
            ecoute,
            partage,
            ecrivain_journal,
            fins,
        } = self;
        let mut clients: Vec<JoinHandle<()>> = Vec::new();
        // Chaque thread lancé enverra exactement un signal sur `fins` en se terminant.
        let mut lances = 0;
        for connexion in ecoute.incoming() {
            if partage.arret.est_demande() {
                break;
            }
            match connexion {
                Ok(flux) => {
                    clients.retain(|client| !client.is_finished());
                    if let Some(client) = accueillir(&partage, flux) {
                        clients.push(client);
                        lances += 1;
                    }
                }
                Err(erreur) => {
                    partage.journaliser_console(&format!(
                        "[ERREUR] Connexion refusée par le système : {erreur}"
                    ));
                }
            }
        }
        drop(ecoute);
        arreter(&partage, clients, lances, &fins);
        // Plus aucun thread de client : ce `drop` libère la dernière poignée du journal, dont le
        // thread écrit ce qui reste puis s'arrête.
        drop(partage);
        ecrivain_journal
            .join()
            .map_err(|_| io::Error::other("le thread du journal a paniqué"))
    }
}

/// Décide du sort d'une nouvelle connexion, **avant** tout thread et toute annonce : liste noire,
/// nombre de clients. Si elle est admise, lance son thread et rend sa poignée.
fn accueillir(partage: &Arc<Partage>, flux: TcpStream) -> Option<JoinHandle<()>> {
    let pair = flux.peer_addr().ok()?;
    flux.set_write_timeout(Some(DELAI_ECRITURE)).ok()?;
    // Sans `TCP_NODELAY`, le système retient un petit envoi tant que le précédent n'est pas
    // acquitté (algorithme de Nagle), et le client retarde ses acquittements (jusqu'à 40 ms) :
    // deux `write` de suite (l'historique, puis l'accueil) coûteraient 40 ms. Nos threads
    // d'écriture regroupent déjà les messages : Nagle n'apporte ici que du retard.
    flux.set_nodelay(true).ok()?;
    match partage.liste_noire.refuse(pair.ip()) {
        Ok(true) => {
            partage.journaliser_console(&format!("[REFUS] {pair} est sur la liste noire"));
            refuser(&flux, ACCES_REFUSE);
            return None;
        }
        Ok(false) => {}
        Err(erreur) => partage.journaliser_console(&format!(
            "[ERREUR] Liste noire illisible ({erreur}) : {pair} est admis"
        )),
    }
    let file = Arc::new(FileEnvoi::new(CAPACITE_FILE, DELAI_GRACE));
    let flux = Arc::new(flux);
    let id = {
        let mut salon = partage.salon();
        if salon.nombre_de_connexions() >= partage.config.max_clients {
            None
        } else {
            Some(salon.ouvrir(Arc::clone(&file), Arc::clone(&flux)))
        }
    };
    let Some(id) = id else {
        partage.journaliser_console(&format!("[REFUS] {pair} : salon complet"));
        let raison = format!(
            "ERREUR : le salon est complet ({} connexions au plus) ; réessayez plus tard",
            partage.config.max_clients
        );
        refuser(&flux, &raison);
        return None;
    };
    partage.journaliser_console(&format!("[CONNEXION] {pair}"));
    let pour_le_thread = Arc::clone(partage);
    let lancement = thread::Builder::new()
        .name(format!("client-{id}"))
        .stack_size(TAILLE_PILE)
        .spawn(move || servir_client(flux, pair, id, file, pour_le_thread));
    match lancement {
        Ok(poignee) => Some(poignee),
        Err(erreur) => {
            // Plus de threads disponibles : on refuse ce client, on ne tombe pas.
            partage.salon().fermer(id);
            partage.journaliser_console(&format!(
                "[ERREUR] Thread impossible pour {pair} : {erreur}"
            ));
            None
        }
    }
}

/// Envoie une dernière ligne et ferme (la socket a un délai d'écriture : rien ne bloque).
fn refuser(mut flux: &TcpStream, raison: &str) {
    let _ = writeln!(flux, "{raison}");
    let _ = flux.shutdown(Shutdown::Write);
}

/// L'arrêt : annonce à tous, fermeture de toutes les files, puis attente de tous les threads.
///
/// Chaque thread d'écriture envoie ce qui reste (dont l'annonce) puis ferme sa socket ; le thread
/// de lecture du client voit alors la fin du flux, se termine et le signale sur `fins` (`lances`
/// threads en tout, chacun un signal, y compris ceux déjà terminés). Un client
/// qui ne lit plus ne va pas au bout : après [`DELAI_ECRITURE`], on **coupe** toutes les sockets
/// qui restent (`shutdown`), ce qui débloque aussitôt leurs threads. Puis on les attend tous.
fn arreter(partage: &Partage, clients: Vec<JoinHandle<()>>, lances: usize, fins: &Receiver<()>) {
    // corrigé:début Indice : sous le verrou, récupérez toutes les connexions et publiez ANNONCE_ARRET ; hors du verrou, déposez l'annonce dans chaque file puis fermez-la (`Fermeture::Arret`). Attendez les signaux de fin avec `recv_timeout` jusqu'à une échéance, coupez les sockets restantes, puis `join` chaque thread.
    let (connexions, publication) = {
        let mut salon = partage.salon();
        (salon.toutes_les_connexions(), salon.publier(ANNONCE_ARRET))
    };
    partage.journaliser_console(&format!(
        "[ARRÊT] Arrêt du serveur ({} connexions à prévenir)",
        connexions.len()
    ));
    partage.journal.ecrire(publication.ligne_journal);
    for (file, _) in &connexions {
        let _ = file.deposer(Arc::clone(&publication.message), Instant::now());
        file.fermer(Fermeture::Arret);
    }
    let echeance = Instant::now() + DELAI_ECRITURE;
    let mut termines = 0;
    while termines < lances {
        match fins.recv_timeout(echeance.saturating_duration_since(Instant::now())) {
            Ok(()) => termines += 1,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    for (_, flux) in &connexions {
        let _ = flux.shutdown(Shutdown::Both);
    }
    for client in clients {
        let _ = client.join();
    }
    // corrigé:fin
}

/// Diffuse `textes` (un ou plusieurs messages, dans l'ordre) à tous les membres sauf `auteur`,
/// les journalise et les garde dans l'historique.
///
/// Sous le verrou : l'historique et la liste des destinataires (un `Arc` cloné). Hors du verrou :
/// le journal et les dépôts dans les files. Aucune socket n'est touchée ici. Chaque message est
/// un `Arc<str>` : un seul exemplaire en mémoire, quel que soit le nombre de destinataires.
pub fn diffuser(partage: &Partage, auteur: Option<u64>, textes: &[String]) {
    // corrigé:début Indice : sous le verrou, `publier` chaque texte (gardez les messages, les lignes du journal et les destinataires de la dernière publication) ; verrou relâché, journalisez, puis déposez le lot dans la file de chaque destinataire sauf l'auteur, avec une échéance commune `Instant::now() + DELAI_GRACE`. Un refus `Pleine` : coupez la socket de ce client.
    let mut messages = Vec::with_capacity(textes.len());
    let mut lignes_journal = Vec::with_capacity(textes.len());
    let mut destinataires = None;
    {
        let mut salon = partage.salon();
        for texte in textes {
            let publication = salon.publier(texte);
            messages.push(publication.message);
            lignes_journal.push(publication.ligne_journal);
            destinataires = Some(publication.destinataires);
        }
    }
    for ligne in lignes_journal {
        partage.journal.ecrire(ligne);
    }
    let echeance = Instant::now() + DELAI_GRACE;
    for (id, file) in destinataires.iter().flat_map(|d| d.iter()) {
        if Some(*id) == auteur {
            continue;
        }
        if file.deposer_lot(&messages, echeance) == Err(Refus::Pleine) {
            // Il ne lit plus : on coupe sa connexion, ce qui débloque aussi son thread d'écriture.
            let flux = partage.salon().flux(*id);
            if let Some(flux) = flux {
                let _ = flux.shutdown(Shutdown::Both);
            }
            partage.journaliser_console(&format!(
                "[LENT] Le client n°{id} ne lit plus depuis {} s : déconnecté",
                DELAI_GRACE.as_secs_f32()
            ));
        }
    }
    // corrigé:fin
}

/// Diffuse une seule ligne (voir [`diffuser`]).
fn annoncer(partage: &Partage, auteur: Option<u64>, texte: String) {
    diffuser(partage, auteur, &[texte]);
}

/// Dépose une réponse dans la file d'un client.
fn repondre_a(file: &FileEnvoi, texte: &str) {
    let _ = file.deposer(Arc::from(texte), Instant::now() + DELAI_GRACE);
}

/// Le thread d'écriture d'un client : vide sa file par lots, écrit chaque lot en un envoi.
///
/// C'est le **seul** thread qui écrit dans cette socket. S'il reste bloqué parce que le client ne
/// lit plus, il ne retient que lui-même, et [`DELAI_ECRITURE`] borne cette attente. Quand il a
/// fini (file fermée, ou écriture impossible), il ferme la socket dans les deux sens : le thread
/// de lecture du client voit la fin du flux.
pub fn ecrire_vers_le_client(flux: Arc<TcpStream>, file: Arc<FileEnvoi>) {
    // corrigé:début Indice : bouclez sur `file.prendre_tout(&mut lot)` ; écrivez chaque message suivi de '\n' dans un `BufWriter`, puis un seul `flush` par lot ; sur erreur, fermez la file (`Fermeture::Ecriture`). À la fin, `shutdown(Shutdown::Both)`.
    let mut sortie = BufWriter::with_capacity(64 * 1024, &*flux);
    let mut lot: Vec<Envoi> = Vec::new();
    let mut socket_bloquee = false;
    while file.prendre_tout(&mut lot) {
        let ecrit = lot
            .drain(..)
            .try_for_each(|message| {
                sortie.write_all(message.as_bytes())?;
                sortie.write_all(b"\n")
            })
            .and_then(|()| sortie.flush());
        if let Err(erreur) = ecrit {
            socket_bloquee = matches!(
                erreur.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            );
            file.fermer(Fermeture::Ecriture);
            break;
        }
    }
    // Un dernier mot pour le client trop lent, s'il a une chance de passer : inutile d'attendre
    // encore `DELAI_ECRITURE` sur une socket qui vient de rester bloquée.
    if file.fermeture() == Some(Fermeture::Pleine) && !socket_bloquee {
        let _ = sortie
            .write_all("*** Vous êtes déconnecté : vous ne lisiez plus les messages\n".as_bytes());
        let _ = sortie.flush();
    }
    drop(sortie);
    let _ = flux.shutdown(Shutdown::Both);
    // corrigé:fin
}

/// Le thread d'un client : lance son écrivain, obtient un pseudo, traite ses lignes, annonce son
/// départ, puis attend son écrivain.
fn servir_client(
    flux: Arc<TcpStream>,
    pair: SocketAddr,
    id: u64,
    file: Arc<FileEnvoi>,
    partage: Arc<Partage>,
) {
    servir_client_jusqu_au_depart(&flux, pair, id, &file, &partage);
    let _ = partage.fins.send(());
}

fn servir_client_jusqu_au_depart(
    flux: &Arc<TcpStream>,
    pair: SocketAddr,
    id: u64,
    file: &Arc<FileEnvoi>,
    partage: &Arc<Partage>,
) {
    let ecrivain = {
        let (flux, file) = (Arc::clone(flux), Arc::clone(file));
        thread::Builder::new()
            .name(format!("ecrivain-{id}"))
            .stack_size(TAILLE_PILE)
            .spawn(move || ecrire_vers_le_client(flux, file))
    };
    let Ok(ecrivain) = ecrivain else {
        partage.salon().fermer(id);
        return;
    };
    repondre_a(file, &format!("{MESSAGE_BIENVENUE} {INVITE_PSEUDO}"));
    let mut lecteur = BufReader::new(&**flux);
    if let Some(pseudo) = choisir_pseudo(&mut lecteur, id, file, partage) {
        partage.journaliser_console(&format!("[ARRIVÉE] {pair} est {pseudo}"));
        // L'annonce d'abord, l'accueil ensuite : quand le nouveau venu lit « bienvenue », son
        // arrivée est déjà dans la file de chacun des autres, avant tout ce qui suivra.
        annoncer(
            partage,
            Some(id),
            format!("*** {pseudo} a rejoint le salon"),
        );
        repondre_a(
            file,
            &format!("= bienvenue {pseudo} ; /aide pour les commandes"),
        );
        let depart = converser(&mut lecteur, id, file, partage);
        let depart = match file.fermeture() {
            Some(Fermeture::Pleine | Fermeture::Ecriture) => "ne lisait plus les messages",
            _ => depart,
        };
        let pseudo = partage.salon().fermer(id).unwrap_or(pseudo);
        partage.journaliser_console(&format!("[DÉPART] {pair} ({pseudo}) : {depart}"));
        if !partage.arret.est_demande() {
            let annonce = match depart {
                "ne lisait plus les messages" => {
                    format!("*** {pseudo} a quitté le salon (ne lisait plus les messages)")
                }
                _ => format!("*** {pseudo} a quitté le salon"),
            };
            annoncer(partage, None, annonce);
        }
    } else {
        partage.salon().fermer(id);
        partage.journaliser_console(&format!("[DÉPART] {pair} parti avant de choisir un pseudo"));
    }
    file.fermer(Fermeture::Depart);
    let _ = ecrivain.join();
}

/// La poignée de main : demande un pseudo jusqu'à en obtenir un valide et libre, réservé d'un
/// seul tenant par [`Salon::inscrire`]. `None` si le client part avant.
fn choisir_pseudo(
    lecteur: &mut impl BufRead,
    id: u64,
    file: &FileEnvoi,
    partage: &Partage,
) -> Option<String> {
    loop {
        let refus = match lire_ligne(lecteur, LIMITE_LIGNE).ok()? {
            Ligne::Texte(pseudo) => {
                let pseudo = pseudo.trim();
                match valider_pseudo(pseudo) {
                    Err(raison) => raison,
                    Ok(()) => match partage.salon().inscrire(id, pseudo) {
                        Ok(()) => return Some(pseudo.to_string()),
                        Err(raison) => raison,
                    },
                }
            }
            Ligne::TropLongue => "pseudo refusé : ligne trop longue".to_string(),
            Ligne::PasUtf8 => "pseudo refusé : ce n'est pas du texte UTF-8".to_string(),
            Ligne::Fin => return None,
        };
        repondre_a(file, &format!("ERREUR : {refus}"));
        repondre_a(file, INVITE_PSEUDO);
    }
}

/// Nombre maximal de messages diffusés d'un coup.
const LOT_MAX: usize = 64;

/// Traite les lignes d'un membre jusqu'à son départ ; rend la façon dont il est parti.
///
/// Quand le client envoie vite (un copier-coller, un programme), plusieurs lignes complètes sont
/// déjà dans le tampon de lecture : on les prend ensemble et on les diffuse **en un lot**, d'où un
/// dépôt et un réveil par destinataire au lieu d'un par ligne. Sans attente pour autant : dès que
/// le tampon ne contient plus de ligne complète, le lot part.
fn converser(
    lecteur: &mut BufReader<&TcpStream>,
    id: u64,
    file: &FileEnvoi,
    partage: &Partage,
) -> &'static str {
    let mut pseudo = partage.salon().pseudo(id).unwrap_or_default();
    let mut lot: Vec<String> = Vec::new();
    let depart = loop {
        let ligne = match lire_ligne(lecteur, LIMITE_LIGNE) {
            Ok(Ligne::Texte(ligne)) => ligne,
            Ok(Ligne::TropLongue) => {
                envoyer_le_lot(partage, id, &mut lot);
                repondre_a(
                    file,
                    &format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée"),
                );
                continue;
            }
            Ok(Ligne::PasUtf8) => {
                envoyer_le_lot(partage, id, &mut lot);
                repondre_a(file, "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8");
                continue;
            }
            Ok(Ligne::Fin) => break "fin de la connexion",
            Err(_) => break "connexion perdue",
        };
        let entree = analyser(&ligne);
        if let Ok(Entree::Message(texte)) = &entree {
            lot.push(format!("{pseudo} : {}", nettoyer(texte)));
            let une_autre_ligne_attend = lecteur.buffer().contains(&b'\n');
            if lot.len() >= LOT_MAX || !une_autre_ligne_attend {
                envoyer_le_lot(partage, id, &mut lot);
            }
            continue;
        }
        // Une commande : les messages d'avant partent d'abord, pour garder l'ordre.
        envoyer_le_lot(partage, id, &mut lot);
        match entree {
            Ok(Entree::Message(_)) => {}
            Ok(Entree::Commande(Commande::Quitter)) => break "a quitté",
            Ok(Entree::Commande(Commande::Stop(jeton))) => {
                demander_arret(&jeton, &pseudo, file, partage);
            }
            Ok(Entree::Commande(commande)) => {
                let reponse = executer(commande, id, &pseudo, partage);
                repondre_a(file, &reponse);
                // `/pseudo` a pu le changer.
                pseudo = partage.salon().pseudo(id).unwrap_or(pseudo);
            }
            Err(raison) => repondre_a(file, &format!("ERREUR : {raison}")),
        }
    };
    envoyer_le_lot(partage, id, &mut lot);
    depart
}

/// Diffuse les messages en attente d'un membre, s'il y en a.
fn envoyer_le_lot(partage: &Partage, id: u64, lot: &mut Vec<String>) {
    if !lot.is_empty() {
        diffuser(partage, Some(id), lot);
        lot.clear();
    }
}

/// `stop <jeton>` venu d'un client : arrête le serveur si le jeton est celui de l'administrateur.
///
/// La réponse est déposée **avant** de déclencher l'arrêt : l'arrêt ferme les files, et une
/// réponse déposée après serait perdue (la démo l'a montré, d'où cet ordre).
fn demander_arret(jeton: &str, pseudo: &str, file: &FileEnvoi, partage: &Partage) {
    let autorise = partage
        .config
        .jeton_admin
        .as_deref()
        .is_some_and(|attendu| !attendu.is_empty() && attendu == jeton);
    if autorise {
        repondre_a(file, "= arrêt du serveur demandé");
        partage.journaliser_console(&format!(
            "[ARRÊT] Demandé par {pseudo} (jeton d'administration)"
        ));
        partage.arret.declencher();
    } else {
        partage.journaliser_console(&format!(
            "[REFUS] {pseudo} a tenté « stop » sans le bon jeton"
        ));
        repondre_a(
            file,
            "ERREUR : stop est réservé à l'administrateur (stop <jeton>) ; rien n'a changé",
        );
    }
}

/// Exécute une commande d'un membre et rend la réponse à lui envoyer.
fn executer(commande: Commande, id: u64, pseudo: &str, partage: &Partage) -> String {
    if let Some(reponse) = repondre(&commande) {
        return match reponse {
            Ok(resultat) => format!("= {resultat}"),
            Err(raison) => format!("ERREUR : {raison}"),
        };
    }
    match commande {
        Commande::Liste => {
            let pseudos = partage.salon().liste();
            format!("= connectés ({}) : {}", pseudos.len(), pseudos.join(", "))
        }
        Commande::Mp {
            destinataire,
            texte,
        } => match partage.salon().trouver(&destinataire) {
            // Les messages privés ne vont ni dans le journal ni dans l'historique.
            Some((nom, file)) => {
                repondre_a(&file, &format!("[mp] {pseudo} : {}", nettoyer(&texte)));
                format!("= message privé envoyé à {nom}")
            }
            None => format!(
                "ERREUR : personne ne s'appelle « {} » ici ; voyez /liste",
                nettoyer(&destinataire)
            ),
        },
        Commande::Pseudo(nouveau) => {
            if let Err(raison) = valider_pseudo(&nouveau) {
                return format!("ERREUR : {raison}");
            }
            let renomme = partage.salon().renommer(id, &nouveau);
            match renomme {
                Ok(ancien) => {
                    annoncer(
                        partage,
                        Some(id),
                        format!("*** {ancien} s'appelle maintenant {nouveau}"),
                    );
                    format!("= vous êtes maintenant « {nouveau} »")
                }
                Err(raison) => format!("ERREUR : {raison}"),
            }
        }
        // Déjà traitées : par `repondre`, ou par `converser` pour `/quitter` et `stop`.
        Commande::Quitter
        | Commande::Stop(_)
        | Commande::Aide
        | Commande::Calcul(_)
        | Commande::Majuscules(_)
        | Commande::Minuscules(_)
        | Commande::Inverse(_)
        | Commande::Longueur(_)
        | Commande::Heure => String::new(),
    }
}

/// Ce qu'une lecture de ligne peut donner (voir l'étape 2).
#[derive(Debug, PartialEq, Eq)]
pub enum Ligne {
    Texte(String),
    TropLongue,
    PasUtf8,
    Fin,
}

/// Lit la prochaine ligne de `lecteur`, sans jamais garder plus de `limite + 1` octets (voir
/// l'étape 2 : TCP est un flux d'octets, c'est nous qui le découpons en lignes).
pub fn lire_ligne(lecteur: &mut impl BufRead, limite: usize) -> io::Result<Ligne> {
    let mut octets = Vec::new();
    let lus = lecteur
        .by_ref()
        .take(limite as u64 + 1)
        .read_until(b'\n', &mut octets)?;
    if lus == 0 {
        return Ok(Ligne::Fin);
    }
    if octets.last() != Some(&b'\n') {
        if octets.len() > limite {
            lecteur.skip_until(b'\n')?;
            return Ok(Ligne::TropLongue);
        }
        return Ok(Ligne::Fin);
    }
    octets.pop();
    if octets.last() == Some(&b'\r') {
        octets.pop();
    }
    Ok(match String::from_utf8(octets) {
        Ok(texte) => Ligne::Texte(texte),
        Err(_) => Ligne::PasUtf8,
    })
}

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port)).map_err(|erreur| {
        let cause = match erreur.kind() {
            io::ErrorKind::AddrInUse => format!(
                "le port {port} est déjà utilisé (un autre serveur tourne-t-il encore ?). \
                 Choisissez-en un autre avec --port, par exemple --port 0 pour laisser le système choisir"
            ),
            io::ErrorKind::AddrNotAvailable => format!(
                "l'adresse {adresse} n'appartient pas à cette machine ; essayez --adresse 127.0.0.1"
            ),
            io::ErrorKind::PermissionDenied => format!(
                "permission refusée pour le port {port} (les ports sous 1024 sont réservés) ; \
                 essayez --port 5050"
            ),
            _ => format!("erreur du système : {erreur}"),
        };
        anyhow!("impossible d'écouter sur {adresse}:{port} : {cause}.")
    })
}

/// Se connecte au serveur `adresse:port` (voir l'étape 1 pour les erreurs possibles).
pub fn connecter(adresse: IpAddr, port: u16) -> anyhow::Result<TcpStream> {
    TcpStream::connect((adresse, port)).map_err(|erreur| {
        let cause = match erreur.kind() {
            io::ErrorKind::ConnectionRefused => "connexion refusée".to_string(),
            io::ErrorKind::TimedOut => "pas de réponse dans le délai".to_string(),
            _ => format!("erreur du système : {erreur}"),
        };
        anyhow!(
            "impossible de joindre le serveur {adresse}:{port} : {cause}. \
             Le serveur est-il lancé (cargo run -p etape8_verrous) ?"
        )
    })
}

/// Lance le serveur complet : réserve le port, prépare le serveur, annonce l'adresse, lit la
/// console dans un thread (`stop` arrête), sert jusqu'à l'arrêt.
pub fn lancer_serveur(adresse: IpAddr, port: u16, config: Config) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let serveur = Serveur::new(ecoute, config)?;
    println!("[ÉCOUTE] Serveur en écoute sur {}", serveur.adresse()?);
    let arret = serveur.arret();
    // Ce thread n'est pas attendu : la bibliothèque standard ne sait pas interrompre une lecture
    // bloquante du clavier. Il ne tient qu'une poignée sur `Arret`, rien qui retienne l'arrêt.
    thread::spawn(move || lire_console(io::stdin().lock(), &arret));
    serveur
        .servir()
        .context("le serveur s'est arrêté sur une erreur")?;
    println!("[ARRÊT] Serveur arrêté proprement.");
    Ok(())
}

/// Lit les commandes de la console du serveur : `stop` demande l'arrêt.
pub fn lire_console(console: impl BufRead, arret: &Arret) {
    for ligne in console.lines().map_while(Result::ok) {
        match ligne.trim() {
            "stop" => {
                println!("[ARRÊT] Demandé depuis la console");
                arret.declencher();
                return;
            }
            "" => {}
            autre => println!(
                "[CONSOLE] « {} » inconnu ; tapez stop pour arrêter le serveur",
                nettoyer(autre)
            ),
        }
    }
}

/// Le client de l'étape 7 : un thread envoie les lignes de `entree` (la première est le pseudo),
/// puis [`FIN`] ; le thread courant affiche ce qui arrive jusqu'à ce que le serveur ferme.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    let flux = connecter(adresse, port)?;
    let mut ecrivain = flux
        .try_clone()
        .context("impossible de dupliquer la socket")?;
    // Ce thread n'est pas attendu : il peut rester bloqué sur le clavier. Quand le serveur ferme,
    // le programme se termine, et lui avec.
    thread::spawn(move || {
        for ligne in entree.lines().map_while(Result::ok) {
            if writeln!(ecrivain, "{ligne}").is_err() || ligne == FIN || ligne == "bye" {
                return;
            }
        }
        let _ = writeln!(ecrivain, "{FIN}");
        let _ = ecrivain.shutdown(Shutdown::Write);
    });
    let mut lecteur = BufReader::new(flux);
    loop {
        match lire_ligne(&mut lecteur, LIMITE_LIGNE) {
            Ok(Ligne::Texte(texte)) => writeln!(sortie, "{}", nettoyer(&texte))?,
            Ok(Ligne::Fin) => return Ok(()),
            Ok(autre) => writeln!(sortie, "(ligne illisible reçue du serveur : {autre:?})")?,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(e).context("lecture impossible depuis le serveur"),
        }
    }
}

/// Un client de la démo : un nom, une socket, un lecteur.
struct Personnage {
    nom: &'static str,
    flux: TcpStream,
    lecteur: BufReader<TcpStream>,
}

impl Personnage {
    fn arriver(nom: &'static str, adresse: SocketAddr) -> anyhow::Result<Personnage> {
        let flux = TcpStream::connect(adresse)?;
        flux.set_read_timeout(Some(Duration::from_secs(10)))?;
        let lecteur = BufReader::new(flux.try_clone()?);
        Ok(Personnage { nom, flux, lecteur })
    }

    fn dire(&mut self, ligne: &str, sortie: &mut impl Write) -> anyhow::Result<()> {
        writeln!(sortie, "[{}] > {ligne}", self.nom)?;
        writeln!(self.flux, "{ligne}")?;
        Ok(())
    }

    fn entendre(&mut self, sortie: &mut impl Write) -> anyhow::Result<()> {
        match lire_ligne(&mut self.lecteur, LIMITE_LIGNE)? {
            Ligne::Texte(texte) => writeln!(sortie, "[{}] {}", self.nom, nettoyer(&texte))?,
            Ligne::Fin => writeln!(sortie, "[{}] (connexion fermée par le serveur)", self.nom)?,
            autre => writeln!(sortie, "[{}] {autre:?}", self.nom)?,
        }
        Ok(())
    }
}

/// Un serveur de démo qui tourne dans un thread, sans journal à l'écran.
struct ServeurDeDemo {
    adresse: SocketAddr,
    arret: Arc<Arret>,
    thread: JoinHandle<io::Result<()>>,
}

impl ServeurDeDemo {
    fn lancer(config: &Config) -> anyhow::Result<ServeurDeDemo> {
        let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
        let serveur = Serveur::new(ecoute, config.clone())?;
        Ok(ServeurDeDemo {
            adresse: serveur.adresse()?,
            arret: serveur.arret(),
            thread: thread::spawn(move || serveur.servir()),
        })
    }

    fn attendre_la_fin(self) -> anyhow::Result<()> {
        self.thread
            .join()
            .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
        Ok(())
    }
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(sortie, "=== Démo de l'étape 8 : le serveur final ===")?;
    let chemin = std::env::temp_dir().join(format!("etape8-demo-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&chemin);
    let config = Config {
        journal: chemin.clone(),
        jeton_admin: Some("s3cret".to_string()),
        bavard: false,
        ..Config::default()
    };
    let resultat = jouer_la_demo(&config, sortie);
    let _ = std::fs::remove_file(&chemin);
    resultat
}

fn jouer_la_demo(config: &Config, sortie: &mut impl Write) -> anyhow::Result<()> {
    let premier = ServeurDeDemo::lancer(config)?;
    writeln!(
        sortie,
        "[démo] Premier serveur sur {}, jeton d'administration « s3cret ».",
        premier.adresse
    )?;
    let mut alice = Personnage::arriver("alice", premier.adresse)?;
    alice.entendre(sortie)?;
    alice.dire("alice", sortie)?;
    alice.entendre(sortie)?;
    let mut bob = Personnage::arriver("bob", premier.adresse)?;
    bob.entendre(sortie)?;
    bob.dire("bob", sortie)?;
    bob.entendre(sortie)?;
    bob.entendre(sortie)?;
    alice.entendre(sortie)?;
    alice.dire("Bonjour à tous", sortie)?;
    bob.entendre(sortie)?;
    bob.dire("stop", sortie)?;
    bob.entendre(sortie)?;
    bob.dire("bye", sortie)?;
    alice.entendre(sortie)?;
    alice.dire("stop s3cret", sortie)?;
    alice.entendre(sortie)?;
    alice.entendre(sortie)?;
    alice.entendre(sortie)?;
    premier.attendre_la_fin()?;
    writeln!(
        sortie,
        "[démo] Le serveur s'est arrêté proprement. On le relance avec le même journal."
    )?;

    let second = ServeurDeDemo::lancer(config)?;
    let mut carol = Personnage::arriver("carol", second.adresse)?;
    carol.entendre(sortie)?;
    carol.dire("carol", sortie)?;
    for _ in 0..6 {
        carol.entendre(sortie)?;
    }
    // Le second serveur est arrêté comme depuis sa console.
    second.arret.declencher();
    second.attendre_la_fin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn la_console_arrete_sur_stop_seulement() -> io::Result<()> {
        let ecoute = TcpListener::bind("127.0.0.1:0")?;
        let arret = Arret::new(ecoute.local_addr()?);
        lire_console(Cursor::new("bonjour\n\n"), &arret);
        assert!(!arret.est_demande());
        lire_console(Cursor::new("  stop \n"), &arret);
        assert!(arret.est_demande());
        // Le réveil s'est connecté à l'écoute : `accept` a de quoi rendre la main.
        ecoute.accept()?;
        Ok(())
    }

    #[test]
    fn une_ecoute_sur_toutes_les_adresses_se_reveille_par_la_boucle_locale() {
        let arret = Arret::new(SocketAddr::from(([0, 0, 0, 0], 5050)));
        assert_eq!(arret.reveil, SocketAddr::from(([127, 0, 0, 1], 5050)));
    }
}
