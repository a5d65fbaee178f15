//! # Étape 8 — Ressources partagées et sécurité : le serveur final
//!
//! ## Objectifs
//!
//! Le salon de l'étape 7, fait correctement, tel qu'une école pourrait le faire tourner :
//!
//! - **aucune entrée-sortie sous un verrou** : diffuser, c'est déposer un message partagé
//!   (`Arc<str>`) dans une file bornée par client, sans attendre personne ; un thread par client,
//!   son **écrivain**, vide la sienne. Qui lit, même lentement (200 ko/s suffisent pour un
//!   copier-coller de 10 Mo), reçoit tout ; qui ne lit plus est déconnecté, lui seul, avec une
//!   annonce ; qui inonde est ralenti, lui seul ([`livraison`], [`defenses::budget`]) ;
//! - **un salon, un seul ordre** : chaque membre, l'historique et le journal voient la même
//!   conversation ([`salon::Salon::publier`]) ; un pseudo est vérifié et réservé d'un seul geste
//!   ([`salon::Salon::inscrire`]) : de deux clients qui veulent « bob », un seul l'obtient ;
//! - une **liste noire** (`--liste-noire <fichier>`), relue quand le fichier change ; un
//!   **journal** (`--journal <fichier>`, défaut `chat_log.txt`), une ligne horodatée par
//!   événement, écrite par un seul thread ; un **historique** : le nouveau venu reçoit les
//!   `--historique <N>` (défaut 20) dernières lignes du journal, même d'un lancement précédent ;
//! - `bye` pour partir ; `stop` sur la console, ou `stop <jeton>` d'un client quand le serveur a
//!   été lancé avec `--jeton-admin <jeton>`, **arrête proprement** : tous prévenus, sockets
//!   fermées, journal écrit, code 0 en moins de 2 s, même avec des centaines de clients ;
//! - des limites : longueur de ligne ([`conversation::LIMITE_LIGNE`]), nombre de clients
//!   (`--max-clients`), délai pour choisir son pseudo ([`Config::delai_pseudo`]) ; Ctrl-C fait
//!   comme `stop`.
//!
//! Ce qui change depuis l'étape 7 : [`conversation::diffuser`] ne touche plus aucune socket ; le
//! salon ([`salon::Salon`]) est une poignée dont chaque méthode prend le verrou et rend des
//! valeurs possédées (la garde ne sort jamais de `salon.rs`) ; le serveur attend tous ses threads
//! à l'arrêt ([`serveur::Serveur`]).
//!
//! ## Le plan du paquet
//!
//! La leçon, à lire dans cet ordre (c'est là que vous écrivez) :
//!
//! - [`livraison`] : la file bornée d'un client et son écrivain ; qui est coupé, et quand
//!   (un retard au-delà de [`livraison::LIMITE_RETARD`], ou rien d'écrit pendant
//!   [`livraison::DELAI_GRACE`]) ;
//! - [`salon`] : le salon partagé, une poignée dont chaque méthode prend le verrou ; l'ordre du
//!   salon, les pseudos ;
//! - [`journal`] : le fichier, écrit par un seul thread, une [`sortie`] comme la console ;
//! - [`liste_noire`] : les règles de la liste noire, et si une adresse en fait partie ;
//! - [`serveur`] : la boucle d'accueil et l'arrêt propre.
//!
//! Le reste est donné : [`conversation`] (un client, de son pseudo à son départ),
//! [`commandes`] (celles de l'étape 7, plus `bye` et `stop`), [`partage`] (ce que les threads
//! partagent), [`config`] (les réglages et leurs bornes), [`sortie`] (une sortie, un thread : la
//! console et le journal), [`lancement`] (le programme serveur), [`client`](mod@client),
//! [`demo`](mod@demo), et [`defenses`] : les défenses contre les clients hostiles et les fichiers
//! qu'on ne contrôle pas, un fichier par attaque, avec le tableau de ce que le serveur refuse.
//!
//! Mesuré contre l'étape 7 dans le même lancement : voir [`livraison`] (« Mesures »).
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
//! - *À quoi servent les verrous ?* → [`partage::Partage`].
//! - *Que risque-t-on sans eux ?* → [`partage::Partage`], et la garde qui vit trop longtemps →
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

use std::sync::{Mutex, MutexGuard, PoisonError};

pub mod client;
pub mod commandes;
pub mod config;
pub mod conversation;
pub mod defenses;
pub mod demo;
pub mod journal;
pub mod lancement;
pub mod liste_noire;
pub mod livraison;
pub mod partage;
pub mod salon;
pub mod serveur;
pub mod sortie;

// Ce dont le programme (`main.rs`) a besoin.
pub use client::client;
pub use config::Config;
pub use demo::demo;
pub use lancement::lancer_serveur;

/// Prend un verrou, même **empoisonné** (un thread a paniqué en le tenant) : chaque section
/// critique de ce programme laisse ses données cohérentes avant tout ce qui peut paniquer, donc
/// le verrou d'un thread tombé ne doit pas bloquer les autres. Écrit une fois, pour tous.
pub fn verrouiller<T>(verrou: &Mutex<T>) -> MutexGuard<'_, T> {
    verrou.lock().unwrap_or_else(PoisonError::into_inner)
}

// Repris des étapes précédentes : la lecture d'une ligne bornée (étape 2), et dans [`commandes`]
// celles de l'étape 7 : votre code de ces étapes sert donc ici (la calculatrice de l'étape 5,
// donnée, vient avec les commandes).
pub use etape2_boucle::{Ligne, lire_ligne};
pub use etape5_instructions::calcul;
