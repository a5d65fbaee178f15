//! Ce que tous les threads du serveur partagent : le salon, le journal, les réglages, la demande
//! d'arrêt, la liste noire, la console, et une petite table de défense.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::Config;
use crate::defenses::liste_relue::ListeNoire;
use crate::journal::Journal;
use crate::salon::Salon;
use crate::serveur::Arret;
use crate::sortie::Sortie;

/// Ce que tous les threads du serveur partagent, derrière un `Arc`.
///
/// # Question : à quoi servent les verrous ?
///
/// À rendre **atomique**, vue des autres threads, une suite d'opérations sur des données
/// partagées : entre `lock()` et la fin de la garde, personne d'autre ne voit le salon, donc
/// personne ne le voit à moitié modifié. Ici un seul verrou, celui du [`crate::salon::Salon`], protège qui est
/// connecté et l'historique, et fixe l'ordre du salon ; chaque section critique est courte et ne
/// fait **que** de la mémoire (voir [`crate::salon`]). Le reste est partagé sans ce verrou parce qu'il
/// n'est pas modifié (`config`), ou parce qu'il se synchronise autrement : un atomique pour
/// l'arrêt, une file par client, une pour le journal et une pour la console (chacune son petit verrou, jamais tenu
/// pendant une écriture), et deux petits verrous à part (les pauses de jeton, la dernière liste
/// noire lue).
///
/// # Question : que risque-t-on sans eux ?
///
/// En Rust, d'abord de ne pas compiler : partager un `Salon` modifiable entre threads sans
/// `Mutex` est refusé (`Send`/`Sync`, voir l'étape 7). Dans un langage qui l'accepte : des mises à
/// jour perdues, des structures corrompues (une table de hachage lue pendant qu'elle grandit), un
/// plantage ou un comportement imprévisible, et des bogues qui n'apparaissent qu'une fois sur mille.
///
/// Mais un verrou mal placé a ses propres risques, que le compilateur ne voit pas :
///
/// - **tenir un verrou pendant une attente** (une écriture réseau, à l'étape 7) : un client lent
///   fige tous les autres. D'où la règle de cette étape : aucune entrée-sortie sous un verrou.
///   Attention à la garde qui vit plus longtemps qu'on ne croit : voir [`crate::salon`] ;
/// - **couper en deux une opération qui doit être atomique** : vérifier dans une section, agir
///   dans une autre. C'est une course *logique* ; voir [`crate::salon::Salon::inscrire`] ;
/// - **relâcher trop tôt** : ce qui doit suivre l'ordre du salon (les dépôts dans les files, le
///   journal) se fait pendant qu'on tient son verrou, sinon deux émetteurs se doublent d'une file
///   à l'autre ; voir [`crate::salon`] ;
/// - **l'interblocage** : deux threads qui prennent deux verrous dans un ordre différent. Ici,
///   verrou du salon tenu, on ne prend que celui d'une file, et une file ne prend jamais le verrou
///   du salon : toujours le salon puis la file, pas de cycle, pas d'interblocage.
#[derive(Debug)]
pub struct Partage {
    pub(crate) salon: Salon,
    pub(crate) journal: Journal,
    /// La console du serveur : une sortie qui perd plutôt que d'attendre (voir
    /// [`crate::defenses::console`]). Partagée avec le thread du journal, qui y dit ses erreurs.
    pub(crate) console: Arc<Sortie>,
    pub(crate) config: Config,
    pub(crate) arret: Arc<Arret>,
    pub(crate) liste_noire: ListeNoire,
    /// Les adresses qui viennent de se tromper de jeton, et la fin de leur pause (voir
    /// [`crate::defenses::jeton::PAUSE_JETON`]).
    pub(crate) pauses_jeton: Mutex<HashMap<IpAddr, Instant>>,
}

impl Partage {
    /// Écrit un événement sur la console du serveur (sauf avec `evenements: false`), sans attendre
    /// (voir [`crate::defenses::console`]).
    pub(crate) fn afficher(&self, texte: &str) {
        if self.config.evenements {
            self.console.ligne(texte);
        }
    }
}
