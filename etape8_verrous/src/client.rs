//! Le programme client : le même qu'à l'étape 7.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, TcpStream};
use std::thread;

use anyhow::Context;

use crate::commandes::nettoyer;
use crate::{FIN, LIMITE_RECEPTION, Ligne, connecter, lire_ligne};

/// Le client de l'étape 7 : un thread envoie les lignes de `entree` (la première est le pseudo),
/// puis [`FIN`] ; le thread courant affiche ce qui arrive jusqu'à ce que le serveur ferme.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    let lecture = connecter(adresse, port)?;
    let envoi = lecture
        .try_clone()
        .context("impossible de dupliquer la socket")?;
    // Ce thread n'est pas attendu : il peut rester bloqué sur le clavier. Quand le serveur ferme,
    // le programme se termine, et lui avec.
    thread::spawn(move || envoyer(entree, envoi));
    let mut lecteur = BufReader::new(lecture);
    loop {
        match lire_ligne(&mut lecteur, LIMITE_RECEPTION) {
            Ok(Ligne::Texte(texte)) => writeln!(sortie, "{}", nettoyer(&texte))?,
            Ok(Ligne::Fin) => return Ok(()),
            Ok(Ligne::TropLongue) => {
                writeln!(sortie, "(ligne trop longue reçue du serveur, ignorée)")?
            }
            Ok(Ligne::PasUtf8) => writeln!(
                sortie,
                "(ligne reçue du serveur qui n'est pas du texte UTF-8, ignorée)"
            )?,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(e).context("lecture impossible depuis le serveur"),
        }
    }
}

/// Envoie chaque ligne de `entree`, puis [`FIN`] et la fermeture du côté écriture ; s'arrête plus
/// tôt sur `/quitter`, `bye` ou une erreur d'envoi.
fn envoyer(entree: impl BufRead, mut ecrivain: TcpStream) {
    for ligne in entree.lines().map_while(Result::ok) {
        if writeln!(ecrivain, "{ligne}").is_err() || ligne == FIN || ligne == "bye" {
            return;
        }
    }
    let _ = writeln!(ecrivain, "{FIN}");
    let _ = ecrivain.shutdown(Shutdown::Write);
}
