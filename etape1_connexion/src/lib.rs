//! # Étape 1 — Connexion initiale
//!
//! ## Objectifs
//!
//! - Ouvrir un port d'écoute sur le serveur (`bind` + `listen`) et **accepter** un client.
//! - Envoyer un premier message, `Bienvenue sur le serveur !`, puis fermer proprement.
//! - Côté client : se **connecter**, lire le message de bienvenue, l'afficher.
//! - Transformer chaque échec prévisible (port occupé, serveur absent) en phrase française,
//!   jamais en panique.
//!
//! C'est la première étape : il n'y a pas d'étape précédente. Le serveur sert **un seul** client,
//! puis s'arrête ; l'étape 2 ajoutera une boucle de lecture.
//!
//! ## Ce que vous écrivez
//!
//! Deux fonctions : [`servir`] (accepter un client, lui envoyer la bienvenue, fermer en douceur)
//! et `lire_bienvenue` (le client lit la ligne de bienvenue, avec une limite de taille). Tout le
//! reste (options, ouverture de l'écoute, messages d'erreur, démo) est donné.
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape1_connexion                 # terminal 1 : le serveur (port 5050)
//! cargo run -p etape1_connexion -- client       # terminal 2 : le client
//! cargo run -p etape1_connexion -- demo         # les deux dans un seul processus
//! nc 127.0.0.1 5050                             # ou n'importe quel client TCP
//! ```
//!
//! Options communes : `--adresse <IP>` (défaut `127.0.0.1`) et `--port <N>` (défaut `5050`,
//! `0` laisse le système choisir un port libre). La première ligne du serveur donne toujours
//! l'adresse réellement réservée.
//!
//! ## Résultat attendu
//!
//! Voici ce qu'affiche `cargo run -p etape1_connexion -- demo` (les numéros de port changent à
//! chaque lancement) :
//!
//! ```text
//! === Démo de l'étape 1 : connexion initiale ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [démo] Le client se connecte.
//! [client] Bienvenue sur le serveur !
//! [démo] Le serveur a servi son client et s'est arrêté. Sa console :
//! [CONNEXION] Client connecté depuis 127.0.0.1:52814
//! [ENVOI] Message de bienvenue envoyé à 127.0.0.1:52814
//! [DÉCONNEXION] Connexion fermée avec 127.0.0.1:52814
//! ```
//!
//! ## Questions du TP
//!
//! Chaque question est posée dans la documentation du code qui y répond :
//!
//! 1. *Pourquoi `accept()` est-il bloquant ?* → [`servir`].
//! 2. *Que se passe-t-il si le client ne trouve pas le serveur ?* → [`connecter`].
//! 3. *Quels rôles pour `bind()` et `listen()` ?* → [`ouvrir_ecoute`].
//!
//! ## Pour aller plus loin
//!
//! 1. Lancez deux serveurs sur le même port : lisez le message d'erreur du second, puis relancez-le
//!    avec `--port 0`. Quel port a-t-il obtenu ?
//! 2. Lancez le serveur avec `--adresse 0.0.0.0` et connectez-vous depuis une autre machine de la
//!    salle. Pourquoi est-ce impossible avec `127.0.0.1` ?
//! 3. Connectez-vous trois fois de suite et regardez les lignes `[CONNEXION]` : le port du client
//!    n'est jamais 5050, et il change à chaque fois. Qui l'a choisi ? Qu'est-ce qui distingue alors
//!    deux connexions au même serveur ?

pub mod francais;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::{Context, anyhow};

/// Le message que le serveur envoie à chaque client, suivi d'un saut de ligne.
pub const MESSAGE_BIENVENUE: &str = "Bienvenue sur le serveur !";

/// Longueur maximale, en octets, de la ligne que le client accepte de lire.
///
/// Un client ne doit pas croire aveuglément le réseau : sans limite, un « serveur » qui enverrait
/// des gigaoctets sans saut de ligne remplirait sa mémoire.
pub const LIMITE_LIGNE: usize = 1024;

/// Réserve l'adresse `adresse:port` et commence à écouter.
///
/// # Question : quels rôles pour `bind()` et `listen()` ?
///
/// - **`bind()`** attache la socket à une adresse *locale* : une IP de cette machine et un port.
///   C'est ce qui permet aux clients de savoir où frapper. Il échoue si le port est déjà pris par
///   une autre socket en écoute (`AddrInUse`) ou si l'IP n'appartient pas à la machine
///   (`AddrNotAvailable`). Le port `0` demande au système d'en choisir un libre :
///   [`TcpListener::local_addr`] dit lequel.
/// - **`listen()`** passe la socket en mode *passif* : à partir de là, le noyau répond lui-même
///   aux poignées de main TCP (SYN, SYN-ACK, ACK) des clients et range les connexions établies
///   dans une file d'attente (le *backlog*), **même si le programme n'a pas encore appelé
///   `accept()`**.
///
/// En Rust, [`TcpListener::bind`] fait les trois appels système d'un coup : `socket()`, `bind()`
/// puis `listen()` (avec une file de 128 connexions sous Unix). Il n'y a donc pas de `listen()`
/// séparé comme en Python ou en C : un `TcpListener` est toujours prêt à accepter.
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| francais::ecoute_impossible(adresse, port, &erreur))
}

/// Se connecte au serveur `adresse:port`.
///
/// # Question : que se passe-t-il si le client ne trouve pas le serveur ?
///
/// [`TcpStream::connect`] renvoie une **erreur**, jamais une connexion à moitié ouverte :
///
/// - la machine répond mais aucun programme n'écoute sur ce port : elle renvoie aussitôt un
///   segment RST et l'erreur est `ConnectionRefused` (« connexion refusée ») ;
/// - la machine ne répond pas du tout (éteinte, pare-feu qui jette les paquets) : le système
///   réessaie puis abandonne après un délai (`TimedOut`), ou signale `HostUnreachable`.
///
/// En Python, l'exception non rattrapée arrête le programme avec une trace. En Rust l'erreur est
/// une valeur de type [`io::Result`] : on la transforme ici en phrase française avec une piste,
/// et `main` la montre puis quitte avec un code de retour non nul (1). Aucune panique.
pub fn connecter(adresse: IpAddr, port: u16) -> anyhow::Result<TcpStream> {
    TcpStream::connect((adresse, port))
        .map_err(|erreur| francais::serveur_injoignable(adresse, port, &erreur, "etape1_connexion"))
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, sert un client.
///
/// La première ligne écrite sur la sortie standard donne l'adresse réellement réservée
/// (`IP:PORT`) : avec `--port 0`, c'est le seul moyen de connaître le port choisi.
pub fn lancer_serveur(adresse: IpAddr, port: u16) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    println!("[ÉCOUTE] Serveur en écoute sur {locale}");
    servir(ecoute, &mut io::stdout()).context("le serveur s'est arrêté sur une erreur")
}

/// Accepte **un** client, lui souhaite la bienvenue, ferme la connexion.
///
/// La console du serveur (une ligne par événement) est écrite dans `console` : la sortie standard
/// dans le vrai programme, un `Vec<u8>` dans la démo et les tests.
///
/// Les trois lignes sont celles du « Résultat attendu » de l'énoncé : `[CONNEXION]` à l'arrivée,
/// `[ENVOI]` une fois la bienvenue (suivie de `'\n'`) envoyée, `[DÉCONNEXION]` après la
/// fermeture, faite avec [`fermer_en_douceur`]. Un envoi qui échoue (client déjà parti) n'est pas
/// une panne : à la place de `[ENVOI]`, la console dit
/// `[ERREUR] Envoi impossible à <pair> : <erreur>`, l'erreur en français
/// ([`francais::erreur_systeme`]), et la suite ne change pas. Seule une erreur d'`accept` ou
/// d'écriture de la console remonte.
///
/// # Question : pourquoi `accept()` est-il bloquant ?
///
/// `accept()` retire la première connexion *déjà établie* de la file d'attente du noyau (voir
/// [`ouvrir_ecoute`]). Si la file est vide, il n'a rien à rendre : le système **suspend le
/// thread** jusqu'à l'arrivée d'un client. Ce n'est pas une boucle qui tourne à vide : le thread
/// dort et ne consomme aucun temps de calcul. Ce mode bloquant, le mode par défaut, donne un code
/// qui se lit de haut en bas. Avec [`TcpListener::set_nonblocking`], `accept()` rendrait
/// aussitôt une erreur `WouldBlock` quand personne n'attend, et ce serait à nous de réessayer.
///
/// `accept()` rend une **nouvelle** socket, un [`TcpStream`] propre à ce client, plus son adresse ;
/// le `TcpListener` reste disponible pour d'autres clients (ce sera utile à l'étape 3).
pub fn servir(ecoute: TcpListener, console: &mut impl Write) -> io::Result<()> {
    // corrigé:début Indice : servez un seul client : acceptez-le, annoncez-le sur la console, envoyez-lui la ligne de bienvenue, puis fermez sans RST ; chaque moment a sa ligne de console, celles du « Résultat attendu ».
    let (mut flux, pair) = ecoute.accept()?;
    writeln!(console, "[CONNEXION] Client connecté depuis {pair}")?;
    match flux.write_all(format!("{MESSAGE_BIENVENUE}\n").as_bytes()) {
        Ok(()) => writeln!(console, "[ENVOI] Message de bienvenue envoyé à {pair}")?,
        // Le client est peut-être déjà parti : c'est son problème, pas une raison de paniquer.
        Err(erreur) => writeln!(
            console,
            "[ERREUR] Envoi impossible à {pair} : {erreur}",
            erreur = francais::erreur_systeme(&erreur)
        )?,
    }
    fermer_en_douceur(flux);
    writeln!(console, "[DÉCONNEXION] Connexion fermée avec {pair}")?;
    Ok(())
    // corrigé:fin
}

/// Ferme une connexion sans faire perdre au client ce qu'on vient de lui envoyer.
///
/// Fermer une socket dans laquelle le client a écrit des octets que l'on n'a pas lus fait envoyer
/// par le système un segment **RST** (« connexion réinitialisée ») au lieu d'une fin normale
/// (FIN). Ce qui n'était pas encore lu chez le client peut alors se perdre : Windows le jette, et
/// `nc` sous Linux abandonne la connexion sans le lire. Essayé avec
/// `printf 'coucou\n' | nc 127.0.0.1 5050` : avec un simple `drop(flux)`, la bienvenue manquait
/// 3 fois sur 6 ; avec cette fonction, jamais.
///
/// La fermeture en douceur : `shutdown(Write)` annonce « je n'enverrai plus rien » (un FIN, après
/// les données), puis on lit et on jette ce que le client envoie encore, jusqu'à ce qu'il ferme
/// à son tour (ou au plus une seconde), et seulement alors on abandonne la socket.
pub fn fermer_en_douceur(flux: TcpStream) {
    let _ = flux.shutdown(Shutdown::Write);
    let _ = flux.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = io::copy(&mut (&flux).take(64 * 1024), &mut io::sink());
}

/// Le client : se connecte, lit une ligne, l'écrit dans `sortie`.
///
/// Le serveur peut fermer sans rien dire, ou envoyer n'importe quoi : ces cas deviennent des
/// erreurs explicites. La lecture est bornée à [`LIMITE_LIGNE`] octets.
pub fn client(adresse: IpAddr, port: u16, sortie: &mut impl Write) -> anyhow::Result<()> {
    let flux = connecter(adresse, port)?;
    let ligne = lire_bienvenue(flux)?;
    writeln!(sortie, "{ligne}")?;
    Ok(())
}

/// Lit la première ligne envoyée par le serveur.
///
/// Au plus [`LIMITE_LIGNE`] octets sont lus ; la ligne est rendue sans son `\n` ni un `\r`
/// final. Un serveur qui ferme sans rien envoyer (0 octet lu), ou qui envoie autre chose que du
/// texte UTF-8, donne une erreur qui le dit, en français.
fn lire_bienvenue(flux: TcpStream) -> anyhow::Result<String> {
    // corrigé:début Indice : lisez la ligne de bienvenue sans croire le réseau aveuglément : au plus LIMITE_LIGNE octets, une erreur claire si le serveur ferme sans rien dire, et la ligne rendue sans sa fin de ligne.
    let mut lecteur = BufReader::new(flux).take(LIMITE_LIGNE as u64);
    let mut ligne = String::new();
    let lus = lecteur
        .read_line(&mut ligne)
        .context("lecture impossible (le serveur a-t-il envoyé du texte UTF-8 ?)")?;
    if lus == 0 {
        anyhow::bail!("le serveur a fermé la connexion sans rien envoyer.");
    }
    Ok(ligne.trim_end_matches(['\r', '\n']).to_string())
    // corrigé:fin
}

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
///
/// Le serveur tourne dans un thread, avec un port choisi par le système ; le client se connecte
/// depuis le thread principal. La console du serveur est affichée à la fin, une fois le thread
/// terminé, pour que la transcription soit toujours dans le même ordre.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(sortie, "=== Démo de l'étape 1 : connexion initiale ===")?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    let serveur = thread::spawn(move || {
        let mut journal = Vec::new();
        servir(ecoute, &mut journal).map(|()| journal)
    });

    writeln!(sortie, "[démo] Le client se connecte.")?;
    let mut recu = Vec::new();
    client(adresse.ip(), adresse.port(), &mut recu)?;
    write!(sortie, "[client] {}", String::from_utf8_lossy(&recu))?;

    let journal = serveur
        .join()
        .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
    writeln!(
        sortie,
        "[démo] Le serveur a servi son client et s'est arrêté. Sa console :"
    )?;
    sortie.write_all(&journal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    fn local() -> IpAddr {
        IpAddr::from([127, 0, 0, 1])
    }

    #[test]
    fn le_client_recoit_la_bienvenue_puis_le_serveur_s_arrete() -> anyhow::Result<()> {
        let ecoute = ouvrir_ecoute(local(), 0)?;
        let port = ecoute.local_addr()?.port();
        let serveur = thread::spawn(move || {
            let mut journal = Vec::new();
            servir(ecoute, &mut journal).map(|()| journal)
        });
        let mut recu = Vec::new();
        client(local(), port, &mut recu)?;
        egal!(String::from_utf8(recu)?, "Bienvenue sur le serveur !\n");
        let journal = String::from_utf8(serveur.join().expect("thread serveur")?)?;
        vrai!(journal.contains("[CONNEXION] Client connecté depuis 127.0.0.1:"));
        Ok(())
    }

    #[test]
    fn un_port_occupe_donne_une_phrase_qui_propose_port() -> anyhow::Result<()> {
        let occupe = ouvrir_ecoute(local(), 0)?;
        let port = occupe.local_addr()?.port();
        let erreur = ouvrir_ecoute(local(), port).expect_err("le port est pris");
        let texte = erreur.to_string();
        assert!(
            texte.contains("déjà utilisé") && texte.contains("--port"),
            "{texte}"
        );
        Ok(())
    }

    #[test]
    fn un_serveur_absent_donne_une_phrase_avec_une_piste() -> anyhow::Result<()> {
        // On réserve un port puis on le libère : personne n'y écoute plus.
        let port = ouvrir_ecoute(local(), 0)?.local_addr()?.port();
        let erreur = connecter(local(), port).expect_err("personne n'écoute");
        let texte = erreur.to_string();
        assert!(
            texte.contains("le serveur est-il lancé") || texte.contains("Le serveur est-il lancé"),
            "{texte}"
        );
        Ok(())
    }
}
