//! # Étape 8 — Ressources partagées et sécurité : le serveur final
//!
//! ## Objectifs
//!
//! Le salon de l'étape 7, fait correctement, tel qu'une école pourrait le faire tourner pour une
//! classe :
//!
//! - **aucune entrée-sortie sous un verrou ; une file bornée par client ; celui qui ne suit pas
//!   est déconnecté** ([`livraison`]). Diffuser, c'est déposer un message partagé (`Arc<str>`)
//!   dans des files, sans jamais attendre personne ; un thread d'écriture par client vide la
//!   sienne. Un client qui lit assez vite (200 ko/s suffisent pour un copier-coller de 10 Mo)
//!   n'est jamais déconnecté ;
//!   un client qui ne lit plus l'est, avec une annonce, et il ne retient personne ;
//! - **un salon, un seul ordre** : quoi que plusieurs clients envoient au même instant, chaque
//!   membre, l'historique et le journal voient les lignes du salon dans le même ordre
//!   ([`salon::Salon::publier`]) ;
//! - le pseudo est vérifié et réservé dans **une seule** section critique
//!   ([`salon::Salon::inscrire`]) : de deux clients qui veulent « bob » au même instant, un seul
//!   l'obtient ;
//! - une **liste noire** d'adresses IP (`--liste-noire <fichier>`), vérifiée à chaque connexion et
//!   relue quand le fichier change ;
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
//! - [`diffuser`] ne touche plus aucune socket : le salon dépose le message dans les files, un
//!   geste en mémoire qui n'attend jamais. Un thread d'écriture par client
//!   ([`ecrire_vers_le_client`]) vide sa file par lots et écrit dans la socket ([`livraison`]).
//! - Le salon ([`salon::Salon`]) est une poignée : chaque méthode prend le verrou, travaille en
//!   mémoire et rend des valeurs possédées ; la garde ne sort jamais de `salon.rs`.
//! - Le serveur garde les poignées de tous ses threads et les attend à l'arrêt ([`Serveur`]).
//! - `lib.rs` est découpé par idée : [`serveur`] (la boucle d'acceptation et l'arrêt),
//!   [`conversation`] (un client, de son pseudo à son départ), [`livraison`] (la file et le thread
//!   d'écriture), [`salon`] (l'état partagé), [`journal`], [`liste_noire`], [`client`](mod@client), [`demo`](mod@demo).
//! - Nouveau aussi : un délai pour choisir son pseudo ([`Config::delai_pseudo`]), une pause quand
//!   `accept` échoue, Ctrl-C sur la console fait comme `stop`. Voir « Ce que le serveur final
//!   refuse » plus bas.
//!
//! ## Rafales et clients qui ne lisent plus : la règle
//!
//! Celui qui diffuse **n'attend jamais** un destinataire : il dépose le message dans chaque file
//! et passe au suivant. Chaque client a une file bornée en octets ([`LIMITE_RETARD`]) et un
//! thread d'écriture. Un client est déconnecté, avec un dernier mot quand sa socket le prend
//! encore (un client débordé le reçoit ; un client bloqué, non) et une annonce aux autres, dans
//! deux cas seulement :
//!
//! - son **retard** dépasse [`LIMITE_RETARD`] (16 Mio) : il lit moins vite que le salon ne parle ;
//! - **aucun octet** n'a pu lui être écrit pendant [`DELAI_GRACE`] (3 s) : il ne lit plus du tout.
//!
//! Un client qui lit, même lentement, fait avancer ses octets : tant que son retard reste sous la
//! limite, il n'est jamais coupé. Et **celui qui inonde paie** : chaque émetteur a un débit de
//! [`DEBIT_EMETTEUR`] (2 Mio/s) après une réserve de [`RESERVE_EMETTEUR`] (2 Mio). Au-delà, son
//! thread de lecture fait une pause avant de lire sa ligne suivante ; ses tampons TCP se
//! remplissent et c'est **son** programme que TCP ralentit, pas le salon. Avec ces chiffres, un
//! client qui lit à 200 ko/s reçoit en entier un copier-coller de 10 Mo (voir [`LIMITE_RETARD`]).
//!
//! ## Ce que le serveur final refuse
//!
//! Chaque ligne est une attaque essayée contre ce serveur, et ce qu'elle obtient maintenant ; le
//! test entre parenthèses (suite de notation, `tests/tests/etape8.rs`, ou test unitaire du module
//! nommé) échoue si la défense disparaît.
//!
//! | attaque | ce qu'elle obtient |
//! |---|---|
//! | un client qui ne lit jamais pendant qu'un autre inonde | coupé après 3 s sans progrès, départ annoncé ; les autres reçoivent tout (`un_client_qui_ne_lit_plus_est_deconnecte_sans_retenir_les_autres`) |
//! | flot de `/mp` vers des clients qui ne lisent pas | `/liste` répond sans attendre : aucun verrou n'est tenu pendant une attente (`un_flot_de_mp_vers_des_clients_qui_ne_lisent_pas_ne_retarde_pas_liste`) |
//! | faire couper un lecteur lent en inondant | l'émetteur est tenu à 2 Mio/s, le lecteur garde 16 Mio de retard : il reçoit tout (`un_lecteur_lent_recoit_un_long_copier_coller_en_entier`) |
//! | des centaines de connexions silencieuses qui ne choisissent pas de pseudo | fermées au bout de `--delai-pseudo` (30 s), même goutte à goutte (`une_connexion_qui_ne_choisit_pas_de_pseudo_a_temps_est_fermee`) |
//! | épuiser les descripteurs de fichiers (`EMFILE`) | `accept` recule de 10 ms à 1 s, une ligne d'erreur par épisode ; `--max-clients` vaut 500 par défaut (`quand_les_descripteurs_manquent_accept_recule_et_le_dit_une_fois`, sous Linux) |
//! | liste noire enregistrée en Latin-1, avec un BOM, ou une plage `10.0.0.0/8` | lue avec indulgence : refus appliqué (`la_liste_noire_lue_avec_indulgence_ne_s_ouvre_jamais`) |
//! | liste noire effacée ou remplacée par un dossier pendant le service | la dernière liste lue reste en vigueur, et la console le dit (même test ; [`liste_noire`]) |
//! | client IPv4 vu par une écoute IPv6 (`::ffff:10.0.0.1`) | comparé sous sa forme canonique : refusé ([`liste_noire`]) |
//! | `--historique 18446744073709551615`, `--delai-pseudo 0`, `--max-clients 0` | refusé au démarrage par une phrase, sans panique (`des_options_hors_limites_sont_refusees_en_francais`) |
//! | un journal d'une seule ligne de 100 Mo, ou `--journal /dev/zero` | seuls les 8 derniers Mio sont relus, une ligne trop longue est sautée ([`journal`]) |
//! | journal effacé pendant le service | recréé au lot suivant, et la console le dit ([`journal`]) |
//! | console fermée, ou qui ne lit plus (un tube plein) | les lignes passent par un canal borné, perdues plutôt qu'attendues ; le service continue (`une_console_fermee_ou_qui_ne_suit_plus_n_arrete_pas_le_salon`) |
//! | une réponse allongée par `/majuscules` ou par l'échappement | le client du programme l'affiche en entier (`le_client_du_programme_affiche_une_reponse_plus_longue_qu_une_ligne_recue`) |
//! | deviner le jeton d'administration par milliers d'essais | un essai par seconde au plus par adresse IP, connexion fermée au troisième jeton faux, comparaison en temps constant, aucune réponse qui dépende du jeton (`deviner_le_jeton_ferme_la_connexion_apres_trois_essais`) |
//! | `stop` sans `--jeton-admin` | refusé : seule la console arrête ce serveur (`sans_jeton_admin_stop_d_un_client_ne_fait_rien`) |
//! | `STOP s3cret` (le jeton tapé en majuscules) | jamais diffusé ni journalisé (`stop_est_exact_et_ne_montre_jamais_le_jeton`) |
//! | « stop la musique » | un message ordinaire (même test) |
//! | pseudos sosies : `аlice` cyrillique, `ａｌｉｃｅ` pleine largeur, `ALICE`, `alice` + U+200B | refusés (`les_caracteres_invisibles_et_les_sosies_de_pseudo_sont_neutralises`) |
//! | U+202E (texte à l'envers), U+200B, U+2028, BOM dans un message | rendus visibles (`\u{202e}`…) chez les autres et dans le journal (même test) |
//! | séquences ANSI, `\r` dans un message | rendus visibles (`le_journal_horodate_chaque_message_et_neutralise_les_controles`) |
//! | des messages qui arrivent pendant l'arrêt | plus rien n'est publié ni journalisé après l'annonce (`rien_n_est_journalise_apres_l_annonce_d_arret`) |
//! | Ctrl-C ou SIGTERM sur le serveur | arrêt propre, comme `stop` (`ctrl_c_sur_la_console_arrete_comme_stop`) |
//! | octets au hasard, UTF-8 invalide, ligne de 150 ko, coupure brutale | une erreur pour leur auteur, rien pour les autres (`mauvaises_lignes_et_coupures_ne_genent_que_leur_auteur`) |
//! | seize clients qui veulent « bob » au même instant | un seul l'obtient (`de_seize_clients_qui_veulent_bob_un_seul_l_obtient`) |
//!
//! ## Mesures
//!
//! L'étape 7 contre celle-ci, mesurées dans le même lancement et sur la même machine : N clients
//! se connectent et choisissent un pseudo, quelques-uns envoient une rafale, tous lisent ce que
//! les autres envoient (et des « sourds » ne lisent rien) ; on compte les livraisons par seconde
//! (médiane de cinq passages) :
//!
#![doc = include_str!("../mesures.svg")]
//!
//! La dernière ligne est la leçon de l'étape : avec 5 clients sourds et des lignes de 1 ko,
//! l'étape 7 se fige (38 % des messages livrés) ; ici, tous le sont.
//!
//! ## Ce que vous écrivez
//!
//! Dix fonctions, pour les règles du serveur final (aucune ne parle de performance) :
//!
//! - [`Salon::publier`](salon::Salon::publier) et [`livrer`](livraison::livrer) : un salon, un
//!   seul ordre, et aucune attente sous son verrou ;
//! - [`FileEnvoi::deposer`](livraison::FileEnvoi::deposer) : une file bornée par client, qui ne
//!   fait jamais attendre l'émetteur (sa sortie par lots, `FileEnvoi::prendre`, est donnée) ;
//! - [`ecrire_en_surveillant`](livraison::ecrire_en_surveillant) : la règle de déconnexion, ne
//!   couper que qui ne lit plus ;
//! - [`Salon::inscrire`](salon::Salon::inscrire) et [`Salon::renommer`](salon::Salon::renommer) :
//!   vérifier et réserver un pseudo d'un seul geste (à l'arrivée, puis pour `/pseudo`) ;
//! - [`Regle::contient`](liste_noire::Regle::contient) : la liste noire ;
//! - `ecrire_lignes` (dans `src/journal.rs`) : le thread du journal, le seul à écrire dans le fichier ;
//! - [`arreter`](serveur::arreter) et [`Serveur::servir`](serveur::Serveur::servir) : l'arrêt
//!   propre, et la boucle d'accueil de l'étape 7 qui sait s'arrêter (et reculer quand `accept`
//!   échoue). Donnée, cette boucle montrerait la réponse de l'étape 7 : vous la reprenez donc.
//!
//! Sont repris : `lire_ligne` (étape 2), le client (étape 4), la calculatrice (donnée, étape 5) et les
//! commandes des étapes 6 et 7.
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
//! [bob] [historique] 2026-11-22 09:15:00 UTC *** alice a rejoint le salon
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
//! [carol] [historique] 2026-11-22 09:15:00 UTC *** alice a rejoint le salon
//! [carol] [historique] 2026-11-22 09:15:00 UTC *** bob a rejoint le salon
//! [carol] [historique] 2026-11-22 09:15:00 UTC alice : Bonjour à tous
//! [carol] [historique] 2026-11-22 09:15:00 UTC *** bob a quitté le salon
//! [carol] [historique] 2026-11-22 09:15:00 UTC *** Le serveur s'arrête
//! [carol] = bienvenue carol ; /aide pour les commandes
//! [démo] Le même essai qu'à l'étape 7 : erin rejoint le salon, puis cesse de lire.
//! [carol] *** erin a rejoint le salon
//! [dave] = bienvenue dave ; /aide pour les commandes
//! [carol] *** dave a rejoint le salon
//! [carol] > (8 000 lignes de 1 000 caractères, 8 Mo d'un coup)
//! [dave] > /majuscules salut
//! [dave] = SALUT (pendant la rafale : personne n'attend erin)
//! [dave] *** erin a quitté le salon (ne lisait plus les messages)
//! [démo] erin ne lisait plus depuis 3 s : le serveur l'a déconnectée ; les autres n'ont rien attendu.
//! [démo] 8 clients demandent le pseudo « zoe » au même instant.
//! [démo] 1 l'obtient, 7 reçoivent « ERREUR : le pseudo « zoe » est déjà pris ».
//! ```
//!
//! La fin rejoue les deux faiblesses de l'étape 7 : le client sourd qui figeait le salon est
//! déconnecté sans retenir personne, et la course au pseudo n'a qu'un gagnant.
//!
//! ## Questions du TP
//!
//! - *À quoi servent les verrous ?* → [`Partage`].
//! - *Que risque-t-on sans eux ?* → [`Partage`], et la garde qui vit trop longtemps →
//!   [`salon`].
//! - Quatre clients parlent au même instant, trente les lisent : qu'est-ce qui garantit que tous,
//!   l'historique et le journal voient la même conversation, dans le même ordre ? → [`salon`]
//!   (la question est dans la documentation du module).
//! - La course que Rust n'empêche pas (vérifier puis agir), et sa correction →
//!   [`salon::Salon::inscrire`].
//!
//! ## Pour aller plus loin
//!
//! 1. Refaites l'essai de l'étape 7 (un client « sourd » en `python3`, un client normal, puis un
//!    bavard qui envoie `gros.txt`, 20 Mo), avec `cargo run -p etape8_verrous` : le client normal
//!    reçoit les 20 000 lignes et peut parler pendant la rafale ; au bout de 3 s sans progrès, le
//!    sourd est déconnecté et son départ annoncé à tous ; le bavard, lui, est ralenti (2 Mio/s),
//!    pas coupé.
//! 2. Ajoutez `/expulser <pseudo> <jeton>` pour l'administrateur. Quelle section critique faut-il ?
//! 3. Rendez le jeton d'administration plus sûr : lisez-le dans une variable d'environnement
//!    plutôt que sur la ligne de commande (visible par `ps`).

pub mod client;
pub mod commandes;
pub mod conversation;
pub mod demo;
pub mod journal;
pub mod liste_noire;
pub mod livraison;
pub mod salon;
pub mod serveur;

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

pub use client::client;
pub use conversation::diffuser;
pub use demo::demo;
pub use livraison::{DELAI_GRACE, LIMITE_RETARD, ecrire_vers_le_client};
pub use serveur::{Arret, Serveur};

use commandes::nettoyer;
use journal::Journal;
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

/// Longueur maximale d'une ligne reçue d'un client, en octets, saut de ligne non compris.
pub const LIMITE_LIGNE: usize = 4096;

/// Longueur maximale d'une ligne que le client accepte du serveur : une ligne envoyée au salon
/// reçoit un préfixe (`alice : `), un caractère de contrôle échappé en occupe six (`\u{7f}`), et
/// `/majuscules` peut allonger un texte (« ß » devient « SS »).
pub const LIMITE_RECEPTION: usize = 8 * LIMITE_LIGNE;

/// Le message de fin de conversation (voir l'étape 4) ; `bye` fait de même.
pub const FIN: &str = "/quitter";

/// Le débit permis à chaque émetteur, en octets par seconde (voir [`conversation::Budget`]).
pub const DEBIT_EMETTEUR: usize = 2 * 1024 * 1024;

/// Ce qu'un émetteur peut envoyer d'un coup avant d'être tenu à [`DEBIT_EMETTEUR`].
pub const RESERVE_EMETTEUR: usize = 2 * 1024 * 1024;

/// Le délai par défaut pour choisir un pseudo.
pub const DELAI_PSEUDO: Duration = Duration::from_secs(30);

/// Le plus grand `--historique` permis. L'historique envoyé à un nouveau venu est de toute façon
/// limité à la moitié de sa file (voir [`salon::Salon::inscrire`]) : de longues lignes le raccourcissent.
pub const HISTORIQUE_MAX: usize = 1000;

/// Après tant de jetons faux sur une connexion, elle est fermée.
pub const ESSAIS_JETON: u32 = 3;

/// Après un jeton faux, aucun essai de la même adresse IP n'est examiné pendant ce délai.
pub const PAUSE_JETON: Duration = Duration::from_secs(1);

/// Le plus longtemps que l'arrêt attend que les clients aient reçu l'annonce, avant de couper.
pub const DELAI_ARRET: Duration = Duration::from_secs(1);

/// Taille de la pile des threads de clients. Le défaut (2 Mio) est de la mémoire virtuelle
/// réservée pour rien : nos threads ont une récursion bornée (la calculatrice, 64 niveaux).
pub const TAILLE_PILE: usize = 256 * 1024;

/// Ce qui se règle au lancement du serveur.
#[derive(Clone, Debug)]
pub struct Config {
    /// Le fichier journal (créé s'il n'existe pas, complété sinon).
    pub journal: PathBuf,
    /// Combien de lignes d'historique un nouveau venu reçoit (au plus [`HISTORIQUE_MAX`]).
    pub historique: usize,
    /// Le fichier de la liste noire, s'il y en a un.
    pub liste_noire: Option<PathBuf>,
    /// Le jeton qui autorise `stop <jeton>` depuis un client ; sans jeton, seule la console
    /// arrête le serveur.
    pub jeton_admin: Option<String>,
    /// Nombre maximal de connexions simultanées, pseudo choisi ou non.
    pub max_clients: usize,
    /// Le temps laissé à une connexion pour choisir son pseudo ; ensuite elle est fermée.
    pub delai_pseudo: Duration,
    /// Le retard maximal d'un client, en octets (voir [`LIMITE_RETARD`], la valeur par défaut).
    pub limite_retard: usize,
    /// Écrire les événements sur la console (la sortie standard).
    pub bavard: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            journal: PathBuf::from("chat_log.txt"),
            historique: 20,
            liste_noire: None,
            jeton_admin: None,
            // Chaque connexion tient un descripteur de fichier ; la limite habituelle d'un
            // processus est 1 024 (`ulimit -n`) : 500 laisse de la marge.
            max_clients: 500,
            delai_pseudo: DELAI_PSEUDO,
            limite_retard: LIMITE_RETARD,
            bavard: true,
        }
    }
}

/// Ce que tous les threads du serveur partagent, derrière un `Arc`.
///
/// # Question : à quoi servent les verrous ?
///
/// À rendre **atomique**, vue des autres threads, une suite d'opérations sur des données
/// partagées : entre `lock()` et la fin de la garde, personne d'autre ne voit le salon, donc
/// personne ne le voit à moitié modifié. Ici un seul verrou, celui du [`Salon`], protège qui est
/// connecté et l'historique, et fixe l'ordre du salon ; chaque section critique est courte et ne
/// fait **que** de la mémoire (voir [`salon`]). Le reste est partagé sans ce verrou parce qu'il
/// n'est pas modifié (`config`), ou parce qu'il se synchronise autrement : un atomique pour
/// l'arrêt, une file par client et une pour le journal (chacune son petit verrou, jamais tenu
/// pendant une écriture), et deux petits verrous à part (les pauses de jeton, la dernière liste
/// noire lue).
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
///   fige tous les autres. D'où la règle de cette étape : aucune entrée-sortie sous un verrou.
///   Attention à la garde qui vit plus longtemps qu'on ne croit : voir [`salon`] ;
/// - **couper en deux une opération qui doit être atomique** : vérifier dans une section, agir
///   dans une autre. C'est une course *logique* ; voir [`salon::Salon::inscrire`] ;
/// - **relâcher trop tôt** : ce qui doit suivre l'ordre du salon (les dépôts dans les files, le
///   journal) se fait pendant qu'on tient son verrou, sinon deux émetteurs se doublent d'une file
///   à l'autre ; voir [`salon`] ;
/// - **l'interblocage** : deux threads qui prennent deux verrous dans un ordre différent. Ici,
///   verrou du salon tenu, on ne prend que celui d'une file, et une file ne prend jamais le verrou
///   du salon : toujours le salon puis la file, pas de cycle, pas d'interblocage.
#[derive(Debug)]
pub struct Partage {
    salon: Salon,
    journal: Journal,
    config: Config,
    arret: Arc<Arret>,
    liste_noire: ListeNoire,
    /// Les adresses qui viennent de se tromper de jeton, et la fin de leur pause (voir
    /// [`PAUSE_JETON`]).
    pauses_jeton: Mutex<HashMap<IpAddr, Instant>>,
}

impl Partage {
    /// Écrit un événement sur la console du serveur (sauf avec `bavard: false`), sans attendre
    /// (voir [`console`]).
    fn afficher(&self, texte: &str) {
        if self.config.bavard {
            console(texte);
        }
    }
}

/// Ce que reçoit le thread de la console.
enum PourLaConsole {
    Ligne(String),
    /// « Préviens-moi quand tout ce qui précède est écrit. »
    Vider(mpsc::Sender<()>),
}

/// Le canal vers le thread de la console, une fois lancé par [`lancer_serveur`].
static CONSOLE: OnceLock<SyncSender<PourLaConsole>> = OnceLock::new();

/// Les lignes de console perdues parce que la console ne suivait pas.
static PERDUES: AtomicUsize = AtomicUsize::new(0);

/// Écrit une ligne sur la console du serveur, **sans jamais attendre**.
///
/// La console aussi est une entrée-sortie qui peut bloquer : si la sortie standard est un tube que
/// personne ne lit (`serveur | less` en pause, un superviseur bloqué), `println!` attend, et tout
/// thread qui écrit un événement attendrait avec lui, la boucle d'acceptation comprise. Les lignes
/// passent donc par un canal borné vers un thread qui écrit ; canal plein, la ligne est perdue (et
/// comptée), mais personne n'attend. Une console fermée n'est pas non plus une raison de tomber :
/// l'erreur d'écriture est ignorée.
pub fn console(texte: &str) {
    match CONSOLE.get() {
        Some(envoi) => {
            if envoi
                .try_send(PourLaConsole::Ligne(texte.to_string()))
                .is_err()
            {
                PERDUES.fetch_add(1, Ordering::Relaxed);
            }
        }
        None => {
            let _ = writeln!(io::stdout().lock(), "{texte}");
        }
    }
}

/// Lance le thread de la console (une fois par processus).
fn lancer_la_console() {
    let (envoi, reception) = mpsc::sync_channel::<PourLaConsole>(4096);
    if CONSOLE.set(envoi).is_err() {
        return;
    }
    // Ce thread n'est pas attendu : il peut rester bloqué sur une console qui ne lit plus.
    let _ = thread::Builder::new()
        .name("console".to_string())
        .spawn(move || {
            for message in reception {
                let mut sortie = io::stdout().lock();
                match message {
                    PourLaConsole::Ligne(texte) => {
                        let _ = writeln!(sortie, "{texte}");
                    }
                    PourLaConsole::Vider(fait) => {
                        let _ = sortie.flush();
                        let _ = fait.send(());
                    }
                }
                let perdues = PERDUES.swap(0, Ordering::Relaxed);
                if perdues > 0 {
                    let _ = writeln!(
                        sortie,
                        "[ATTENTION] {perdues} lignes de console perdues : la console ne suivait pas"
                    );
                }
            }
        });
}

/// Attend, au plus `delai`, que la console ait écrit tout ce qu'on lui a confié.
fn vider_la_console(delai: Duration) {
    let Some(envoi) = CONSOLE.get() else {
        return;
    };
    let echeance = Instant::now() + delai;
    let (fait, attendre) = mpsc::channel();
    let mut message = PourLaConsole::Vider(fait);
    loop {
        match envoi.try_send(message) {
            Ok(()) => break,
            Err(TrySendError::Full(rendu)) if Instant::now() < echeance => {
                message = rendu;
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return,
        }
    }
    let _ = attendre.recv_timeout(echeance.saturating_duration_since(Instant::now()));
}

// Repris des étapes précédentes : la lecture d'une ligne bornée (étape 2), et dans [`commandes`]
// celles de l'étape 7 : votre code de ces étapes sert donc ici (la calculatrice de l'étape 5,
// donnée, vient avec les commandes).
pub use etape2_boucle::{Ligne, lire_ligne};
pub use etape5_instructions::calcul;

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
            _ => etape1_connexion::francais::erreur_systeme(&erreur),
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
            _ => etape1_connexion::francais::erreur_systeme(&erreur),
        };
        anyhow!(
            "impossible de joindre le serveur {adresse}:{port} : {cause}. \
             Le serveur est-il lancé (cargo run -p etape8_verrous) ?"
        )
    })
}

/// Lance le serveur complet : réserve le port, prépare le serveur, annonce l'adresse, lit la
/// console dans un thread (`stop` arrête), fait de Ctrl-C un `stop`, sert jusqu'à l'arrêt.
pub fn lancer_serveur(adresse: IpAddr, port: u16, config: Config) -> anyhow::Result<()> {
    let jeton_court = config.jeton_admin.as_deref().is_some_and(|j| j.len() < 12);
    lancer_la_console();
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let serveur = Serveur::new(ecoute, config)?;
    console(&format!(
        "[ÉCOUTE] Serveur en écoute sur {}",
        serveur.adresse()?
    ));
    if jeton_court {
        console(
            "[ATTENTION] Jeton d'administration court : un jeton de 12 caractères au hasard ou \
             plus résiste aux essais (voir l'aide de --jeton-admin)",
        );
    }
    let arret = serveur.arret();
    // Ctrl-C (et SIGTERM sous Linux et macOS) : la bibliothèque standard ne sait pas les
    // intercepter, d'où le petit paquet `ctrlc` (voir le README). Sans lui, le système tuerait
    // le programme sur-le-champ, sans prévenir personne.
    let pour_le_signal = Arc::clone(&arret);
    if let Err(erreur) = ctrlc::set_handler(move || {
        console("[ARRÊT] Demandé par Ctrl-C");
        pour_le_signal.declencher();
    }) {
        console(&format!(
            "[ATTENTION] Ctrl-C arrêtera le serveur sans prévenir les clients : {erreur}"
        ));
    }
    // Ce thread n'est pas attendu : la bibliothèque standard ne sait pas interrompre une lecture
    // bloquante du clavier. Il ne tient qu'une poignée sur `Arret`, rien qui retienne l'arrêt.
    thread::spawn(move || lire_console(io::stdin().lock(), &arret));
    let servi = serveur.servir();
    if servi.is_ok() {
        console("[ARRÊT] Serveur arrêté proprement.");
    }
    vider_la_console(Duration::from_secs(1));
    servi.context("le serveur s'est arrêté sur une erreur")
}

/// Lit les commandes de la console du serveur : `stop` demande l'arrêt.
pub fn lire_console(console_serveur: impl BufRead, arret: &Arret) {
    for ligne in console_serveur.lines().map_while(Result::ok) {
        match ligne.trim() {
            "stop" => {
                console("[ARRÊT] Demandé depuis la console");
                arret.declencher();
                return;
            }
            "" => {}
            autre => console(&format!(
                "[CONSOLE] « {} » inconnu ; tapez stop pour arrêter le serveur",
                nettoyer(autre)
            )),
        }
    }
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
}
