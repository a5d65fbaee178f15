//! Le journal de discussion : un fichier, une ligne horodatée par événement, écrit par **un seul**
//! thread.
//!
//! Le journal est un destinataire de plus du salon : une [`FileEnvoi`], du même type que celle
//! d'un client, que [`crate::salon::Salon::publier`] remplit ; son écrivain écrit dans un fichier
//! au lieu d'une socket. Les threads des clients ne touchent donc jamais au fichier : deux lignes
//! ne peuvent pas s'entremêler, et le journal garde l'ordre dans lequel les membres ont vu les
//! lignes. Chaque lot est écrit dès qu'il arrive (`write_all` sur le fichier, sans
//! tampon) : si le serveur est tué, ce qui était déjà journalisé est confié au système, qui
//! l'écrira sur le disque même si notre programme disparaît. (Contre une coupure de courant, il
//! faudrait en plus `File::sync_data`, qui attend le disque : trop lent pour chaque message.)
//!
//! Une file de client qui déborde est coupée ; celle du journal ne l'est jamais (on ne perd pas
//! le journal) : elle est sans limite (`usize::MAX`), et celui qui publie attend, **après** avoir relâché le
//! verrou du salon, que le retard du disque redescende sous [`ATTENTE_JOURNAL`]
//! ([`Journal::attendre_le_disque`]). Un disque lent ralentit ceux qui parlent, jamais le salon.
//!
//! Si le fichier est effacé pendant que le serveur tourne, les lignes suivantes iraient dans un
//! fichier que plus personne ne voit : avant chaque lot, le thread vérifie que le fichier existe
//! encore, le recrée sinon, et le dit sur la console.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::commandes::nettoyer;
use crate::livraison::{Envoi, Fermeture, FileEnvoi};
use crate::{LIMITE_RECEPTION, Ligne, lire_ligne};

/// Au démarrage, on ne relit que la fin du journal : au plus tant d'octets. Un journal de
/// plusieurs Go (ou `--journal /dev/zero`) ne doit pas remplir la mémoire.
pub const LECTURE_HISTORIQUE_MAX: u64 = 8 * 1024 * 1024;

/// Le retard du journal, en octets, au-delà duquel celui qui publie attend le disque (hors du
/// verrou du salon).
pub const ATTENTE_JOURNAL: usize = 4 * 1024 * 1024;

/// Le journal : la file de son thread d'écriture.
///
/// Quand le `Journal` disparaît (avec l'état partagé du serveur), sa file se ferme : le thread
/// écrit ce qui reste, puis s'arrête ; l'attendre (`join`) garantit que tout est écrit.
#[derive(Debug)]
pub struct Journal {
    file: Arc<FileEnvoi>,
}

impl Journal {
    /// Ouvre (ou crée) le fichier en ajout et lance le thread d'écriture.
    ///
    /// L'ouverture a lieu tout de suite : un chemin où l'on ne peut pas écrire est une erreur
    /// **au démarrage**, pas au premier message.
    pub fn ouvrir(chemin: &Path) -> io::Result<(Journal, JoinHandle<()>)> {
        let fichier = ouvrir_en_ajout(chemin)?;
        let file = Arc::new(FileEnvoi::new(usize::MAX));
        let chemin = chemin.to_path_buf();
        let pour_le_thread = Arc::clone(&file);
        let ecrivain = thread::Builder::new()
            .name("journal".to_string())
            .spawn(move || ecrire_lignes(fichier, &chemin, &pour_le_thread))?;
        Ok((Journal { file }, ecrivain))
    }

    /// Ajoute des lignes (déjà horodatées), dans l'ordre, **sans attendre** : on peut l'appeler
    /// verrou tenu.
    pub fn ecrire(&self, lignes: &[Envoi]) {
        let _ = self.file.deposer(lignes);
    }

    /// Attend que le disque ait rattrapé son retard (voir [`ATTENTE_JOURNAL`]). Jamais sous un
    /// verrou.
    pub fn attendre_le_disque(&self) {
        self.file.attendre_retard_sous(ATTENTE_JOURNAL);
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.file.fermer(Fermeture::Arret);
    }
}

fn ouvrir_en_ajout(chemin: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(chemin)
}

/// Le thread du journal : écrit chaque lot de lignes en un seul `write_all`.
///
/// La file est du même type que celle d'un client : la boucle a la forme de celle de
/// [`crate::livraison::ecrire_vers_le_client`], vers un fichier. Une erreur d'écriture se dit sur
/// la console (« [ERREUR] Écriture du journal impossible : … », avec [`erreur_systeme`]) sans
/// arrêter le thread.
///
/// [`erreur_systeme`]: etape1_connexion::francais::erreur_systeme
///
/// C'est le seul endroit du programme qui écrit dans le fichier : pas de verrou à prendre, et deux
/// lignes ne peuvent pas s'entremêler. Le thread vit tant que la file est ouverte : quand le
/// [`Journal`] disparaît, `prendre` rend ce qui reste, puis `false`, et la boucle finit.
fn ecrire_lignes(mut fichier: File, chemin: &Path, file: &FileEnvoi) {
    // corrigé:début Indice : tant que la file donne un lot, écrivez-le dans le fichier d'un seul appel, une ligne par élément, sans tampon, après avoir vérifié que le fichier existe encore. Une erreur d'écriture se dit sur la console et n'arrête pas le thread.
    let mut lot: Vec<Envoi> = Vec::new();
    let mut texte = String::new();
    while file.prendre(&mut lot) {
        texte.clear();
        for ligne in lot.drain(..) {
            texte.push_str(&ligne);
            texte.push('\n');
        }
        rouvrir_si_efface(&mut fichier, chemin);
        if let Err(erreur) = fichier.write_all(texte.as_bytes()) {
            crate::console(&format!(
                "[ERREUR] Écriture du journal impossible : {erreur}",
                erreur = etape1_connexion::francais::erreur_systeme(&erreur)
            ));
        }
    }
    // corrigé:fin
}

/// Si le fichier du journal a été effacé pendant que le serveur tourne, le recrée (les lignes
/// iraient sinon dans un fichier que plus personne ne voit), et le dit sur la console.
fn rouvrir_si_efface(fichier: &mut File, chemin: &Path) {
    if chemin.exists() {
        return;
    }
    match ouvrir_en_ajout(chemin) {
        Ok(nouveau) => {
            *fichier = nouveau;
            crate::console(&format!(
                "[ATTENTION] Le journal {} avait disparu : recréé",
                chemin.display()
            ));
        }
        Err(erreur) => crate::console(&format!(
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

/// `AAAA-MM-JJ hh:mm:ss UTC`, en temps universel, et dit : la bibliothèque standard ne connaît
/// pas les fuseaux horaires, et une heure sans étiquette serait lue comme l'heure locale (une ou
/// deux heures d'écart en France).
///
/// La bibliothèque standard donne les secondes depuis le 1er janvier 1970 ; la conversion en
/// date du calendrier est l'algorithme `civil_from_days` de Howard Hinnant (domaine public).
pub fn horodatage(instant: SystemTime) -> String {
    let secondes = instant
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (jours, reste) = (secondes / 86_400, secondes % 86_400);
    let z = jours as i64 + 719_468;
    let ere = z.div_euclid(146_097);
    let jour_de_l_ere = z.rem_euclid(146_097);
    let annee_de_l_ere = (jour_de_l_ere - jour_de_l_ere / 1460 + jour_de_l_ere / 36_524
        - jour_de_l_ere / 146_096)
        / 365;
    let jour_de_l_annee =
        jour_de_l_ere - (365 * annee_de_l_ere + annee_de_l_ere / 4 - annee_de_l_ere / 100);
    let mp = (5 * jour_de_l_annee + 2) / 153;
    let jour = jour_de_l_annee - (153 * mp + 2) / 5 + 1;
    let mois = if mp < 10 { mp + 3 } else { mp - 9 };
    let annee = annee_de_l_ere + ere * 400 + i64::from(mois <= 2);
    format!(
        "{annee:04}-{mois:02}-{jour:02} {:02}:{:02}:{:02} UTC",
        reste / 3600,
        reste / 60 % 60,
        reste % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn a(secondes: u64) -> String {
        horodatage(UNIX_EPOCH + Duration::from_secs(secondes))
    }

    #[test]
    fn horodatage_de_dates_connues() {
        assert_eq!(a(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(a(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(a(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(a(4_107_542_399), "2100-02-28 23:59:59 UTC");
    }

    #[test]
    fn le_journal_ecrit_chaque_ligne_et_l_historique_relit_les_dernieres() -> io::Result<()> {
        let chemin = std::env::temp_dir().join(format!(
            "etape8-journal-test-{}-{:?}.txt",
            std::process::id(),
            thread::current().id()
        ));
        let _ = std::fs::remove_file(&chemin);
        let (journal, ecrivain) = Journal::ouvrir(&chemin)?;
        for i in 0..30 {
            journal.ecrire(&[Arc::from(format!("ligne {i}"))]);
        }
        drop(journal);
        ecrivain.join().expect("thread du journal");
        let historique = charger_historique(&chemin, 3)?;
        assert_eq!(
            historique.iter().map(|l| l.as_ref()).collect::<Vec<_>>(),
            ["ligne 27", "ligne 28", "ligne 29"]
        );
        std::fs::write(&chemin, b"ok\n\xff pas utf-8\n\x1b[2J\n")?;
        let historique = charger_historique(&chemin, 5)?;
        assert_eq!(
            historique.iter().map(|l| l.as_ref()).collect::<Vec<_>>(),
            ["ok", "\\u{1b}[2J"]
        );
        std::fs::remove_file(&chemin)?;
        Ok(())
    }

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
        assert_eq!(
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
        let (journal, ecrivain) = Journal::ouvrir(&chemin)?;
        std::fs::remove_file(&chemin)?;
        journal.ecrire(&[Arc::from("après l'effacement")]);
        drop(journal);
        ecrivain.join().expect("thread du journal");
        let texte = std::fs::read_to_string(&chemin)?;
        std::fs::remove_file(&chemin)?;
        assert_eq!(texte, "après l'effacement\n");
        Ok(())
    }

    #[test]
    fn un_journal_absent_donne_un_historique_vide() -> io::Result<()> {
        let absent = std::env::temp_dir().join("etape8-ce-fichier-n-existe-pas.txt");
        assert!(charger_historique(&absent, 20)?.is_empty());
        Ok(())
    }
}
