//! Le journal de discussion : un fichier, une ligne horodatée par événement, écrit par **un seul**
//! thread.
//!
//! Le journal est un destinataire de plus du salon : une [`Sortie`] (voir [`crate::sortie`]), dont
//! la file est du même type que celle d'un client, que [`crate::salon::Salon::publier`] remplit ;
//! son écrivain écrit dans un fichier au lieu d'une socket. Les threads des clients ne touchent donc jamais au fichier : deux lignes
//! ne peuvent pas s'entremêler, et le journal garde l'ordre dans lequel les membres ont vu les
//! lignes. Chaque lot est écrit dès qu'il arrive (`write_all` sur le fichier, sans
//! tampon) : si le serveur est tué, ce qui était déjà journalisé est confié au système, qui
//! l'écrira sur le disque même si notre programme disparaît. (Contre une coupure de courant, il
//! faudrait en plus `File::sync_data`, qui attend le disque : trop lent pour chaque message.)
//!
//! Une file de client qui déborde est coupée ; celle du journal ne l'est jamais (on ne perd pas
//! le journal) : elle est sans limite, et celui qui publie attend, **après** avoir relâché le
//! verrou du salon, que le retard du disque redescende sous [`ATTENTE_JOURNAL`]
//! ([`Sortie::rattraper`], politique [`Debord::Attendre`]). Un disque lent ralentit ceux qui
//! parlent, jamais le salon.
//!
//! Un fichier effacé pendant le service, ou énorme, ou retouché à la main au démarrage : des
//! défenses, dans [`crate::defenses::fichier_journal`].

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::defenses::fichier_journal::{ouvrir_en_ajout, rouvrir_si_efface};
use crate::livraison::{Envoi, FileEnvoi};
use crate::sortie::{Debord, Sortie};

/// Le retard du journal, en octets, au-delà duquel celui qui publie attend le disque (hors du
/// verrou du salon).
pub const ATTENTE_JOURNAL: usize = 4 * 1024 * 1024;

/// Le journal : une [`Sortie`] dont l'écrivain écrit dans un fichier, et qui fait attendre
/// celui qui publie plutôt que de perdre une ligne ([`Debord::Attendre`]).
///
/// Quand le journal disparaît (avec l'état partagé du serveur), sa file se ferme : le thread
/// écrit ce qui reste, puis s'arrête ; [`Sortie::terminer`] l'attend.
pub type Journal = Sortie;

/// Ouvre (ou crée) le fichier en ajout et lance son écrivain, qui dit ses erreurs sur
/// `console`.
///
/// L'ouverture a lieu tout de suite : un chemin où l'on ne peut pas écrire est une erreur **au
/// démarrage**, pas au premier message.
pub fn ouvrir_journal(chemin: &Path, console: Arc<Sortie>) -> io::Result<Journal> {
    let fichier = ouvrir_en_ajout(chemin)?;
    let chemin = chemin.to_path_buf();
    Sortie::lancer(
        "journal",
        Debord::Attendre {
            seuil: ATTENTE_JOURNAL,
        },
        move |ecrivain| ecrire_lignes(fichier, &chemin, &ecrivain.file, &console),
    )
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
/// [`Journal`] se ferme, `prendre` rend ce qui reste, puis `false`, et la boucle finit.
fn ecrire_lignes(mut fichier: File, chemin: &Path, file: &FileEnvoi, console: &Sortie) {
    // corrigé:début Indice : tant que la file donne un lot, écrivez-le dans le fichier d'un seul appel, une ligne par élément, sans tampon, après avoir vérifié que le fichier existe encore. Une erreur d'écriture se dit sur la console et n'arrête pas le thread.
    let mut lot: Vec<Envoi> = Vec::new();
    let mut texte = String::new();
    while file.prendre(&mut lot) {
        texte.clear();
        for ligne in lot.drain(..) {
            texte.push_str(&ligne);
            texte.push('\n');
        }
        rouvrir_si_efface(&mut fichier, chemin, console);
        if let Err(erreur) = fichier.write_all(texte.as_bytes()) {
            console.ligne(&format!(
                "[ERREUR] Écriture du journal impossible : {erreur}",
                erreur = etape1_connexion::francais::erreur_systeme(&erreur)
            ));
        }
    }
    // corrigé:fin
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
    use crate::defenses::fichier_journal::charger_historique;
    use ::tests::egal;
    use std::thread;
    use std::time::Duration;

    /// Fait le test dans un thread et l'attend au plus 10 s (`tests::pannes::dans_le_delai`) : un
    /// interblocage fait échouer le test, en français, au lieu de bloquer `cargo test` pour toujours.
    fn dans_le_delai<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
        ::tests::pannes::dans_le_delai(
            Duration::from_secs(10),
            "le thread du journal ne finit pas : sa boucle doit s'arrêter quand `prendre` rend \
             faux (file fermée et vide)",
            test,
        )
    }

    fn a(secondes: u64) -> String {
        horodatage(UNIX_EPOCH + Duration::from_secs(secondes))
    }

    #[test]
    fn horodatage_de_dates_connues() {
        egal!(a(0), "1970-01-01 00:00:00 UTC");
        egal!(a(951_782_400), "2000-02-29 00:00:00 UTC");
        egal!(a(1_700_000_000), "2023-11-14 22:13:20 UTC");
        egal!(a(4_107_542_399), "2100-02-28 23:59:59 UTC");
    }

    #[test]
    fn le_journal_ecrit_chaque_ligne_et_l_historique_relit_les_dernieres() -> io::Result<()> {
        dans_le_delai(|| {
            let chemin = std::env::temp_dir().join(format!(
                "etape8-journal-test-{}-{:?}.txt",
                std::process::id(),
                thread::current().id()
            ));
            let _ = std::fs::remove_file(&chemin);
            let journal = ouvrir_journal(&chemin, Arc::new(Sortie::muette()?))?;
            for i in 0..30 {
                journal.ecrire(&[Arc::from(format!("ligne {i}"))]);
            }
            journal.terminer(None)?;
            let historique = charger_historique(&chemin, 3)?;
            egal!(
                historique.iter().map(|l| l.as_ref()).collect::<Vec<_>>(),
                ["ligne 27", "ligne 28", "ligne 29"]
            );
            std::fs::write(&chemin, b"ok\n\xff pas utf-8\n\x1b[2J\n")?;
            let historique = charger_historique(&chemin, 5)?;
            egal!(
                historique.iter().map(|l| l.as_ref()).collect::<Vec<_>>(),
                ["ok", "\\u{1b}[2J"]
            );
            std::fs::remove_file(&chemin)?;
            Ok(())
        })
    }
}
