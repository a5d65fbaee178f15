//! La liste noire relue à chaque connexion, et qui ne s'ouvre jamais toute seule.
//!
//! Attaques : un fichier enregistré en Latin-1, un fichier énorme (ou `/dev/zero`), un fichier
//! effacé ou remplacé par un dossier pendant le service. Tests :
//! `la_liste_noire_lue_avec_indulgence_ne_s_ouvre_jamais` et ceux de ce fichier.
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

use crate::liste_noire::{Regle, analyser, lignes_ignorees, lignes_ignorees_en_mots};
use crate::sortie::Sortie;

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
    pub fn ouvrir(chemin: &Path, console: &Sortie) -> io::Result<ListeNoire> {
        let avant = empreinte(chemin);
        let texte = lire_texte(chemin)?;
        let ignorees = lignes_ignorees(&texte);
        if !ignorees.is_empty() {
            console.ligne(&format!(
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
    use ::tests::{egal, vrai};

    fn ip(texte: &str) -> IpAddr {
        texte.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn un_bom_et_un_octet_latin1_ne_desactivent_rien() -> io::Result<()> {
        let chemin = std::env::temp_dir().join(format!("e8-liste-{}.txt", std::process::id()));
        std::fs::write(&chemin, b"\xef\xbb\xbf10.0.0.1\n# \xe9l\xe8ve\n10.0.0.2\n")?;
        let regles = analyser(&lire_texte(&chemin)?);
        std::fs::remove_file(&chemin)?;
        egal!(regles.len(), 2, "{regles:?}");
        Ok(())
    }

    #[test]
    fn un_fichier_devenu_illisible_garde_la_derniere_liste() -> io::Result<()> {
        let chemin =
            std::env::temp_dir().join(format!("e8-liste-disparue-{}.txt", std::process::id()));
        std::fs::write(&chemin, "127.0.0.1\n")?;
        let liste = ListeNoire::ouvrir(&chemin, &Sortie::muette()?)?;
        std::fs::remove_file(&chemin)?;
        let verdict = liste.refuse(ip("127.0.0.1"));
        assert!(verdict.refuse, "la dernière liste lue reste en vigueur");
        vrai!(verdict.avertissement.is_some());
        std::fs::create_dir(&chemin)?;
        assert!(
            liste.refuse(ip("127.0.0.1")).refuse,
            "un dossier à la place du fichier"
        );
        std::fs::remove_dir(&chemin)?;
        Ok(())
    }
}
