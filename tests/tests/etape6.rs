//! Notation de l'étape 6 : commandes personnalisées.

use predicates::prelude::*;
use tests::{Client, Serveur, client_programme, verifier_demo};

const ETAPE: &str = "etape6_commandes";

fn connecte(serveur: &Serveur) -> Client {
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client
}

#[test]
fn les_commandes_a_barre_sont_executees() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    tests::egal!(
        client.demander("/calcul 6*7"),
        "= 42",
        "Étape 6 : /calcul 6*7 doit donner « = 42 »"
    );
    tests::egal!(client.demander("/majuscules été"), "= ÉTÉ");
    tests::egal!(client.demander("/minuscules ÉTÉ"), "= été");
    let reponse = client.demander("/heure");
    if let Err(raison) = tests::verifier_heure_utc(&reponse) {
        panic!(
            "Étape 6 : « /heure » doit répondre « = HH:MM:SS (UTC) », l'heure UTC actuelle : {raison}"
        );
    }
    assert!(
        client.demander("/aide").contains("/pseudo"),
        "Étape 6 : /aide doit lister les commandes"
    );
}

#[test]
fn une_ligne_sans_barre_est_un_message_et_non_une_commande() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    let reponse = client.demander("calcul 2+2");
    assert!(
        reponse.contains("calcul 2+2") && !reponse.starts_with('='),
        "Étape 6 : « calcul 2+2 » sans / est un message à accuser, pas un calcul ; reçu « {reponse} »"
    );
}

#[test]
fn une_commande_inconnue_renvoie_a_aide() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    for ligne in ["/danser", "/", "/CALCUL2"] {
        let reponse = client.demander(ligne);
        assert!(
            reponse.starts_with("ERREUR") && reponse.contains("/aide"),
            "Étape 6 : « {ligne} » doit donner une erreur qui cite /aide ; reçu « {reponse} »"
        );
    }
}

#[test]
fn pseudo_change_le_nom_dans_les_accuses() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    assert!(client.demander("/pseudo alice").starts_with("= "));
    let accuse = client.demander("coucou");
    assert!(
        accuse.contains("alice"),
        "Étape 6 : après /pseudo alice, l'accusé doit citer alice ; reçu « {accuse} »"
    );
    let refus = client.demander("/pseudo a\u{1b}b");
    assert!(
        refus.starts_with("ERREUR"),
        "Étape 6 : un pseudo avec un caractère de contrôle doit être refusé ; reçu « {refus} »"
    );
    assert!(!refus.contains('\u{1b}'));
}

#[test]
fn quitter_ferme_la_conversation_et_le_serveur_continue() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    client.envoyer("/quitter");
    client.attendre_fermeture("le client a envoyé /quitter");
    let mut suivant = connecte(&serveur);
    tests::egal!(suivant.demander("/calcul 1+1"), "= 2");
}

#[test]
fn l_utf8_invalide_et_une_ligne_de_200_ko_donnent_une_erreur() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    client.envoyer_octets(b"/calcul \xff\n");
    assert!(
        client
            .ligne("une erreur pour l'UTF-8 invalide")
            .starts_with("ERREUR")
    );
    let mut enorme = b"/majuscules ".to_vec();
    enorme.extend(std::iter::repeat_n(b'a', 200_000));
    enorme.push(b'\n');
    client.envoyer_octets(&enorme);
    assert!(
        client
            .ligne("une erreur pour la ligne trop longue")
            .starts_with("ERREUR")
    );
    tests::egal!(client.demander("/calcul 6*7"), "= 42");
}

#[test]
fn une_session_scriptee_du_client_affiche_les_reponses() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    client_programme(ETAPE, &serveur, "/pseudo bob\nsalut\n/calcul 6*7\n")
        .success()
        .stdout(predicate::str::contains("bob"))
        .stdout(predicate::str::contains("= 42"));
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
fn ce_que_le_client_envoie_n_arrive_jamais_brut_sur_la_console() {
    // Une commande, un message (sans barre) et une commande inconnue : trois chemins vers la
    // console, chacun doit passer par `nettoyer`.
    tests::verifier_que_la_console_echappe(ETAPE, "/majuscules", "[COMMANDE]");
    tests::verifier_que_la_console_echappe(ETAPE, "bonjour", "[MESSAGE]");
    tests::verifier_que_la_console_echappe(ETAPE, "/danser", "[COMMANDE]");
}

#[test]
fn un_client_sans_serveur_le_dit_en_nommant_son_etape() {
    tests::verifier_qu_un_client_sans_serveur_nomme_son_etape(ETAPE);
}

#[test]
fn deux_cents_allers_retours_tiennent_en_quatre_secondes() {
    tests::verifier_que_les_reponses_partent_sans_attendre(ETAPE, "/calcul 6*7");
}

/// Les arguments tels que l'utilisateur les a tapés (sans les espaces autour, casse gardée), les
/// bornes du pseudo à la limite et un cran au-delà, et les exemples des messages d'erreur.
#[test]
fn les_arguments_et_les_bornes_du_pseudo_sont_exacts() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    let accepte = |client: &mut Client, commande: &str, pseudo: &str| {
        let reponse = client.demander(commande);
        let accuse = client.demander("coucou");
        assert!(
            reponse.starts_with("= ") && accuse.contains(&format!("({pseudo})")),
            "Étape 6 : « {commande} » doit donner le pseudo « {pseudo} » (l'argument sans les \
             espaces autour, casse gardée) ; reçu « {reponse} » puis « {accuse} »"
        );
    };
    accepte(&mut client, "/pseudo   Alice  ", "Alice");
    accepte(&mut client, "/pseudo jean-luc_2", "jean-luc_2");
    let vingt = "é".repeat(20);
    accepte(&mut client, &format!("/pseudo {vingt}"), &vingt);
    let refuse = |client: &mut Client, commande: &str, attendu: &str| {
        let reponse = client.demander(commande);
        assert!(
            reponse.starts_with("ERREUR") && reponse.contains(attendu),
            "Étape 6 : « {commande} » doit être refusé, attendu : « ERREUR … {attendu} » ; reçu \
             « {reponse} »"
        );
    };
    refuse(
        &mut client,
        &format!("/pseudo {}", "é".repeat(21)),
        "20 caractères au plus",
    );
    refuse(&mut client, "/pseudo al!ce", "lettres, chiffres");
    refuse(&mut client, "/calcul", "(exemple : /calcul 2 + 3 * 4)");
    refuse(&mut client, "/pseudo  ", "(exemple : /pseudo alice)");
}

#[test]
fn une_coupure_juste_apres_quitter_reste_une_fin_demandee() {
    tests::verifier_qu_une_coupure_apres_quitter_reste_une_fin_demandee(ETAPE);
}
