//! Notation de l'étape 1 : connexion initiale.

use std::io::Read;

use predicates::prelude::*;
use tests::{Serveur, client_programme, programme, verifier_demo};

const ETAPE: &str = "etape1_connexion";

#[test]
fn le_serveur_annonce_son_adresse_puis_envoie_la_bienvenue_et_s_arrete() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    let ligne = client.ligne("le message de bienvenue");
    tests::egal!(
        ligne,
        "Bienvenue sur le serveur !",
        "Étape 1 : le serveur doit envoyer exactement « Bienvenue sur le serveur ! »"
    );
    client.attendre_fermeture("le serveur de l'étape 1 ferme après la bienvenue");
    drop(client);
    serveur.attendre_console("127.0.0.1:");
    tests::egal!(
        serveur.attendre_fin(),
        Some(0),
        "Étape 1 : le serveur doit s'arrêter avec le code 0 après son unique client"
    );
}

#[test]
fn la_connexion_finit_par_un_fin_meme_si_le_client_a_deja_ecrit() {
    // Comme `printf 'bonjour\n' | nc …` : le client écrit avant de lire. Un serveur qui ferme
    // sans lire ce qu'on lui a envoyé fait partir un RST au lieu d'un FIN, et un client comme
    // `nc` perd alors la bienvenue.
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.envoyer("bonjour, je parle le premier");
    serveur.attendre_console("[DÉCONNEXION]");
    tests::egal!(
        client.ligne("le message de bienvenue"),
        "Bienvenue sur le serveur !"
    );
    let mut reste = [0u8; 16];
    let mut flux = client.flux();
    let fin = flux.read(&mut reste);
    assert!(
        matches!(fin, Ok(0)),
        "Étape 1 : la connexion doit se terminer normalement (FIN, lecture de 0 octet), pas par \
         un RST (fermeture sans lire ce que le client a envoyé) ; obtenu {fin:?}"
    );
}

#[test]
fn le_client_affiche_la_bienvenue_et_rend_zero() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    client_programme(ETAPE, &serveur, "")
        .success()
        .stdout(predicate::str::contains("Bienvenue sur le serveur !"));
}

#[test]
fn un_serveur_absent_donne_une_erreur_en_francais_sans_panique() {
    let port = tests::port_sans_serveur(ETAPE);
    assert_cmd::Command::new(programme(ETAPE))
        .args(["client", "--port", &port])
        .timeout(tests::DELAI)
        .assert()
        .failure()
        .stderr(predicate::str::contains("serveur est-il lancé"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn un_port_occupe_donne_une_erreur_qui_propose_port() {
    let occupe = std::net::TcpListener::bind("127.0.0.1:0").expect("port libre");
    let port = occupe.local_addr().expect("adresse").port().to_string();
    assert_cmd::Command::new(programme(ETAPE))
        .args(["serveur", "--port", &port])
        .timeout(tests::DELAI)
        .assert()
        .failure()
        .stderr(predicate::str::contains("déjà utilisé"))
        .stderr(predicate::str::contains("--port"));
}

#[test]
fn l_aide_est_en_francais() {
    assert_cmd::Command::new(programme(ETAPE))
        .arg("--help")
        .timeout(tests::DELAI)
        .assert()
        .success()
        .stdout(predicate::str::contains("Utilisation"))
        .stdout(predicate::str::contains("client"))
        .stdout(predicate::str::contains("--port"));
}

#[test]
fn les_erreurs_de_la_ligne_de_commande_sont_en_francais() {
    for (arguments, attendu) in [
        (&["--inconnu"][..], "option inconnue « --inconnu »"),
        (&["--port", "abc"][..], "valeur refusée « abc » pour --port"),
        (
            &["--port", "70000"][..],
            "valeur refusée « 70000 » pour --port",
        ),
        (&["--port"][..], "il manque la valeur de --port"),
        (&["bidule"][..], "commande inconnue « bidule »"),
    ] {
        assert_cmd::Command::new(programme(ETAPE))
            .args(arguments)
            .timeout(tests::DELAI)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(attendu))
            .stderr(predicate::str::contains("error:").not());
    }
    assert_cmd::Command::new(programme(ETAPE))
        .arg("--help")
        .timeout(tests::DELAI)
        .assert()
        .success()
        .stdout(predicate::str::contains("Options :"));
}

#[test]
fn la_demo_affiche_le_resultat_attendu_de_l_enonce() {
    verifier_demo(ETAPE);
}
