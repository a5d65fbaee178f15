//! La liste noire : les adresses IP refusées, une par ligne, vérifiées à chaque connexion.
//!
//! ```text
//! # Commentaire : tout ce qui suit un # est ignoré
//! 192.168.1.66
//! 10.0.0.0/8      # toute une plage (notation CIDR)
//! 2001:db8::/32
//! ```
//!
//! Ce fichier dit ce qu'est une règle et si elle contient une adresse. Lire le fichier, le relire
//! quand il change et ne jamais s'ouvrir quand il devient illisible sont des défenses, dans
//! [`crate::defenses::liste_relue`].

use std::net::IpAddr;

/// Une ligne de la liste : une adresse, ou une plage `adresse/longueur de préfixe`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regle {
    reseau: IpAddr,
    prefixe: u8,
}

impl Regle {
    /// Lit `192.168.1.66`, `10.0.0.0/8`, `::1` ou `2001:db8::/32` ; `None` sinon.
    pub fn lire(texte: &str) -> Option<Regle> {
        let (adresse, prefixe) = match texte.split_once('/') {
            Some((adresse, prefixe)) => (adresse, Some(prefixe.parse::<u8>().ok()?)),
            None => (texte, None),
        };
        let reseau = adresse.parse::<IpAddr>().ok()?.to_canonical();
        let maximum = if reseau.is_ipv4() { 32 } else { 128 };
        let prefixe = prefixe.unwrap_or(maximum);
        (prefixe <= maximum).then_some(Regle { reseau, prefixe })
    }

    /// Vrai si `ip` est dans cette plage (une adresse seule est une plage de longueur 32 ou 128).
    ///
    /// Une IPv4 vue par une écoute IPv6 s'écrit `::ffff:10.0.0.1` : `to_canonical` la rend à sa
    /// famille. Une adresse IPv4 est un `u32` (`u32::from`), une IPv6 un `u128` ; garder les
    /// `prefixe` premiers bits, c'est un masque (ces bits à 1, les autres à 0). Le piège : le
    /// préfixe 0 contient tout (masque 0), mais décaler un `u32` de 32 bits panique en mode
    /// débogage et, en `--release`, ne décale pas du tout (un masque faux, sans un mot) ;
    /// `checked_shl` rend `None` dans ce cas. Même chose avec `u128` et 128.
    pub fn contient(&self, ip: IpAddr) -> bool {
        // corrigé:début Indice : comparez les `prefixe` premiers bits de l'adresse et du réseau, sous leur forme canonique, en nombres entiers ; deux familles d'adresses ne se contiennent pas. Lisez le piège du préfixe 0 dans la documentation ci-dessus.
        match (self.reseau, ip.to_canonical()) {
            (IpAddr::V4(reseau), IpAddr::V4(ip)) => {
                let masque = u32::MAX
                    .checked_shl(32 - u32::from(self.prefixe))
                    .unwrap_or(0);
                u32::from(reseau) & masque == u32::from(ip) & masque
            }
            (IpAddr::V6(reseau), IpAddr::V6(ip)) => {
                let masque = u128::MAX
                    .checked_shl(128 - u32::from(self.prefixe))
                    .unwrap_or(0);
                u128::from(reseau) & masque == u128::from(ip) & masque
            }
            _ => false,
        }
        // corrigé:fin
    }
}

/// Les règles d'un texte de liste noire ; une ligne qui n'est ni une adresse ni une plage est
/// ignorée (voir [`lignes_ignorees`]).
pub fn analyser(texte: &str) -> Vec<Regle> {
    utiles(texte).filter_map(Regle::lire).collect()
}

/// Les lignes non vides, commentaires retirés.
fn utiles(texte: &str) -> impl Iterator<Item = &str> {
    texte
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|ligne| ligne.split('#').next().unwrap_or("").trim())
        .filter(|ligne| !ligne.is_empty())
}

/// « 1 ligne ignorée », « 3 lignes ignorées ».
pub(crate) fn lignes_ignorees_en_mots(n: usize) -> String {
    if n < 2 {
        format!("{n} ligne ignorée")
    } else {
        format!("{n} lignes ignorées")
    }
}

/// Les lignes qui ne sont ni une adresse ni une plage (`127.0.0.1:5050`, `10.0.0.*`…) : une
/// faute de frappe ne doit pas passer en silence, on les signale sur la console.
pub fn lignes_ignorees(texte: &str) -> Vec<String> {
    utiles(texte)
        .filter(|ligne| Regle::lire(ligne).is_none())
        .map(crate::commandes::nettoyer)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    fn ip(texte: &str) -> IpAddr {
        texte.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn refuse(liste: &str, adresse: &str) -> bool {
        analyser(liste)
            .iter()
            .any(|regle| regle.contient(ip(adresse)))
    }

    #[test]
    fn commentaires_lignes_vides_et_erreurs_sont_ignores() {
        let regles = analyser(
            "# titre\n\n10.0.0.1\n  ::1  # boucle IPv6\nn'importe quoi\n300.1.1.1\n1.2.3.4/40\n",
        );
        egal!(regles.len(), 2, "{regles:?}");
    }

    #[test]
    fn adresses_plages_et_formes_canoniques() {
        vrai!(refuse("10.0.0.1", "10.0.0.1"));
        vrai!(!refuse("10.0.0.1", "10.0.0.2"));
        vrai!(refuse("10.0.0.0/8", "10.200.3.4"));
        vrai!(!refuse("10.0.0.0/8", "11.0.0.1"));
        vrai!(refuse("0.0.0.0/0", "203.0.113.9"));
        vrai!(refuse("2001:db8::/32", "2001:db8:1::5"));
        assert!(
            refuse("127.0.0.1", "::ffff:127.0.0.1"),
            "IPv4 vue par une écoute IPv6"
        );
        vrai!(refuse("::ffff:127.0.0.1", "127.0.0.1"));
        vrai!(!refuse("::1", "127.0.0.1"));
    }

    #[test]
    fn les_lignes_qui_ne_sont_ni_adresse_ni_plage_sont_signalees() {
        let ignorees = lignes_ignorees("# ok\n10.0.0.1\n127.0.0.1:5050\n10.0.0.*\n\n");
        egal!(ignorees, ["127.0.0.1:5050", "10.0.0.*"]);
    }
}
