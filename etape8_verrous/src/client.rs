//! Le programme client : celui de l'étape 4, avec une limite de réception plus grande.

use std::io::{BufRead, Write};
use std::net::IpAddr;

use etape4_communication::Cadrage;

/// Longueur maximale d'une ligne que le client accepte du serveur : une ligne envoyée au salon
/// reçoit un préfixe (`alice : `), un caractère de contrôle échappé en occupe six (`\u{7f}`), et
/// `/majuscules` peut allonger un texte (« ß » devient « SS »).
pub const LIMITE_RECEPTION: usize = 8 * crate::conversation::LIMITE_LIGNE;

/// Le client de l'étape 4 ([`etape4_communication::client_avec_limite`]) : un thread envoie les
/// lignes de `entree` (la première est le pseudo), puis `/quitter` ; le thread courant affiche ce
/// qui arrive jusqu'à ce que le serveur ferme. Il accepte des lignes jusqu'à
/// [`LIMITE_RECEPTION`] octets : une réponse peut être plus longue que la ligne qui l'a demandée.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    etape4_communication::client_avec_limite(
        adresse,
        port,
        Cadrage::Ligne,
        LIMITE_RECEPTION,
        entree,
        sortie,
    )
}
