//! Le salon : qui est connecté, sous quel pseudo, et ce qui s'y est dit. **Un seul** verrou, et
//! sa garde ne sort jamais de ce fichier.
//!
//! [`Salon`] est une poignée, comme le `Db` du tutoriel de tokio (« Shared state ») : chaque
//! méthode prend le verrou, fait son travail en mémoire, et rend des valeurs **possédées** (un
//! `String`, un `Vec`, un `Arc`), jamais une garde. Le reste du serveur ne peut donc pas garder le verrou par mégarde pendant
//! qu'il attend quelque chose : il n'en a jamais la garde en main.
//!
//! # Question : quatre clients parlent au même instant, trente les lisent ; qu'est-ce qui garantit que les trente lecteurs, l'historique et le journal voient la même conversation, dans le même ordre ?
//!
//! Si « oui » et « non » répondent à deux questions, tout le monde doit les voir dans le même
//! ordre. Cet ordre, c'est le verrou du salon qui le fixe : les publications le prennent l'une
//! après l'autre. Encore faut-il que **tout** ce qui dépend de
//! cet ordre se fasse pendant qu'on le tient : l'historique, le journal, et le dépôt dans la file
//! de chaque destinataire ([`Salon::publier`]). Si l'on relâchait le verrou avant de déposer, deux
//! émetteurs pourraient se doubler d'une file à l'autre : alice verrait « oui » puis « non », bob
//! « non » puis « oui ». Le test `tous_les_membres_le_journal_et_l_historique_voient_le_salon_dans_le_meme_ordre`
//! de la suite de notation le vérifie avec vingt lecteurs et quatre émetteurs.
//!
//! Déposer sous le verrou ne contredit pas la règle de l'étape (aucune attente sous un verrou) :
//! un dépôt ([`FileEnvoi::deposer`]) est une opération en mémoire qui **n'attend jamais** ; une
//! file pleine est fermée, pas attendue. Le verrou est tenu un peu plus longtemps (un dépôt par
//! membre), jamais pour une attente. L'autre solution, numéroter les publications et les livrer
//! dans l'ordre des numéros, demanderait à chaque écrivain de remettre les lignes dans l'ordre :
//! plus de code pour le même résultat.
//!
//! # La garde qui vit trop longtemps
//!
//! Une valeur temporaire créée dans l'expression d'un `match`, d'un `if let` ou d'un `while let`
//! vit **jusqu'à la fin** du bloc (Rust Book, chapitre 21, à propos de `while let` et de
//! `lock()`). Si cette valeur est une garde, le verrou est tenu pendant tout le bloc. Vérifiez-le
//! (ce test tourne avec `cargo test --doc -p etape8_verrous`) : `try_lock` échoue tant que la
//! garde vit.
//!
//! ```
//! use std::sync::Mutex;
//!
//! let salon = Mutex::new(vec!["alice".to_string()]);
//! // La garde de `lock()` vit pendant tout le `match` :
//! match salon.lock().unwrap().first() {
//!     Some(_) => assert!(salon.try_lock().is_err(), "le verrou est encore pris"),
//!     None => {}
//! }
//! // Même chose pour `if let` :
//! if let Some(_) = salon.lock().unwrap().first() {
//!     assert!(salon.try_lock().is_err(), "le verrou est encore pris");
//! }
//! // On lie d'abord le résultat : la garde meurt au point-virgule.
//! let premier = salon.lock().unwrap().first().cloned();
//! match premier {
//!     Some(_) => assert!(salon.try_lock().is_ok(), "le verrou est libre"),
//!     None => {}
//! }
//! ```
//!
//! Dans le bras `Some(_)` du premier `match`, un `salon.lock()` au lieu de `try_lock` attendrait…
//! le verrou que ce même thread tient : un `Mutex` ne se prend pas deux fois, le thread se bloque
//! pour toujours (ou panique : la bibliothèque standard ne promet que de ne jamais rendre la
//! main). C'est pourquoi aucune méthode de [`Salon`] n'en appelle une autre verrou tenu : elles
//! passent par les méthodes d'`Etat`, qui travaillent sur l'état déjà verrouillé.

use std::collections::{HashMap, VecDeque};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use crate::commandes::cle_pseudo;
use crate::journal::{Journal, horodatage};
use crate::livraison::{Envoi, Fermeture, FileEnvoi, cout, livrer};

/// Ce que le salon sait d'une connexion.
#[derive(Debug)]
struct Fiche {
    /// `None` tant que le pseudo n'est pas choisi.
    pseudo: Option<String>,
    file: Arc<FileEnvoi>,
    /// La socket, gardée pour pouvoir **couper** la connexion (`shutdown`) à l'arrêt ; on n'y
    /// écrit jamais d'ici.
    flux: Arc<TcpStream>,
}

/// Ce que protège le verrou du salon.
#[derive(Debug)]
struct Etat {
    connexions: HashMap<u64, Fiche>,
    /// Clé du pseudo ([`cle_pseudo`] : minuscules, sans accents, i/l/1 et o/0 confondus) →
    /// numéro : l'unicité en un accès.
    pseudos: HashMap<String, u64>,
    historique: VecDeque<Envoi>,
    taille_historique: usize,
    /// Vrai après l'annonce d'arrêt : plus rien n'est publié ni journalisé.
    clos: bool,
}

/// Le salon partagé par tous les threads (derrière l'`Arc` de [`crate::partage::Partage`]).
#[derive(Debug)]
pub struct Salon {
    etat: Mutex<Etat>,
}

/// Un numéro de connexion jamais donné.
///
/// Pas besoin du verrou du salon pour cela : un **compteur atomique** suffit. `fetch_add` lit et
/// avance le compteur en une seule opération indivisible, même si plusieurs threads l'appellent
/// en même temps. `Relaxed` : on ne veut que des numéros différents, pas un ordre avec d'autres
/// écritures.
fn nouveau_numero() -> u64 {
    static PROCHAIN: AtomicU64 = AtomicU64::new(1);
    PROCHAIN.fetch_add(1, Ordering::Relaxed)
}

impl Etat {
    /// Les membres inscrits (pseudo choisi), tels qu'une publication les voit.
    fn membres(&self) -> impl Iterator<Item = (u64, &FileEnvoi)> {
        self.connexions
            .iter()
            .filter(|(_, fiche)| fiche.pseudo.is_some())
            .map(|(id, fiche)| (*id, fiche.file.as_ref()))
    }

    /// Horodate `texte`, le garde dans l'historique et rend la ligne du journal.
    fn garder(&mut self, texte: &str) -> Envoi {
        let ligne: Envoi = Arc::from(format!("{} {texte}", horodatage(SystemTime::now())));
        if self.taille_historique > 0 {
            if self.historique.len() == self.taille_historique {
                self.historique.pop_front();
            }
            self.historique.push_back(Arc::clone(&ligne));
        }
        ligne
    }

    /// L'historique à envoyer à un nouveau venu : les lignes les plus récentes, préfixées de
    /// « [historique] », dont le coût tient dans `place` octets, remises dans l'ordre.
    fn historique_pour(&self, mut place: usize) -> Vec<Envoi> {
        let mut lignes: Vec<Envoi> = Vec::new();
        for ligne in self.historique.iter().rev() {
            let ligne: Envoi = Arc::from(format!("[historique] {ligne}"));
            match place.checked_sub(cout(&ligne)) {
                Some(reste) => place = reste,
                None => break,
            }
            lignes.push(ligne);
        }
        lignes.reverse();
        lignes
    }
}

impl Salon {
    /// Un salon vide, qui se souvient des `taille_historique` dernières lignes ; `historique`
    /// contient celles des lancements précédents.
    pub fn new(mut historique: VecDeque<Envoi>, taille_historique: usize) -> Salon {
        while historique.len() > taille_historique {
            historique.pop_front();
        }
        Salon {
            etat: Mutex::new(Etat {
                connexions: HashMap::new(),
                pseudos: HashMap::new(),
                historique,
                taille_historique,
                clos: false,
            }),
        }
    }

    /// Prend le verrou. C'est la seule fonction qui crée une garde, et elle est privée : la garde
    /// ne sort jamais de ce module. Un thread qui a paniqué verrou tenu ne bloque pas les autres
    /// (chaque méthode laisse l'état cohérent avant tout ce qui peut paniquer).
    fn etat(&self) -> MutexGuard<'_, Etat> {
        crate::verrouiller(&self.etat)
    }

    /// Enregistre une nouvelle connexion (pas encore de pseudo) et rend son numéro ; `None` si
    /// `max` connexions sont déjà ouvertes (compter et ajouter : une seule section).
    pub fn ouvrir(&self, file: Arc<FileEnvoi>, flux: Arc<TcpStream>, max: usize) -> Option<u64> {
        let mut etat = self.etat();
        if etat.connexions.len() >= max {
            return None;
        }
        let id = nouveau_numero();
        let fiche = Fiche {
            pseudo: None,
            file,
            flux,
        };
        etat.connexions.insert(id, fiche);
        Some(id)
    }

    /// Donne le pseudo `pseudo` à la connexion `id` **si personne ne l'a**, et dépose
    /// l'historique dans sa file : tout cela dans **une seule** section critique.
    ///
    /// # Question : vérifier puis agir, la course que Rust n'empêche pas
    ///
    /// À l'étape 7, on vérifiait d'abord (`pseudo_disponible`, un verrou) puis on inscrivait
    /// (`inscrire`, un autre verrou). Chaque accès était synchronisé, Rust était satisfait… et
    /// pourtant deux clients qui choisissent « bob » au même instant peuvent **tous deux** passer
    /// la vérification avant que l'un ou l'autre ne soit inscrit. Le test
    /// `verifier_puis_inscrire_en_deux_sections_laisse_passer_deux_bob` de ce module force cet
    /// entrelacement avec une barrière et montre les deux « bob ».
    ///
    /// Le remède : la vérification et l'action forment **une seule** section critique, comme
    /// ici ; le test `un_seul_bob_gagne_la_course` lance huit threads sur le même pseudo et
    /// vérifie qu'un seul l'obtient. Le système de types garantit l'absence de courses *aux
    /// données* ; l'absence de courses *logiques* reste le travail du programmeur, qui choisit ce
    /// que couvre chaque verrou.
    ///
    /// L'historique est déposé dans la même section : toute publication d'avant est dans
    /// l'historique, toute publication d'après compte déjà ce membre. Le nouveau venu reçoit
    /// donc chaque ligne **exactement une fois**, l'historique d'abord.
    pub fn inscrire(&self, id: u64, pseudo: &str) -> Result<(), String> {
        // corrigé:début Indice : en une seule section critique : refusez un pseudo pris (sosies compris : `cle_pseudo`) ou une connexion inconnue, avec le texte de la démo sans « ERREUR : » ; sinon inscrivez-le et déposez-lui l'historique (`historique_pour`, demi-file).
        let mut etat = self.etat();
        let cle = cle_pseudo(pseudo);
        if etat.pseudos.contains_key(&cle) {
            return Err(format!("le pseudo « {pseudo} » est déjà pris"));
        }
        let Some(fiche) = etat.connexions.get_mut(&id) else {
            return Err("connexion inconnue".to_string());
        };
        fiche.pseudo = Some(pseudo.to_string());
        let file = Arc::clone(&fiche.file);
        etat.pseudos.insert(cle, id);
        let historique = etat.historique_pour(file.limite() / 2);
        let _ = file.deposer(&historique);
        Ok(())
        // corrigé:fin
    }

    /// Change le pseudo d'un membre inscrit (même règle : vérifier et agir d'un seul tenant) ;
    /// rend l'ancien.
    pub fn renommer(&self, id: u64, nouveau: &str) -> Result<String, String> {
        // corrigé:début Indice : la règle d'`inscrire` pour un membre inscrit (sinon « vous n'avez pas encore de pseudo ») : refusez un pseudo qu'un autre porte ; sinon libérez l'ancien, réservez le nouveau, changez la fiche, d'un seul tenant. Rendez l'ancien pseudo.
        let mut etat = self.etat();
        let cle = cle_pseudo(nouveau);
        let ancien = etat
            .connexions
            .get(&id)
            .and_then(|fiche| fiche.pseudo.clone())
            .ok_or_else(|| "vous n'avez pas encore de pseudo".to_string())?;
        if etat.pseudos.get(&cle).is_some_and(|&autre| autre != id) {
            return Err(format!("le pseudo « {nouveau} » est déjà pris"));
        }
        etat.pseudos.remove(&cle_pseudo(&ancien));
        etat.pseudos.insert(cle, id);
        if let Some(fiche) = etat.connexions.get_mut(&id) {
            fiche.pseudo = Some(nouveau.to_string());
        }
        Ok(ancien)
        // corrigé:fin
    }

    /// Retire une connexion ; rend son pseudo si elle était inscrite.
    pub fn retirer(&self, id: u64) -> Option<String> {
        let mut etat = self.etat();
        let pseudo = etat.connexions.remove(&id)?.pseudo?;
        etat.pseudos.remove(&cle_pseudo(&pseudo));
        Some(pseudo)
    }

    /// Publie `textes` (dans l'ordre) pour tout le salon : l'historique, le journal, et la file de
    /// chaque membre sauf l'`auteur`. Rend les numéros des membres dont la file vient de déborder.
    /// Après l'annonce d'arrêt ([`Salon::clore`]), plus rien n'est publié.
    pub fn publier(&self, auteur: Option<u64>, textes: &[String], journal: &Journal) -> Vec<u64> {
        // corrigé:début Indice : publiez les textes (historique et journal : `garder` ; membres : `livrer`) pour que membres, historique et journal les voient dans le même ordre, quoi que d'autres publient en même temps. Rien n'attend ici ; un salon clos ne publie rien.
        let mut etat = self.etat();
        if etat.clos {
            return Vec::new();
        }
        let lignes: Vec<Envoi> = textes.iter().map(|texte| etat.garder(texte)).collect();
        journal.ecrire(&lignes);
        let messages: Vec<Envoi> = textes
            .iter()
            .map(|texte| Arc::from(texte.as_str()))
            .collect();
        livrer(etat.membres(), auteur, &messages)
        // corrigé:fin
    }

    /// Publie l'annonce d'arrêt, la dernière : elle va dans l'historique, le journal et la file de
    /// **chaque** connexion (inscrite ou non), puis chaque file est fermée ; ensuite le salon est
    /// clos. Rend les sockets, pour les couper si leurs clients ne lisent plus.
    pub fn clore(&self, annonce: &str, journal: &Journal) -> Vec<Arc<TcpStream>> {
        let mut etat = self.etat();
        if !etat.clos {
            let ligne = etat.garder(annonce);
            journal.ecrire(&[ligne]);
            etat.clos = true;
        }
        let message: Envoi = Arc::from(annonce);
        etat.connexions
            .values()
            .map(|fiche| {
                let _ = fiche.file.deposer(std::slice::from_ref(&message));
                fiche.file.fermer(Fermeture::Arret);
                Arc::clone(&fiche.flux)
            })
            .collect()
    }

    /// Le pseudo d'une connexion, si elle en a un.
    pub fn pseudo(&self, id: u64) -> Option<String> {
        self.etat().connexions.get(&id)?.pseudo.clone()
    }

    /// Les pseudos des membres, triés.
    pub fn liste(&self) -> Vec<String> {
        let mut pseudos: Vec<String> = self
            .etat()
            .connexions
            .values()
            .filter_map(|fiche| fiche.pseudo.clone())
            .collect();
        pseudos.sort_unstable_by_key(|p| p.to_lowercase());
        pseudos
    }

    /// Le membre qui porte ce pseudo (sosies compris, voir [`cle_pseudo`]) : son pseudo exact et
    /// sa file.
    pub fn trouver(&self, pseudo: &str) -> Option<(String, Arc<FileEnvoi>)> {
        let etat = self.etat();
        let id = etat.pseudos.get(&cle_pseudo(pseudo))?;
        let fiche = etat.connexions.get(id)?;
        Some((fiche.pseudo.clone()?, Arc::clone(&fiche.file)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};
    use std::sync::{Barrier, Mutex, PoisonError};
    use std::thread;

    /// Fait le test dans un thread et l'attend au plus 10 s (`tests::pannes::dans_le_delai`) : un
    /// interblocage fait échouer le test, en français, au lieu de bloquer `cargo test` pour toujours.
    fn dans_le_delai<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
        ::tests::pannes::dans_le_delai(
            std::time::Duration::from_secs(10),
            "le verrou du salon est peut-être pris deux fois par le même thread (un `Mutex` ne se \
             prend pas deux fois : pendant que vous tenez la garde d'`etat()`, n'appelez ni \
             `self.etat()` ni une autre méthode du salon qui verrouille)",
            test,
        )
    }

    fn salon_vide() -> Salon {
        Salon::new(VecDeque::new(), 20)
    }

    /// Un journal dans un fichier temporaire propre à ce test.
    fn journal(nom: &str) -> Journal {
        let chemin =
            std::env::temp_dir().join(format!("etape8-salon-{nom}-{}.txt", std::process::id()));
        let _ = std::fs::remove_file(&chemin);
        let console = Arc::new(crate::sortie::Sortie::muette().expect("console muette"));
        crate::journal::ouvrir_journal(&chemin, console).expect("journal temporaire")
    }

    fn nouvelle_file() -> Arc<FileEnvoi> {
        Arc::new(FileEnvoi::new(crate::livraison::LIMITE_RETARD))
    }

    /// Une vraie socket connectée (sur la boucle locale) pour remplir une fiche.
    fn socket() -> Arc<TcpStream> {
        let ecoute = std::net::TcpListener::bind("127.0.0.1:0").expect("port libre");
        let flux = TcpStream::connect(ecoute.local_addr().expect("adresse")).expect("connexion");
        Arc::new(flux)
    }

    /// La version fautive de l'étape 7, sur une simple liste de pseudos pris : vérifier dans une
    /// section critique, agir dans une autre. `entre_les_deux` est l'instant où le verrou est
    /// libre.
    fn reserver_en_deux_sections(
        pris: &Mutex<Vec<String>>,
        pseudo: &str,
        entre_les_deux: &Barrier,
    ) -> bool {
        let libre = !pris
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|p| p == pseudo);
        entre_les_deux.wait();
        if libre {
            pris.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(pseudo.to_string());
        }
        libre
    }

    #[test]
    fn verifier_puis_inscrire_en_deux_sections_laisse_passer_deux_bob() {
        dans_le_delai(|| {
            let pris = Mutex::new(Vec::new());
            // La barrière force l'entrelacement malheureux : les deux vérifient avant que l'un
            // n'inscrive. Sans elle, la course existe aussi, mais seulement de temps en temps.
            let barriere = Barrier::new(2);
            let gagnants = thread::scope(|portee| {
                let essais: Vec<_> = (0..2)
                    .map(|_| {
                        let (pris, barriere) = (&pris, &barriere);
                        portee.spawn(move || reserver_en_deux_sections(pris, "bob", barriere))
                    })
                    .collect();
                essais
                    .into_iter()
                    .map(|essai| essai.join().unwrap_or(false))
                    .filter(|&gagne| gagne)
                    .count()
            });
            egal!(gagnants, 2, "les deux clients ont cru le pseudo libre");
            egal!(
                *pris.lock().expect("verrou"),
                ["bob", "bob"],
                "deux membres portent le même pseudo"
            );
        })
    }

    #[test]
    fn un_seul_bob_gagne_la_course() {
        dans_le_delai(|| {
            let salon = salon_vide();
            let ids: Vec<u64> = (0..8)
                .filter_map(|_| salon.ouvrir(nouvelle_file(), socket(), 100))
                .collect();
            let depart = Barrier::new(ids.len());
            let gagnants = thread::scope(|portee| {
                let essais: Vec<_> = ids
                    .iter()
                    .map(|&id| {
                        let (salon, depart) = (&salon, &depart);
                        portee.spawn(move || {
                            depart.wait();
                            let pseudo = if id % 2 == 0 { "bob" } else { "BOB" };
                            salon.inscrire(id, pseudo).is_ok()
                        })
                    })
                    .collect();
                essais
                    .into_iter()
                    .map(|essai| essai.join().unwrap_or(false))
                    .filter(|&gagne| gagne)
                    .count()
            });
            egal!(gagnants, 1, "exactement un client obtient « bob »");
            egal!(salon.liste().len(), 1);
        })
    }

    #[test]
    fn le_nouveau_venu_recoit_l_historique_avant_tout() {
        dans_le_delai(|| {
            let journal = journal("historique");
            let salon = Salon::new(VecDeque::from([Arc::from("ancienne ligne")]), 2);
            let alice = salon.ouvrir(nouvelle_file(), socket(), 10).expect("place");
            egal!(salon.inscrire(alice, "alice"), Ok(()));
            salon.publier(Some(alice), &["alice : un".to_string()], &journal);
            salon.publier(Some(alice), &["alice : deux".to_string()], &journal);
            let file = nouvelle_file();
            let bob = salon
                .ouvrir(Arc::clone(&file), socket(), 10)
                .expect("place");
            egal!(salon.inscrire(bob, "bob"), Ok(()));
            let mut lot = Vec::new();
            vrai!(file.prendre(&mut lot));
            egal!(lot.len(), 2, "l'historique est limité à 2 lignes : {lot:?}");
            vrai!(lot[0].starts_with("[historique] ") && lot[0].ends_with("alice : un"));
            vrai!(lot[1].ends_with("alice : deux"));
        })
    }

    #[test]
    fn une_publication_va_a_chaque_membre_sauf_son_auteur() {
        dans_le_delai(|| {
            let journal = journal("publication");
            let salon = salon_vide();
            let (fa, fb, fc) = (nouvelle_file(), nouvelle_file(), nouvelle_file());
            let a = salon.ouvrir(Arc::clone(&fa), socket(), 10).expect("place");
            let b = salon.ouvrir(Arc::clone(&fb), socket(), 10).expect("place");
            // c n'a pas encore de pseudo : il ne reçoit rien.
            let _c = salon.ouvrir(Arc::clone(&fc), socket(), 10).expect("place");
            egal!(salon.inscrire(a, "alice"), Ok(()));
            egal!(salon.inscrire(b, "bob"), Ok(()));
            let debordes = salon.publier(Some(a), &["alice : salut".to_string()], &journal);
            vrai!(debordes.is_empty());
            egal!(fa.retard(), 0, "l'auteur ne reçoit pas son propre message");
            egal!(fb.retard(), cout("alice : salut"));
            egal!(fc.retard(), 0, "une connexion sans pseudo ne reçoit rien");
        })
    }

    #[test]
    fn renommer_et_retirer_liberent_les_pseudos() {
        dans_le_delai(|| {
            let salon = salon_vide();
            let a = salon.ouvrir(nouvelle_file(), socket(), 10).expect("place");
            let b = salon.ouvrir(nouvelle_file(), socket(), 10).expect("place");
            egal!(salon.inscrire(a, "alice"), Ok(()));
            egal!(salon.inscrire(b, "bob"), Ok(()));
            vrai!(salon.renommer(b, "ALICE").is_err());
            egal!(salon.renommer(a, "Alicia"), Ok("alice".to_string()));
            let troisieme = salon.ouvrir(nouvelle_file(), socket(), 10).expect("place");
            egal!(salon.inscrire(troisieme, "alice"), Ok(()));
            egal!(salon.retirer(b).as_deref(), Some("bob"));
            egal!(salon.liste(), ["alice", "Alicia"]);
        })
    }

    #[test]
    fn au_dela_du_maximum_une_connexion_n_est_pas_ouverte() {
        dans_le_delai(|| {
            let salon = salon_vide();
            vrai!(salon.ouvrir(nouvelle_file(), socket(), 1).is_some());
            vrai!(salon.ouvrir(nouvelle_file(), socket(), 1).is_none());
            egal!(salon.etat().connexions.len(), 1);
        })
    }

    #[test]
    fn apres_l_annonce_d_arret_plus_rien_n_est_publie() {
        dans_le_delai(|| {
            let journal = journal("arret");
            let salon = salon_vide();
            let file = nouvelle_file();
            let a = salon
                .ouvrir(Arc::clone(&file), socket(), 10)
                .expect("place");
            egal!(salon.inscrire(a, "alice"), Ok(()));
            egal!(salon.clore("*** fin", &journal).len(), 1);
            salon.publier(None, &["trop tard".to_string()], &journal);
            let mut lot = Vec::new();
            vrai!(file.prendre(&mut lot));
            egal!(lot, [Envoi::from("*** fin")], "l'annonce, puis plus rien");
            egal!(file.fermeture(), Some(Fermeture::Arret));
            egal!(salon.etat().historique.len(), 1);
        })
    }

    #[test]
    fn les_pseudos_qui_se_ressemblent_sont_le_meme_pseudo() {
        dans_le_delai(|| {
            let salon = salon_vide();
            let a = salon.ouvrir(nouvelle_file(), socket(), 10).expect("place");
            let b = salon.ouvrir(nouvelle_file(), socket(), 10).expect("place");
            egal!(salon.inscrire(a, "Élodie"), Ok(()));
            vrai!(salon.inscrire(b, "elodie").is_err());
            vrai!(salon.inscrire(b, "ELODIE").is_err());
        })
    }
}
