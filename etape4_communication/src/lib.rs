//! # Étape 4 — Communication client-serveur
//!
//! ## Objectifs
//!
//! - **Duplex intégral** : ce que l'on tape sur la console du serveur part vers le client connecté,
//!   pendant que les lignes du client s'affichent sur la console. Le client, lui aussi, lit et
//!   écrit en même temps.
//! - Un **message de fin**, `/quitter`, envoyé par l'un ou l'autre, clôt la conversation
//!   proprement ; le serveur attend alors le client suivant.
//! - Deux **cadrages** au choix (`--cadrage ligne|entete`) : les lignes des étapes précédentes, ou
//!   un en-tête de 64 octets qui annonce la longueur du message (le cadrage du serveur Python
//!   d'origine). Avec l'en-tête, un message peut contenir des sauts de ligne.
//!
//! ## Ce qui change depuis l'étape 3
//!
//! - Des **threads** : côté serveur, un thread lit le clavier et un thread lit la socket du client ;
//!   côté client, un thread lit le clavier pendant que le thread principal lit la socket.
//! - Le serveur est organisé autour d'un **canal** ([`std::sync::mpsc`]) d'[`Evenement`]s : le
//!   thread principal reçoit, dans l'ordre d'arrivée, les lignes tapées et les messages reçus.
//! - Nouveau : [`Cadrage`], [`ecrire_message`], [`lire_message`] ; [`FIN`].
//!
//! ## Ce que vous écrivez
//!
//! Sept petites fonctions, chacune une idée :
//!
//! - `lire_avec_entete` : le second cadrage, un en-tête de longueur vérifié avant d'allouer ;
//! - [`converser`] : le serveur à deux threads, l'un lit la socket ([`lire_client`], donné),
//!   l'autre traite les événements du canal ;
//! - [`envoyer_de_la_console`] et [`traiter_message`] : ce que fait chaque événement, une ligne
//!   tapée sur la console ou un message reçu du client (les textes des refus sont donnés :
//!   [`refus_de`]) ;
//! - [`clore_en_douceur`] : la fin voulue, le segment FIN de TCP (`shutdown(Write)`) puis lire ce
//!   qui reste (l'attente bornée qui suit est donnée : [`attendre_evenement`]) ;
//! - [`envoyer_l_entree`] et [`client_avec_limite`] : le client, deux threads, l'un envoie,
//!   l'autre affiche ([`client`] l'appelle).
//!
//! Sont repris : le cadrage par lignes de l'étape 2 et la boucle d'accueil de l'étape 3
//! ([`servir`] l'appelle). Les étapes 5 à 8 réutilisent votre client.
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape4_communication                          # terminal 1 : tapez, ça part au client
//! cargo run -p etape4_communication -- client                # terminal 2 : tapez, ça part au serveur
//! cargo run -p etape4_communication -- --cadrage entete      # serveur avec en-tête de longueur
//! cargo run -p etape4_communication -- client --cadrage entete
//! nc 127.0.0.1 5050                                          # en cadrage ligne seulement
//! ```
//!
//! ## Résultat attendu
//!
//! ```text
//! === Démo de l'étape 4 : communication client-serveur ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [A] Bienvenue sur le serveur !
//! [démo] Sur la console du serveur, on tape : Bonjour A, ici le serveur.
//! [A] Bonjour A, ici le serveur.
//! [démo] A envoie « Bonjour serveur ! » puis « /quitter ».
//! [A] (le serveur a fermé la connexion)
//! [B] Bienvenue sur le serveur !
//! [démo] Sur la console du serveur, on tape : /quitter
//! [B] /quitter
//! [B] (le serveur a fermé la connexion)
//! [démo] En cadrage « entete », le message « deux\nlignes » s'écrit ainsi (75 octets) :
//! [démo] "11                                                              deux\nlignes"
//! [démo] Console du serveur :
//! [CONNEXION] Client connecté depuis 127.0.0.1:52814
//! [ENVOI] à 127.0.0.1:52814 : Bonjour A, ici le serveur.
//! [MESSAGE] 127.0.0.1:52814 : Bonjour serveur !
//! [FIN] 127.0.0.1:52814 a envoyé /quitter
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52814 terminée
//! [CONNEXION] Client connecté depuis 127.0.0.1:52816
//! [FIN] La console du serveur a envoyé /quitter à 127.0.0.1:52816
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52816 terminée
//! ```
//!
//! Trois lignes de la console que la démo ne montre pas, et que les tests vérifient :
//!
//! ```text
//! [ERREUR] Connexion avec 127.0.0.1:52818 perdue : connexion coupée brutalement par l'autre côté (…)
//! [CONSOLE] 127.0.0.1:52818 s'en va, ligne ignorée : bonjour
//! [CONSOLE] Aucun client n'écoutait, ligne ignorée : bonjour
//! ```
//!
//! La première dit une coupure brutale (un RST, pas un `/quitter`) ; la deuxième, une ligne tapée
//! sur la console après un `/quitter`, pendant que la conversation se termine : elle ne part pas,
//! et on le dit ; la troisième, une ligne tapée quand aucun client n'était là.
//!
//! ## Questions du TP
//!
//! 1. *Y a-t-il conflit si le serveur attend pendant que le client envoie ?* → [`converser`].
//! 2. *Comment rendre le système non bloquant ?* → [`Evenement`].
//! 3. *Comment clore proprement ?* → [`FIN`].
//!
//! ## Pour aller plus loin
//!
//! 1. Pendant une conversation, lancez un second client : que reçoit-il, et quand ?
//! 2. Écrivez avec `python3` un client qui envoie un en-tête annonçant `99999999999` octets :
//!    que répond le serveur ? Pourquoi n'a-t-il rien alloué ?
//! 3. Lancez le serveur avec `--cadrage entete`, connectez-vous avec `nc` (ou `ncat`) et tapez
//!    `bonjour` : pourquoi rien ne se passe-t-il ? Tapez encore une longue ligne : que répond le
//!    serveur, et pourquoi ferme-t-il ? (Les deux côtés doivent parler le même cadrage.)

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use etape2_boucle::Ligne;

/// Le message que le serveur envoie à chaque client.
pub const MESSAGE_BIENVENUE: &str = "Bienvenue sur le serveur !";

/// Taille maximale d'un message, en octets (ligne sans son `\n`, ou contenu après l'en-tête).
pub const LIMITE_MESSAGE: usize = 4096;

/// Taille de l'en-tête du cadrage [`Cadrage::Entete`] : la longueur du message en chiffres
/// ASCII, complétée par des espaces (`"11"` puis 62 espaces).
pub const TAILLE_ENTETE: usize = 64;

/// Durée au-delà de laquelle un client qui n'envoie plus rien est congédié (voir l'étape 3).
pub const DELAI_INACTIVITE: Duration = Duration::from_secs(300);

/// Le plus longtemps qu'un envoi au client peut rester bloqué dans `write` (un client qui ne lit
/// plus) ; passé ce délai, la conversation se termine. Voir l'étape 2 (pourquoi 250 ms).
pub const DELAI_ECRITURE: Duration = Duration::from_millis(250);

/// Nombre d'événements qui peuvent attendre dans le canal.
///
/// Un canal **borné** ([`mpsc::sync_channel`]) : quand il est plein, le thread de lecture attend
/// dans `send` et ne lit plus la socket ; TCP fait alors patienter le client qui inonde. Avec
/// `mpsc::channel`, sans borne, un client qui envoie plus vite que la console n'affiche ferait
/// grossir la mémoire du serveur sans limite (1,5 Go en 3 s, mesuré).
pub const FILE_EVENEMENTS: usize = 1024;

/// Après `/quitter`, le temps laissé à l'autre côté pour finir d'envoyer et fermer à son tour.
pub const DELAI_FERMETURE: Duration = Duration::from_secs(1);

/// Le message de fin de conversation, compris des deux côtés.
///
/// # Question : comment clore proprement ?
///
/// En deux temps, comme on raccroche au téléphone :
///
/// 1. **Se mettre d'accord** : celui qui veut partir envoie `/quitter`. L'autre sait alors que la
///    fin est voulue (et non une panne), peut finir ce qu'il faisait et l'écrire dans sa console.
/// 2. **Fermer sa moitié, puis lire la fin** : `shutdown(Shutdown::Write)` envoie un segment FIN
///    après les données déjà en route (« je n'enverrai plus rien ») ; de l'autre côté, `read`
///    rend 0 octet, la fin du flux. C'est une *demi-fermeture* : on peut encore lire ce qui
///    arrive, et on le lit, jusqu'à ce que l'autre ferme à son tour ou qu'un court délai passe
///    ([`clore_en_douceur`]). Le client fait de même quand son entrée se termine, après avoir
///    envoyé `/quitter`. (`shutdown(Read)`, sous Linux et macOS, n'envoie rien sur le réseau et
///    réveille une lecture bloquée ; sous Windows, il ne la réveille pas, et ce qui arrive ensuite
///    fait couper la connexion. `shutdown(Both)` envoie le FIN mais jette tout ce qui arrivera
///    ensuite.)
///
/// Enfin on **attend les threads** (`join`) pour qu'aucun ne survive à sa conversation. À
/// l'inverse, fermer une socket qui contient encore des données non lues fait envoyer au noyau un
/// RST : l'autre côté voit « connexion réinitialisée », une fin brutale.
pub const FIN: &str = "/quitter";

/// Comment on découpe le flux d'octets TCP en messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Cadrage {
    /// Un message = une ligne UTF-8 terminée par `\n` (un `\r` final est retiré).
    Ligne,
    /// Un message = un en-tête de 64 octets (longueur en chiffres ASCII, complétée par des
    /// espaces) suivi d'autant d'octets UTF-8. Le contenu peut contenir des `\n`.
    Entete,
}

/// Ce qu'une lecture de message peut donner.
#[derive(Debug, PartialEq, Eq)]
pub enum Message {
    /// Un message complet.
    Texte(String),
    /// Un message de plus de [`LIMITE_MESSAGE`] octets : il a été lu et jeté.
    TropLong,
    /// Un message complet dont les octets ne sont pas de l'UTF-8 valide.
    PasUtf8,
    /// Un en-tête qui n'est pas un nombre : le flux est désynchronisé, il faut fermer.
    EnteteInvalide,
    /// Un en-tête qui annonce plus que la limite : refusé sans rien allouer, il faut fermer.
    AnnonceTropLongue(u64),
    /// La fin du flux ; un message incomplet juste avant est abandonné.
    Fin,
}

/// Écrit `texte` dans `flux` selon le cadrage, en un seul `write_all`.
pub fn ecrire_message(flux: &mut impl Write, cadrage: Cadrage, texte: &str) -> io::Result<()> {
    let mut octets = Vec::with_capacity(TAILLE_ENTETE + texte.len() + 1);
    match cadrage {
        Cadrage::Ligne => {
            octets.extend_from_slice(texte.as_bytes());
            octets.push(b'\n');
        }
        Cadrage::Entete => {
            // `{:<64}` aligne à gauche sur 64 caractères : la longueur puis des espaces.
            octets.extend_from_slice(format!("{:<TAILLE_ENTETE$}", texte.len()).as_bytes());
            octets.extend_from_slice(texte.as_bytes());
        }
    }
    flux.write_all(&octets)?;
    flux.flush()
}

/// Lit le prochain message de `lecteur` selon le cadrage, sans jamais garder plus de
/// `limite + 1` octets en mémoire.
///
/// Avec l'en-tête, la longueur annoncée est **vérifiée avant toute allocation** : un en-tête qui
/// annonce 10 Go ne réserve pas 10 Go, il donne [`Message::AnnonceTropLongue`] et la connexion
/// doit être fermée (lire et jeter 10 Go occuperait le serveur pour rien).
pub fn lire_message(
    lecteur: &mut impl BufRead,
    cadrage: Cadrage,
    limite: usize,
) -> io::Result<Message> {
    match cadrage {
        Cadrage::Ligne => lire_ligne(lecteur, limite),
        Cadrage::Entete => lire_avec_entete(lecteur, limite),
    }
}

/// Le cadrage par lignes : la [`lire_ligne`](etape2_boucle::lire_ligne) de l'étape 2, dont le
/// résultat devient un [`Message`].
fn lire_ligne(lecteur: &mut impl BufRead, limite: usize) -> io::Result<Message> {
    Ok(match etape2_boucle::lire_ligne(lecteur, limite)? {
        Ligne::Texte(texte) => Message::Texte(texte),
        Ligne::TropLongue => Message::TropLong,
        Ligne::PasUtf8 => Message::PasUtf8,
        Ligne::Fin => Message::Fin,
    })
}

/// Le cadrage à en-tête de longueur.
///
/// L'en-tête fait [`TAILLE_ENTETE`] octets : la longueur en chiffres ASCII, complétée par des
/// espaces. S'il n'est pas un nombre, c'est un [`Message::EnteteInvalide`] ; s'il annonce plus
/// que `limite` (exactement `limite` octets sont permis), un [`Message::AnnonceTropLongue`], rendu
/// **sans rien allouer**. Sinon le contenu annoncé est lu, puis vérifié : du texte UTF-8, ou un
/// [`Message::PasUtf8`]. La fin du flux, dans l'en-tête comme au milieu du contenu, est un
/// [`Message::Fin`] (un message coupé est abandonné), pas une erreur ; toute autre erreur de
/// lecture remonte.
fn lire_avec_entete(lecteur: &mut impl BufRead, limite: usize) -> io::Result<Message> {
    // corrigé:début Indice : le second cadrage : lisez l'en-tête qui annonce la longueur, vérifiez-la AVANT d'allouer quoi que ce soit, puis lisez exactement le contenu annoncé. Les cas de `Message` disent quoi rendre.
    let mut entete = [0u8; TAILLE_ENTETE];
    match lecteur.read_exact(&mut entete) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Message::Fin),
        Err(e) => return Err(e),
    }
    let longueur: u64 = match std::str::from_utf8(&entete)
        .ok()
        .and_then(|texte| texte.trim().parse().ok())
    {
        Some(longueur) => longueur,
        None => return Ok(Message::EnteteInvalide),
    };
    if longueur > limite as u64 {
        return Ok(Message::AnnonceTropLongue(longueur));
    }
    // La longueur est maintenant bornée par `limite` : l'allocation est sûre.
    let mut contenu = vec![0u8; longueur as usize];
    match lecteur.read_exact(&mut contenu) {
        Ok(()) => Ok(vers_texte(contenu)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Message::Fin),
        Err(e) => Err(e),
    }
    // corrigé:fin
}

fn vers_texte(octets: Vec<u8>) -> Message {
    match String::from_utf8(octets) {
        Ok(texte) => Message::Texte(texte),
        Err(_) => Message::PasUtf8,
    }
}

// `nettoyer` est celle de l'étape 2 : elle rend visibles les caractères de contrôle, sauf la
// tabulation. Un message à en-tête peut contenir des sauts de ligne : les laisser passer
// permettrait d'écrire une fausse ligne `[CONNEXION] …` sur la console ; le client les affiche,
// lui, ligne par ligne ([`client`]).
pub use etape2_boucle::nettoyer;

/// Ce que reçoit le thread principal du serveur, dans l'ordre d'arrivée.
///
/// # Question : comment rendre le système non bloquant ?
///
/// Les appels restent bloquants, mais **chacun dans son thread** : un thread attend le clavier,
/// un autre attend la socket, et aucun n'empêche l'autre d'avancer. Ils déposent ce qu'ils lisent
/// dans un canal (borné : [`mpsc::sync_channel`], voir [`FILE_EVENEMENTS`]) ; le thread principal traite ces événements un par un, et
/// il est le seul à écrire sur la socket et sur la console : pas de données partagées, donc pas
/// de verrou. Le canal se charge de la synchronisation.
///
/// Autres voies : des sockets **non bloquantes** (`set_nonblocking(true)` : `read` rend
/// `WouldBlock` au lieu d'attendre) surveillées ensemble par `poll`/`epoll` (la bibliothèque
/// `mio`), ou un runtime asynchrone (`tokio`) qui le fait pour nous. Une boucle qui réessaie
/// sans cesse une socket non bloquante, elle, brûlerait le processeur pour rien.
#[derive(Debug)]
pub enum Evenement {
    /// Une ligne tapée sur la console du serveur.
    Console(String),
    /// Un message reçu du client.
    Recu(Message),
    /// Le thread de lecture du client a fini : la conversation est terminée (ou en erreur).
    Parti(Option<String>),
}

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Se connecte au serveur `adresse:port` (voir l'étape 1 pour les erreurs possibles).
pub fn connecter(adresse: IpAddr, port: u16) -> anyhow::Result<TcpStream> {
    TcpStream::connect((adresse, port)).map_err(|erreur| {
        // Ce client sert aussi aux étapes 5 à 8 : on nomme le programme réellement lancé.
        let programme = std::env::current_exe()
            .ok()
            .and_then(|chemin| Some(chemin.file_stem()?.to_string_lossy().into_owned()))
            .filter(|nom| nom.starts_with("etape"))
            .unwrap_or_else(|| "etape4_communication".to_string());
        etape1_connexion::francais::serveur_injoignable(adresse, port, &erreur, &programme)
    })
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, lit le clavier dans un thread,
/// sert les clients l'un après l'autre, sans fin.
pub fn lancer_serveur(adresse: IpAddr, port: u16, cadrage: Cadrage) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    let nom_du_cadrage = match cadrage {
        Cadrage::Ligne => "ligne",
        Cadrage::Entete => "entete",
    };
    println!("[ÉCOUTE] Serveur en écoute sur {locale} (cadrage {nom_du_cadrage})");
    let (emetteur, evenements) = mpsc::sync_channel(FILE_EVENEMENTS);
    let clavier = emetteur.clone();
    // Ce thread n'est jamais attendu : la bibliothèque standard ne sait pas interrompre une
    // lecture bloquante du clavier. Il s'arrête à la fin de l'entrée (Ctrl-D) ou avec le processus.
    thread::spawn(move || lire_clavier(io::stdin().lock(), clavier));
    servir(
        ecoute,
        cadrage,
        (emetteur, evenements),
        &mut io::stdout(),
        None,
    )
    .context("le serveur s'est arrêté sur une erreur")
}

/// Envoie chaque ligne de `clavier` comme [`Evenement::Console`], jusqu'à sa fin.
pub fn lire_clavier(clavier: impl BufRead, evenements: SyncSender<Evenement>) {
    for ligne in clavier.lines().map_while(Result::ok) {
        if evenements.send(Evenement::Console(ligne)).is_err() {
            return;
        }
    }
}

/// Sert les clients l'un après l'autre (ou `limite` clients, pour la démo et les tests).
///
/// `canal` est le canal des événements : on y reçoit les lignes de la console (déposées par
/// [`lire_clavier`] ou par la démo) et, via l'émetteur cloné, les messages du client.
pub fn servir(
    ecoute: TcpListener,
    cadrage: Cadrage,
    canal: (SyncSender<Evenement>, Receiver<Evenement>),
    console: &mut impl Write,
    limite: Option<usize>,
) -> io::Result<()> {
    let (emetteur, evenements) = canal;
    // La boucle d'accueil de l'étape 3, avec la conversation de cette étape.
    etape3_deconnexion::servir_avec(ecoute, console, limite, |flux, console, pair| {
        // Ce qui a été tapé pendant qu'aucun client n'était là n'est destiné à personne.
        for ancien in evenements.try_iter() {
            if let Evenement::Console(ligne) = ancien {
                writeln!(
                    console,
                    "[CONSOLE] Aucun client n'écoutait, ligne ignorée : {ligne}"
                )?;
            }
        }
        converser(
            flux.try_clone()?,
            pair,
            cadrage,
            &emetteur,
            &evenements,
            console,
        )
    })
}

/// Une conversation : un thread lit la socket, le thread courant traite les événements.
///
/// Le déroulé : les délais d'écriture ([`DELAI_ECRITURE`]) et de lecture ([`DELAI_INACTIVITE`])
/// de la socket, la bienvenue envoyée dans le cadrage de la conversation, puis le thread de
/// lecture ([`lire_client`], sur une copie de la socket, avec une copie de l'émetteur). Chaque
/// événement, attendu avec [`attendre_evenement`], va ensuite à [`envoyer_de_la_console`] ou à
/// [`traiter_message`] ; [`Evenement::Parti`] finit la conversation. S'il porte une erreur alors
/// que personne n'a envoyé `/quitter`, la console écrit
/// `[ERREUR] Connexion avec <pair> perdue : <erreur>` ; après un `/quitter`, la fin de la
/// lecture est attendue : ce n'est pas une panne. On attend enfin le thread de lecture, et l'on
/// rend `Ok(())` : la ligne `[DÉCONNEXION]` est écrite par la boucle d'accueil de l'étape 3.
///
/// # Question : y a-t-il conflit si le serveur attend pendant que le client envoie ?
///
/// Pas au niveau de TCP : chaque sens de la connexion a ses propres tampons dans le noyau. Ce
/// que le client envoie pendant que le serveur fait autre chose attend dans le tampon de
/// réception du serveur, sans rien perdre ; si ce tampon se remplit, TCP ralentit l'émetteur
/// (contrôle de flux) : son `write` bloque jusqu'à ce qu'on lise.
///
/// Le conflit est dans le **programme** : avec un seul thread, un serveur bloqué dans `read` sur
/// la socket ne peut pas en même temps lire le clavier, et inversement. Pire, si les deux côtés
/// attendent chacun que l'autre parle, ils attendent pour toujours (interblocage). D'où les deux
/// threads : celui-ci attend les événements, [`lire_client`] attend la socket.
pub fn converser(
    flux: TcpStream,
    pair: SocketAddr,
    cadrage: Cadrage,
    emetteur: &SyncSender<Evenement>,
    evenements: &Receiver<Evenement>,
    console: &mut impl Write,
) -> io::Result<()> {
    // corrigé:début Indice : le serveur à deux threads : un thread lit la socket (`lire_client`) pendant que celui-ci traite, dans l'ordre d'arrivée, les événements du canal jusqu'au départ du client, puis attend ce thread.
    let mut ecrivain = &flux;
    flux.set_write_timeout(Some(DELAI_ECRITURE))?;
    ecrire_message(&mut ecrivain, cadrage, MESSAGE_BIENVENUE)?;
    flux.set_read_timeout(Some(DELAI_INACTIVITE))?;
    let lecture = flux.try_clone()?;
    let emetteur = emetteur.clone();
    let lecteur = thread::spawn(move || lire_client(lecture, cadrage, emetteur));
    // Après `/quitter` : l'instant où l'on cesse d'attendre la fin de l'autre côté.
    let mut fermeture: Option<Instant> = None;
    while let Some(evenement) = attendre_evenement(evenements, &flux, &mut fermeture) {
        match evenement {
            Evenement::Console(ligne) => {
                envoyer_de_la_console(&flux, pair, cadrage, &ligne, &mut fermeture, console)?;
            }
            Evenement::Recu(message) => {
                traiter_message(&flux, pair, cadrage, message, &mut fermeture, console)?;
            }
            Evenement::Parti(erreur) => {
                // Après `/quitter`, la fin de la lecture est attendue : ce n'est pas une panne.
                if let Some(erreur) = erreur.filter(|_| fermeture.is_none()) {
                    writeln!(console, "[ERREUR] Connexion avec {pair} perdue : {erreur}")?;
                }
                break;
            }
        }
    }
    let _ = lecteur.join();
    Ok(())
    // corrigé:fin
}

/// Le prochain événement du canal ; `None` s'il est fermé.
///
/// Tant que personne n'a envoyé `/quitter` (`fermeture` vaut `None`), on attend sans limite : le
/// thread de lecture enverra toujours `Parti` à la fin. Après `/quitter`, on n'attend que jusqu'à
/// l'échéance : passée, `shutdown(Read)` réveille le thread de lecture (sa lecture rend la fin du
/// flux), qui envoie alors `Parti`. Cela vaut sous Linux et macOS ; sous Windows, `shutdown(Read)`
/// ne réveille pas une lecture bloquée : elle finit quand le client ferme à son tour (le client de
/// cette étape le fait dès qu'il lit la fin du flux), ou au plus tard au bout du délai
/// d'inactivité ([`DELAI_INACTIVITE`]). On attend donc ensuite `Parti` jusque-là, sans
/// recommencer.
pub fn attendre_evenement(
    evenements: &Receiver<Evenement>,
    flux: &TcpStream,
    fermeture: &mut Option<Instant>,
) -> Option<Evenement> {
    loop {
        let Some(echeance) = *fermeture else {
            return evenements.recv().ok();
        };
        match evenements.recv_timeout(echeance.saturating_duration_since(Instant::now())) {
            Ok(evenement) => return Some(evenement),
            Err(RecvTimeoutError::Timeout) => {
                let _ = flux.shutdown(Shutdown::Read);
                *fermeture = Some(Instant::now() + DELAI_INACTIVITE);
            }
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Une ligne tapée sur la console du serveur : l'envoyer au client, et la montrer sur la console.
/// [`FIN`] termine la conversation (en douceur : [`clore_en_douceur`], échéance dans
/// `fermeture`).
///
/// Les lignes de la console, la ligne tapée passée par [`nettoyer`] :
///
/// - `[ENVOI] à <pair> : <ligne>` après un envoi réussi ;
/// - `[FIN] La console du serveur a envoyé /quitter à <pair>` pour [`FIN`], qui part au client
///   comme une autre ligne, avant la fermeture ;
/// - `[CONSOLE] <pair> s'en va, ligne ignorée : <ligne>` quand la conversation se termine déjà
///   (`fermeture` posée, après un `/quitter` de l'un ou de l'autre) : rien ne part alors.
///
/// Un envoi qui échoue (client déjà parti) n'est pas une erreur de cette fonction :
/// l'événement `Parti` suit.
pub fn envoyer_de_la_console(
    flux: &TcpStream,
    pair: SocketAddr,
    cadrage: Cadrage,
    ligne: &str,
    fermeture: &mut Option<Instant>,
    console: &mut impl Write,
) -> io::Result<()> {
    // corrigé:début Indice : une ligne tapée sur la console du serveur part au client, dans le cadrage de la conversation, et la console le dit ; `/quitter` commence la fin en douceur ; une conversation qui se termine déjà ne reçoit plus rien.
    if fermeture.is_some() {
        writeln!(
            console,
            "[CONSOLE] {pair} s'en va, ligne ignorée : {}",
            nettoyer(ligne)
        )?;
        return Ok(());
    }
    let mut ecrivain = flux;
    let envoi = ecrire_message(&mut ecrivain, cadrage, ligne);
    if ligne == FIN {
        writeln!(
            console,
            "[FIN] La console du serveur a envoyé {FIN} à {pair}"
        )?;
        *fermeture = Some(clore_en_douceur(flux));
    } else if envoi.is_ok() {
        writeln!(console, "[ENVOI] à {pair} : {}", nettoyer(ligne))?;
    }
    Ok(())
    // corrigé:fin
}

/// Un message reçu du client : le montrer sur la console, répondre « ERREUR : … » à un message
/// refusé (voir [`refus_de`]), et fermer si le flux est désynchronisé. [`FIN`] termine la
/// conversation en douceur, comme à la console.
///
/// Les lignes de la console :
///
/// - `[FIN] <pair> a envoyé /quitter` pour [`FIN`] ;
/// - `[MESSAGE] <pair> : <texte>` pour un autre texte, passé par [`nettoyer`] (après un
///   `/quitter`, ce qui arrive encore est lu et montré) ;
/// - `[ERREUR] <pair> : <console>` pour un refus, `<console>` étant le champ du [`Refus`].
///
/// La fin du flux ([`Message::Fin`]) n'écrit rien : l'événement `Parti` la suit. Une réponse au
/// client qui échoue (client parti) n'est pas une erreur de cette fonction.
pub fn traiter_message(
    flux: &TcpStream,
    pair: SocketAddr,
    cadrage: Cadrage,
    message: Message,
    fermeture: &mut Option<Instant>,
    console: &mut impl Write,
) -> io::Result<()> {
    // corrigé:début Indice : ce que fait le serveur d'un message reçu : le montrer sur la console, commencer la fin en douceur sur `/quitter`, ou appliquer le refus que décrit `refus_de` (réponse au client, fermeture).
    let mut ecrivain = flux;
    match message {
        Message::Texte(texte) if texte == FIN => {
            writeln!(console, "[FIN] {pair} a envoyé {FIN}")?;
            *fermeture = Some(clore_en_douceur(flux));
        }
        Message::Texte(texte) => writeln!(console, "[MESSAGE] {pair} : {}", nettoyer(&texte))?,
        Message::Fin => {}
        refuse => {
            if let Some(refus) = refus_de(&refuse) {
                writeln!(console, "[ERREUR] {pair} : {}", refus.console)?;
                let _ = ecrire_message(&mut ecrivain, cadrage, &refus.reponse);
                if refus.fermer {
                    let _ = flux.shutdown(Shutdown::Both);
                }
            }
        }
    }
    Ok(())
    // corrigé:fin
}

/// Ce qu'on fait d'un message refusé : ce qu'en dit la console, ce qu'on répond au client, et
/// s'il faut fermer la connexion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refus {
    pub console: String,
    pub reponse: String,
    /// Vrai quand le flux est désynchronisé (en-tête illisible ou trop grand) : on ne peut plus
    /// savoir où commence le message suivant, il faut fermer.
    pub fermer: bool,
}

/// Le [`Refus`] d'un message, ou `None` si le message n'est pas refusé (un texte, la fin).
pub fn refus_de(message: &Message) -> Option<Refus> {
    let (console, reponse, fermer) = match message {
        Message::Texte(_) | Message::Fin => return None,
        Message::TropLong => (
            "message trop long, ignoré".to_string(),
            format!("ERREUR : message trop long (plus de {LIMITE_MESSAGE} octets), ignoré"),
            false,
        ),
        Message::PasUtf8 => (
            "message qui n'est pas de l'UTF-8, ignoré".to_string(),
            "ERREUR : message ignoré, ce n'est pas du texte UTF-8".to_string(),
            false,
        ),
        Message::EnteteInvalide => (
            "en-tête invalide, connexion fermée".to_string(),
            "ERREUR : en-tête invalide (64 octets : la longueur en chiffres, puis des espaces)"
                .to_string(),
            true,
        ),
        Message::AnnonceTropLongue(longueur) => (
            format!("en-tête annonçant {longueur} octets, connexion fermée"),
            format!(
                "ERREUR : l'en-tête annonce {longueur} octets, plus que la limite de {LIMITE_MESSAGE} ; connexion fermée"
            ),
            true,
        ),
    };
    Some(Refus {
        console,
        reponse,
        fermer,
    })
}

/// La fin voulue d'une conversation (après [`FIN`], « /quitter ») : envoyer le segment FIN de
/// TCP (`shutdown(Write)`), et rendre l'instant
/// jusqu'où l'on attendra la fin de ce que l'autre envoyait encore ([`DELAI_FERMETURE`]).
///
/// `shutdown(Write)` envoie le FIN après les données déjà en route ; le thread de lecture
/// continue de lire jusqu'à la fin du flux de l'autre côté. Si elle n'arrive pas à temps,
/// [`attendre_evenement`] réveille la lecture avec `shutdown(Read)`. Fermer tout de suite
/// (`shutdown(Both)`) jetterait ce que le client envoyait encore : le noyau répondrait par un
/// RST, la fin brutale que l'étape 1 évite.
pub fn clore_en_douceur(flux: &TcpStream) -> Instant {
    // corrigé:début Indice : la fin voulue : envoyez le segment FIN de TCP (`shutdown(Write)`, la demi-fermeture de l'énoncé), puis rendez l'échéance jusqu'où l'on attendra que l'autre côté ferme à son tour.
    let _ = flux.shutdown(Shutdown::Write);
    Instant::now() + DELAI_FERMETURE
    // corrigé:fin
}

/// Le thread de lecture du serveur : dépose chaque message reçu dans le canal, puis `Parti`.
pub fn lire_client(flux: TcpStream, cadrage: Cadrage, evenements: SyncSender<Evenement>) {
    let mut lecteur = BufReader::new(flux);
    let erreur = loop {
        match lire_message(&mut lecteur, cadrage, LIMITE_MESSAGE) {
            Ok(Message::Fin) => break None,
            Ok(message) => {
                let fatal = matches!(
                    message,
                    Message::EnteteInvalide | Message::AnnonceTropLongue(_)
                );
                if evenements.send(Evenement::Recu(message)).is_err() || fatal {
                    break None;
                }
            }
            Err(e) if etape3_deconnexion::delai_depasse(&e) => {
                break Some("client inactif trop longtemps".to_string());
            }
            Err(e) => break Some(etape1_connexion::francais::erreur_systeme(&e)),
        }
    };
    let _ = evenements.send(Evenement::Parti(erreur));
}

/// Le client : un thread envoie les lignes de `entree`, le thread courant affiche les messages
/// du serveur. Quand `entree` se termine, le client envoie [`FIN`] et ferme son côté écriture ;
/// il affiche encore ce qui arrive jusqu'à ce que le serveur ferme, puis rend la main.
pub fn client(
    adresse: IpAddr,
    port: u16,
    cadrage: Cadrage,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    client_avec_limite(adresse, port, cadrage, LIMITE_MESSAGE, entree, sortie)
}

/// Le [`client`], avec la taille maximale d'un message reçu : `limite` octets.
///
/// Un client ne reçoit pas forcément des messages de la même taille que ceux qu'il envoie : à
/// l'étape 8, le serveur répond parfois plus long que la ligne reçue (`/majuscules ß` double
/// des lettres, les échappements allongent le texte). L'étape 8 appelle donc cette fonction
/// avec une limite plus grande.
///
/// La connexion se fait avec [`connecter`], dont l'erreur nomme l'étape à lancer. Ce que le
/// client écrit dans `sortie` :
///
/// - un texte : ligne par ligne (un message à en-tête peut en contenir plusieurs), chaque ligne
///   passée par [`nettoyer`] ;
/// - un message trop long : `(message trop long reçu du serveur, ignoré)` ; un message qui
///   n'est pas de l'UTF-8 : `(message reçu du serveur qui n'est pas du texte UTF-8, ignoré)` ;
///   la lecture continue ;
/// - un en-tête invalide, ou qui annonce trop : `(en-tête invalide reçu du serveur)`, et le
///   client s'arrête, sans erreur.
///
/// La fin du flux, comme une coupure brutale du serveur (`ConnectionReset`), finit le client
/// sans erreur (code 0) ; toute autre erreur de lecture en est une.
pub fn client_avec_limite(
    adresse: IpAddr,
    port: u16,
    cadrage: Cadrage,
    limite: usize,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    // corrigé:début Indice : le client en duplex : un thread envoie ce que l'utilisateur tape (`envoyer_l_entree`) pendant que celui-ci affiche ce qu'envoie le serveur, jusqu'à ce que le serveur ferme.
    let flux = connecter(adresse, port)?;
    let ecrivain = flux
        .try_clone()
        .context("impossible de dupliquer la socket")?;
    // Ce thread n'est pas attendu : il peut rester bloqué sur le clavier. Quand le serveur ferme,
    // le programme se termine, et lui avec.
    thread::spawn(move || envoyer_l_entree(ecrivain, cadrage, entree));
    let mut lecteur = BufReader::new(flux);
    loop {
        match lire_message(&mut lecteur, cadrage, limite) {
            Ok(Message::Texte(texte)) => {
                for morceau in texte.split('\n') {
                    writeln!(sortie, "{}", nettoyer(morceau))?;
                }
            }
            Ok(Message::Fin) => return Ok(()),
            Ok(Message::TropLong) => {
                writeln!(sortie, "(message trop long reçu du serveur, ignoré)")?
            }
            Ok(Message::PasUtf8) => writeln!(
                sortie,
                "(message reçu du serveur qui n'est pas du texte UTF-8, ignoré)"
            )?,
            Ok(Message::EnteteInvalide | Message::AnnonceTropLongue(_)) => {
                writeln!(sortie, "(en-tête invalide reçu du serveur)")?;
                return Ok(());
            }
            // Le serveur a coupé brutalement : la conversation est finie de toute façon.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(e).context("lecture impossible depuis le serveur"),
        }
    }
    // corrigé:fin
}

/// Le thread d'envoi du client : chaque ligne de `entree` part au serveur ; à la fin de l'entrée
/// (Ctrl-D, ou Ctrl-Z puis Entrée sous Windows), il envoie [`FIN`] et ferme son côté écriture
/// (`shutdown(Write)` : le serveur lit alors la fin du flux, et le client peut encore recevoir).
///
/// Après un `/quitter` tapé par l'utilisateur, plus rien ne part (ni les lignes suivantes, ni un
/// second `/quitter`) ; après un envoi qui échoue (serveur parti), non plus. Une ligne illisible
/// (pas de l'UTF-8) compte comme la fin de l'entrée. Ce thread n'a personne à qui rendre une
/// erreur : il les ignore.
pub fn envoyer_l_entree(mut ecrivain: TcpStream, cadrage: Cadrage, entree: impl BufRead) {
    // corrigé:début Indice : le thread d'envoi du client : chaque ligne tapée part au serveur ; à la fin de l'entrée, dites au revoir (`/quitter`), puis fermez votre sens d'écriture, la demi-fermeture de l'énoncé.
    for ligne in entree.lines().map_while(Result::ok) {
        if ecrire_message(&mut ecrivain, cadrage, &ligne).is_err() || ligne == FIN {
            return;
        }
    }
    let _ = ecrire_message(&mut ecrivain, cadrage, FIN);
    let _ = ecrivain.shutdown(Shutdown::Write);
    // corrigé:fin
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
///
/// La démo tient le rôle du clavier du serveur (elle dépose des [`Evenement::Console`] dans le
/// canal) et de deux clients, A et B. Elle attend chaque réponse avant l'étape suivante, d'où une
/// transcription toujours identique.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        sortie,
        "=== Démo de l'étape 4 : communication client-serveur ==="
    )?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    let (emetteur, evenements) = mpsc::sync_channel(FILE_EVENEMENTS);
    let clavier = emetteur.clone();
    let serveur = thread::spawn(move || {
        let mut journal = Vec::new();
        servir(
            ecoute,
            Cadrage::Ligne,
            (emetteur, evenements),
            &mut journal,
            Some(2),
        )
        .map(|()| journal)
    });
    let taper = |ligne: &str, sortie: &mut dyn Write| -> anyhow::Result<()> {
        writeln!(
            sortie,
            "[démo] Sur la console du serveur, on tape : {ligne}"
        )?;
        clavier
            .send(Evenement::Console(ligne.to_string()))
            .map_err(|_| anyhow!("le serveur ne lit plus sa console"))
    };

    let a = TcpStream::connect(adresse)?;
    let mut lecteur_a = BufReader::new(&a);
    afficher_pour("A", &mut lecteur_a, sortie)?;
    taper("Bonjour A, ici le serveur.", sortie)?;
    afficher_pour("A", &mut lecteur_a, sortie)?;
    writeln!(
        sortie,
        "[démo] A envoie « Bonjour serveur ! » puis « {FIN} »."
    )?;
    ecrire_message(&mut &a, Cadrage::Ligne, "Bonjour serveur !")?;
    ecrire_message(&mut &a, Cadrage::Ligne, FIN)?;
    while afficher_pour("A", &mut lecteur_a, sortie)? {}
    // A ferme sa socket à son tour, comme le client du programme : le serveur, qui attendait
    // cette fin (au plus `DELAI_FERMETURE`), passe aussitôt au client suivant.
    drop(lecteur_a);
    drop(a);

    let b = TcpStream::connect(adresse)?;
    let mut lecteur_b = BufReader::new(&b);
    afficher_pour("B", &mut lecteur_b, sortie)?;
    taper(FIN, sortie)?;
    while afficher_pour("B", &mut lecteur_b, sortie)? {}
    drop(lecteur_b);
    drop(b);

    let mut trame = Vec::new();
    ecrire_message(&mut trame, Cadrage::Entete, "deux\nlignes")?;
    writeln!(
        sortie,
        "[démo] En cadrage « entete », le message « deux\\nlignes » s'écrit ainsi ({} octets) :",
        trame.len()
    )?;
    writeln!(sortie, "[démo] {:?}", String::from_utf8_lossy(&trame))?;

    let journal = serveur
        .join()
        .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
    writeln!(sortie, "[démo] Console du serveur :")?;
    sortie.write_all(&journal)?;
    Ok(())
}

/// Pour la démo : lit un message et l'affiche précédé du nom du client ; `false` à la fin.
fn afficher_pour(
    nom: &str,
    lecteur: &mut impl BufRead,
    sortie: &mut impl Write,
) -> anyhow::Result<bool> {
    match lire_message(lecteur, Cadrage::Ligne, LIMITE_MESSAGE)? {
        Message::Texte(texte) => writeln!(sortie, "[{nom}] {}", nettoyer(&texte))?,
        Message::Fin => {
            writeln!(sortie, "[{nom}] (le serveur a fermé la connexion)")?;
            return Ok(false);
        }
        autre => writeln!(sortie, "[{nom}] {autre:?}")?,
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};
    use std::io::Cursor;

    fn lire_tout(octets: &[u8], cadrage: Cadrage, limite: usize) -> Vec<Message> {
        let mut lecteur = Cursor::new(octets.to_vec());
        let mut vus = Vec::new();
        loop {
            let message = lire_message(&mut lecteur, cadrage, limite).unwrap_or_else(|erreur| {
                panic!(
                    "`lire_message` a rendu une erreur en lisant des octets en mémoire : {}. Du texte qui \
                     n'est pas de l'UTF-8, une ligne trop longue ou la fin du flux ne sont pas des \
                     erreurs : chacun a son cas (la fin, c'est `Message::Fin`).",
                    etape1_connexion::francais::erreur_systeme(&erreur)
                )
            });
            let fin = matches!(
                message,
                Message::Fin | Message::EnteteInvalide | Message::AnnonceTropLongue(_)
            );
            vus.push(message);
            if fin {
                return vus;
            }
        }
    }

    fn texte(t: &str) -> Message {
        Message::Texte(t.to_string())
    }

    #[test]
    fn l_entete_fait_64_octets_et_annonce_la_longueur() -> io::Result<()> {
        let mut trame = Vec::new();
        ecrire_message(&mut trame, Cadrage::Entete, "héhé")?;
        egal!(trame.len(), 64 + 6);
        vrai!(trame.starts_with(b"6 "));
        vrai!(trame[..64].iter().skip(1).all(|&o| o == b' '));
        Ok(())
    }

    #[test]
    fn un_message_avec_saut_de_ligne_survit_a_l_entete() -> io::Result<()> {
        let mut trame = Vec::new();
        ecrire_message(&mut trame, Cadrage::Entete, "deux\nlignes")?;
        ecrire_message(&mut trame, Cadrage::Entete, "")?;
        egal!(
            lire_tout(&trame, Cadrage::Entete, 100),
            [texte("deux\nlignes"), texte(""), Message::Fin]
        );
        Ok(())
    }

    /// Dans un processus à part (`tests::pannes::isoler`) : réserver ce que l'en-tête annonce
    /// ferait tomber tout le programme de tests (une allocation refusée abandonne le processus,
    /// sans panique), et ce test échouerait sans que son nom soit dit.
    #[test]
    fn un_entete_qui_annonce_trop_est_refuse_sans_allouer() {
        ::tests::pannes::isoler(
            "tests::un_entete_qui_annonce_trop_est_refuse_sans_allouer",
            || {
                // 18 chiffres : allouer ce que l'en-tête annonce ferait tomber le programme.
                let annonce = 999_999_999_999_999_999u64;
                let mut trame = format!("{annonce:<64}").into_bytes();
                trame.extend_from_slice(b"quelques octets seulement");
                egal!(
                    lire_tout(&trame, Cadrage::Entete, 100),
                    [Message::AnnonceTropLongue(annonce)],
                    "un en-tête qui annonce plus que la limite"
                );
            },
        );
    }

    #[test]
    fn un_entete_qui_n_est_pas_un_nombre_est_invalide() {
        let trame = format!("{:<64}", "douze");
        egal!(
            lire_tout(trame.as_bytes(), Cadrage::Entete, 100),
            [Message::EnteteInvalide]
        );
    }

    #[test]
    fn une_trame_coupee_avant_la_fin_n_est_pas_rendue() {
        let mut trame = format!("{:<64}", 10).into_bytes();
        trame.extend_from_slice(b"moitie");
        egal!(lire_tout(&trame, Cadrage::Entete, 100), [Message::Fin]);
        egal!(lire_tout(b"12345", Cadrage::Entete, 100), [Message::Fin]);
    }

    #[test]
    fn le_cadrage_ligne_garde_les_regles_de_l_etape_2() {
        let mut octets = b"a\r\nb\n".to_vec();
        octets.extend_from_slice(&[b'x'; 200]);
        octets.extend_from_slice(b"\n\xff\nfin sans saut");
        egal!(
            lire_tout(&octets, Cadrage::Ligne, 100),
            [
                texte("a"),
                texte("b"),
                Message::TropLong,
                Message::PasUtf8,
                Message::Fin
            ]
        );
    }
}
