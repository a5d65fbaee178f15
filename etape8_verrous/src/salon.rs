//! L'état partagé du salon, et **rien d'autre** : chaque méthode est une section critique courte,
//! faite en mémoire, sans entrée-sortie.
//!
//! Le serveur garde un `Mutex<Salon>` partagé par `Arc` entre tous les threads (voir
//! [`crate::Partage`]). Il appelle ces méthodes verrou tenu, puis fait les envois **après** avoir
//! relâché le verrou : les méthodes rendent ce qu'il faut pour cela (les files des destinataires,
//! la ligne à journaliser).

use std::collections::{HashMap, VecDeque};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::commandes::cle_pseudo;
use crate::journal::horodatage;
use crate::livraison::{Envoi, FileEnvoi};

/// Un destinataire d'une diffusion : son numéro et sa file.
pub type Destinataire = (u64, Arc<FileEnvoi>);

/// Ce que le salon sait d'une connexion.
#[derive(Debug)]
struct Fiche {
    /// `None` tant que le pseudo n'est pas choisi.
    pseudo: Option<String>,
    file: Arc<FileEnvoi>,
    /// La socket, gardée pour pouvoir **couper** la connexion (`shutdown`) depuis un autre thread ;
    /// on n'y écrit jamais d'ici.
    flux: Arc<TcpStream>,
}

/// Qui est connecté, sous quel pseudo, et les dernières lignes du journal.
#[derive(Debug)]
pub struct Salon {
    connexions: HashMap<u64, Fiche>,
    /// Clé du pseudo ([`cle_pseudo`] : minuscules, sans accents, i/l/1 et o/0 confondus) →
    /// numéro : l'unicité en un accès.
    pseudos: HashMap<String, u64>,
    /// Les membres inscrits, tels qu'une diffusion les voit. Reconstruit à chaque arrivée ou
    /// départ ; une diffusion n'a qu'à cloner cet `Arc` sous le verrou (un compteur à
    /// incrémenter), au lieu de copier la liste.
    destinataires: Arc<[Destinataire]>,
    historique: VecDeque<Envoi>,
    taille_historique: usize,
    /// Vrai après l'annonce d'arrêt : plus rien n'est publié ni journalisé.
    clos: bool,
}

/// Une ligne publiée : ce qu'il faut envoyer, à qui, et quoi journaliser.
#[derive(Debug)]
pub struct Publication {
    /// Le texte pour les clients connectés.
    pub message: Envoi,
    /// La ligne horodatée pour le fichier journal.
    pub ligne_journal: Envoi,
    /// Les membres inscrits au moment de la publication.
    pub destinataires: Arc<[Destinataire]>,
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

impl Salon {
    /// Un salon vide, qui se souvient des `taille_historique` dernières lignes ; `historique`
    /// contient celles des lancements précédents.
    pub fn new(historique: VecDeque<Envoi>, taille_historique: usize) -> Salon {
        let mut salon = Salon {
            connexions: HashMap::new(),
            pseudos: HashMap::new(),
            destinataires: Arc::from(Vec::new()),
            historique,
            taille_historique,
            clos: false,
        };
        salon.raccourcir_historique();
        salon
    }

    fn raccourcir_historique(&mut self) {
        while self.historique.len() > self.taille_historique {
            self.historique.pop_front();
        }
    }

    /// Enregistre une nouvelle connexion (pas encore de pseudo) et rend son numéro.
    pub fn ouvrir(&mut self, file: Arc<FileEnvoi>, flux: Arc<TcpStream>) -> u64 {
        let id = nouveau_numero();
        let fiche = Fiche {
            pseudo: None,
            file,
            flux,
        };
        self.connexions.insert(id, fiche);
        id
    }

    /// Nombre de connexions ouvertes (inscrites ou non).
    pub fn nombre_de_connexions(&self) -> usize {
        self.connexions.len()
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
    /// L'historique est déposé dans la même section : toute diffusion publiée avant est dans
    /// l'historique, toute diffusion publiée après compte déjà ce membre. Le nouveau venu reçoit
    /// donc chaque ligne **exactement une fois**, l'historique d'abord. Un dépôt n'attend jamais :
    /// c'est de la mémoire, il a sa place dans une section critique.
    pub fn inscrire(&mut self, id: u64, pseudo: &str) -> Result<(), String> {
        // corrigé:début Indice : dans cette seule méthode (donc sous un seul verrou) : refusez si `self.pseudos` contient déjà `cle_pseudo(pseudo)` (`Err(format!("le pseudo « {pseudo} » est déjà pris"))`, le texte de la démo) ; une connexion inconnue est aussi une erreur. Sinon remplissez la fiche (`pseudo`) et l'index `pseudos`, appelez `reconstruire_destinataires`, et déposez l'historique dans la file du nouveau venu, en un seul dépôt : chaque ligne précédée de « [historique] », les plus récentes dont le coût (compté avec `livraison::cout`, préfixe compris) tient dans `file.limite() / 2`, remises dans l'ordre.
        let cle = cle_pseudo(pseudo);
        if self.pseudos.contains_key(&cle) {
            return Err(format!("le pseudo « {pseudo} » est déjà pris"));
        }
        let Some(fiche) = self.connexions.get_mut(&id) else {
            return Err("connexion inconnue".to_string());
        };
        fiche.pseudo = Some(pseudo.to_string());
        let file = Arc::clone(&fiche.file);
        self.pseudos.insert(cle, id);
        self.reconstruire_destinataires();
        // Les lignes les plus récentes qui tiennent dans la moitié de la file, dans l'ordre.
        let mut place = file.limite() / 2;
        let mut historique: Vec<Envoi> = Vec::new();
        for ligne in self.historique.iter().rev() {
            let ligne: Envoi = Arc::from(format!("[historique] {ligne}"));
            match place.checked_sub(crate::livraison::cout(&ligne)) {
                Some(reste) => place = reste,
                None => break,
            }
            historique.push(ligne);
        }
        historique.reverse();
        let _ = file.deposer(&historique);
        Ok(())
        // corrigé:fin
    }

    /// Change le pseudo d'un membre inscrit (même règle : vérifier et agir d'un seul tenant) ;
    /// rend l'ancien.
    pub fn renommer(&mut self, id: u64, nouveau: &str) -> Result<String, String> {
        // corrigé:début Indice : la règle d'`inscrire`, pour un membre déjà inscrit : son ancien pseudo (sinon l'erreur « vous n'avez pas encore de pseudo ») ; refusez si `cle_pseudo(nouveau)` appartient à un autre (même texte qu'`inscrire`, avec `nouveau`) ; sinon libérez l'ancienne clé, réservez la nouvelle et changez la fiche, dans cette seule méthode ; rendez l'ancien pseudo.
        let cle = cle_pseudo(nouveau);
        let ancien = self
            .connexions
            .get(&id)
            .and_then(|fiche| fiche.pseudo.clone())
            .ok_or_else(|| "vous n'avez pas encore de pseudo".to_string())?;
        if self.pseudos.get(&cle).is_some_and(|&autre| autre != id) {
            return Err(format!("le pseudo « {nouveau} » est déjà pris"));
        }
        self.pseudos.remove(&cle_pseudo(&ancien));
        self.pseudos.insert(cle, id);
        if let Some(fiche) = self.connexions.get_mut(&id) {
            fiche.pseudo = Some(nouveau.to_string());
        }
        Ok(ancien)
        // corrigé:fin
    }

    /// Retire une connexion ; rend son pseudo si elle était inscrite.
    pub fn fermer(&mut self, id: u64) -> Option<String> {
        let fiche = self.connexions.remove(&id)?;
        let pseudo = fiche.pseudo?;
        self.pseudos.remove(&cle_pseudo(&pseudo));
        self.reconstruire_destinataires();
        Some(pseudo)
    }

    fn reconstruire_destinataires(&mut self) {
        self.destinataires = self
            .connexions
            .iter()
            .filter(|(_, fiche)| fiche.pseudo.is_some())
            .map(|(id, fiche)| (*id, Arc::clone(&fiche.file)))
            .collect();
    }

    /// Publie une ligne pour tout le salon : la garde dans l'historique et rend la
    /// [`Publication`] à envoyer une fois le verrou relâché ; `None` une fois le salon clos.
    pub fn publier(&mut self, texte: &str) -> Option<Publication> {
        if self.clos {
            return None;
        }
        Some(self.publication(texte))
    }

    /// Publie l'annonce d'arrêt, la dernière : ensuite le salon est clos.
    pub fn publier_arret(&mut self, annonce: &str) -> Publication {
        let publication = self.publication(annonce);
        self.clos = true;
        publication
    }

    fn publication(&mut self, texte: &str) -> Publication {
        let ligne_journal: Envoi = Arc::from(format!("{} {texte}", horodatage(SystemTime::now())));
        if self.taille_historique > 0 {
            self.historique.push_back(Arc::clone(&ligne_journal));
            self.raccourcir_historique();
        }
        Publication {
            message: Arc::from(texte),
            ligne_journal,
            destinataires: Arc::clone(&self.destinataires),
        }
    }

    /// Le pseudo d'une connexion, si elle en a un.
    pub fn pseudo(&self, id: u64) -> Option<String> {
        self.connexions.get(&id)?.pseudo.clone()
    }

    /// Les pseudos des membres, triés.
    pub fn liste(&self) -> Vec<String> {
        let mut pseudos: Vec<String> = self
            .connexions
            .values()
            .filter_map(|fiche| fiche.pseudo.clone())
            .collect();
        pseudos.sort_unstable_by_key(|p| p.to_lowercase());
        pseudos
    }

    /// Le membre qui porte ce pseudo (sans distinction de casse) : son pseudo exact et sa file.
    pub fn trouver(&self, pseudo: &str) -> Option<(String, Arc<FileEnvoi>)> {
        let id = self.pseudos.get(&cle_pseudo(pseudo))?;
        let fiche = self.connexions.get(id)?;
        Some((fiche.pseudo.clone()?, Arc::clone(&fiche.file)))
    }

    /// La file d'une connexion.
    pub fn file(&self, id: u64) -> Option<Arc<FileEnvoi>> {
        self.connexions
            .get(&id)
            .map(|fiche| Arc::clone(&fiche.file))
    }

    /// La socket d'une connexion, pour la couper (hors du verrou).
    pub fn flux(&self, id: u64) -> Option<Arc<TcpStream>> {
        self.connexions
            .get(&id)
            .map(|fiche| Arc::clone(&fiche.flux))
    }

    /// Les files et les sockets de toutes les connexions, inscrites ou non (pour l'arrêt).
    pub fn toutes_les_connexions(&self) -> Vec<(Arc<FileEnvoi>, Arc<TcpStream>)> {
        self.connexions
            .values()
            .map(|fiche| (Arc::clone(&fiche.file), Arc::clone(&fiche.flux)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Barrier, Mutex, PoisonError};
    use std::thread;

    fn salon_vide() -> Salon {
        Salon::new(VecDeque::new(), 20)
    }

    fn nouvelle_file() -> Arc<FileEnvoi> {
        Arc::new(FileEnvoi::new(crate::LIMITE_RETARD))
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
        assert_eq!(gagnants, 2, "les deux clients ont cru le pseudo libre");
        assert_eq!(
            *pris.lock().expect("verrou"),
            ["bob", "bob"],
            "deux membres portent le même pseudo"
        );
    }

    #[test]
    fn un_seul_bob_gagne_la_course() {
        let salon = Mutex::new(salon_vide());
        let ids: Vec<u64> = {
            let mut s = salon.lock().expect("verrou");
            (0..8)
                .map(|_| s.ouvrir(nouvelle_file(), socket()))
                .collect()
        };
        let depart = Barrier::new(ids.len());
        let gagnants = thread::scope(|portee| {
            let essais: Vec<_> = ids
                .iter()
                .map(|&id| {
                    let (salon, depart) = (&salon, &depart);
                    portee.spawn(move || {
                        depart.wait();
                        let pseudo = if id % 2 == 0 { "bob" } else { "BOB" };
                        salon
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .inscrire(id, pseudo)
                            .is_ok()
                    })
                })
                .collect();
            essais
                .into_iter()
                .map(|essai| essai.join().unwrap_or(false))
                .filter(|&gagne| gagne)
                .count()
        });
        assert_eq!(gagnants, 1, "exactement un client obtient « bob »");
        assert_eq!(salon.lock().expect("verrou").liste().len(), 1);
    }

    #[test]
    fn le_nouveau_venu_recoit_l_historique_avant_tout() {
        let mut salon = Salon::new(VecDeque::from([Arc::from("ancienne ligne")]), 2);
        let alice = salon.ouvrir(nouvelle_file(), socket());
        assert_eq!(salon.inscrire(alice, "alice"), Ok(()));
        salon.publier("alice : un");
        salon.publier("alice : deux");
        let file = nouvelle_file();
        let bob = salon.ouvrir(Arc::clone(&file), socket());
        assert_eq!(salon.inscrire(bob, "bob"), Ok(()));
        let mut lot = Vec::new();
        assert!(file.prendre(&mut lot));
        assert_eq!(lot.len(), 2, "l'historique est limité à 2 lignes : {lot:?}");
        assert!(lot[0].starts_with("[historique] ") && lot[0].ends_with("alice : un"));
        assert!(lot[1].ends_with("alice : deux"));
    }

    #[test]
    fn renommer_et_fermer_liberent_les_pseudos() {
        let mut salon = salon_vide();
        let a = salon.ouvrir(nouvelle_file(), socket());
        let b = salon.ouvrir(nouvelle_file(), socket());
        assert_eq!(salon.inscrire(a, "alice"), Ok(()));
        assert_eq!(salon.inscrire(b, "bob"), Ok(()));
        assert!(salon.renommer(b, "ALICE").is_err());
        assert_eq!(salon.renommer(a, "Alicia"), Ok("alice".to_string()));
        assert_eq!(
            {
                let troisieme = salon.ouvrir(nouvelle_file(), socket());
                salon.inscrire(troisieme, "alice")
            },
            Ok(())
        );
        assert_eq!(salon.fermer(b).as_deref(), Some("bob"));
        assert_eq!(salon.liste(), ["alice", "Alicia"]);
        assert_eq!(salon.publier("x").map(|p| p.destinataires.len()), Some(2));
    }

    #[test]
    fn apres_l_annonce_d_arret_plus_rien_n_est_publie() {
        let mut salon = salon_vide();
        let annonce = salon.publier_arret("*** fin");
        assert!(annonce.ligne_journal.ends_with("*** fin"));
        assert!(salon.publier("trop tard").is_none());
        assert_eq!(salon.historique.len(), 1);
    }

    #[test]
    fn les_pseudos_qui_se_ressemblent_sont_le_meme_pseudo() {
        let mut salon = salon_vide();
        let a = salon.ouvrir(nouvelle_file(), socket());
        let b = salon.ouvrir(nouvelle_file(), socket());
        assert_eq!(salon.inscrire(a, "Élodie"), Ok(()));
        assert!(salon.inscrire(b, "elodie").is_err());
        assert!(salon.inscrire(b, "ELODIE").is_err());
    }
}
