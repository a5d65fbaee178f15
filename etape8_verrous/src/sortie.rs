//! Une sortie, un thread : la console du serveur et le journal, écrits chacun par un seul thread.
//!
//! Les files des clients ([`crate::livraison`]) donnent le modèle : qui a quelque chose à écrire
//! le **dépose** dans une [`FileEnvoi`], sans attendre, et un seul thread, l'écrivain de la
//! sortie, l'écrit. La console et le journal sont deux sorties de plus, du même type ; elles ne
//! diffèrent que par ce qu'on fait quand leur écrivain prend du retard (leur [`Debord`]) :
//!
//! | sortie    | quand l'écrivain prend du retard                           | pourquoi                                   |
//! |-----------|------------------------------------------------------------|--------------------------------------------|
//! | un client | sa file est **coupée** ([`crate::livraison::LIMITE_RETARD`]) | un client qui ne lit plus ne retient personne |
//! | la console | la ligne est **perdue**, et le dit ([`Debord::Perdre`])    | un terminal que personne ne lit ne fait attendre personne |
//! | le journal | celui qui publie **attend**, hors du verrou du salon ([`Debord::Attendre`]) | on ne perd pas le journal ; un disque lent ralentit qui parle, jamais le salon |
//!
//! Une sortie fait partie de l'état partagé du serveur ([`crate::partage::Partage`]) : chaque
//! serveur a la sienne, et un test qui lance deux serveurs a deux consoles.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::livraison::{Envoi, Fermeture, FileEnvoi};

/// Ce que fait une sortie quand son écrivain a plus de `seuil` octets de retard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Debord {
    /// La ligne déposée est perdue et comptée ; l'écrivain dira combien (voir
    /// [`PourLEcrivain::perdues`]).
    Perdre {
        /// Le retard, en octets, au-delà duquel une ligne est perdue.
        seuil: usize,
    },
    /// Rien n'est perdu ; qui dépose peut attendre ensuite, hors de tout verrou, que le retard
    /// redescende ([`Sortie::rattraper`]).
    Attendre {
        /// Le retard, en octets, au-delà duquel [`Sortie::rattraper`] attend.
        seuil: usize,
    },
}

/// Une sortie servie par un seul thread : sa file, sa politique, et l'écrivain qui la vide.
///
/// Quand la `Sortie` disparaît, sa file se ferme : l'écrivain écrit ce qui reste, puis s'arrête.
/// [`Sortie::terminer`] fait de même et attend qu'il ait fini.
#[derive(Debug)]
pub struct Sortie {
    file: Arc<FileEnvoi>,
    debord: Debord,
    perdues: Arc<AtomicUsize>,
    ecrivain: Mutex<Option<JoinHandle<()>>>,
}

/// Ce que reçoit l'écrivain d'une sortie : la file à vider, et le compte des lignes perdues.
pub struct PourLEcrivain {
    /// La file : `prendre` rend `false` quand elle est fermée et vide.
    pub file: Arc<FileEnvoi>,
    perdues: Arc<AtomicUsize>,
}

impl PourLEcrivain {
    /// Combien de lignes ont été perdues depuis la dernière question (et remet le compte à zéro).
    pub fn perdues(&self) -> usize {
        self.perdues.swap(0, Ordering::Relaxed)
    }
}

impl Sortie {
    /// Lance le thread `nom`, qui exécute `ecrivain` (une boucle sur `prendre`), et rend la sortie.
    pub fn lancer(
        nom: &str,
        debord: Debord,
        ecrivain: impl FnOnce(PourLEcrivain) + Send + 'static,
    ) -> io::Result<Sortie> {
        let file = Arc::new(FileEnvoi::new(usize::MAX));
        let perdues = Arc::new(AtomicUsize::new(0));
        let pour_le_thread = PourLEcrivain {
            file: Arc::clone(&file),
            perdues: Arc::clone(&perdues),
        };
        let thread = thread::Builder::new()
            .name(nom.to_string())
            .spawn(move || ecrivain(pour_le_thread))?;
        Ok(Sortie {
            file,
            debord,
            perdues,
            ecrivain: Mutex::new(Some(thread)),
        })
    }

    /// Une sortie qui jette tout ce qu'on lui confie : la console des tests qui n'en lisent pas.
    pub fn muette() -> io::Result<Sortie> {
        Sortie::lancer("muette", Debord::Perdre { seuil: 0 }, |ecrivain| {
            let mut lot = Vec::new();
            while ecrivain.file.prendre(&mut lot) {
                lot.clear();
            }
        })
    }

    /// Dépose des lignes, dans l'ordre, **sans attendre** : on peut l'appeler verrou tenu.
    ///
    /// Avec [`Debord::Perdre`], si l'écrivain a déjà plus de `seuil` octets de retard, elles sont
    /// perdues et comptées. (Deux threads peuvent passer le test ensemble : le retard peut dépasser
    /// le seuil d'une ligne par thread, il reste borné.)
    pub fn ecrire(&self, lignes: &[Envoi]) {
        match self.debord {
            Debord::Perdre { seuil } if self.file.retard() > seuil => {
                self.perdues.fetch_add(lignes.len(), Ordering::Relaxed);
                return;
            }
            _ => {}
        }
        // La file est sans limite : un dépôt ne peut échouer que si elle est déjà fermée.
        let _ = self.file.deposer(lignes);
    }

    /// Une ligne de texte, comme [`Sortie::ecrire`].
    pub fn ligne(&self, texte: &str) {
        self.ecrire(&[Envoi::from(texte)]);
    }

    /// Avec [`Debord::Attendre`], attend que l'écrivain ait rattrapé son retard (sous le seuil).
    /// Jamais sous un verrou. Avec [`Debord::Perdre`], rend la main tout de suite.
    pub fn rattraper(&self) {
        if let Debord::Attendre { seuil } = self.debord {
            self.file.attendre_retard_sous(seuil);
        }
    }

    /// Ferme la file et attend que l'écrivain ait écrit ce qui reste : au plus `delai` s'il est
    /// donné (une console que personne ne lit ne doit pas retenir l'arrêt), sinon jusqu'au bout
    /// (le journal). Rend une erreur si l'écrivain a paniqué.
    pub fn terminer(&self, delai: Option<Duration>) -> io::Result<()> {
        self.file.fermer(Fermeture::Arret);
        let Some(ecrivain) = crate::verrouiller(&self.ecrivain).take() else {
            return Ok(());
        };
        if let Some(delai) = delai {
            // `join` n'a pas de délai : on regarde s'il a fini, à petits pas, jusqu'à l'échéance.
            let echeance = Instant::now() + delai;
            while !ecrivain.is_finished() {
                if Instant::now() >= echeance {
                    return Ok(());
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
        ecrivain
            .join()
            .map_err(|_| io::Error::other("un thread d'écriture a paniqué"))
    }
}

impl Drop for Sortie {
    fn drop(&mut self) {
        self.file.fermer(Fermeture::Arret);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};
    use std::sync::mpsc;

    #[test]
    fn une_sortie_qui_perd_ne_fait_jamais_attendre_et_compte_ce_qu_elle_perd() -> io::Result<()> {
        // Un écrivain qui ne prend rien tant qu'on ne le libère pas : une console bloquée. Libéré,
        // il dit combien de lignes ont été perdues.
        let (liberer, attendre) = mpsc::channel::<()>();
        let (dire, perdues) = mpsc::channel();
        let sortie = Sortie::lancer("test", Debord::Perdre { seuil: 100 }, move |ecrivain| {
            let _ = attendre.recv();
            let _ = dire.send(ecrivain.perdues());
            let mut lot = Vec::new();
            while ecrivain.file.prendre(&mut lot) {
                lot.clear();
            }
        })?;
        let debut = Instant::now();
        for _ in 0..1000 {
            sortie.ligne("une ligne de console");
        }
        assert!(debut.elapsed() < Duration::from_secs(1), "jamais d'attente");
        sortie.rattraper();
        let _ = liberer.send(());
        let perdues = perdues.recv_timeout(Duration::from_secs(5)).unwrap_or(0);
        assert!(
            perdues > 900,
            "au-delà du seuil, les lignes sont perdues : {perdues}"
        );
        // Borné, comme toute attente d'un test : un écrivain qui ne finit pas ne fige rien.
        sortie.terminer(Some(Duration::from_secs(5)))
    }

    #[test]
    fn une_sortie_qui_attend_ne_perd_rien_et_terminer_attend_l_ecrivain() -> io::Result<()> {
        let (rendre, ecrites) = mpsc::channel();
        let sortie = Sortie::lancer("test", Debord::Attendre { seuil: 1000 }, move |ecrivain| {
            let mut lot = Vec::new();
            let mut toutes = Vec::new();
            while ecrivain.file.prendre(&mut lot) {
                toutes.append(&mut lot);
            }
            let _ = rendre.send(toutes);
        })?;
        for i in 0..1000 {
            sortie.ligne(&format!("ligne {i}"));
            sortie.rattraper();
        }
        sortie.terminer(Some(Duration::from_secs(5)))?;
        let toutes = ecrites
            .recv_timeout(Duration::from_secs(5))
            .expect("l'écrivain devait avoir fini en 5 s");
        egal!(toutes.len(), 1000, "rien n'est perdu");
        Ok(())
    }

    #[test]
    fn terminer_avec_un_delai_n_attend_pas_un_ecrivain_bloque() -> io::Result<()> {
        let (_garder, bloque) = mpsc::channel::<()>();
        let sortie = Sortie::lancer("test", Debord::Perdre { seuil: 100 }, move |_| {
            let _ = bloque.recv();
        })?;
        let debut = Instant::now();
        sortie.terminer(Some(Duration::from_millis(100)))?;
        vrai!(debut.elapsed() < Duration::from_secs(2));
        Ok(())
    }
}
