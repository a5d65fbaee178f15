//! # Corrigé du TP Client / Serveur
//!
//! Le côté enseignant du classeur : les réponses complètes aux questions du TP, des notes sur les
//! erreurs typiques (et le test qui attrape chacune), et les outils de l'enseignant.
//!
//! ## Les réponses, étape par étape
//!
//! Chaque page est aussi un fichier Markdown lisible tel quel, dans `corrige/reponses/` :
//!
//! - [`reponses::etape1`] — connexion initiale
//! - [`reponses::etape2`] — boucle de réception
//! - [`reponses::etape3`] — déconnexions
//! - [`reponses::etape4`] — communication client-serveur
//! - [`reponses::etape5`] — exécution d'instructions
//! - [`reponses::etape6`] — commandes personnalisées
//! - [`reponses::etape7`] — plusieurs clients
//! - [`reponses::etape8`] — verrous, sécurité, le serveur final
//!
//! ## Les outils
//!
//! ```text
//! cargo run -p corrige -- version-eleve ../classeur-eleve     # l'édition élève
//! cargo run -p corrige -- note ../copie-de-lea --csv lea.csv  # la table des notes
//! cargo run -p corrige --release -- charge --port 5050 --clients 100 --emetteurs 10 --messages 200
//! ```
//!
//! - [`edition`] : `version-eleve <dossier>` écrit une copie du classeur où chaque région de
//!   solution est remplacée par `todo!("Étape N : indice")` et où les réponses sont retirées. La
//!   copie compile ; son `cargo test --workspace` échoue sur les étapes à faire, avec des messages
//!   qui les nomment.
//! - [`note`] : `note <dossier>` lance la suite de notation dans une copie et affiche, étape par
//!   étape, les tests réussis et les points sur 20 (le barème est expliqué dans [`note`]).
//! - `classe <dossier>` : note chaque copie d'une classe (un sous-dossier par élève), avec un CSV.
//! - [`erreurs`] : `erreurs` fait, une à une, les erreurs typiques des pages ci-dessus dans une
//!   copie du classeur et vérifie que la suite de notation attrape chacune.
//! - [`charge`] : le banc d'essai qui mesure les étapes 7 et 8 (débit, latence, pertes, mémoire) ;
//!   `banc.sh` le lance et [`graphique`] dessine ses tableaux en SVG.
//!
//! ## Comment la notation est faite
//!
//! La suite de notation est le paquet `tests` : un fichier par étape (`tests/tests/etapeN.rs`),
//! un test par comportement, nommé d'après lui. Elle lance les **vrais programmes** sur
//! `127.0.0.1` avec un port choisi par le système, leur parle en TCP, borne chaque lecture par un
//! délai et se synchronise sur des événements (une ligne reçue, une ligne de journal), jamais sur
//! une pause. Un seul test mesure une durée, et avec une marge de vingt : 200 allers-retours en
//! 4 s (`deux_cents_allers_retours_tiennent_en_quatre_secondes`, étapes 2, 3, 5 et 6) ; une
//! réponse écrite en deux `write` en prend 8,8, une réponse écrite d'un coup moins de 0,2.
//! Chaque échec dit, en français, ce qui était attendu et ce qui est venu.

pub mod charge;
pub mod edition;
pub mod erreurs;
pub mod graphique;
pub mod note;

/// Les réponses aux questions du TP, une page par étape.
pub mod reponses {
    #[doc = include_str!("../reponses/etape1.md")]
    pub mod etape1 {}
    #[doc = include_str!("../reponses/etape2.md")]
    pub mod etape2 {}
    #[doc = include_str!("../reponses/etape3.md")]
    pub mod etape3 {}
    #[doc = include_str!("../reponses/etape4.md")]
    pub mod etape4 {}
    #[doc = include_str!("../reponses/etape5.md")]
    pub mod etape5 {}
    #[doc = include_str!("../reponses/etape6.md")]
    pub mod etape6 {}
    #[doc = include_str!("../reponses/etape7.md")]
    pub mod etape7 {}
    #[doc = include_str!("../reponses/etape8.md")]
    pub mod etape8 {}
    #[doc = include_str!("../reponses/mutations.md")]
    pub mod mutations {}
}
