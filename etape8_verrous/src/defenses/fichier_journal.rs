//! Le fichier du journal, qu'on ne contrôle pas : énorme, retouché à la main, effacé.
//!
//! Attaques : `--journal /dev/zero` ou un journal de plusieurs Go relu au démarrage, une ligne
//! de 20 Mo sans saut de ligne, des octets qui ne sont pas de l'UTF-8 ou des codes d'échappement
//! ajoutés à la main ; le fichier effacé pendant que le serveur tourne. Tests :
//! `l_historique_se_lit_borne_meme_sur_un_journal_enorme`, `un_journal_efface_pendant_le_service_est_recree`
//! et ceux du salon.
//!
//! Si le fichier est effacé pendant que le serveur tourne, les lignes suivantes iraient dans un
//! fichier que plus personne ne voit : avant chaque lot, le thread vérifie que le fichier existe
//! encore, le recrée sinon, et le dit sur la console.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use crate::client::LIMITE_RECEPTION;
use crate::commandes::nettoyer;
use crate::sortie::Sortie;
use crate::{Ligne, lire_ligne};

/// Au démarrage, on ne relit que la fin du journal : au plus tant d'octets. Un journal de
/// plusieurs Go (ou `--journal /dev/zero`) ne doit pas remplir la mémoire.
pub const LECTURE_HISTORIQUE_MAX: u64 = 8 * 1024 * 1024;

/// Ouvre (ou crée) le fichier en ajout.
pub fn ouvrir_en_ajout(chemin: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(chemin)
}

/// Si le fichier du journal a été effacé pendant que le serveur tourne, le recrée (les lignes
/// iraient sinon dans un fichier que plus personne ne voit), et le dit sur la console.
pub fn rouvrir_si_efface(fichier: &mut File, chemin: &Path, console: &Sortie) {
    if chemin.exists() {
        return;
    }
    match ouvrir_en_ajout(chemin) {
        Ok(nouveau) => {
            *fichier = nouveau;
            console.ligne(&format!(
                "[ATTENTION] Le journal {} avait disparu : recréé",
                chemin.display()
            ));
        }
        Err(erreur) => console.ligne(&format!(
            "[ERREUR] Le journal {} a disparu et ne peut être recréé : {erreur}",
            chemin.display(),
            erreur = etape1_connexion::francais::erreur_systeme(&erreur)
        )),
    }
}

/// Les `n` dernières lignes du journal, lues au démarrage (elles viennent des lancements
/// précédents). Un fichier absent donne un historique vide ; le fichier a pu être modifié à la
/// main : une ligne qui n'est pas du texte UTF-8 est sautée, et les caractères de contrôle sont
/// neutralisés.
///
/// Tout est borné : on ne lit que les [`LECTURE_HISTORIQUE_MAX`] derniers octets, et une ligne
/// plus longue que [`LIMITE_RECEPTION`] est sautée sans être gardée en mémoire.
pub fn charger_historique(chemin: &Path, n: usize) -> io::Result<VecDeque<Arc<str>>> {
    let mut fichier = match File::open(chemin) {
        Ok(fichier) => fichier,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(VecDeque::new()),
        Err(e) => return Err(e),
    };
    let mut dernieres = VecDeque::new();
    if n == 0 {
        return Ok(dernieres);
    }
    let taille = fichier.metadata().map(|m| m.len()).unwrap_or(0);
    let debut_coupe = taille > LECTURE_HISTORIQUE_MAX;
    if debut_coupe {
        fichier.seek(SeekFrom::Start(taille - LECTURE_HISTORIQUE_MAX))?;
    }
    let mut lecteur = BufReader::new(fichier.take(LECTURE_HISTORIQUE_MAX));
    if debut_coupe {
        // On est tombé au milieu d'une ligne : elle n'est pas entière, on la saute.
        lecteur.skip_until(b'\n')?;
    }
    loop {
        // La lecture bornée de l'étape 2 : une ligne trop longue est jetée au fil de l'eau.
        let ligne = match lire_ligne(&mut lecteur, LIMITE_RECEPTION)? {
            Ligne::Texte(ligne) => ligne,
            Ligne::TropLongue | Ligne::PasUtf8 => continue,
            Ligne::Fin => break,
        };
        if ligne.is_empty() {
            continue;
        }
        if dernieres.len() == n {
            dernieres.pop_front();
        }
        dernieres.push_back(Arc::from(nettoyer(&ligne)));
    }
    Ok(dernieres)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::ouvrir_journal;
    use ::tests::{egal, vrai};

    #[test]
    fn l_historique_se_lit_borne_meme_sur_un_journal_enorme() -> io::Result<()> {
        let chemin =
            std::env::temp_dir().join(format!("etape8-journal-enorme-{}.txt", std::process::id()));
        // Une ligne de 20 Mo sans saut de ligne, puis deux lignes normales.
        let mut contenu = vec![b'z'; 20 * 1024 * 1024];
        contenu.extend_from_slice(b"\navant\nderniere\n");
        std::fs::write(&chemin, &contenu)?;
        let historique = charger_historique(&chemin, usize::MAX)?;
        std::fs::remove_file(&chemin)?;
        egal!(
            historique.iter().map(|l| l.as_ref()).collect::<Vec<_>>(),
            ["avant", "derniere"]
        );
        Ok(())
    }

    #[test]
    fn un_journal_efface_pendant_le_service_est_recree() -> io::Result<()> {
        let chemin =
            std::env::temp_dir().join(format!("etape8-journal-efface-{}.txt", std::process::id()));
        let _ = std::fs::remove_file(&chemin);
        let journal = ouvrir_journal(&chemin, Arc::new(Sortie::muette()?))?;
        std::fs::remove_file(&chemin)?;
        journal.ecrire(&[Arc::from("après l'effacement")]);
        journal.terminer(None)?;
        let texte = std::fs::read_to_string(&chemin)?;
        std::fs::remove_file(&chemin)?;
        egal!(texte, "après l'effacement\n");
        Ok(())
    }

    #[test]
    fn un_journal_absent_donne_un_historique_vide() -> io::Result<()> {
        let absent = std::env::temp_dir().join("etape8-ce-fichier-n-existe-pas.txt");
        vrai!(charger_historique(&absent, 20)?.is_empty());
        Ok(())
    }
}
