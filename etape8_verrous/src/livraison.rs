//! La livraison : une file bornée par client, et le thread qui la vide dans la socket.
//!
//! C'est le cœur de l'étape, en trois règles :
//!
//! 1. **aucune entrée-sortie sous un verrou** : diffuser un message, c'est le *déposer* dans des
//!    files ([`FileEnvoi::deposer`]), une opération en mémoire qui ne touche à aucune socket et
//!    **n'attend jamais**. Seul l'**écrivain** du client, le thread qui vide sa file ([`ecrire_vers_le_client`]), parle à
//!    sa socket ; s'il reste bloqué, il ne bloque que lui-même ;
//! 2. **une file bornée par client** : ce qu'un client n'a pas encore reçu (son *retard*) ne peut
//!    pas dépasser [`LIMITE_RETARD`] octets. Un dépôt qui dépasserait cette limite ferme la file : le client
//!    sera déconnecté, et la mémoire du serveur reste bornée ;
//! 3. **celui qui ne suit pas est déconnecté**, et lui seul : soit son retard passe la limite,
//!    soit aucun octet ne lui est parvenu pendant [`DELAI_GRACE`] alors qu'il y avait à écrire.
//!    Un client qui lit, même lentement, fait avancer ses octets : il n'est jamais coupé tant que
//!    son retard reste sous la limite.
//!
//! C'est le modèle des serveurs qui ont fait leurs preuves : `client-output-buffer-limit` de
//! Redis, la « SendQ » des serveurs IRC. Celui qui diffuse n'attend jamais un destinataire.
//!
//! # Pourquoi une `VecDeque` sous un `Mutex`, et pas `mpsc::sync_channel` ?
//!
//! `sync_channel` est borné en *nombre* de messages ; nous voulons borner des *octets* (une ligne
//! de 4 Kio pèse cent fois une ligne de 40 octets), et que l'écrivain prenne **tout** ce qui
//! attend d'un coup pour l'écrire en un seul envoi. Une `VecDeque`, un compteur d'octets, un
//! `Mutex` et **une** `Condvar` (pour réveiller l'écrivain) font les deux en quelques lignes. Le
//! verrou de la file n'est tenu que le temps de manipuler la `VecDeque`.
//!
//! # Compter honnêtement
//!
//! Le texte d'un message est partagé entre toutes les files (`Arc<str>`) : un seul exemplaire en
//! mémoire. Mais pour **ce** client, c'est autant d'octets qu'il doit encore recevoir : chaque
//! ligne compte, dans chaque file, sa longueur, son saut de ligne et [`SURCOUT_LIGNE`] octets pour
//! sa place dans la `VecDeque`. Le lot que l'écrivain est en train d'écrire (au plus
//! [`LOT_ECRITURE`] octets) ne compte plus ; les tampons TCP du système non plus.
//!
//! # Ne réveiller que l'écrivain qui dort (une astuce de performance, pas la leçon)
//!
//! `notify_one` coûte un appel système même quand personne n'attend. Un salon de 100 clients
//! qui reçoit 40 000 lignes ferait 4 millions de réveils pour rien : l'écrivain est le plus souvent
//! déjà éveillé, en train d'écrire. La file note donc, sous son verrou, si l'écrivain dort, et
//! [`FileEnvoi::deposer`] ne réveille que dans ce cas ([`Etat::reveil_utile`]). Aucun réveil ne
//! peut se perdre : `wait` relâche le verrou et s'endort d'un seul geste, donc un déposant qui
//! trouve `ecrivain_endormi` à `false` sous le verrou sait que l'écrivain ne dort pas encore :
//! celui-ci reprendra le verrou et verra la ligne avant de s'endormir. Sans cette astuce (un
//! `notify_one` à chaque dépôt), tout marche encore, plus lentement.
//!
//! # Regrouper : l'algorithme de Nagle, côté serveur (une autre astuce de performance)
//!
//! Sans regroupement, quand dix clients parlent à la fois, chaque écrivain serait réveillé pour
//! chaque ligne et ferait un `write` par ligne, et chaque client, de l'autre côté, serait réveillé
//! autant de fois : ce seraient ces millions de réveils et d'appels système, et non le travail
//! utile, qui fixeraient le débit. Après un petit lot (moins d'un demi-lot, la moitié de
//! [`LOT_ECRITURE`]), l'écrivain laisse donc d'autres lignes arriver avant de reprendre la file :
//! au plus [`PAUSE_REGROUPEMENT`] (10 ms), moins longtemps si un demi-lot est prêt plus tôt (le
//! dépôt qui le complète le réveille). Ce qui est arrivé entre-temps part en un seul `write`. Un
//! message isolé part aussitôt ; un message qui en suit de près un autre attend au plus 10 ms de
//! plus ; personne d'autre n'attend.
//!
//! Mesuré sur 2 cœurs, dix clients qui parlent tous à la fois, serveur lancé dans son propre
//! terminal : avec une pause fixe de 1 ms après chaque petit lot, des lots de quelques lignes et
//! des réveils plus coûteux que le travail, 0,6 million de lignes livrées par seconde ; avec ce
//! regroupement, 1,3 million.

//!
//! # Mesures
//!
//! L'étape 7 contre celle-ci, mesurées dans le même lancement et sur la même machine : N clients
//! se connectent et choisissent un pseudo, quelques-uns envoient une rafale, tous lisent ce que
//! les autres envoient (et des « sourds » ne lisent rien) ; on compte les livraisons par seconde
//! (médiane de cinq passages) :
//!
#![doc = include_str!("../mesures.svg")]
//!
//! La dernière ligne est la leçon de l'étape : avec 5 clients sourds et des lignes de 1 ko,
//! l'étape 7 se fige (38 % des messages livrés) ; ici, tous le sont.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use etape3_deconnexion::delai_depasse;

/// Le retard maximal d'un client, en octets (voir « Compter honnêtement »).
///
/// Choisi pour qu'un client qui lit à 200 ko/s reçoive **en entier** un copier-coller de 10 Mo :
/// l'émetteur est limité à [`crate::defenses::budget::DEBIT_EMETTEUR`] (après une réserve de
/// [`crate::defenses::budget::RESERVE_EMETTEUR`]), donc ces 10 Mo durent environ 4 s, pendant lesquelles le lecteur
/// en reçoit 0,8 Mo ; son retard culmine vers 9,5 Mo, sous les 16 Mio.
pub const LIMITE_RETARD: usize = 16 * 1024 * 1024;

/// Ce qu'une ligne coûte en plus de son texte dans une file : sa place dans la `VecDeque` (un
/// `Arc<str>`, deux mots machine).
pub const SURCOUT_LIGNE: usize = std::mem::size_of::<Envoi>();

/// Au plus tant d'octets par lot d'écriture (un lot commence toujours par au moins une ligne).
pub const LOT_ECRITURE: usize = 64 * 1024;

/// Si aucun octet n'a pu être écrit vers un client pendant ce délai, il ne lit plus : il est
/// déconnecté.
pub const DELAI_GRACE: Duration = Duration::from_secs(3);

/// Le plus longtemps qu'un `write` reste bloqué dans le système avant de rendre la main, ce qui
/// permet à l'écrivain de vérifier la règle du [`DELAI_GRACE`].
pub const DELAI_ECRITURE: Duration = Duration::from_millis(250);

/// Après un lot plus petit que la moitié de [`LOT_ECRITURE`], l'écrivain laisse d'autres lignes
/// arriver pendant ce temps avant d'écrire la suite (voir « Regrouper »).
pub const PAUSE_REGROUPEMENT: Duration = Duration::from_millis(10);

/// La dernière ligne envoyée à un client dont le retard a passé la limite.
pub const MOT_DEBORDEMENT: &str =
    "*** Vous êtes déconnecté : vous ne lisiez pas assez vite (trop de messages en retard)";

/// Un message prêt à partir : le texte est partagé entre toutes les files, pas copié.
pub type Envoi = Arc<str>;

/// Pourquoi une file a été fermée. La première raison compte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fermeture {
    /// Le client est parti : on écrit ce qui reste, puis on ferme.
    Depart,
    /// Le serveur s'arrête : on écrit ce qui reste (dont l'annonce), puis on ferme.
    Arret,
    /// Le retard du client a passé [`LIMITE_RETARD`] : ce qui restait est jeté.
    Debordement,
    /// Aucun octet n'a pu lui être écrit pendant [`DELAI_GRACE`] : il est **sourd** (il ne lit plus).
    Sourd,
    /// L'écriture a échoué : le client est parti (connexion fermée ou coupée).
    Ecriture,
}

/// Ce que [`FileEnvoi::deposer`] peut refuser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refus {
    /// Ce dépôt a fait passer la limite : la file vient d'être fermée, à signaler une fois.
    Debordement,
    /// La file était déjà fermée : le message n'a plus de destinataire.
    Fermee,
}

#[derive(Debug, Default)]
pub struct Etat {
    lignes: VecDeque<Envoi>,
    /// Ce que coûtent les lignes de `lignes` (voir [`cout`]).
    octets: usize,
    fermeture: Option<Fermeture>,
    /// L'écrivain dort sur `du_nouveau`, file vide (voir « Ne réveiller que l'écrivain qui dort »).
    ecrivain_endormi: bool,
    /// Le dernier lot pris était petit : le prochain attend un peu que d'autres lignes arrivent
    /// (voir « Regrouper »).
    regrouper: bool,
    /// L'écrivain attend, sur `du_nouveau`, qu'un lot se remplisse (voir « Regrouper »).
    ecrivain_regroupe: bool,
    /// Combien de threads attendent, sur `de_la_place`, que le retard redescende (voir
    /// [`FileEnvoi::attendre_retard_sous`]).
    en_attente_de_place: usize,
}

impl Etat {
    /// Vrai si un dépôt qui vient d'être fait doit réveiller l'écrivain : il dort sur une file
    /// vide, ou il attend qu'un lot se remplisse et le lot est plein (voir « Réveiller seulement
    /// qui dort » et « Regrouper »). Sinon il est éveillé, ou il se réveillera de lui-même.
    pub fn reveil_utile(&self) -> bool {
        self.ecrivain_endormi
            || (self.ecrivain_regroupe
                && (self.octets >= LOT_ECRITURE / 2 || self.fermeture.is_some()))
    }
}

/// La file d'un client, entre ceux qui diffusent et son écrivain.
#[derive(Debug)]
pub struct FileEnvoi {
    etat: Mutex<Etat>,
    limite: usize,
    /// Signalée quand des lignes arrivent ou que la file ferme : réveille l'écrivain.
    du_nouveau: Condvar,
    /// Signalée quand l'écrivain a pris des lignes : réveille qui attend de la place.
    de_la_place: Condvar,
}

/// Ce qu'une ligne pèse dans une file : son texte, son saut de ligne, sa place.
pub fn cout(ligne: &str) -> usize {
    ligne.len() + 1 + SURCOUT_LIGNE
}

impl FileEnvoi {
    /// Une file vide dont le retard ne peut pas dépasser `limite` octets.
    pub fn new(limite: usize) -> FileEnvoi {
        FileEnvoi {
            etat: Mutex::new(Etat::default()),
            limite,
            du_nouveau: Condvar::new(),
            de_la_place: Condvar::new(),
        }
    }

    fn etat(&self) -> MutexGuard<'_, Etat> {
        crate::verrouiller(&self.etat)
    }

    /// Dépose des lignes, dans l'ordre, **sans jamais attendre**.
    ///
    /// Si elles faisaient passer le retard au-delà de la limite, rien n'est déposé : la file est
    /// fermée ([`Fermeture::Debordement`]), vidée, et l'écrivain réveillé pour qu'il coupe la
    /// connexion. Les dépôts suivants échouent aussitôt ([`Refus::Fermee`]).
    ///
    /// Le piège : [`FileEnvoi::fermer`] prend le verrou de la file. L'appeler ici, garde en main,
    /// bloquerait le thread pour toujours : un `Mutex` ne se prend pas deux fois, même par le
    /// thread qui le tient.
    pub fn deposer(&self, lignes: &[Envoi]) -> Result<(), Refus> {
        // corrigé:début Indice : déposez tout le lot, ou rien s'il ferait passer le retard au-delà de la limite (l'égalité passe) : alors la file se ferme pour débordement, une seule fois. Sans jamais attendre ; réveillez l'écrivain si `reveil_utile`, verrou relâché.
        let mut etat = self.etat();
        if etat.fermeture.is_some() {
            return Err(Refus::Fermee);
        }
        let cout_du_lot: usize = lignes.iter().map(|ligne| cout(ligne)).sum();
        let resultat = if etat.octets + cout_du_lot > self.limite {
            etat.fermeture = Some(Fermeture::Debordement);
            etat.lignes.clear();
            etat.octets = 0;
            Err(Refus::Debordement)
        } else {
            etat.lignes.extend(lignes.iter().map(Arc::clone));
            etat.octets += cout_du_lot;
            Ok(())
        };
        let reveiller = etat.reveil_utile();
        drop(etat);
        if reveiller {
            self.du_nouveau.notify_one();
        }
        resultat
        // corrigé:fin
    }

    /// Attend qu'il y ait des lignes et les déplace dans `lot`, jusqu'à [`LOT_ECRITURE`] octets
    /// (au moins une ligne). Rend `false` quand il n'y a plus rien à écrire : file fermée et vide.
    pub fn prendre(&self, lot: &mut Vec<Envoi>) -> bool {
        let mut etat = self.etat();
        if std::mem::take(&mut etat.regrouper) {
            // Le lot précédent était petit : on laisse d'autres lignes arriver, au plus
            // PAUSE_REGROUPEMENT, et moins si un demi-lot est là avant (le dépôt nous réveille).
            let fin = Instant::now() + PAUSE_REGROUPEMENT;
            while etat.octets < LOT_ECRITURE / 2 && etat.fermeture.is_none() {
                let reste = fin.saturating_duration_since(Instant::now());
                if reste.is_zero() {
                    break;
                }
                etat.ecrivain_regroupe = true;
                etat = self
                    .du_nouveau
                    .wait_timeout(etat, reste)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                etat.ecrivain_regroupe = false;
            }
        }
        while etat.lignes.is_empty() && etat.fermeture.is_none() {
            etat.ecrivain_endormi = true;
            etat = self
                .du_nouveau
                .wait(etat)
                .unwrap_or_else(PoisonError::into_inner);
            etat.ecrivain_endormi = false;
        }
        let mut pris = 0;
        while let Some(ligne) = etat.lignes.front() {
            let poids = cout(ligne);
            if pris > 0 && pris + poids > LOT_ECRITURE {
                break;
            }
            pris += poids;
            lot.extend(etat.lignes.pop_front());
        }
        etat.octets -= pris;
        etat.regrouper = pris < LOT_ECRITURE / 2;
        let quelqu_un_attend = etat.en_attente_de_place > 0;
        drop(etat);
        if quelqu_un_attend {
            self.de_la_place.notify_all();
        }
        !lot.is_empty()
    }

    /// Attend que le retard soit redescendu à `octets` au plus (ou que la file ferme).
    ///
    /// Pour une file qu'on ne veut pas couper quand elle déborde, celle du journal : celui qui
    /// publie attend ici, **après** avoir relâché le verrou du salon, que le disque rattrape son
    /// retard. C'est alors lui qui ralentit, pas le salon.
    pub fn attendre_retard_sous(&self, octets: usize) {
        let mut etat = self.etat();
        while etat.octets > octets && etat.fermeture.is_none() {
            etat.en_attente_de_place += 1;
            etat = self
                .de_la_place
                .wait(etat)
                .unwrap_or_else(PoisonError::into_inner);
            etat.en_attente_de_place -= 1;
        }
    }

    /// Ferme la file (la première raison compte) et réveille l'écrivain. Avec `Debordement`,
    /// `Sourd` ou `Ecriture`, ce qui restait est jeté ; avec `Depart` ou `Arret`, il part d'abord.
    pub fn fermer(&self, raison: Fermeture) {
        let mut etat = self.etat();
        etat.fermeture.get_or_insert(raison);
        if matches!(
            raison,
            Fermeture::Debordement | Fermeture::Sourd | Fermeture::Ecriture
        ) {
            etat.lignes.clear();
            etat.octets = 0;
        }
        drop(etat);
        self.du_nouveau.notify_one();
        self.de_la_place.notify_all();
    }

    /// La raison de la fermeture, si la file est fermée.
    pub fn fermeture(&self) -> Option<Fermeture> {
        self.etat().fermeture
    }

    /// La limite de retard de cette file, en octets.
    pub fn limite(&self) -> usize {
        self.limite
    }

    /// Le retard du client, en octets (pour les tests).
    pub fn retard(&self) -> usize {
        self.etat().octets
    }
}

/// Dépose `messages` (dans l'ordre, en un seul dépôt) dans la file de chaque destinataire sauf
/// l'`auteur`, **sans jamais attendre** ; rend les numéros de ceux dont la file vient de déborder.
///
/// [`crate::salon::Salon::publier`] l'appelle pour chaque publication. Rien ici ne touche une
/// socket.
pub fn livrer<'a>(
    destinataires: impl IntoIterator<Item = (u64, &'a FileEnvoi)>,
    auteur: Option<u64>,
    messages: &[Envoi],
) -> Vec<u64> {
    // corrigé:début Indice : chaque destinataire, sauf l'auteur, reçoit tout le lot d'un seul dépôt ; rendez les numéros de ceux pour qui ce dépôt a fait déborder la file (une file déjà fermée n'est pas un nouveau débordement).
    let mut debordes = Vec::new();
    for (id, file) in destinataires {
        if Some(id) != auteur && file.deposer(messages) == Err(Refus::Debordement) {
            debordes.push(id);
        }
    }
    debordes
    // corrigé:fin
}

/// L'écrivain d'un client : vide sa file par lots et écrit chaque lot en un envoi.
///
/// C'est le **seul** thread qui écrit dans cette socket. Quand il a fini (file fermée, client
/// bloqué ou parti), il envoie au client débordé un dernier mot qui dit pourquoi, puis ferme la
/// socket dans les deux sens : le thread de lecture du client voit la fin du flux et annonce le
/// départ.
pub fn ecrire_vers_le_client(flux: &TcpStream, file: &FileEnvoi) {
    let mut lot: Vec<Envoi> = Vec::new();
    let mut octets: Vec<u8> = Vec::with_capacity(LOT_ECRITURE);
    while file.prendre(&mut lot) {
        octets.clear();
        for ligne in lot.drain(..) {
            octets.extend_from_slice(ligne.as_bytes());
            octets.push(b'\n');
        }
        if let Err(raison) = ecrire_en_surveillant(flux, &octets, DELAI_GRACE) {
            file.fermer(raison);
            break;
        }
    }
    // Le lot en cours est parti en entier : ce dernier mot commence au début d'une ligne. Le
    // délai d'écriture de la socket borne cette tentative.
    if file.fermeture() == Some(Fermeture::Debordement) {
        let mut flux = flux;
        let _ = writeln!(flux, "{MOT_DEBORDEMENT}");
    }
    let _ = flux.shutdown(Shutdown::Both);
}

/// Écrit tous les `octets`, tant que le client en prend ; abandonne si **aucun** octet n'est
/// passé pendant `grace`.
///
/// La socket a un délai d'écriture court ([`DELAI_ECRITURE`]) : un `write` bloqué rend la main
/// avec `WouldBlock` ou `TimedOut` (selon le système), et l'on regarde depuis quand rien n'a
/// bougé. Ce n'est pas la durée du lot qui compte, mais le **progrès** : un client lent qui lit
/// fait avancer ses octets et n'est pas coupé.
pub fn ecrire_en_surveillant(
    mut flux: &TcpStream,
    mut octets: &[u8],
    grace: Duration,
) -> Result<(), Fermeture> {
    // corrigé:début Indice : écrivez tous les octets tant que le client en prend ; un délai dépassé (`delai_depasse`) ou une interruption ne sont une faute que si rien n'a bougé depuis `grace` (`Sourd`) ; autre erreur, ou zéro octet écrit : `Ecriture`.
    let mut dernier_progres = Instant::now();
    while !octets.is_empty() {
        match flux.write(octets) {
            Ok(0) => return Err(Fermeture::Ecriture),
            Ok(n) => {
                octets = &octets[n..];
                dernier_progres = Instant::now();
            }
            Err(e) if delai_depasse(&e) || e.kind() == io::ErrorKind::Interrupted => {
                if dernier_progres.elapsed() >= grace {
                    return Err(Fermeture::Sourd);
                }
            }
            Err(_) => return Err(Fermeture::Ecriture),
        }
    }
    Ok(())
    // corrigé:fin
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};
    use std::io::Read;
    use std::net::TcpListener;
    use std::thread;

    /// Fait le test dans un thread et l'attend au plus 10 s (`tests::pannes::dans_le_delai`) : un
    /// interblocage fait échouer le test, en français, au lieu de bloquer `cargo test` pour toujours.
    fn dans_le_delai<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
        ::tests::pannes::dans_le_delai(
            std::time::Duration::from_secs(10),
            "le verrou d'une file est peut-être pris deux fois par le même thread (un `Mutex` ne \
             se prend pas deux fois), ou l'écrivain attend un réveil qui ne vient pas \
             (`du_nouveau` jamais signalé), ou une écriture ne rend jamais la main",
            test,
        )
    }

    fn envoi(texte: &str) -> Envoi {
        Arc::from(texte)
    }

    #[test]
    fn les_lignes_sortent_dans_l_ordre() {
        dans_le_delai(|| {
            let file = FileEnvoi::new(1000);
            egal!(file.deposer(&[envoi("a"), envoi("b")]), Ok(()));
            egal!(file.deposer(&[envoi("c")]), Ok(()));
            let mut lot = Vec::new();
            vrai!(file.prendre(&mut lot));
            egal!(lot, [envoi("a"), envoi("b"), envoi("c")]);
            egal!(file.retard(), 0, "ce qui est pris ne compte plus");
        })
    }

    #[test]
    fn un_depot_qui_passe_la_limite_ferme_la_file_sans_attendre() {
        dans_le_delai(|| {
            let limite = 3 * cout("0123456789");
            let file = FileEnvoi::new(limite);
            for _ in 0..3 {
                egal!(file.deposer(&[envoi("0123456789")]), Ok(()));
            }
            egal!(file.retard(), limite);
            let debut = Instant::now();
            egal!(file.deposer(&[envoi("x")]), Err(Refus::Debordement));
            assert!(
                debut.elapsed() < Duration::from_millis(100),
                "jamais d'attente"
            );
            egal!(file.fermeture(), Some(Fermeture::Debordement));
            egal!(file.deposer(&[envoi("y")]), Err(Refus::Fermee));
            let mut lot = Vec::new();
            assert!(!file.prendre(&mut lot), "ce qui restait est jeté");
        })
    }

    #[test]
    fn les_lots_sont_bornes_en_octets_mais_contiennent_au_moins_une_ligne() {
        dans_le_delai(|| {
            let file = FileEnvoi::new(usize::MAX);
            let grande: Envoi = Arc::from("g".repeat(LOT_ECRITURE * 2));
            let petites: Vec<Envoi> = (0..100_000).map(|_| envoi("p")).collect();
            egal!(file.deposer(std::slice::from_ref(&grande)), Ok(()));
            egal!(file.deposer(&petites), Ok(()));
            let mut lot = Vec::new();
            vrai!(file.prendre(&mut lot));
            egal!(lot, [grande], "une ligne plus grande qu'un lot part seule");
            lot.clear();
            vrai!(file.prendre(&mut lot));
            vrai!(lot.len() * cout("p") <= LOT_ECRITURE && lot.len() > 1000);
        })
    }

    #[test]
    fn l_ecrivain_endormi_est_reveille_par_un_depot() {
        dans_le_delai(|| {
            let file = Arc::new(FileEnvoi::new(1000));
            let ecrivain = {
                let file = Arc::clone(&file);
                thread::spawn(move || {
                    let mut lot = Vec::new();
                    file.prendre(&mut lot);
                    lot
                })
            };
            egal!(file.deposer(&[envoi("réveil")]), Ok(()));
            egal!(ecrivain.join().ok(), Some(vec![envoi("réveil")]));
        })
    }

    #[test]
    fn a_l_arret_l_ecrivain_recoit_ce_qui_reste_puis_la_fin() {
        dans_le_delai(|| {
            let file = FileEnvoi::new(1000);
            egal!(file.deposer(&[envoi("dernier")]), Ok(()));
            file.fermer(Fermeture::Arret);
            let mut lot = Vec::new();
            vrai!(file.prendre(&mut lot));
            egal!(lot, [envoi("dernier")]);
            lot.clear();
            vrai!(!file.prendre(&mut lot));
            egal!(file.fermeture(), Some(Fermeture::Arret));
        })
    }

    #[test]
    fn apres_un_petit_lot_l_ecrivain_regroupe_sans_rien_perdre() {
        dans_le_delai(|| {
            let file = Arc::new(FileEnvoi::new(1 << 20));
            egal!(file.deposer(&[envoi("un")]), Ok(()));
            let mut lot = Vec::new();
            assert!(file.prendre(&mut lot), "un petit lot : le suivant regroupe");
            let (rendre, pris) = std::sync::mpsc::channel();
            {
                let file = Arc::clone(&file);
                thread::spawn(move || {
                    let mut lot = Vec::new();
                    file.prendre(&mut lot);
                    let _ = rendre.send(lot);
                });
            }
            egal!(file.deposer(&[envoi("deux")]), Ok(()));
            egal!(
                pris.recv_timeout(Duration::from_secs(5)).ok(),
                Some(vec![envoi("deux")]),
                "le dépôt fait pendant le regroupement doit partir (un réveil perdu ?)"
            );
        })
    }

    #[test]
    fn qui_attend_de_la_place_est_reveille_quand_l_ecrivain_prend() {
        dans_le_delai(|| {
            let file = Arc::new(FileEnvoi::new(usize::MAX));
            egal!(file.deposer(&[envoi("une ligne en retard")]), Ok(()));
            let (fini, attente) = std::sync::mpsc::channel();
            {
                let file = Arc::clone(&file);
                thread::spawn(move || {
                    file.attendre_retard_sous(0);
                    let _ = fini.send(());
                });
            }
            let mut lot = Vec::new();
            vrai!(file.prendre(&mut lot));
            assert!(
                attente.recv_timeout(Duration::from_secs(5)).is_ok(),
                "qui attend de la place doit être réveillé quand l'écrivain prend des lignes"
            );
            egal!(file.retard(), 0);
        })
    }

    /// Une paire de sockets connectées sur la boucle locale.
    fn paire() -> io::Result<(TcpStream, TcpStream)> {
        let ecoute = TcpListener::bind("127.0.0.1:0")?;
        let client = TcpStream::connect(ecoute.local_addr()?)?;
        let (serveur, _) = ecoute.accept()?;
        serveur.set_write_timeout(Some(DELAI_ECRITURE))?;
        Ok((serveur, client))
    }

    #[test]
    fn un_client_qui_ne_lit_pas_est_declare_sourd_apres_la_grace() -> io::Result<()> {
        dans_le_delai(|| {
            let (serveur, _client_sourd) = paire()?;
            let beaucoup = vec![b'x'; 64 * 1024 * 1024];
            let debut = Instant::now();
            let resultat = ecrire_en_surveillant(&serveur, &beaucoup, Duration::from_millis(500));
            egal!(resultat, Err(Fermeture::Sourd));
            vrai!(debut.elapsed() < Duration::from_secs(10));
            Ok(())
        })
    }

    #[test]
    fn un_client_lent_qui_lit_n_est_pas_coupe() -> io::Result<()> {
        dans_le_delai(|| {
            let (serveur, mut client) = paire()?;
            let total = 6 * 1024 * 1024;
            // Il lit 64 Kio toutes les 10 ms (au plus 6,5 Mo/s) : bien plus lent que la boucle
            // locale, et 6 Mio dépassent ce que les tampons du système absorbent d'un coup.
            let lecteur = thread::spawn(move || {
                let mut tampon = vec![0; 64 * 1024];
                let mut lus = 0;
                while lus < total {
                    match client.read(&mut tampon) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => lus += n,
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                lus
            });
            let octets = vec![b'y'; total];
            let grace = Duration::from_millis(500);
            let debut = Instant::now();
            egal!(ecrire_en_surveillant(&serveur, &octets, grace), Ok(()));
            let duree = debut.elapsed();
            assert!(
                duree > grace,
                "l'écriture ({duree:?}) a duré plus que la grâce : seul le progrès compte"
            );
            egal!(lecteur.join().ok(), Some(total));
            Ok(())
        })
    }
}
