//! # Étape 7 — Plusieurs clients à la fois
//!
//! ## Objectifs
//!
//! - **Un thread par client** : tous les clients sont servis en même temps.
//! - Un **salon** de discussion : à l'arrivée, le serveur demande un pseudo (unique, sans
//!   distinction de casse) ; chaque ligne d'un client est diffusée aux autres sous la forme
//!   `alice : texte` ; les arrivées et les départs sont annoncés (`*** alice a rejoint le salon`,
//!   `*** alice a quitté le salon`), quelle que soit la façon de partir.
//! - Les commandes de l'étape 6, plus `/liste` (qui est là) et `/mp <pseudo> <texte>` (message
//!   privé).
//! - Un **état partagé** entre threads, [`Salon`], derrière un `Arc<Mutex<…>>` : comprendre
//!   pourquoi Rust refuse de compiler la version sans verrou.
//!
//! ## Ce qui change depuis l'étape 6
//!
//! - [`servir`] lance un thread par connexion ([`servir_client`]) au lieu de servir les clients
//!   l'un après l'autre.
//! - Nouveau : [`Salon`], [`SalonPartage`], [`diffuser`], la poignée de main du pseudo
//!   ([`choisir_pseudo`]), les commandes `/liste` et `/mp` ([`commandes`]).
//! - Le client est celui de l'étape 4 ; sa première ligne est son pseudo.
//!
//! ## Limite connue, assumée
//!
//! [`diffuser`] écrit dans les sockets **en tenant le verrou** du salon. Un seul client qui
//! cesse de lire (programme suspendu, réseau saturé) finit par remplir ses tampons TCP ; l'écriture
//! vers lui bloque alors, verrou tenu, et **tout le salon se fige**. C'est fait exprès ici, pour
//! être vu, et l'étape 8 y remédie. Mesuré sur ce classeur : 100 clients, 10 qui envoient 1 000
//! lignes de 1 000 octets, et 5 clients qui ne lisent plus : le salon se fige, et la plupart des
//! messages n'arrivent jamais (386 000 livraisons sur 990 000, contre toutes à l'étape 8). Tant
//! que la rafale tient dans les tampons du noyau (quelques Mo par client), rien ne se voit.
//!
//! ## Ce que vous écrivez
//!
//! L'état partagé et la diffusion : [`trouver`] (la règle des pseudos, sans distinction de
//! casse ; [`pseudo_disponible`] et `/mp` s'en servent), [`inscrire`] et [`retirer`] (entrer
//! dans le salon et en sortir, sous le verrou), [`envoyer_a`] (écrire à un membre) et
//! [`diffuser`] (à tout le salon), et [`servir`] (un thread par client, chacun avec sa copie de
//! [`SalonPartage`]). Le salon lui-même ([`Salon`], le type) et
//! le thread d'un client ([`servir_client`], qui appelle vos fonctions) sont donnés. Sont
//! repris : `lire_ligne` (étape 2), le client (étape 4), la calculatrice (donnée, étape 5) et les
//! commandes de l'étape 6 (voir [`commandes`]).
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape7_multiclients                  # terminal 1 : le serveur
//! cargo run -p etape7_multiclients -- client        # terminaux 2, 3, 4… : un pseudo, puis parlez
//! nc 127.0.0.1 5050                                 # marche aussi
//! ```
//!
//! ## Résultat attendu
//!
//! ```text
//! === Démo de l'étape 7 : plusieurs clients à la fois ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [alice] Bienvenue sur le salon ! Choisissez un pseudo :
//! [alice] > alice
//! [alice] = bienvenue alice ; /aide pour les commandes
//! [bob] Bienvenue sur le salon ! Choisissez un pseudo :
//! [bob] > Alice
//! [bob] ERREUR : le pseudo « Alice » est déjà pris
//! [bob] Choisissez un pseudo :
//! [bob] > bob
//! [bob] = bienvenue bob ; /aide pour les commandes
//! [alice] *** bob a rejoint le salon
//! [alice] > Bonjour bob !
//! [bob] alice : Bonjour bob !
//! [bob] > /liste
//! [bob] = connectés (2) : alice, bob
//! [bob] > /mp alice psst
//! [alice] [mp] bob : psst
//! [bob] = message privé envoyé à alice
//! [bob] > /quitter
//! [alice] *** bob a quitté le salon
//! [démo] carol rejoint le salon, puis cesse de lire (programme suspendu, réseau saturé…).
//! [carol] Bienvenue sur le salon ! Choisissez un pseudo :
//! [carol] > carol
//! [carol] = bienvenue carol ; /aide pour les commandes
//! [alice] *** carol a rejoint le salon
//! [dave] Bienvenue sur le salon ! Choisissez un pseudo :
//! [dave] > dave
//! [dave] = bienvenue dave ; /aide pour les commandes
//! [alice] *** dave a rejoint le salon
//! [alice] > (20 000 lignes de 1 000 caractères, 20 Mo d'un coup)
//! [démo] dave ne reçoit plus rien : les tampons de carol sont pleins, et l'écriture vers elle attend en tenant le verrou.
//! [dave] > /majuscules salut
//! [dave] (pas de réponse en 1 s : tout le salon attend carol)
//! [démo] carol s'en va : l'écriture vers elle échoue, le verrou est rendu.
//! [dave] = SALUT
//! [démo] Le salon repart ; l'étape 8 ne laisse jamais un client sourd le figer.
//! ```
//!
//! La seconde moitié montre la limite assumée de cette étape (voir plus haut) : un seul client
//! sourd, carol, fige tout le salon.
//!
//! ## Questions du TP
//!
//! 1. *Que se passe-t-il si plusieurs threads modifient les mêmes données sans verrou ?* →
//!    [`Salon`].
//! 2. *Comment gérer un état partagé ?* → [`SalonPartage`].
//! 3. *Comment diffuser à tous ?* → [`diffuser`].
//!
//! ## Pour aller plus loin
//!
//! 1. Figez le salon. Dans l'ordre, chacun dans son terminal (`py` au lieu de `python3` sous
//!    Windows) :
//!    - un client « sourd », qui choisit un pseudo puis ne lit plus rien :
//!      `python3 -c "import socket,time; s=socket.create_connection(('127.0.0.1',5050)); s.sendall(b'sourd\n'); time.sleep(600)"` ;
//!    - un client normal : `cargo run -p etape7_multiclients -- client`, pseudo `normal` ;
//!    - un bavard qui envoie 20 Mo : `python3 -c "open('gros.txt','w').write('gros\n' + ('x'*1000+'\n')*20000)"`
//!      (le fichier est écrit par Python lui-même, ce qui évite l'UTF-16 de PowerShell), puis
//!      `cargo run -q -p etape7_multiclients -- client < gros.txt` (PowerShell ne connaît pas
//!      `<` : `cmd /c "cargo run -q -p etape7_multiclients -- client < gros.txt"`).
//!
//!    Que voit le client normal ? Tapez-y une ligne : part-elle ? Expliquez avec la limite
//!    ci-dessus, puis refaites l'essai avec l'étape 8.
//! 2. Ajoutez `/moi <action>` qui diffuse `* alice <action>`.
//! 3. Regardez [`inscrire`] : la vérification du pseudo et l'inscription sont deux sections
//!    critiques distinctes. Imaginez deux clients qui choisissent « bob » au même instant.
//!    (L'étape 8 y répond.)

pub mod commandes;

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::Context;
use etape4_communication::Cadrage;

use commandes::{Commande, Entree, analyser, nettoyer, repondre, valider_pseudo};

/// La première ligne envoyée à un nouveau venu.
pub const MESSAGE_BIENVENUE: &str = "Bienvenue sur le salon !";

/// La demande de pseudo, renvoyée après chaque refus.
pub const INVITE_PSEUDO: &str = "Choisissez un pseudo :";

/// Longueur maximale d'une ligne, en octets, saut de ligne non compris.
pub const LIMITE_LIGNE: usize = 4096;

/// Le message de fin de conversation (voir l'étape 4).
pub const FIN: &str = "/quitter";

// Repris des étapes précédentes : la lecture d'une ligne bornée (étape 2), le client à deux
// threads (étape 4) et les commandes de l'étape 6 (voir [`commandes`]) : votre code de ces
// étapes sert donc ici ; la calculatrice de l'étape 5, donnée, vient avec les commandes.
pub use etape2_boucle::{Ligne, lire_ligne};
pub use etape5_instructions::calcul;

/// Un client inscrit dans le salon.
#[derive(Debug)]
pub struct Membre {
    pub pseudo: String,
    /// Une copie de la socket du client, pour lui écrire depuis n'importe quel thread.
    pub flux: TcpStream,
}

/// L'état partagé du salon : qui est là, et comment lui écrire.
///
/// # Question : que se passe-t-il si plusieurs threads modifient les mêmes données sans verrou ?
///
/// Dans la plupart des langages, on obtient une **course aux données** (*data race*) : deux
/// threads écrivent la même mémoire en même temps, ou l'un lit pendant que l'autre écrit. Une
/// mise à jour se perd (`n += 1` fait par deux threads n'ajoute parfois qu'un), une table de
/// hachage est lue pendant qu'elle se réorganise et le programme plante ou renvoie n'importe quoi.
/// En C ou C++, c'est un comportement indéfini ; en Python, le GIL protège chaque instruction
/// élémentaire mais pas une suite d'instructions : dans le serveur d'origine, `clients` et
/// `nicknames` sont deux listes modifiées séparément par plusieurs threads, et un départ au mauvais
/// moment décale les pseudos par rapport aux sockets.
///
/// **En Rust, ce programme ne compile pas.** `thread::spawn` exige que ce qu'on donne au thread
/// soit [`Send`] (transférable à un autre thread) et `'static` (qu'il ne puisse pas survivre aux
/// données empruntées) ; partager une valeur entre threads exige qu'elle soit [`Sync`]
/// (utilisable par plusieurs threads à travers `&`). Or les types qui permettent de modifier à
/// travers une référence partagée sans synchronisation ne le sont pas :
///
/// ```compile_fail,E0277
/// use std::rc::Rc;
/// use std::cell::RefCell;
///
/// let membres = Rc::new(RefCell::new(Vec::<String>::new()));
/// let copie = Rc::clone(&membres);
/// // erreur : `Rc<RefCell<Vec<String>>>` cannot be sent between threads safely
/// std::thread::spawn(move || copie.borrow_mut().push("alice".to_string()));
/// ```
///
/// ```compile_fail,E0277
/// use std::sync::Arc;
/// use std::cell::RefCell;
///
/// let membres = Arc::new(RefCell::new(Vec::<String>::new()));
/// let copie = Arc::clone(&membres);
/// // erreur : `RefCell<Vec<String>>` cannot be shared between threads safely (il n'est pas `Sync`)
/// std::thread::spawn(move || copie.borrow_mut().push("alice".to_string()));
/// ```
///
/// Le compilateur ne laisse passer que les versions synchronisées : `Arc<Mutex<…>>` (voir
/// [`SalonPartage`]), des atomiques, ou des canaux. Les courses *aux données* sont donc exclues ;
/// les courses *logiques* (vérifier puis agir en deux fois) ne le sont pas : voir [`inscrire`].
#[derive(Debug, Default)]
pub struct Salon {
    membres: HashMap<u64, Membre>,
    prochain: u64,
}

/// Le salon tel que les threads le partagent.
///
/// # Question : comment gérer un état partagé ?
///
/// En le mettant dans **une** valeur, possédée à plusieurs et protégée par un verrou :
///
/// - [`Arc`] (*atomically reference counted*) donne à chaque thread sa propre poignée vers le même
///   salon ; le salon est libéré quand la dernière poignée disparaît. Le compteur est atomique,
///   donc `Arc` peut changer de thread (contrairement à `Rc`).
/// - [`Mutex`] garantit qu'un seul thread à la fois touche au contenu. On n'accède aux données
///   **que** par `lock()`, qui rend une garde ; le verrou est relâché quand la garde est abandonnée
///   (à la fin du bloc). Impossible d'oublier de verrouiller, ou de déverrouiller.
///
/// Règles d'usage : tenir le verrou le moins longtemps possible, et ne jamais attendre quoi que ce
/// soit en le tenant. [`diffuser`] enfreint la seconde règle : c'est la limite de cette étape.
///
/// L'autre grande voie est l'**envoi de messages** : un seul thread possède l'état, les autres lui
/// écrivent par un canal (`std::sync::mpsc`), comme à l'étape 4.
pub type SalonPartage = Arc<Mutex<Salon>>;

/// Prend le verrou du salon.
///
/// Si un thread a paniqué en tenant le verrou, le `Mutex` est « empoisonné » : `lock()` rend une
/// erreur pour prévenir que les données sont peut-être à moitié modifiées. Nos sections critiques
/// ne laissent jamais le salon incohérent (chaque modification tient en une opération), alors on
/// reprend les données plutôt que de faire tomber tous les autres threads.
///
/// Le piège : un `Mutex` ne se prend **pas deux fois**, même par le thread qui le tient déjà.
/// Appeler une fonction qui verrouille (`envoyer_a`, `trouver`…) pendant que vous tenez la garde
/// bloque ce thread pour toujours, verrou tenu, et tout le salon avec lui. Une fonction qui a
/// déjà la garde travaille donc sur `Salon` directement.
fn verrouiller(salon: &SalonPartage) -> MutexGuard<'_, Salon> {
    salon.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Le membre qui porte `pseudo`, sans distinguer majuscules et minuscules : son numéro et son
/// pseudo tel qu'il l'a écrit ; `None` si personne ne le porte.
///
/// La règle des pseudos tient ici, une fois : [`pseudo_disponible`] (à l'entrée, pour `/pseudo`)
/// et `/mp` (trouver le destinataire) s'en servent tous deux.
pub fn trouver(salon: &SalonPartage, pseudo: &str) -> Option<(u64, String)> {
    // corrigé:début Indice : la règle des pseudos, écrite une fois : cherchez dans le salon, sous le verrou, le membre dont le pseudo est le même sans distinguer la casse ; rendez son numéro et son pseudo tel qu'il l'a écrit.
    let cible = pseudo.to_lowercase();
    verrouiller(salon)
        .membres
        .iter()
        .find(|(_, membre)| membre.pseudo.to_lowercase() == cible)
        .map(|(id, membre)| (*id, membre.pseudo.clone()))
    // corrigé:fin
}

/// Vrai si aucun membre n'a déjà ce pseudo, sans distinguer majuscules et minuscules.
pub fn pseudo_disponible(salon: &SalonPartage, pseudo: &str) -> bool {
    trouver(salon, pseudo).is_none()
}

/// Inscrit un nouveau membre et rend son numéro.
///
/// ⚠ Appelée après [`pseudo_disponible`], elle forme une séquence « vérifier, puis agir » en
/// **deux sections critiques** : entre les deux, le verrou est libre, et un autre thread peut
/// inscrire le même pseudo. Rust n'y voit rien à redire (chaque accès est bien synchronisé) :
/// c'est une course *logique*. L'étape 8 l'évite en faisant les deux dans une seule section.
pub fn inscrire(salon: &SalonPartage, pseudo: &str, flux: TcpStream) -> u64 {
    // corrigé:début Indice : entrer dans le salon : sous le verrou, donnez au nouveau membre un numéro jamais donné, rangez-le sous ce numéro (son pseudo, sa copie de la socket), et rendez le numéro.
    let mut salon = verrouiller(salon);
    salon.prochain += 1;
    let id = salon.prochain;
    salon.membres.insert(
        id,
        Membre {
            pseudo: pseudo.to_string(),
            flux,
        },
    );
    id
    // corrigé:fin
}

/// Retire un membre et rend son pseudo.
pub fn retirer(salon: &SalonPartage, id: u64) -> Option<String> {
    // corrigé:début Indice : sortir du salon : sous le verrou, retirez le membre `id` et rendez son pseudo, ou `None` s'il n'y était plus.
    verrouiller(salon)
        .membres
        .remove(&id)
        .map(|membre| membre.pseudo)
    // corrigé:fin
}

/// Envoie `ligne` à tous les membres sauf `auteur`.
///
/// Chaque membre reçoit la ligne suivie de `'\n'`. `auteur` vaut `None` pour une annonce que tout
/// le monde reçoit. Un membre à qui l'on ne peut plus écrire (parti) n'est pas une erreur : on
/// passe au suivant, et son thread verra le départ.
///
/// # Question : comment diffuser à tous ?
///
/// En parcourant les membres **sous le verrou** et en écrivant la ligne dans la socket de chacun.
/// Le verrou garantit que la liste ne change pas pendant le parcours, et que deux diffusions ne
/// mélangent pas leurs octets dans une même socket. Une écriture qui échoue (client parti) est
/// ignorée : le thread de ce client verra la déconnexion et le retirera.
///
/// ⚠ **Limite assumée** : `write_all` peut *bloquer*. Quand un client ne lit plus, ses tampons
/// TCP se remplissent et l'écriture vers lui attend… verrou tenu. Tous les autres threads
/// attendent alors le verrou : plus personne ne reçoit rien, ni ne peut partir proprement. L'étape 8
/// sort les écritures du verrou : une file et un thread d'écriture par client.
pub fn diffuser(salon: &SalonPartage, auteur: Option<u64>, ligne: &str) {
    // corrigé:début Indice : la diffusion : la ligne part à chaque membre du salon sauf son auteur, écrite dans sa socket en tenant le verrou (la limite assumée de l'énoncé) ; un membre parti n'est pas une erreur.
    let message = format!("{ligne}\n");
    let salon = verrouiller(salon);
    for (id, membre) in &salon.membres {
        if Some(*id) != auteur {
            let _ = (&membre.flux).write_all(message.as_bytes());
        }
    }
    // corrigé:fin
}

/// Envoie `ligne` au seul membre `id` (sous le verrou, pour ne pas se mélanger aux diffusions).
///
/// La ligne part suivie de `'\n'`, d'un seul `write_all`. Un membre qui n'est plus là, ou une
/// écriture qui échoue, ne demande rien de plus : son thread verra le départ.
pub fn envoyer_a(salon: &SalonPartage, id: u64, ligne: &str) {
    // corrigé:début Indice : écrivez une ligne à un seul membre, sous le verrou pour ne pas vous mélanger aux diffusions ; s'il n'est plus là ou que l'écriture échoue, il n'y a rien à faire.
    let salon = verrouiller(salon);
    if let Some(membre) = salon.membres.get(&id) {
        let _ = (&membre.flux).write_all(format!("{ligne}\n").as_bytes());
    }
    // corrigé:fin
}

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, sert tout le monde, sans fin.
pub fn lancer_serveur(adresse: IpAddr, port: u16) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    console(&format!("[ÉCOUTE] Serveur en écoute sur {locale}"));
    servir(ecoute, SalonPartage::default(), true);
    Ok(())
}

/// La pause après un échec d'`accept` (la même qu'à l'étape 3, et pour la même raison).
pub const PAUSE_ACCEPT: Duration = Duration::from_millis(100);

/// Écrit une ligne sur la console. Chaque thread de client y écrit : si la sortie
/// standard est fermée, `println!` **paniquerait** dans chacun d'eux ; une erreur ignorée ne fait
/// tomber personne.
pub fn console(texte: &str) {
    let _ = writeln!(io::stdout().lock(), "{texte}");
}

/// Accepte les connexions et lance un thread par client. `evenements` : écrire la console sur la
/// sortie standard (la démo s'en passe).
///
/// Les poignées des threads sont gardées : on ne perd la trace d'aucun. Celles des threads
/// terminés sont retirées à chaque nouvelle connexion. Ce serveur tourne jusqu'à ce qu'on
/// l'interrompe (Ctrl-C) ; l'étape 8 ajoute un arrêt propre qui les attend tous.
///
/// Un échec d'`accept` se traite comme à l'étape 3 : si `evenements`, la ligne
/// `[ERREUR] Connexion refusée par le système : <erreur> (on réessaie toutes les 100 ms)`, l'erreur
/// en français (`etape1_connexion::francais::erreur_systeme`), écrite avec [`console`] une fois
/// par épisode ; puis, dans tous les cas, une pause de [`PAUSE_ACCEPT`] après chaque échec.
pub fn servir(ecoute: TcpListener, salon: SalonPartage, evenements: bool) {
    // corrigé:début Indice : un thread par client : acceptez les connexions sans fin et confiez chacune à `servir_client` dans un nouveau thread, avec sa poignée vers le salon partagé ; gardez la trace de chaque thread.
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let mut en_echec = false;
    for connexion in ecoute.incoming() {
        let flux = match connexion {
            Ok(flux) => flux,
            Err(erreur) => {
                // Plus de descripteurs de fichiers : `accept` échouerait aussitôt, en boucle.
                if evenements && !en_echec {
                    console(&format!(
                        "[ERREUR] Connexion refusée par le système : {erreur} (on réessaie toutes les 100 ms)",
                        erreur = etape1_connexion::francais::erreur_systeme(&erreur)
                    ));
                }
                en_echec = true;
                thread::sleep(PAUSE_ACCEPT);
                continue;
            }
        };
        en_echec = false;
        threads.retain(|thread| !thread.is_finished());
        let salon = Arc::clone(&salon);
        threads.push(thread::spawn(move || {
            servir_client(flux, salon, evenements)
        }));
    }
    // corrigé:fin
}

/// Le thread d'un client : pseudo, puis ses lignes jusqu'au départ, puis l'annonce du départ.
pub fn servir_client(flux: TcpStream, salon: SalonPartage, evenements: bool) {
    let Ok(pair) = flux.peer_addr() else {
        return;
    };
    // Chaque ligne part dans son propre `write` : sans `TCP_NODELAY`, l'algorithme de Nagle
    // retiendrait une ligne tant que la précédente n'est pas acquittée (40 ms ou plus : l'ACK retardé de l'autre côté).
    let _ = flux.set_nodelay(true);
    if evenements {
        console(&format!("[CONNEXION] {pair}"));
    }
    let Ok(lecture) = flux.try_clone() else {
        return;
    };
    let mut lecteur = BufReader::new(lecture);
    let Some(pseudo) = choisir_pseudo(&flux, &mut lecteur, &salon) else {
        if evenements {
            console(&format!(
                "[DÉCONNEXION] {pair} parti avant de choisir un pseudo"
            ));
        }
        return;
    };
    // ⚠ Deux sections critiques : voir `inscrire`.
    let Ok(copie) = flux.try_clone() else {
        return;
    };
    let id = inscrire(&salon, &pseudo, copie);
    if evenements {
        console(&format!("[ARRIVÉE] {pair} est {pseudo}"));
    }
    // L'annonce d'abord, l'accueil ensuite : quand le nouveau venu lit « bienvenue », tous les
    // autres ont déjà reçu son arrivée, avant tout ce qui suivra.
    diffuser(
        &salon,
        Some(id),
        &format!("*** {pseudo} a rejoint le salon"),
    );
    envoyer_a(
        &salon,
        id,
        &format!("= bienvenue {pseudo} ; /aide pour les commandes"),
    );

    let depart = converser(&mut lecteur, &salon, id, pseudo.clone(), evenements);
    let pseudo = retirer(&salon, id).unwrap_or(pseudo);
    let _ = flux.shutdown(Shutdown::Both);
    if evenements {
        console(&format!("[DÉCONNEXION] {pair} ({pseudo}) : {depart}"));
    }
    diffuser(&salon, None, &format!("*** {pseudo} a quitté le salon"));
}

/// La poignée de main : demande un pseudo jusqu'à en obtenir un valide et libre. `None` si le
/// client part avant.
pub fn choisir_pseudo(
    flux: &TcpStream,
    lecteur: &mut impl BufRead,
    salon: &SalonPartage,
) -> Option<String> {
    let mut ecrivain = flux;
    writeln!(ecrivain, "{MESSAGE_BIENVENUE} {INVITE_PSEUDO}").ok()?;
    loop {
        let refus = match lire_ligne(lecteur, LIMITE_LIGNE).ok()? {
            Ligne::Texte(pseudo) => {
                let pseudo = pseudo.trim().to_string();
                match valider_pseudo(&pseudo) {
                    Err(raison) => raison,
                    Ok(()) if pseudo_disponible(salon, &pseudo) => return Some(pseudo),
                    Ok(()) => format!("le pseudo « {pseudo} » est déjà pris"),
                }
            }
            Ligne::TropLongue => "pseudo refusé : ligne trop longue".to_string(),
            Ligne::PasUtf8 => "pseudo refusé : ce n'est pas du texte UTF-8".to_string(),
            Ligne::Fin => return None,
        };
        writeln!(ecrivain, "ERREUR : {refus}\n{INVITE_PSEUDO}").ok()?;
    }
}

/// Traite les lignes d'un membre inscrit jusqu'à son départ ; rend la façon dont il est parti.
/// `pseudo` suit les `/pseudo` du membre (c'est son thread qui les fait).
fn converser(
    lecteur: &mut impl BufRead,
    salon: &SalonPartage,
    id: u64,
    mut pseudo: String,
    evenements: bool,
) -> String {
    loop {
        let ligne = match lire_ligne(lecteur, LIMITE_LIGNE) {
            Ok(Ligne::Texte(ligne)) => ligne,
            Ok(Ligne::TropLongue) => {
                let message =
                    format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée");
                envoyer_a(salon, id, &message);
                continue;
            }
            Ok(Ligne::PasUtf8) => {
                envoyer_a(
                    salon,
                    id,
                    "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8",
                );
                continue;
            }
            Ok(Ligne::Fin) => return "fin de la connexion".to_string(),
            Err(erreur) => {
                return format!(
                    "connexion perdue ({erreur})",
                    erreur = etape1_connexion::francais::erreur_systeme(&erreur)
                );
            }
        };
        match analyser(&ligne) {
            Ok(Entree::Message(texte)) => {
                let ligne = format!("{pseudo} : {}", nettoyer(&texte));
                if evenements {
                    console(&format!("[MESSAGE] {ligne}"));
                }
                diffuser(salon, Some(id), &ligne);
            }
            Ok(Entree::Commande(Commande::Quitter)) => return FIN.to_string(),
            Ok(Entree::Commande(commande)) => {
                let reponse = executer(commande, salon, id, &mut pseudo);
                envoyer_a(salon, id, &reponse);
            }
            Err(raison) => envoyer_a(salon, id, &format!("ERREUR : {raison}")),
        }
    }
}

/// Exécute une commande d'un membre et rend la réponse à lui envoyer ; `/pseudo` met `pseudo`
/// à jour.
fn executer(commande: Commande, salon: &SalonPartage, id: u64, pseudo: &mut String) -> String {
    if let Some(reponse) = repondre(&commande) {
        return match reponse {
            Ok(resultat) => format!("= {resultat}"),
            Err(raison) => format!("ERREUR : {raison}"),
        };
    }
    match commande {
        Commande::Liste => {
            let salon = verrouiller(salon);
            let mut pseudos: Vec<&str> =
                salon.membres.values().map(|m| m.pseudo.as_str()).collect();
            pseudos.sort_unstable();
            format!("= connectés ({}) : {}", pseudos.len(), pseudos.join(", "))
        }
        Commande::Mp {
            destinataire,
            texte,
        } => match trouver(salon, &destinataire) {
            Some((autre, nom)) => {
                envoyer_a(
                    salon,
                    autre,
                    &format!("[mp] {pseudo} : {}", nettoyer(&texte)),
                );
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
            if !pseudo_disponible(salon, &nouveau) {
                return format!("ERREUR : le pseudo « {nouveau} » est déjà pris");
            }
            if let Some(membre) = verrouiller(salon).membres.get_mut(&id) {
                membre.pseudo = nouveau.clone();
            }
            let ancien = std::mem::replace(pseudo, nouveau.clone());
            diffuser(
                salon,
                Some(id),
                &format!("*** {ancien} s'appelle maintenant {nouveau}"),
            );
            format!("= vous êtes maintenant « {nouveau} »")
        }
        // Déjà traitées : par `repondre`, ou par `converser` pour `/quitter`.
        Commande::Quitter | Commande::Aide | Commande::Texte(_) => String::new(),
    }
}

/// Le client de l'étape 4 : un thread envoie les lignes de `entree` (la première est le pseudo),
/// puis [`FIN`] ; le thread courant affiche ce qui arrive jusqu'à ce que le serveur ferme.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    etape4_communication::client(adresse, port, Cadrage::Ligne, entree, sortie)
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
            autre => writeln!(sortie, "[{}] {autre:?}", self.nom)?,
        }
        Ok(())
    }
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
///
/// Le serveur tourne dans un thread, sans console ; la démo attend chaque ligne avant de passer à
/// la suivante, d'où une transcription toujours identique. Le thread du serveur n'est pas
/// attendu : il s'arrête avec le programme.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        sortie,
        "=== Démo de l'étape 7 : plusieurs clients à la fois ==="
    )?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    thread::spawn(move || servir(ecoute, SalonPartage::default(), false));

    let mut alice = Personnage::arriver("alice", adresse)?;
    alice.entendre(sortie)?;
    alice.dire("alice", sortie)?;
    alice.entendre(sortie)?;
    let mut bob = Personnage::arriver("bob", adresse)?;
    bob.entendre(sortie)?;
    bob.dire("Alice", sortie)?;
    bob.entendre(sortie)?;
    bob.entendre(sortie)?;
    bob.dire("bob", sortie)?;
    bob.entendre(sortie)?;
    alice.entendre(sortie)?;
    alice.dire("Bonjour bob !", sortie)?;
    bob.entendre(sortie)?;
    bob.dire("/liste", sortie)?;
    bob.entendre(sortie)?;
    bob.dire("/mp alice psst", sortie)?;
    alice.entendre(sortie)?;
    bob.entendre(sortie)?;
    bob.dire(FIN, sortie)?;
    alice.entendre(sortie)?;
    figer_le_salon(&mut alice, adresse, sortie)
}

/// Le deuxième acte de la démo : un client qui ne lit plus fige tout le salon.
///
/// carol rejoint puis ne lit plus rien ; dave lit tout, dans son propre thread ; alice envoie
/// 20 Mo. Quand les tampons TCP de carol sont pleins, l'écriture vers elle bloque **en tenant le
/// verrou** : plus rien ne bouge, même la réponse à la commande de dave. Quand carol s'en va,
/// l'écriture échoue, le verrou est rendu et le salon repart. Chaque attente a son délai.
fn figer_le_salon(
    alice: &mut Personnage,
    adresse: SocketAddr,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    writeln!(
        sortie,
        "[démo] carol rejoint le salon, puis cesse de lire (programme suspendu, réseau saturé…)."
    )?;
    let mut carol = Personnage::arriver("carol", adresse)?;
    carol.entendre(sortie)?;
    carol.dire("carol", sortie)?;
    carol.entendre(sortie)?;
    alice.entendre(sortie)?;
    let mut dave = Personnage::arriver("dave", adresse)?;
    dave.entendre(sortie)?;
    dave.dire("dave", sortie)?;
    dave.entendre(sortie)?;
    alice.entendre(sortie)?;
    // dave lit tout ce qui arrive ; la démo ne reçoit que les réponses à ses commandes (« = … »)
    // et l'instant de chaque ligne de la rafale.
    let (reponses, recues) = std::sync::mpsc::channel();
    let Personnage {
        flux: ecrivain_dave,
        mut lecteur,
        ..
    } = dave;
    thread::spawn(move || {
        while let Ok(Ligne::Texte(ligne)) = lire_ligne(&mut lecteur, LIMITE_LIGNE) {
            let evenement = if ligne.starts_with("= ") {
                Some(ligne)
            } else {
                None
            };
            if reponses.send(evenement).is_err() {
                return;
            }
        }
    });
    writeln!(
        sortie,
        "[alice] > (20 000 lignes de 1 000 caractères, 20 Mo d'un coup)"
    )?;
    let mut rafale = alice.flux.try_clone()?;
    thread::spawn(move || {
        let ligne = format!("{}\n", "x".repeat(1000));
        for _ in 0..20_000 {
            if rafale.write_all(ligne.as_bytes()).is_err() {
                return;
            }
        }
    });
    // Le salon est figé quand dave ne reçoit plus rien pendant une seconde.
    let debut = std::time::Instant::now();
    while recues.recv_timeout(Duration::from_secs(1)).is_ok() {
        if debut.elapsed() > Duration::from_secs(30) {
            anyhow::bail!("la démo n'a pas vu le salon se figer en 30 s");
        }
    }
    writeln!(
        sortie,
        "[démo] dave ne reçoit plus rien : les tampons de carol sont pleins, et l'écriture vers elle attend en tenant le verrou."
    )?;
    writeln!(sortie, "[dave] > /majuscules salut")?;
    writeln!(&ecrivain_dave, "/majuscules salut")?;
    let reponse = attendre_reponse(&recues, Duration::from_secs(1));
    match reponse {
        None => writeln!(
            sortie,
            "[dave] (pas de réponse en 1 s : tout le salon attend carol)"
        )?,
        Some(reponse) => writeln!(
            sortie,
            "[dave] {reponse} (inattendu : le salon n'est pas figé)"
        )?,
    }
    writeln!(
        sortie,
        "[démo] carol s'en va : l'écriture vers elle échoue, le verrou est rendu."
    )?;
    drop(carol);
    match attendre_reponse(&recues, Duration::from_secs(30)) {
        Some(reponse) => writeln!(sortie, "[dave] {reponse}")?,
        None => writeln!(sortie, "[dave] (toujours rien en 30 s)")?,
    }
    writeln!(
        sortie,
        "[démo] Le salon repart ; l'étape 8 ne laisse jamais un client sourd le figer."
    )?;
    Ok(())
}

/// La prochaine réponse « = … » de dave, ou `None` si le délai passe.
fn attendre_reponse(
    recues: &std::sync::mpsc::Receiver<Option<String>>,
    delai: Duration,
) -> Option<String> {
    let echeance = std::time::Instant::now() + delai;
    loop {
        let reste = echeance.checked_duration_since(std::time::Instant::now())?;
        match recues.recv_timeout(reste) {
            Ok(Some(reponse)) => return Some(reponse),
            Ok(None) => continue,
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};
    use std::io::Read;

    fn paire() -> (TcpStream, TcpStream) {
        let ecoute = TcpListener::bind("127.0.0.1:0").expect("port libre");
        let client = TcpStream::connect(ecoute.local_addr().expect("adresse")).expect("connexion");
        let (serveur, _) = ecoute.accept().expect("acceptation");
        (serveur, client)
    }

    /// Fait le test dans un thread et l'attend au plus 10 s (`tests::pannes::dans_le_delai`) : un
    /// interblocage (un verrou pris deux fois) fait échouer le test, en français, au lieu de le
    /// bloquer pour toujours.
    fn dans_le_delai(test: impl FnOnce() + Send + 'static) {
        ::tests::pannes::dans_le_delai(
            Duration::from_secs(10),
            "le verrou du salon est pris deux fois par le même thread (un `Mutex` ne se \
             prend pas deux fois : n'appelez pas une fonction qui verrouille, comme `envoyer_a`, \
             pendant que vous tenez la garde), ou une ligne est envoyée sans son saut de ligne et \
             le lecteur l'attend encore",
            test,
        );
    }

    #[test]
    fn la_diffusion_atteint_tout_le_monde_sauf_l_auteur() {
        dans_le_delai(|| {
            let salon = SalonPartage::default();
            let (s1, c1) = paire();
            let (s2, c2) = paire();
            let alice = inscrire(&salon, "alice", s1);
            inscrire(&salon, "bob", s2);
            diffuser(&salon, Some(alice), "alice : salut");
            c2.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("délai de lecture");
            let mut ligne = String::new();
            let lu = BufReader::new(c2).read_line(&mut ligne);
            assert!(
                lu.is_ok() && ligne.ends_with('\n'),
                "Étape 7 : bob devait recevoir « alice : salut » suivi d'un saut de ligne ; reçu \
                 « {ligne} » en 5 s ({lu:?}). La ligne diffusée finit-elle par '\\n' ?"
            );
            egal!(ligne, "alice : salut\n");
            c1.set_nonblocking(true).expect("non bloquant");
            let mut rien = [0u8; 1];
            assert!(
                (&c1).read(&mut rien).is_err(),
                "l'auteur ne reçoit pas son propre message"
            );
        });
    }

    #[test]
    fn un_pseudo_pris_l_est_sans_distinction_de_casse() {
        dans_le_delai(|| {
            let salon = SalonPartage::default();
            let (s1, _c1) = paire();
            inscrire(&salon, "Alice", s1);
            vrai!(!pseudo_disponible(&salon, "alice"));
            vrai!(!pseudo_disponible(&salon, "ALICE"));
            vrai!(pseudo_disponible(&salon, "bob"));
        });
    }

    #[test]
    fn retirer_libere_le_pseudo() {
        dans_le_delai(|| {
            let salon = SalonPartage::default();
            let (s1, _c1) = paire();
            let id = inscrire(&salon, "alice", s1);
            egal!(retirer(&salon, id).as_deref(), Some("alice"));
            vrai!(pseudo_disponible(&salon, "alice"));
        });
    }
}
