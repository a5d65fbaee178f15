//! Un client, de son pseudo à son départ : le thread de lecture, et ce qu'il fait de chaque ligne.
//!
//! Chaque connexion admise a deux threads : celui-ci, qui **lit** la socket et agit, et son
//! thread d'écriture ([`crate::livraison`]), le seul à y **écrire**. Agir, c'est appeler une
//! méthode du salon ([`crate::salon::Salon`]), qui prend son verrou le temps de lire ou de modifier
//! l'état et de déposer des messages dans des files (de la mémoire, sans attente), ou déposer une
//! réponse dans sa propre file : jamais d'entrée-sortie sous un verrou.

use std::io::{self, BufRead, BufReader, Read};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::{Arc, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use etape3_deconnexion::delai_depasse;

use crate::commandes::{Commande, Entree, analyser, nettoyer, repondre, valider_pseudo};
use crate::livraison::{Envoi, Fermeture, FileEnvoi, ecrire_vers_le_client};
use crate::{
    DEBIT_EMETTEUR, ESSAIS_JETON, INVITE_PSEUDO, LIMITE_LIGNE, Ligne, MESSAGE_BIENVENUE,
    PAUSE_JETON, Partage, RESERVE_EMETTEUR, TAILLE_PILE, lire_ligne,
};

/// Nombre maximal de messages diffusés d'un coup.
const LOT_MAX: usize = 64;

/// Une lecture de socket qui respecte une **échéance globale**, pas seulement un délai par
/// lecture.
///
/// Un délai par lecture (`set_read_timeout`) ne suffit pas contre un client qui envoie un octet
/// toutes les 29 s : chaque lecture réussit, et la ligne n'en finit pas. Avant chaque lecture, on
/// règle donc le délai sur ce qui **reste** jusqu'à l'échéance. Sans échéance, on lit sans délai.
#[derive(Debug)]
pub struct LectureBornee<'a> {
    flux: &'a TcpStream,
    /// Au-delà, chaque lecture échoue avec `TimedOut`.
    pub echeance: Option<Instant>,
}

impl Read for LectureBornee<'_> {
    fn read(&mut self, tampon: &mut [u8]) -> io::Result<usize> {
        let delai = match self.echeance {
            None => None,
            Some(echeance) => {
                let reste = echeance.saturating_duration_since(Instant::now());
                if reste.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                Some(reste)
            }
        };
        self.flux.set_read_timeout(delai)?;
        let mut flux = self.flux;
        flux.read(tampon)
    }
}

/// Le débit permis à un émetteur : un seau de jetons.
///
/// Le seau contient au plus [`RESERVE_EMETTEUR`] octets et se remplit de [`DEBIT_EMETTEUR`]
/// octets par seconde. Ce que chaque ligne a fait produire au serveur (le texte diffusé, une fois
/// échappé ; la réponse d'une commande) le vide d'autant ; quand il est à sec, le thread de
/// lecture de l'émetteur fait une pause ([`Budget::payer`] dit combien) avant de lire la ligne
/// suivante. Pendant ce temps il ne lit plus sa socket : ce sont les tampons TCP de l'émetteur qui
/// se remplissent, et TCP ralentit **le programme qui inonde**. Personne d'autre n'attend.
#[derive(Debug)]
pub struct Budget {
    jetons: f64,
    dernier: Instant,
}

impl Budget {
    /// Un seau plein.
    pub fn new(maintenant: Instant) -> Budget {
        Budget {
            jetons: RESERVE_EMETTEUR as f64,
            dernier: maintenant,
        }
    }

    /// Paie `octets` à l'instant `maintenant` ; rend la pause à faire avant la ligne suivante.
    pub fn payer(&mut self, octets: usize, maintenant: Instant) -> Duration {
        let ecoule = maintenant.saturating_duration_since(self.dernier);
        self.dernier = maintenant;
        self.jetons = (self.jetons + ecoule.as_secs_f64() * DEBIT_EMETTEUR as f64)
            .min(RESERVE_EMETTEUR as f64)
            - octets as f64;
        if self.jetons >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.jetons / DEBIT_EMETTEUR as f64)
        }
    }
}

/// Le thread d'un client : lance son écrivain, obtient un pseudo, traite ses lignes, annonce son
/// départ, puis attend son écrivain.
pub(crate) fn servir_client(
    flux: &Arc<TcpStream>,
    pair: SocketAddr,
    id: u64,
    file: &Arc<FileEnvoi>,
    partage: &Arc<Partage>,
) {
    let ecrivain = {
        let (flux, file) = (Arc::clone(flux), Arc::clone(file));
        thread::Builder::new()
            .name(format!("ecrivain-{id}"))
            .stack_size(TAILLE_PILE)
            .spawn(move || ecrire_vers_le_client(&flux, &file))
    };
    let Ok(ecrivain) = ecrivain else {
        partage.salon.fermer(id);
        return;
    };
    repondre_a(file, &format!("{MESSAGE_BIENVENUE} {INVITE_PSEUDO}"));
    let mut lecteur = BufReader::new(LectureBornee {
        flux,
        echeance: Some(Instant::now() + partage.config.delai_pseudo),
    });
    match choisir_pseudo(&mut lecteur, id, file, partage) {
        Ok(pseudo) => {
            // Inscrit : il peut rester silencieux aussi longtemps qu'il veut.
            lecteur.get_mut().echeance = None;
            partage.afficher(&format!("[ARRIVÉE] {pair} est {pseudo}"));
            // L'annonce d'abord, l'accueil ensuite : quand le nouveau venu lit « bienvenue », son
            // arrivée est déjà dans la file de chacun des autres, avant tout ce qui suivra.
            annoncer(
                partage,
                Some(id),
                format!("*** {pseudo} a rejoint le salon"),
            );
            repondre_a(
                file,
                &format!("= bienvenue {pseudo} ; /aide pour les commandes"),
            );
            let depart = converser(&mut lecteur, pair.ip(), id, file, partage);
            let pourquoi = match file.fermeture() {
                Some(Fermeture::Debordement) => " (ne lisait pas assez vite)",
                Some(Fermeture::Bloque) => " (ne lisait plus les messages)",
                _ => "",
            };
            let pseudo = partage.salon.fermer(id).unwrap_or(pseudo);
            partage.afficher(&format!("[DÉPART] {pair} ({pseudo}) : {depart}{pourquoi}"));
            if !partage.arret.est_demande() {
                annoncer(
                    partage,
                    None,
                    format!("*** {pseudo} a quitté le salon{pourquoi}"),
                );
            }
        }
        Err(raison) => {
            partage.salon.fermer(id);
            partage.afficher(&format!("[DÉPART] {pair} sans pseudo : {raison}"));
        }
    }
    file.fermer(Fermeture::Depart);
    let _ = ecrivain.join();
}

/// La poignée de main : demande un pseudo jusqu'à en obtenir un valide et libre, réservé d'un
/// seul tenant par [`crate::salon::Salon::inscrire`]. Rend pourquoi c'est raté sinon : départ, ou
/// [`crate::Config::delai_pseudo`] écoulé (les connexions muettes ne gardent pas leur place).
fn choisir_pseudo(
    lecteur: &mut impl BufRead,
    id: u64,
    file: &FileEnvoi,
    partage: &Partage,
) -> Result<String, &'static str> {
    loop {
        let refus = match lire_ligne(lecteur, LIMITE_LIGNE) {
            Ok(Ligne::Texte(pseudo)) => {
                let pseudo = pseudo.trim();
                match valider_pseudo(pseudo) {
                    Err(raison) => raison,
                    Ok(()) => {
                        let inscription = partage.salon.inscrire(id, pseudo);
                        match inscription {
                            Ok(()) => return Ok(pseudo.to_string()),
                            Err(raison) => raison,
                        }
                    }
                }
            }
            Ok(Ligne::TropLongue) => "pseudo refusé : ligne trop longue".to_string(),
            Ok(Ligne::PasUtf8) => "pseudo refusé : ce n'est pas du texte UTF-8".to_string(),
            Ok(Ligne::Fin) => return Err("parti avant de choisir un pseudo"),
            Err(e) if delai_depasse(&e) => {
                repondre_a(
                    file,
                    &format!(
                        "ERREUR : pas de pseudo choisi en {} s ; connexion fermée",
                        partage.config.delai_pseudo.as_secs()
                    ),
                );
                return Err("délai pour choisir un pseudo écoulé");
            }
            Err(_) => return Err("connexion perdue avant le pseudo"),
        };
        repondre_a(file, &format!("ERREUR : {refus}"));
        repondre_a(file, INVITE_PSEUDO);
    }
}

/// Traite les lignes d'un membre jusqu'à son départ ; rend la façon dont il est parti.
///
/// Quand le client envoie vite (un copier-coller, un programme), plusieurs lignes complètes sont
/// déjà dans le tampon de lecture : on les prend ensemble et on les diffuse **en un lot**, d'où un
/// dépôt et un réveil par destinataire au lieu d'un par ligne. Ce que chaque ligne fait produire
/// (le texte diffusé, échappé ; la réponse d'une commande) est payé sur le [`Budget`] de
/// l'émetteur.
fn converser(
    lecteur: &mut BufReader<LectureBornee<'_>>,
    ip: IpAddr,
    id: u64,
    file: &FileEnvoi,
    partage: &Partage,
) -> &'static str {
    let mut pseudo = partage.salon.pseudo(id).unwrap_or_default();
    let mut lot: Vec<String> = Vec::new();
    let mut budget = Budget::new(Instant::now());
    let mut essais_jeton = 0;
    // Ce que la ligne précédente a fait **produire** au serveur, payé avant de lire la suivante :
    // le texte diffusé (une fois échappé, un octet de contrôle en devient six) et les réponses.
    let mut dette = 0;
    let depart = loop {
        let pause = budget.payer(std::mem::take(&mut dette), Instant::now());
        if !pause.is_zero() {
            // Il inonde : ce qui attend part d'abord, puis il patiente, sans rien tenir.
            envoyer_le_lot(partage, id, &mut lot);
            thread::sleep(pause);
        }
        let lu = lire_ligne(lecteur, LIMITE_LIGNE);
        if !matches!(lu, Ok(Ligne::Texte(_))) {
            dette = LIMITE_LIGNE;
        }
        let ligne = match lu {
            Ok(Ligne::Texte(ligne)) => ligne,
            Ok(Ligne::TropLongue) => {
                envoyer_le_lot(partage, id, &mut lot);
                repondre_a(
                    file,
                    &format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée"),
                );
                continue;
            }
            Ok(Ligne::PasUtf8) => {
                envoyer_le_lot(partage, id, &mut lot);
                repondre_a(file, "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8");
                continue;
            }
            Ok(Ligne::Fin) => break "fin de la connexion",
            Err(_) => break "connexion perdue",
        };
        let entree = analyser(&ligne);
        if let Ok(Entree::Message(texte)) = &entree {
            let diffuse = format!("{pseudo} : {}", nettoyer(texte));
            dette = diffuse.len() + 1;
            lot.push(diffuse);
            let une_autre_ligne_attend = lecteur.buffer().contains(&b'\n');
            if lot.len() >= LOT_MAX || !une_autre_ligne_attend {
                envoyer_le_lot(partage, id, &mut lot);
            }
            continue;
        }
        // Une commande : les messages d'avant partent d'abord, pour garder l'ordre.
        envoyer_le_lot(partage, id, &mut lot);
        dette = nettoyer(&ligne).len() + 1;
        match entree {
            Ok(Entree::Message(_)) => {}
            Ok(Entree::Commande(Commande::Quitter)) => break "a quitté",
            Ok(Entree::Commande(Commande::Stop(jeton))) => {
                if !demander_arret(&jeton, (&pseudo, ip), file, partage, &mut essais_jeton) {
                    break "trop d'essais de jeton";
                }
            }
            Ok(Entree::Commande(commande)) => {
                let reponse = executer(commande, id, &pseudo, partage);
                dette += reponse.len() + 1;
                repondre_a(file, &reponse);
                // `/pseudo` a pu le changer.
                pseudo = partage.salon.pseudo(id).unwrap_or(pseudo);
            }
            Err(raison) => repondre_a(file, &format!("ERREUR : {raison}")),
        }
    };
    envoyer_le_lot(partage, id, &mut lot);
    depart
}

/// Diffuse les messages en attente d'un membre, s'il y en a.
fn envoyer_le_lot(partage: &Partage, id: u64, lot: &mut Vec<String>) {
    if !lot.is_empty() {
        diffuser(partage, Some(id), lot);
        lot.clear();
    }
}

/// Compare deux jetons en un temps qui ne dépend pas de l'endroit où ils diffèrent : celui qui
/// mesure la durée des réponses n'apprend pas combien de caractères il a trouvés.
pub fn meme_jeton(propose: &str, attendu: &str) -> bool {
    let (a, b) = (propose.as_bytes(), attendu.as_bytes());
    let mut difference = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        difference |= usize::from(x ^ y);
    }
    difference == 0
}

/// `stop <jeton>` venu d'un client. Rend `false` si la connexion doit être fermée (trop d'essais).
///
/// Contre qui devine : un jeton faux ferme la porte aux essais **de la même adresse IP** pendant
/// [`PAUSE_JETON`] (un essai par seconde et par machine, sur autant de connexions qu'on veut), et
/// une connexion qui se trompe [`ESSAIS_JETON`] fois est fermée. La pause est par adresse, et
/// non pour tout le serveur : sinon n'importe qui, en se trompant sans cesse, empêcherait
/// l'administrateur d'arrêter le serveur depuis sa machine. Deviner un jeton de 12 caractères au
/// hasard à un essai par seconde prendrait plus que l'âge de l'univers.
///
/// Aucune autre réponse ne dépend du jeton : un message qui le contiendrait est diffusé comme un
/// autre (le refuser dirait à qui essaie s'il l'a trouvé, des milliers d'essais par ligne).
///
/// La réponse est déposée **avant** de déclencher l'arrêt : l'arrêt ferme les files, et une
/// réponse déposée après serait perdue.
fn demander_arret(
    jeton: &str,
    (pseudo, ip): (&str, IpAddr),
    file: &FileEnvoi,
    partage: &Partage,
    essais: &mut u32,
) -> bool {
    let Some(attendu) = partage
        .config
        .jeton_admin
        .as_deref()
        .filter(|j| !j.is_empty())
    else {
        repondre_a(
            file,
            "ERREUR : ce serveur ne s'arrête que depuis sa console (lancé sans --jeton-admin) ; rien n'a changé",
        );
        return true;
    };
    if jeton.is_empty() {
        repondre_a(
            file,
            "ERREUR : stop est réservé à l'administrateur (stop <jeton>) ; rien n'a changé",
        );
        return true;
    }
    let maintenant = Instant::now();
    let trop_tot = {
        let mut pauses = partage
            .pauses_jeton
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Les pauses finies sont oubliées : la table ne garde que les adresses en pause.
        pauses.retain(|_, fin| *fin > maintenant);
        pauses.contains_key(&ip)
    };
    if !trop_tot && meme_jeton(jeton, attendu) {
        repondre_a(file, "= arrêt du serveur demandé");
        partage.afficher(&format!(
            "[ARRÊT] Demandé par {pseudo} (jeton d'administration)"
        ));
        partage.arret.declencher();
        return true;
    }
    if !trop_tot {
        partage
            .pauses_jeton
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(ip, maintenant + PAUSE_JETON);
    }
    *essais += 1;
    partage.afficher(&format!(
        "[REFUS] {pseudo} a tenté « stop » sans le bon jeton (essai {essais})"
    ));
    if *essais >= ESSAIS_JETON {
        repondre_a(file, "ERREUR : trop d'essais de jeton ; connexion fermée");
        return false;
    }
    let raison = if trop_tot {
        "trop d'essais de jeton, réessayez dans une seconde"
    } else {
        "jeton refusé"
    };
    repondre_a(file, &format!("ERREUR : {raison} ; rien n'a changé"));
    true
}

/// Exécute une commande d'un membre et rend la réponse à lui envoyer.
///
/// Le `match partage.salon.trouver(..) { … }` ci-dessous, et celui sur `renommer`, ne tiennent
/// aucun verrou pendant leurs bras : [`crate::salon::Salon`] prend et relâche son verrou dans
/// chaque méthode, et rend des valeurs possédées. (Avec une garde en main, ce serait un piège : voir « La garde qui vit trop
/// longtemps » dans [`crate::salon`].)
pub fn executer(commande: Commande, id: u64, pseudo: &str, partage: &Partage) -> String {
    if let Some(reponse) = repondre(&commande) {
        return match reponse {
            Ok(resultat) => format!("= {resultat}"),
            Err(raison) => format!("ERREUR : {raison}"),
        };
    }
    match commande {
        Commande::Liste => {
            let pseudos = partage.salon.liste();
            format!("= connectés ({}) : {}", pseudos.len(), pseudos.join(", "))
        }
        Commande::Mp {
            destinataire,
            texte,
        } => {
            match partage.salon.trouver(&destinataire) {
                // Les messages privés ne vont ni dans le journal ni dans l'historique.
                Some((nom, file)) => {
                    let message: Envoi = Arc::from(format!("[mp] {pseudo} : {}", nettoyer(&texte)));
                    match file.deposer(&[message]) {
                        Ok(()) => format!("= message privé envoyé à {nom}"),
                        Err(_) => {
                            format!("ERREUR : {nom} ne lit plus ses messages ; rien n'a été envoyé")
                        }
                    }
                }
                None => format!(
                    "ERREUR : personne ne s'appelle « {} » ici ; voyez /liste",
                    nettoyer(&destinataire)
                ),
            }
        }
        Commande::Pseudo(nouveau) => {
            if let Err(raison) = valider_pseudo(&nouveau) {
                return format!("ERREUR : {raison}");
            }
            match partage.salon.renommer(id, &nouveau) {
                Ok(ancien) => {
                    annoncer(
                        partage,
                        Some(id),
                        format!("*** {ancien} s'appelle maintenant {nouveau}"),
                    );
                    format!("= vous êtes maintenant « {nouveau} »")
                }
                Err(raison) => format!("ERREUR : {raison}"),
            }
        }
        // Déjà traitées : par `repondre`, ou par `converser` pour `/quitter` et `stop`.
        Commande::Quitter | Commande::Stop(_) | Commande::Aide | Commande::Texte(_) => {
            String::new()
        }
    }
}

/// Diffuse `textes` (un ou plusieurs messages, dans l'ordre) à tous les membres sauf `auteur`,
/// les journalise et les garde dans l'historique : c'est [`crate::salon::Salon::publier`], sans
/// jamais attendre. Ensuite, hors du salon : dire sur la console qui a débordé (son écrivain
/// coupera sa connexion), et laisser le disque rattraper le journal s'il a pris du retard. Aucune
/// socket n'est touchée ici.
pub fn diffuser(partage: &Partage, auteur: Option<u64>, textes: &[String]) {
    for id in partage.salon.publier(auteur, textes, &partage.journal) {
        partage.afficher(&format!(
            "[RETARD] Le client n°{id} a plus de {} Mio en retard : déconnecté",
            partage.config.limite_retard / (1024 * 1024)
        ));
    }
    partage.journal.attendre_le_disque();
}

/// Diffuse une seule ligne (voir [`diffuser`]).
pub(crate) fn annoncer(partage: &Partage, auteur: Option<u64>, texte: String) {
    diffuser(partage, auteur, &[texte]);
}

/// Dépose une réponse dans la file d'un client (sans attendre, comme tout dépôt).
pub(crate) fn repondre_a(file: &FileEnvoi, texte: &str) {
    let _ = file.deposer(&[Arc::from(texte)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_budget_laisse_passer_la_reserve_puis_tient_au_debit() {
        let debut = Instant::now();
        let mut budget = Budget::new(debut);
        assert_eq!(budget.payer(RESERVE_EMETTEUR, debut), Duration::ZERO);
        let pause = budget.payer(DEBIT_EMETTEUR / 2, debut);
        assert!(
            (pause.as_secs_f64() - 0.5).abs() < 1e-6,
            "une demi-seconde de débit à rattraper : {pause:?}"
        );
        // Une seconde plus tard, le seau a regagné une seconde de débit (moins la dette).
        let plus_tard = debut + Duration::from_secs(1);
        assert_eq!(budget.payer(DEBIT_EMETTEUR / 2, plus_tard), Duration::ZERO);
    }

    #[test]
    fn le_budget_ne_depasse_jamais_la_reserve() {
        let debut = Instant::now();
        let mut budget = Budget::new(debut);
        let longtemps = debut + Duration::from_secs(3600);
        assert!(budget.payer(RESERVE_EMETTEUR + 1, longtemps) > Duration::ZERO);
    }

    #[test]
    fn les_jetons_se_comparent_exactement() {
        assert!(meme_jeton("s3cret", "s3cret"));
        for faux in ["", "s3cre", "s3cret2", "S3CRET", "x3cret"] {
            assert!(!meme_jeton(faux, "s3cret"), "{faux}");
        }
    }
}
