//! Notation de l'étape 3 : déconnexions.

use std::net::Shutdown;

use predicates::prelude::*;
use tests::{Hasard, Serveur, client_programme, verifier_demo};

const ETAPE: &str = "etape3_deconnexion";

#[test]
fn le_serveur_sert_le_client_suivant_apres_une_deconnexion_propre() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut premier = serveur.connecter();
    premier.attendre("Bienvenue");
    premier.envoyer("un");
    premier.attendre("Message reçu : un");
    drop(premier);
    let mut second = serveur.connecter();
    second.attendre("Bienvenue");
    second.envoyer("deux");
    tests::egal!(
        second.ligne("l'accusé du second client"),
        "Message reçu : deux"
    );
}

#[test]
fn un_second_client_attend_son_tour_dans_la_file() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut premier = serveur.connecter();
    premier.attendre("Bienvenue");
    let mut second = serveur.connecter();
    // Le premier est servi pendant que le second attend : le serveur ne peut rien lui envoyer.
    premier.envoyer("je suis là");
    premier.attendre("Message reçu");
    serveur.attendre_console("[MESSAGE]");
    premier.flux().shutdown(Shutdown::Both).ok();
    serveur.attendre_console("[DÉCONNEXION]");
    second.attendre("Bienvenue");
    second.envoyer("mon tour");
    tests::egal!(
        second.ligne("l'accusé du second client"),
        "Message reçu : mon tour"
    );
}

#[test]
fn le_serveur_survit_a_une_deconnexion_brutale_en_milieu_de_ligne() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    {
        let mut brutal = serveur.connecter();
        brutal.attendre("Bienvenue");
        brutal.envoyer("ping");
        // La réponse arrive dans notre tampon ; on ne la lit pas : coupure brutale (RST).
        brutal.couper_brutalement(b"demi-lig");
    }
    serveur.attendre_console("[DÉCONNEXION]");
    let mut suivant = serveur.connecter();
    suivant.attendre("Bienvenue");
    suivant.envoyer("toujours là ?");
    tests::egal!(
        suivant.ligne("l'accusé après une coupure brutale"),
        "Message reçu : toujours là ?"
    );
    assert!(
        !serveur.lu.iter().any(|l| l.contains("demi-lig")),
        "Étape 3 : une demi-ligne suivie d'une coupure ne doit jamais être traitée ; console :\n{}",
        serveur.lu.join("\n")
    );
}

#[test]
fn le_serveur_survit_a_des_octets_au_hasard() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    {
        let mut bruit = serveur.connecter();
        bruit.attendre("Bienvenue");
        let mut hasard = Hasard::new(0x1234_5678);
        let octets: Vec<u8> = (0..20_000).map(|_| hasard.octet()).collect();
        bruit.envoyer_octets(&octets);
        bruit.envoyer_octets(b"\nfin\n");
        bruit.attendre("Message reçu : fin");
    }
    let mut suivant = serveur.connecter();
    suivant.attendre("Bienvenue");
    suivant.envoyer("ok");
    tests::egal!(
        suivant.ligne("l'accusé après des octets au hasard"),
        "Message reçu : ok"
    );
}

#[test]
fn un_client_qui_ferme_sans_rien_dire_ne_bloque_pas_le_suivant() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let muet = serveur.connecter();
    drop(muet);
    let mut suivant = serveur.connecter();
    suivant.attendre("Bienvenue");
    suivant.envoyer("là");
    tests::egal!(suivant.ligne("l'accusé"), "Message reçu : là");
    // Une demi-fermeture (fin de l'entrée) : le serveur doit finir la conversation et fermer.
    suivant.flux().shutdown(Shutdown::Write).ok();
    suivant.attendre_fermeture("le client a fermé son côté écriture");
}

#[test]
fn une_session_scriptee_du_client_se_termine_avec_le_code_zero() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    client_programme(ETAPE, &serveur, "a\nb\n")
        .success()
        .stdout(predicate::str::contains("Message reçu : b"));
    client_programme(ETAPE, &serveur, "c\n")
        .success()
        .stdout(predicate::str::contains("Message reçu : c"));
}

#[test]
fn la_demo_affiche_le_resultat_attendu_de_l_enonce() {
    verifier_demo(ETAPE);
}

#[test]
fn un_client_qui_envoie_sans_jamais_lire_ne_bloque_pas_le_suivant() {
    tests::verifier_qu_un_client_qui_ne_lit_pas_ne_bloque_pas_le_suivant(ETAPE, "aide");
}

#[test]
fn deux_cents_allers_retours_tiennent_en_quatre_secondes() {
    tests::verifier_que_les_reponses_partent_sans_attendre(ETAPE, "bonjour");
}

#[test]
fn un_accept_qui_echoue_en_boucle_se_dit_une_fois() {
    tests::verifier_qu_un_echec_d_accept_se_dit_une_fois(ETAPE, "Bienvenue");
}
