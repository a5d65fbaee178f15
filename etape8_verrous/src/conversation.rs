//! Un client, de son pseudo à son départ : le thread de lecture, et ce qu'il fait de chaque ligne.
//!
//! Chaque connexion admise a deux threads : celui-ci, qui **lit** la socket et agit, et son
//! écrivain ([`crate::livraison`]), le seul à y **écrire**. Agir, c'est appeler une
//! méthode du salon ([`crate::salon::Salon`]), qui prend son verrou le temps de lire ou de modifier
//! l'état et de déposer des messages dans des files (de la mémoire, sans attente), ou déposer une
//! réponse dans sa propre file : jamais d'entrée-sortie sous un verrou.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use etape3_deconnexion::delai_depasse;

use crate::commandes::{Commande, Entree, analyser, nettoyer, repondre, valider_pseudo};
use crate::defenses::budget::Budget;
use crate::defenses::jeton::demander_arret;
use crate::defenses::lecture::LectureBornee;
use crate::livraison::{Envoi, Fermeture, FileEnvoi, ecrire_vers_le_client};
use crate::partage::Partage;
use crate::serveur::TAILLE_PILE;
use crate::{Ligne, lire_ligne};
use etape7_multiclients::commandes::Commande as CommandeSalon;

/// La première ligne envoyée à un nouveau venu.
pub const MESSAGE_BIENVENUE: &str = "Bienvenue sur le salon !";

/// La demande de pseudo, renvoyée après chaque refus.
pub const INVITE_PSEUDO: &str = "Choisissez un pseudo :";

/// Longueur maximale d'une ligne reçue d'un client, en octets, saut de ligne non compris.
pub const LIMITE_LIGNE: usize = 4096;

/// Nombre maximal de messages diffusés d'un coup.
const LOT_MAX: usize = 64;

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
        partage.salon.retirer(id);
        partage.afficher(&format!(
            "[DÉCONNEXION] {pair} : pas de thread d'écriture possible (le système n'en donne plus)"
        ));
        return;
    };
    deposer_reponse(file, &format!("{MESSAGE_BIENVENUE} {INVITE_PSEUDO}"));
    let mut lecteur = BufReader::new(LectureBornee {
        flux,
        echeance: Some(Instant::now() + partage.config.delai_pseudo),
    });
    match choisir_pseudo(&mut lecteur, id, file, partage) {
        Ok(pseudo) => {
            // Inscrit : il peut rester muet aussi longtemps qu'il veut.
            lecteur.get_mut().echeance = None;
            partage.afficher(&format!("[ARRIVÉE] {pair} est {pseudo}"));
            // L'annonce d'abord, l'accueil ensuite : quand le nouveau venu lit « bienvenue », son
            // arrivée est déjà dans la file de chacun des autres, avant tout ce qui suivra.
            annoncer(
                partage,
                Some(id),
                format!("*** {pseudo} a rejoint le salon"),
            );
            deposer_reponse(
                file,
                &format!("= bienvenue {pseudo} ; /aide pour les commandes"),
            );
            let depart = converser(&mut lecteur, pair.ip(), id, file, partage);
            let pourquoi = match file.fermeture() {
                Some(Fermeture::Debordement) => " (ne lisait pas assez vite)",
                Some(Fermeture::Sourd) => " (ne lisait plus les messages)",
                _ => "",
            };
            let pseudo = partage.salon.retirer(id).unwrap_or(pseudo);
            partage.afficher(&format!(
                "[DÉCONNEXION] {pair} ({pseudo}) : {depart}{pourquoi}"
            ));
            if !partage.arret.est_demande() {
                annoncer(
                    partage,
                    None,
                    format!("*** {pseudo} a quitté le salon{pourquoi}"),
                );
            }
        }
        Err(raison) => {
            partage.salon.retirer(id);
            partage.afficher(&format!("[DÉCONNEXION] {pair} sans pseudo : {raison}"));
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
                deposer_reponse(
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
        deposer_reponse(file, &format!("ERREUR : {refus}"));
        deposer_reponse(file, INVITE_PSEUDO);
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
                deposer_reponse(
                    file,
                    &format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée"),
                );
                continue;
            }
            Ok(Ligne::PasUtf8) => {
                envoyer_le_lot(partage, id, &mut lot);
                deposer_reponse(file, "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8");
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
            Ok(Entree::Commande(Commande::Salon(CommandeSalon::Quitter))) => break "a quitté",
            Ok(Entree::Commande(Commande::Stop(jeton))) => {
                if !demander_arret(&jeton, (&pseudo, ip), file, partage, &mut essais_jeton) {
                    break "trop d'essais de jeton";
                }
            }
            Ok(Entree::Commande(commande)) => {
                let reponse = executer(commande, id, &pseudo, partage);
                dette += reponse.len() + 1;
                deposer_reponse(file, &reponse);
                // `/pseudo` a pu le changer.
                pseudo = partage.salon.pseudo(id).unwrap_or(pseudo);
            }
            Err(raison) => deposer_reponse(file, &format!("ERREUR : {raison}")),
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
        Commande::Salon(CommandeSalon::Liste) => {
            let pseudos = partage.salon.liste();
            format!("= connectés ({}) : {}", pseudos.len(), pseudos.join(", "))
        }
        Commande::Salon(CommandeSalon::Mp {
            destinataire,
            texte,
        }) => {
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
        Commande::Salon(CommandeSalon::Pseudo(nouveau)) => {
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
        Commande::Salon(CommandeSalon::Quitter | CommandeSalon::Aide | CommandeSalon::Texte(_))
        | Commande::Stop(_) => String::new(),
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
    partage.journal.rattraper();
}

/// Diffuse une seule ligne (voir [`diffuser`]).
pub(crate) fn annoncer(partage: &Partage, auteur: Option<u64>, texte: String) {
    diffuser(partage, auteur, &[texte]);
}

/// Dépose une réponse dans la file d'un client (sans attendre, comme tout dépôt).
pub(crate) fn deposer_reponse(file: &FileEnvoi, texte: &str) {
    let _ = file.deposer(&[Arc::from(texte)]);
}
