//! La liste noire : les adresses IP refusées, une par ligne, vérifiées à chaque connexion.
//!
//! ```text
//! # Commentaire : tout ce qui suit un # est ignoré
//! 192.168.1.66
//! 10.0.0.0/8      # toute une plage (notation CIDR)
//! 2001:db8::/32
//! ```
//!
//! À chaque connexion, on regarde la date et la taille du fichier ; s'il a changé, on le relit :
//! une modification s'applique dès la connexion suivante, sans redémarrer le serveur.
//!
//! # Une liste noire ne doit jamais s'ouvrir toute seule
//!
//! Une configuration de sécurité qui ne se lit plus doit **garder** ce qu'elle protège, pas
//! tout laisser passer (fermée par défaut, *fail closed*). D'où trois précautions :
//!
//! - le fichier est lu avec indulgence : un octet qui n'est pas de l'UTF-8 (un « é » enregistré
//!   en Latin-1 par un éditeur Windows) est remplacé, pas fatal, et l'indicateur d'ordre des
//!   octets (BOM) du début est retiré ;
//! - si le fichier devient illisible (effacé, remplacé par un dossier), on garde **la dernière
//!   liste lue** et on le dit sur la console ;
//! - les adresses sont comparées sous leur forme canonique : un client IPv4 vu par une écoute
//!   IPv6 (`--adresse ::`) apparaît comme `::ffff:127.0.0.1`, qui est bien `127.0.0.1`.

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

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
fn lignes_ignorees_en_mots(n: usize) -> String {
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

/// Taille maximale lue : au-delà de 1 Mio (ou avec `/dev/zero`), la suite du fichier est ignorée.
pub const TAILLE_MAX: u64 = 1024 * 1024;

/// Lit le fichier avec indulgence (voir le module), au plus [`TAILLE_MAX`] octets, et rend son
/// texte.
pub fn lire_texte(chemin: &Path) -> io::Result<String> {
    use std::io::Read;
    let mut octets = Vec::new();
    std::fs::File::open(chemin)?
        .take(TAILLE_MAX)
        .read_to_end(&mut octets)?;
    Ok(String::from_utf8_lossy(&octets).into_owned())
}

/// Lit le fichier avec indulgence et rend ses règles.
pub fn lire_fichier(chemin: &Path) -> io::Result<Vec<Regle>> {
    Ok(analyser(&lire_texte(chemin)?))
}

/// Ce que la liste dit d'une adresse.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub refuse: bool,
    /// À dire sur la console : le fichier n'a pas pu être relu.
    pub avertissement: Option<String>,
}

/// Ce qu'on sait de la dernière lecture réussie.
#[derive(Debug, Default)]
struct Lue {
    regles: Vec<Regle>,
    /// Date de modification et taille du fichier lu : inchangées, on ne le relit pas.
    empreinte: Option<(SystemTime, u64)>,
}

/// Le fichier de la liste noire, s'il y en a un, et la dernière liste lue.
#[derive(Debug, Default)]
pub struct ListeNoire {
    chemin: Option<PathBuf>,
    /// La dernière liste lue avec succès, gardée si le fichier devient illisible.
    derniere: Mutex<Lue>,
}

fn empreinte(chemin: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(chemin).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

impl ListeNoire {
    /// Une liste lue dans `chemin` à chaque connexion. Le fichier est lu une première fois ici,
    /// pour qu'une faute de chemin soit une erreur au démarrage plutôt qu'une surprise.
    pub fn ouvrir(chemin: &Path) -> io::Result<ListeNoire> {
        let avant = empreinte(chemin);
        let texte = lire_texte(chemin)?;
        let ignorees = lignes_ignorees(&texte);
        if !ignorees.is_empty() {
            crate::console(&format!(
                "[ATTENTION] Liste noire {} : {} (ni adresse ni plage), par exemple « {} »",
                chemin.display(),
                lignes_ignorees_en_mots(ignorees.len()),
                ignorees[0]
            ));
        }
        Ok(ListeNoire {
            chemin: Some(chemin.to_path_buf()),
            derniere: Mutex::new(Lue {
                regles: analyser(&texte),
                empreinte: avant,
            }),
        })
    }

    /// Relit le fichier s'il a changé (hors de tout verrou) et dit si `ip` est refusée.
    pub fn refuse(&self, ip: IpAddr) -> Verdict {
        let Some(chemin) = &self.chemin else {
            return Verdict::default();
        };
        let maintenant = empreinte(chemin);
        let inchange = {
            let lue = crate::verrouiller(&self.derniere);
            maintenant.is_some() && lue.empreinte == maintenant
        };
        let mut avertissement = None;
        if !inchange {
            match lire_texte(chemin) {
                Ok(texte) => {
                    let ignorees = lignes_ignorees(&texte);
                    if !ignorees.is_empty() {
                        avertissement = Some(format!(
                            "liste noire {} : {} (ni adresse ni plage), par exemple « {} »",
                            chemin.display(),
                            lignes_ignorees_en_mots(ignorees.len()),
                            ignorees[0]
                        ));
                    }
                    // Le verrou n'est tenu que le temps de ranger la liste lue.
                    *crate::verrouiller(&self.derniere) = Lue {
                        regles: analyser(&texte),
                        empreinte: maintenant,
                    };
                }
                Err(erreur) => {
                    let nombre = crate::verrouiller(&self.derniere).regles.len();
                    avertissement = Some(format!(
                        "liste noire {} illisible ({erreur}) : on garde la dernière lue ({nombre})",
                        chemin.display(),
                        erreur = etape1_connexion::francais::erreur_systeme(&erreur),
                        nombre = etape1_connexion::francais::compter(nombre, "règle")
                    ));
                }
            }
        }
        let refuse = crate::verrouiller(&self.derniere)
            .regles
            .iter()
            .any(|regle| regle.contient(ip));
        Verdict {
            refuse,
            avertissement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(regles.len(), 2, "{regles:?}");
    }

    #[test]
    fn adresses_plages_et_formes_canoniques() {
        assert!(refuse("10.0.0.1", "10.0.0.1"));
        assert!(!refuse("10.0.0.1", "10.0.0.2"));
        assert!(refuse("10.0.0.0/8", "10.200.3.4"));
        assert!(!refuse("10.0.0.0/8", "11.0.0.1"));
        assert!(refuse("0.0.0.0/0", "203.0.113.9"));
        assert!(refuse("2001:db8::/32", "2001:db8:1::5"));
        assert!(
            refuse("127.0.0.1", "::ffff:127.0.0.1"),
            "IPv4 vue par une écoute IPv6"
        );
        assert!(refuse("::ffff:127.0.0.1", "127.0.0.1"));
        assert!(!refuse("::1", "127.0.0.1"));
    }

    #[test]
    fn les_lignes_qui_ne_sont_ni_adresse_ni_plage_sont_signalees() {
        let ignorees = lignes_ignorees("# ok\n10.0.0.1\n127.0.0.1:5050\n10.0.0.*\n\n");
        assert_eq!(ignorees, ["127.0.0.1:5050", "10.0.0.*"]);
    }

    #[test]
    fn un_bom_et_un_octet_latin1_ne_desactivent_rien() -> io::Result<()> {
        let chemin = std::env::temp_dir().join(format!("e8-liste-{}.txt", std::process::id()));
        std::fs::write(&chemin, b"\xef\xbb\xbf10.0.0.1\n# \xe9l\xe8ve\n10.0.0.2\n")?;
        let regles = lire_fichier(&chemin)?;
        std::fs::remove_file(&chemin)?;
        assert_eq!(regles.len(), 2, "{regles:?}");
        Ok(())
    }

    #[test]
    fn un_fichier_devenu_illisible_garde_la_derniere_liste() -> io::Result<()> {
        let chemin =
            std::env::temp_dir().join(format!("e8-liste-disparue-{}.txt", std::process::id()));
        std::fs::write(&chemin, "127.0.0.1\n")?;
        let liste = ListeNoire::ouvrir(&chemin)?;
        std::fs::remove_file(&chemin)?;
        let verdict = liste.refuse(ip("127.0.0.1"));
        assert!(verdict.refuse, "la dernière liste lue reste en vigueur");
        assert!(verdict.avertissement.is_some());
        std::fs::create_dir(&chemin)?;
        assert!(
            liste.refuse(ip("127.0.0.1")).refuse,
            "un dossier à la place du fichier"
        );
        std::fs::remove_dir(&chemin)?;
        Ok(())
    }
}
