//! La file d'envoi d'un client : bornée, avec une attente bornée, vidée par lots.
//!
//! Chaque client a **sa** file et **son** thread d'écriture. Diffuser un message, c'est le
//! déposer dans des files : une opération en mémoire, qui ne touche à aucune socket. Seul le
//! thread d'écriture du client parle à sa socket ; s'il est bloqué parce que le client ne lit
//! plus, personne d'autre ne l'est.
//!
//! Pourquoi pas `std::sync::mpsc::sync_channel` ? Il est borné, mais on ne peut y attendre une
//! place qu'indéfiniment (`send`) ou pas du tout (`try_send`) : il nous faut « au plus
//! [`crate::DELAI_GRACE`] ». Et le thread d'écriture veut prendre **tout** ce qui attend d'un
//! coup, pour l'écrire en un seul envoi. Une `VecDeque` sous un `Mutex`, plus deux `Condvar`,
//! fait les deux en quelques lignes.
//!
//! Le verrou de la file n'est tenu que le temps de manipuler la `VecDeque` : jamais pendant une
//! écriture réseau.
//!
//! Réveiller un thread endormi sur une `Condvar` coûte un appel système, même quand personne ne
//! dort. La file retient donc, sous son verrou, si l'écrivain dort et combien de déposants
//! attendent, et ne réveille que s'il y a quelqu'un à réveiller. Comme ces indicateurs sont lus et
//! écrits verrou tenu, aucun réveil ne peut se perdre.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Nombre maximal de messages qu'un thread d'écriture prend d'un coup. Borner le lot borne le
/// temps d'une écriture pour un client qui lit, même lentement : un lot qui reste bloqué plus que
/// le délai de grâce signale vraiment un client qui ne lit plus.
pub const LOT_ECRITURE: usize = 256;

/// Un message prêt à partir : le texte est partagé entre toutes les files (`Arc<str>`), pas
/// copié pour chaque destinataire.
pub type Envoi = Arc<str>;

/// Pourquoi une file a été fermée.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fermeture {
    /// Le client est parti : on écrit ce qui reste, puis on ferme.
    Depart,
    /// Le serveur s'arrête : on écrit ce qui reste (dont l'annonce), puis on ferme.
    Arret,
    /// La file est restée pleine plus que le délai de grâce : le client ne lit plus. Ce qui
    /// restait est jeté.
    Pleine,
    /// L'écriture dans la socket a échoué (client parti, ou bloqué plus que le délai).
    Ecriture,
}

/// Ce que [`FileEnvoi::deposer`] peut refuser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refus {
    /// La file vient d'être fermée parce qu'elle est restée pleine : à signaler.
    Pleine,
    /// La file était déjà fermée : le message n'a plus de destinataire.
    Fermee,
}

#[derive(Debug)]
struct Etat {
    messages: VecDeque<Envoi>,
    fermeture: Option<Fermeture>,
    /// L'écrivain dort sur `du_nouveau` : il faut le réveiller.
    ecrivain_endormi: bool,
    /// Nombre de déposants qui dorment sur `de_la_place`.
    deposants_endormis: usize,
    /// Depuis quand l'écrivain écrit son lot en cours (`None` : il n'écrit pas).
    ecriture_depuis: Option<Instant>,
}

/// Une file bornée entre les threads qui diffusent et le thread d'écriture d'un client.
#[derive(Debug)]
pub struct FileEnvoi {
    etat: Mutex<Etat>,
    capacite: usize,
    /// Au-delà, un lot en cours d'écriture est « bloqué » : le client ne lit plus.
    grace: Duration,
    /// Signalée quand des messages arrivent ou que la file ferme (réveille l'écrivain).
    du_nouveau: Condvar,
    /// Signalée quand de la place se libère ou que la file ferme (réveille les déposants).
    de_la_place: Condvar,
}

impl FileEnvoi {
    /// Une file vide qui garde au plus `capacite` messages ; un lot bloqué plus de `grace` fait
    /// considérer le client comme muet.
    pub fn new(capacite: usize, grace: Duration) -> FileEnvoi {
        FileEnvoi {
            etat: Mutex::new(Etat {
                messages: VecDeque::new(),
                fermeture: None,
                ecrivain_endormi: false,
                deposants_endormis: 0,
                ecriture_depuis: None,
            }),
            capacite: capacite.max(1),
            grace,
            du_nouveau: Condvar::new(),
            de_la_place: Condvar::new(),
        }
    }

    fn etat(&self) -> MutexGuard<'_, Etat> {
        self.etat.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Dépose un message, en attendant une place au plus jusqu'à `echeance` (voir
    /// [`FileEnvoi::deposer_lot`]).
    pub fn deposer(&self, message: Envoi, echeance: Instant) -> Result<(), Refus> {
        self.deposer_lot(std::slice::from_ref(&message), echeance)
    }

    /// Dépose des messages, dans l'ordre, en attendant une place au plus jusqu'à `echeance`.
    ///
    /// Attendre un peu quand la file est pleine **ralentit celui qui inonde** au rythme du
    /// destinataire le plus lent qui lit encore : c'est la contre-pression de TCP prolongée
    /// jusqu'à l'émetteur (son thread de lecture attend ici, cesse de lire sa socket, et TCP finit
    /// par bloquer son `write`). Au-delà de l'échéance, le destinataire ne lit plus : sa file est
    /// fermée ([`Fermeture::Pleine`]) et tous les dépôts suivants échouent aussitôt, sans attendre.
    ///
    /// L'attente s'arrête aussi dès que le lot que l'écrivain est en train d'écrire est bloqué
    /// depuis plus que la grâce : sans cela, un client muet dont la socket accepte encore quelques
    /// octets de temps en temps retiendrait chaque diffusion presque une grâce entière.
    ///
    /// Un lot entier se dépose sous **un** verrou et réveille l'écrivain **une** fois : c'est ce
    /// qui permet au thread d'écriture d'envoyer beaucoup de messages en un seul `write`.
    pub fn deposer_lot(&self, messages: &[Envoi], echeance: Instant) -> Result<(), Refus> {
        // corrigé:début Indice : verrouillez l'état ; pour chaque message, tant que la file est pleine et ouverte, réveillez l'écrivain s'il dort puis attendez sur `de_la_place` avec `wait_timeout` jusqu'à l'échéance ; encore pleine à l'échéance : fermez-la (Pleine), videz-la, prévenez les deux `Condvar` et rendez `Err(Refus::Pleine)`. À la fin, réveillez l'écrivain s'il dort.
        let mut etat = self.etat();
        for message in messages {
            loop {
                if etat.fermeture.is_some() {
                    return Err(Refus::Fermee);
                }
                if etat.messages.len() < self.capacite {
                    etat.messages.push_back(Arc::clone(message));
                    break;
                }
                // Pleine : l'écrivain doit vider ; s'il dort, on le réveille avant d'attendre.
                if etat.ecrivain_endormi {
                    self.du_nouveau.notify_one();
                }
                let limite = match etat.ecriture_depuis {
                    Some(debut) => echeance.min(debut + self.grace),
                    None => echeance,
                };
                let maintenant = Instant::now();
                if maintenant >= limite {
                    etat.fermeture = Some(Fermeture::Pleine);
                    etat.messages.clear();
                    self.du_nouveau.notify_all();
                    self.de_la_place.notify_all();
                    return Err(Refus::Pleine);
                }
                etat.deposants_endormis += 1;
                etat = self
                    .de_la_place
                    .wait_timeout(etat, limite - maintenant)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                etat.deposants_endormis -= 1;
            }
        }
        // Réveiller coûte un appel système : seulement si l'écrivain dort vraiment.
        if etat.ecrivain_endormi {
            self.du_nouveau.notify_one();
        }
        Ok(())
        // corrigé:fin
    }

    /// Attend qu'il y ait des messages et en déplace jusqu'à [`LOT_ECRITURE`] dans `lot` (le
    /// thread d'écriture les enverra ensemble). Rend `false` quand la file est fermée et qu'il ne
    /// reste rien à écrire. Appeler cette méthode signifie aussi « le lot précédent est écrit ».
    pub fn prendre_tout(&self, lot: &mut Vec<Envoi>) -> bool {
        // corrigé:début Indice : notez que l'écrivain n'écrit plus (`ecriture_depuis = None`) ; attendez sur `du_nouveau` tant que la file est vide et ouverte (en marquant `ecrivain_endormi`) ; puis déplacez au plus LOT_ECRITURE messages dans `lot` avec `drain`, notez l'heure de début d'écriture, prévenez les déposants endormis, et rendez `true` s'il y avait quelque chose.
        let mut etat = self.etat();
        etat.ecriture_depuis = None;
        while etat.messages.is_empty() && etat.fermeture.is_none() {
            etat.ecrivain_endormi = true;
            etat = self
                .du_nouveau
                .wait(etat)
                .unwrap_or_else(PoisonError::into_inner);
            etat.ecrivain_endormi = false;
        }
        let combien = etat.messages.len().min(LOT_ECRITURE);
        lot.extend(etat.messages.drain(..combien));
        if !lot.is_empty() {
            etat.ecriture_depuis = Some(Instant::now());
        }
        if etat.deposants_endormis > 0 {
            self.de_la_place.notify_all();
        }
        !lot.is_empty()
        // corrigé:fin
    }

    /// Ferme la file (la première raison compte). Avec [`Fermeture::Pleine`] ou
    /// [`Fermeture::Ecriture`], ce qui restait est jeté.
    pub fn fermer(&self, raison: Fermeture) {
        let mut etat = self.etat();
        if etat.fermeture.is_none() {
            etat.fermeture = Some(raison);
        }
        if matches!(raison, Fermeture::Pleine | Fermeture::Ecriture) {
            etat.messages.clear();
        }
        self.du_nouveau.notify_all();
        self.de_la_place.notify_all();
    }

    /// La raison de la fermeture, si la file est fermée.
    pub fn fermeture(&self) -> Option<Fermeture> {
        self.etat().fermeture
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;
    use std::time::Duration;

    fn envoi(texte: &str) -> Envoi {
        Arc::from(texte)
    }

    #[test]
    fn les_messages_sortent_dans_l_ordre_et_par_lots() {
        let file = FileEnvoi::new(10, Duration::from_secs(1));
        let bientot = Instant::now() + Duration::from_secs(1);
        for texte in ["a", "b", "c"] {
            assert_eq!(file.deposer(envoi(texte), bientot), Ok(()));
        }
        let mut lot = Vec::new();
        assert!(file.prendre_tout(&mut lot));
        assert_eq!(lot, [envoi("a"), envoi("b"), envoi("c")]);
    }

    #[test]
    fn une_file_pleine_au_dela_de_l_echeance_se_ferme_et_refuse_ensuite_sans_attendre() {
        let file = FileEnvoi::new(2, Duration::from_secs(1));
        let deja = Instant::now();
        assert_eq!(file.deposer(envoi("1"), deja), Ok(()));
        assert_eq!(file.deposer(envoi("2"), deja), Ok(()));
        assert_eq!(file.deposer(envoi("3"), deja), Err(Refus::Pleine));
        assert_eq!(file.fermeture(), Some(Fermeture::Pleine));
        assert_eq!(
            file.deposer(envoi("4"), deja + Duration::from_secs(60)),
            Err(Refus::Fermee)
        );
        let mut lot = Vec::new();
        assert!(
            !file.prendre_tout(&mut lot),
            "une file fermée pour débordement est vidée"
        );
    }

    #[test]
    fn un_deposant_attend_que_l_ecrivain_libere_de_la_place() {
        let file = Arc::new(FileEnvoi::new(1, Duration::from_secs(1)));
        let loin = Instant::now() + Duration::from_secs(30);
        assert_eq!(file.deposer(envoi("1"), loin), Ok(()));
        let ecrivain = {
            let file = Arc::clone(&file);
            thread::spawn(move || {
                let mut recus = Vec::new();
                let mut lot = Vec::new();
                while recus.len() < 3 && file.prendre_tout(&mut lot) {
                    recus.append(&mut lot);
                }
                recus
            })
        };
        // Ces deux dépôts trouvent la file pleine et attendent que l'écrivain la vide.
        assert_eq!(file.deposer(envoi("2"), loin), Ok(()));
        assert_eq!(file.deposer(envoi("3"), loin), Ok(()));
        let recus = ecrivain.join().expect("écrivain");
        assert_eq!(recus, [envoi("1"), envoi("2"), envoi("3")]);
    }

    #[test]
    fn un_lot_plus_grand_que_la_file_passe_si_l_ecrivain_suit() {
        let file = Arc::new(FileEnvoi::new(2, Duration::from_secs(1)));
        let lot: Vec<Envoi> = (0..10).map(|i| envoi(&i.to_string())).collect();
        let ecrivain = {
            let file = Arc::clone(&file);
            thread::spawn(move || {
                let (mut recus, mut lot) = (Vec::new(), Vec::new());
                while recus.len() < 10 && file.prendre_tout(&mut lot) {
                    recus.append(&mut lot);
                }
                recus
            })
        };
        let loin = Instant::now() + Duration::from_secs(30);
        assert_eq!(file.deposer_lot(&lot, loin), Ok(()));
        assert_eq!(ecrivain.join().expect("écrivain"), lot);
    }

    #[test]
    fn un_lot_bloque_plus_que_la_grace_arrete_l_attente_aussitot() {
        let file = FileEnvoi::new(1, Duration::from_millis(50));
        let loin = Instant::now() + Duration::from_secs(60);
        assert_eq!(file.deposer(envoi("1"), loin), Ok(()));
        let mut lot = Vec::new();
        // L'écrivain prend le lot… et ne revient jamais (il reste bloqué sur sa socket).
        assert!(file.prendre_tout(&mut lot));
        assert_eq!(file.deposer(envoi("2"), loin), Ok(()));
        let debut = Instant::now();
        assert_eq!(file.deposer(envoi("3"), loin), Err(Refus::Pleine));
        assert!(
            debut.elapsed() < Duration::from_secs(5),
            "l'attente est bornée par la grâce, pas par l'échéance"
        );
    }

    #[test]
    fn l_ecrivain_prend_des_lots_bornes() {
        let file = FileEnvoi::new(1000, Duration::from_secs(1));
        let bientot = Instant::now() + Duration::from_secs(1);
        let tous: Vec<Envoi> = (0..600).map(|i| envoi(&i.to_string())).collect();
        assert_eq!(file.deposer_lot(&tous, bientot), Ok(()));
        let mut lot = Vec::new();
        assert!(file.prendre_tout(&mut lot));
        assert_eq!(lot.len(), LOT_ECRITURE);
    }

    #[test]
    fn a_l_arret_l_ecrivain_recoit_ce_qui_reste_puis_la_fin() {
        let file = FileEnvoi::new(4, Duration::from_secs(1));
        let bientot = Instant::now() + Duration::from_secs(1);
        assert_eq!(file.deposer(envoi("dernier"), bientot), Ok(()));
        file.fermer(Fermeture::Arret);
        let mut lot = Vec::new();
        assert!(file.prendre_tout(&mut lot));
        assert_eq!(lot, [envoi("dernier")]);
        lot.clear();
        assert!(!file.prendre_tout(&mut lot));
        assert_eq!(file.fermeture(), Some(Fermeture::Arret));
    }
}
