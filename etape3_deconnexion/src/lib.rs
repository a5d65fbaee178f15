//! # Étape 3 — Déconnexions
//!
//! ## Objectifs
//!
//! - Le serveur ne s'arrête plus après son client : il **boucle sur `accept`** et sert le client
//!   suivant, un à la fois.
//! - Il survit à **toutes** les façons de partir : fermeture propre, coupure brutale (RST),
//!   ligne interrompue, client qui ne dit plus rien.
//! - Un second client qui arrive pendant qu'on en sert un premier **attend** dans la file du
//!   noyau (le *backlog*) : sa connexion aboutit, mais personne ne lui parle encore.
//!
//! ## Ce qui change depuis l'étape 2
//!
//! - La boucle sur [`TcpListener::incoming`] ([`servir_avec`], appelée par [`servir`]) remplace
//!   le seul `accept()` de l'étape 2.
//! - Une erreur sur une connexion (client coupé, inactif trop longtemps) termine *cette*
//!   conversation, écrite sur la console, puis le serveur passe au suivant.
//! - Nouveau : [`DELAI_INACTIVITE`], au-delà duquel un client muet est congédié.
//!
//! ## Ce que vous écrivez
//!
//! Deux fonctions : [`servir_avec`], la boucle sur `accept` qui survit à chaque départ et à
//! chaque échec d'`accept`, et [`dire_la_fin`], qui dit sur la console comment chaque
//! conversation s'est terminée (fin normale, délai dépassé, connexion perdue), sans jamais
//! propager l'erreur d'un client. La boucle appelle la [`converser`] **que vous avez écrite à
//! l'étape 2** (reprise par `pub use etape2_boucle::…`) : terminez l'étape 2 d'abord. Les
//! étapes 4 à 6 réutilisent cette boucle.
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape3_deconnexion                   # terminal 1 : le serveur
//! cargo run -p etape3_deconnexion -- client         # terminal 2 : un client
//! cargo run -p etape3_deconnexion -- client         # terminal 3 : il attend son tour
//! nc 127.0.0.1 5050                                 # puis Ctrl-C : le serveur continue
//! ```
//!
//! ## Résultat attendu
//!
//! ```text
//! === Démo de l'étape 3 : déconnexions ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [A] Bienvenue sur le serveur !
//! [démo] B se connecte pendant que A est servi : sa connexion aboutit, mais il attend.
//! [B] (rien reçu pour l'instant : B est dans la file d'attente)
//! [A] Message reçu : Bonjour
//! [démo] A s'en va au milieu d'une ligne.
//! [B] Bienvenue sur le serveur !
//! [B] Message reçu : Mon tour !
//! [démo] B ferme proprement.
//! [démo] C arrive, puis part sans lire sa bienvenue : son système coupe avec un RST.
//! [D] Bienvenue sur le serveur !
//! [démo] D est servi : la coupure de C n'a pas arrêté le serveur.
//! [démo] Console du serveur :
//! [CONNEXION] Client connecté depuis 127.0.0.1:52814
//! [MESSAGE] 127.0.0.1:52814 : Bonjour
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52814 terminée
//! [CONNEXION] Client connecté depuis 127.0.0.1:52816
//! [MESSAGE] 127.0.0.1:52816 : Mon tour !
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52816 terminée
//! [CONNEXION] Client connecté depuis 127.0.0.1:52818
//! [DÉCONNEXION] Connexion avec 127.0.0.1:52818 perdue : connexion coupée brutalement par l'autre côté
//! [CONNEXION] Client connecté depuis 127.0.0.1:52820
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52820 terminée
//! ```
//!
//! La demi-ligne de A (`pas fi`) n'apparaît nulle part : une ligne sans `\n` n'est jamais traitée.
//! La coupure brutale de C (RST) termine sa conversation par une erreur, écrite sur la console, et
//! le serveur passe au suivant.
//!
//! ## Questions du TP
//!
//! 1. *Le serveur reste-t-il actif après une déconnexion ?* → [`servir`].
//! 2. *Que faut-il modifier ?* → [`servir`].
//! 3. *Peut-il servir plusieurs clients en même temps ?* → [`servir`], dernière question.
//!
//! ## Pour aller plus loin
//!
//! 1. Lancez trois clients à la suite : dans quel ordre sont-ils servis ? Que se passe-t-il si
//!    le deuxième abandonne (Ctrl-C) avant son tour ?
//! 2. Ajoutez à la console la durée de chaque conversation ([`std::time::Instant`]).
//! 3. Rendez le délai d'inactivité réglable par une option `--inactivite <secondes>`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow};

// Ce que l'étape 2 a construit, repris tel quel : la lecture d'une ligne bornée et la
// conversation avec un client. Votre code de l'étape 2 sert donc ici : terminez-la d'abord.
pub use etape2_boucle::{
    DELAI_ECRITURE, LIMITE_LIGNE, Ligne, MESSAGE_BIENVENUE, converser, envoyer_ligne, lire_ligne,
    nettoyer,
};

/// Durée au-delà de laquelle un client qui n'envoie plus rien est congédié.
///
/// Un client peut disparaître **sans rien dire** : câble débranché, Wi-Fi perdu, machine
/// éteinte d'un coup. Aucun paquet FIN ni RST n'arrive alors, et une lecture bloquante
/// attendrait indéfiniment ; comme ce serveur sert un client à la fois, tous les autres
/// attendraient avec elle. Un délai de lecture ([`TcpStream::set_read_timeout`]) transforme ce
/// silence en erreur `WouldBlock`/`TimedOut`, que l'on traite comme une déconnexion.
pub const DELAI_INACTIVITE: Duration = Duration::from_secs(300);

/// La pause après un échec d'`accept`, avant de réessayer. Pourquoi une pause ? C'est l'une
/// des questions de [`servir`] (« que faut-il modifier ? »).
pub const PAUSE_ACCEPT: Duration = Duration::from_millis(100);

/// Vrai si `erreur` est un délai dépassé ([`TcpStream::set_read_timeout`] ou
/// [`TcpStream::set_write_timeout`]).
///
/// Le même délai dépassé s'appelle `WouldBlock` sous Linux et macOS, `TimedOut` sous Windows :
/// on teste les deux.
pub fn delai_depasse(erreur: &io::Error) -> bool {
    matches!(
        erreur.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Se connecte au serveur `adresse:port` (voir l'étape 1 pour les erreurs possibles).
pub fn connecter(adresse: IpAddr, port: u16) -> anyhow::Result<TcpStream> {
    TcpStream::connect((adresse, port)).map_err(|erreur| {
        etape1_connexion::francais::serveur_injoignable(
            adresse,
            port,
            &erreur,
            "etape3_deconnexion",
        )
    })
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, sert les clients sans fin.
pub fn lancer_serveur(adresse: IpAddr, port: u16) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    println!("[ÉCOUTE] Serveur en écoute sur {locale}");
    servir(ecoute, &mut io::stdout(), None).context("le serveur s'est arrêté sur une erreur")
}

/// Sert les clients **l'un après l'autre**, sans fin (ou `limite` clients, pour la démo et les
/// tests).
///
/// Seule une erreur d'écriture de la console arrête le serveur ; une erreur sur une connexion ne
/// termine que cette connexion.
///
/// # Question : le serveur reste-t-il actif après une déconnexion ?
///
/// Oui, grâce à la boucle sur [`TcpListener::incoming`] (un `accept()` à chaque tour). Chaque
/// façon de partir arrive ici sous une forme précise, et aucune n'interrompt la boucle :
///
/// | départ du client | ce que voit le serveur |
/// |---|---|
/// | fermeture propre (`close`, Ctrl-D, fin de `nc`) | `read` rend 0 octet : [`Ligne::Fin`] |
/// | processus tué, Ctrl-C | le noyau du client ferme pour lui : 0 octet, ou RST |
/// | coupure brutale (RST) | erreur `ConnectionReset` en lisant, `BrokenPipe` en écrivant |
/// | disparition silencieuse | rien du tout : seul [`DELAI_INACTIVITE`] y met fin |
///
/// # Question : que faut-il modifier ?
///
/// Deux choses, et la seconde est celle qu'on oublie :
///
/// 1. mettre `accept()` dans une boucle (`for connexion in ecoute.incoming()`) ;
/// 2. traiter une erreur de **la connexion** comme la fin de cette conversation, pas comme la fin
///    du serveur. Ici [`converser`] rend un `io::Result` que l'on *écrit sur la console* au lieu
///    de le propager avec `?`. En Python, une `ConnectionResetError` non rattrapée dans la boucle
///    tue le serveur même avec un `while True` : la boucle seule ne suffit pas.
///
/// Une erreur de `accept()` lui-même (connexion abandonnée avant d'être acceptée, trop de
/// fichiers ouverts) est elle aussi écrite sur la console, puis on continue, après une pause
/// ([`PAUSE_ACCEPT`]) : quand le processus n'a plus de descripteurs de fichiers, `accept` échoue
/// aussitôt, et réessayer sans pause ferait tourner un cœur à vide en écrivant des millions de
/// lignes d'erreur.
///
/// # Question : peut-il servir plusieurs clients en même temps ?
///
/// Non. Le seul thread du programme est occupé par la conversation en cours. Pendant ce temps
/// le noyau accepte quand même la connexion d'un deuxième client (la poignée de main TCP se fait
/// sans nous, voir l'étape 1) et la range dans la file d'attente : le `connect()` de ce client
/// réussit, mais personne ne lui répond avant que le premier parte. La démo le montre. Pour
/// servir plusieurs clients à la fois, il faut un fil d'exécution par client (étape 7) ou des
/// entrées-sorties non bloquantes multiplexées (`poll`, ou un runtime comme `tokio`).
pub fn servir(
    ecoute: TcpListener,
    console: &mut impl Write,
    limite: Option<usize>,
) -> io::Result<()> {
    servir_avec(ecoute, console, limite, converser)
}

/// La boucle de [`servir`], pour n'importe quelle conversation : `converser` est appelée pour
/// chaque client, avec sa socket, la console et son adresse.
///
/// C'est ici que vous écrivez la boucle de l'étape ; [`servir`] lui passe la fonction
/// [`converser`] de l'étape 2. Les étapes 4 à 6 réutilisent cette même boucle avec leur propre
/// conversation : `impl FnMut(…)` accepte une fonction comme une fermeture (chapitre 13 du livre
/// Rust).
///
/// À chaque tour, un `accept` (`limite` borne le nombre de tours, réussis ou non ; `None` : sans
/// fin) :
///
/// - une connexion : `[CONNEXION] Client connecté depuis <pair>` sur la console (un client déjà
///   reparti, dont on ne peut plus lire l'adresse, est passé sans un mot), le délai
///   d'inactivité [`DELAI_INACTIVITE`] posé en lecture, puis `converser` ; son résultat, comme un
///   échec de la pose du délai, va à [`dire_la_fin`], jamais plus haut ;
/// - un échec d'`accept` : la ligne
///   `[ERREUR] Connexion refusée par le système : <erreur> (on réessaie toutes les 100 ms)`,
///   l'erreur en français (`etape1_connexion::francais::erreur_systeme`), écrite **une fois par
///   épisode** (une suite d'échecs, qui finit au premier `accept` réussi), puis une pause de
///   [`PAUSE_ACCEPT`] après chaque échec, et la boucle continue.
///
/// Seule une erreur d'écriture de la console arrête la boucle.
pub fn servir_avec<W: Write>(
    ecoute: TcpListener,
    console: &mut W,
    limite: Option<usize>,
    mut converser: impl FnMut(&TcpStream, &mut W, SocketAddr) -> io::Result<()>,
) -> io::Result<()> {
    // corrigé:début Indice : la boucle d'accueil : servez les clients l'un après l'autre, sans qu'aucun départ ni aucun échec d'`accept` n'arrête le serveur ; chaque fin de conversation se dit sur la console.
    let mut en_echec = false;
    for connexion in ecoute.incoming().take(limite.unwrap_or(usize::MAX)) {
        let flux = match connexion {
            Ok(flux) => flux,
            Err(erreur) => {
                // Trop de fichiers ouverts (`EMFILE`) : `accept` échouerait aussitôt, en boucle.
                // On le dit une fois, puis on laisse au système le temps de libérer.
                if !en_echec {
                    writeln!(
                        console,
                        "[ERREUR] Connexion refusée par le système : {erreur} (on réessaie toutes les 100 ms)",
                        erreur = etape1_connexion::francais::erreur_systeme(&erreur)
                    )?;
                }
                en_echec = true;
                thread::sleep(PAUSE_ACCEPT);
                continue;
            }
        };
        en_echec = false;
        let pair = match flux.peer_addr() {
            Ok(pair) => pair,
            // Le client est déjà reparti entre `accept` et ici.
            Err(_) => continue,
        };
        writeln!(console, "[CONNEXION] Client connecté depuis {pair}")?;
        let resultat = flux
            .set_read_timeout(Some(DELAI_INACTIVITE))
            .and_then(|()| converser(&flux, console, pair));
        dire_la_fin(console, pair, resultat)?;
    }
    Ok(())
    // corrigé:fin
}

/// Écrit sur la console comment la conversation avec `pair` s'est terminée : une ligne
/// `[DÉCONNEXION] …` dans tous les cas. L'erreur d'un client est **dite**, jamais propagée :
/// seule une erreur d'écriture sur la console elle-même remonte.
///
/// Trois cas, trois lignes (la première et la dernière sont dans le « Résultat attendu ») :
///
/// - la fin normale : `[DÉCONNEXION] Conversation avec <pair> terminée` ;
/// - un délai dépassé ([`delai_depasse`]) :
///   `[DÉCONNEXION] <pair> inactif trop longtemps, ou ne lit plus ses réponses : connexion fermée`
///   (le client est resté muet, ou ne lit plus ce qu'on lui envoie) ;
/// - toute autre erreur : `[DÉCONNEXION] Connexion avec <pair> perdue : <erreur>`, l'erreur
///   en français (`etape1_connexion::francais::erreur_systeme`).
pub fn dire_la_fin(
    console: &mut impl Write,
    pair: SocketAddr,
    resultat: io::Result<()>,
) -> io::Result<()> {
    // corrigé:début Indice : dites sur la console comment une conversation a fini : fin normale, délai dépassé ou connexion perdue. L'erreur d'un client est une information à écrire, jamais une erreur à propager.
    match resultat {
        Ok(()) => writeln!(console, "[DÉCONNEXION] Conversation avec {pair} terminée"),
        Err(e) if delai_depasse(&e) => writeln!(
            console,
            "[DÉCONNEXION] {pair} inactif trop longtemps, ou ne lit plus ses réponses : connexion fermée"
        ),
        Err(erreur) => writeln!(
            console,
            "[DÉCONNEXION] Connexion avec {pair} perdue : {erreur}",
            erreur = etape1_connexion::francais::erreur_systeme(&erreur)
        ),
    }
    // corrigé:fin
}

/// Le client : affiche la bienvenue, puis envoie chaque ligne de `entree` et affiche la réponse.
///
/// Quand `entree` se termine, il ferme son côté écriture (`shutdown(Write)`) : le serveur lit
/// alors la fin du flux. Le client affiche encore ce que le serveur envoie, jusqu'à sa fermeture.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    let flux = connecter(adresse, port)?;
    let mut lecteur = BufReader::new(&flux);
    let mut ecrivain = &flux;
    afficher_une_ligne(&mut lecteur, sortie)?;
    for ligne in entree.lines() {
        let ligne = ligne.context("l'entrée standard n'est pas du texte UTF-8")?;
        envoyer_ligne(&mut ecrivain, &ligne).context("envoi impossible : le serveur a fermé")?;
        if !afficher_une_ligne(&mut lecteur, sortie)? {
            return Ok(());
        }
    }
    flux.shutdown(Shutdown::Write)
        .context("fermeture du côté écriture impossible")?;
    while afficher_une_ligne(&mut lecteur, sortie)? {}
    Ok(())
}

/// Lit une ligne du serveur et l'affiche ; rend `false` quand le serveur a fermé.
fn afficher_une_ligne(lecteur: &mut impl BufRead, sortie: &mut impl Write) -> anyhow::Result<bool> {
    match lire_ligne(lecteur, LIMITE_LIGNE).context("lecture impossible depuis le serveur")? {
        Ligne::Texte(texte) => writeln!(sortie, "{}", nettoyer(&texte))?,
        Ligne::TropLongue => writeln!(sortie, "(ligne trop longue reçue du serveur, ignorée)")?,
        Ligne::PasUtf8 => writeln!(sortie, "(ligne non UTF-8 reçue du serveur, ignorée)")?,
        Ligne::Fin => return Ok(false),
    }
    Ok(true)
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
///
/// Quatre clients, A à D, pilotés à la main pour montrer la file d'attente, une ligne
/// interrompue et une coupure brutale (RST).
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(sortie, "=== Démo de l'étape 3 : déconnexions ===")?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    let serveur = thread::spawn(move || {
        let mut journal = Vec::new();
        servir(ecoute, &mut journal, Some(4)).map(|()| journal)
    });

    let a = TcpStream::connect(adresse)?;
    let mut lecteur_a = BufReader::new(&a);
    afficher_pour("A", &mut lecteur_a, sortie)?;
    writeln!(
        sortie,
        "[démo] B se connecte pendant que A est servi : sa connexion aboutit, mais il attend."
    )?;
    let b = TcpStream::connect(adresse)?;
    let mut lecteur_b = BufReader::new(&b);
    // On regarde brièvement si B a reçu quelque chose : il ne peut pas, le serveur est pris par A.
    b.set_read_timeout(Some(Duration::from_millis(200)))?;
    match lecteur_b.fill_buf() {
        Err(e) if delai_depasse(&e) => writeln!(
            sortie,
            "[B] (rien reçu pour l'instant : B est dans la file d'attente)"
        )?,
        _ => writeln!(sortie, "[B] (inattendu : B a reçu quelque chose)")?,
    }
    b.set_read_timeout(None)?;

    (&a).write_all(b"Bonjour\n")?;
    afficher_pour("A", &mut lecteur_a, sortie)?;
    writeln!(sortie, "[démo] A s'en va au milieu d'une ligne.")?;
    (&a).write_all(b"pas fi")?;
    a.shutdown(Shutdown::Both)?;
    drop(lecteur_a);
    drop(a);

    afficher_pour("B", &mut lecteur_b, sortie)?;
    (&b).write_all("Mon tour !\n".as_bytes())?;
    afficher_pour("B", &mut lecteur_b, sortie)?;
    b.shutdown(Shutdown::Write)?;
    while afficher_pour("B", &mut lecteur_b, sortie)? {}
    writeln!(sortie, "[démo] B ferme proprement.")?;

    writeln!(
        sortie,
        "[démo] C arrive, puis part sans lire sa bienvenue : son système coupe avec un RST."
    )?;
    let c = TcpStream::connect(adresse)?;
    // `peek` attend que la bienvenue soit arrivée, sans la lire : elle reste non lue.
    let mut octet = [0u8; 1];
    c.peek(&mut octet)?;
    // Fermer une socket qui contient des données non lues : le noyau envoie un RST.
    drop(c);

    let d = TcpStream::connect(adresse)?;
    let mut lecteur_d = BufReader::new(&d);
    afficher_pour("D", &mut lecteur_d, sortie)?;
    writeln!(
        sortie,
        "[démo] D est servi : la coupure de C n'a pas arrêté le serveur."
    )?;
    d.shutdown(Shutdown::Write)?;
    while afficher_pour("D", &mut lecteur_d, sortie)? {}

    let journal = serveur
        .join()
        .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
    writeln!(sortie, "[démo] Console du serveur :")?;
    for ligne in String::from_utf8_lossy(&journal).lines() {
        // Le texte du système qui suit la phrase française change d'un système à l'autre
        // (« Connection reset by peer » sous Linux) : la démo ne garde que la phrase.
        let phrase = ligne
            .split_once(" (")
            .filter(|(debut, _)| debut.contains("perdue"))
            .map_or(ligne, |(debut, _)| debut);
        writeln!(sortie, "{phrase}")?;
    }
    Ok(())
}

/// Pour la démo : lit une ligne et l'affiche précédée du nom du client.
fn afficher_pour(
    nom: &str,
    lecteur: &mut impl BufRead,
    sortie: &mut impl Write,
) -> anyhow::Result<bool> {
    match lire_ligne(lecteur, LIMITE_LIGNE)? {
        Ligne::Texte(texte) => writeln!(sortie, "[{nom}] {}", nettoyer(&texte))?,
        Ligne::Fin => return Ok(false),
        autre => writeln!(sortie, "[{nom}] {autre:?}")?,
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::egal;
    use std::io::Cursor;

    fn lignes(octets: &[u8], limite: usize) -> Vec<Ligne> {
        let mut lecteur = Cursor::new(octets.to_vec());
        let mut vues = Vec::new();
        loop {
            let ligne = lire_ligne(&mut lecteur, limite).unwrap_or_else(|erreur| {
                panic!(
                    "`lire_ligne` a rendu une erreur en lisant des octets en mémoire : {}. Du texte qui \
                     n'est pas de l'UTF-8, une ligne trop longue ou la fin du flux ne sont pas des \
                     erreurs : chacun a son cas (la fin, c'est `Ligne::Fin`).",
                    etape1_connexion::francais::erreur_systeme(&erreur)
                )
            });
            let fin = ligne == Ligne::Fin;
            vues.push(ligne);
            if fin {
                return vues;
            }
        }
    }

    fn texte(t: &str) -> Ligne {
        Ligne::Texte(t.to_string())
    }

    #[test]
    fn deux_lignes_dans_un_seul_envoi_donnent_deux_lignes() {
        egal!(lignes(b"a\nb\n", 10), [texte("a"), texte("b"), Ligne::Fin]);
    }

    #[test]
    fn le_retour_chariot_final_est_retire() {
        egal!(lignes(b"telnet\r\n", 10), [texte("telnet"), Ligne::Fin]);
    }

    #[test]
    fn une_demi_ligne_avant_la_fin_n_est_pas_rendue() {
        egal!(lignes(b"ok\nmoit", 10), [texte("ok"), Ligne::Fin]);
    }

    #[test]
    fn une_ligne_trop_longue_est_jetee_et_la_suivante_est_lue() {
        let mut octets = vec![b'x'; 50];
        octets.extend_from_slice(b"\nsuite\n");
        egal!(
            lignes(&octets, 10),
            [Ligne::TropLongue, texte("suite"), Ligne::Fin]
        );
    }

    #[test]
    fn une_ligne_de_la_taille_limite_passe() {
        let mut octets = vec![b'x'; 10];
        octets.push(b'\n');
        egal!(lignes(&octets, 10), [texte("xxxxxxxxxx"), Ligne::Fin]);
    }

    #[test]
    fn l_utf8_invalide_est_signale_sans_couper_le_flux() {
        egal!(
            lignes(b"\xff\xfe\nbon\n", 10),
            [Ligne::PasUtf8, texte("bon"), Ligne::Fin]
        );
    }

    #[test]
    fn nettoyer_rend_visibles_les_echappements() {
        egal!(nettoyer("a\u{1b}[31mb\tc\r"), "a\\u{1b}[31mb\tc\\r");
    }
}
