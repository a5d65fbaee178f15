//! Notation de l'étape 4 : communication client-serveur (duplex, fin propre, cadrage).

use std::io::{Read, Write};
use std::net::TcpStream;

use predicates::prelude::*;
use tests::{Serveur, avec_echeance, client_programme, verifier_demo};

const ETAPE: &str = "etape4_communication";

/// Écrit un message en cadrage « entete » : 64 octets de longueur, puis le contenu.
fn trame(texte: &str) -> Vec<u8> {
    let mut octets = format!("{:<64}", texte.len()).into_bytes();
    octets.extend_from_slice(texte.as_bytes());
    octets
}

/// Lit un message dont on connaît le texte, octet pour octet : `Ok` s'il est arrivé exactement
/// en cadrage « entete », sinon ce qui est arrivé.
fn attendre_trame(flux: &mut impl Read, attendu: &str) -> Result<(), String> {
    let mut recu = vec![0u8; trame(attendu).len()];
    flux.read_exact(&mut recu)
        .map_err(|e| format!("lecture impossible : {e}"))?;
    if recu == trame(attendu) {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&recu).into_owned())
    }
}

#[test]
fn la_console_du_serveur_parle_au_client_et_le_client_au_serveur() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    serveur.taper("Bonjour depuis la console");
    assert_eq!(
        client.ligne("la ligne tapée sur la console du serveur"),
        "Bonjour depuis la console"
    );
    client.envoyer("Bonjour depuis le client");
    serveur.attendre_console("Bonjour depuis le client");
}

#[test]
fn quitter_envoye_par_le_client_clot_et_le_serveur_attend_le_suivant() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer("/quitter");
    client.attendre_fermeture("le client a envoyé /quitter");
    serveur.attendre_console("[DÉCONNEXION]");
    let mut suivant = serveur.connecter();
    suivant.attendre("Bienvenue");
}

/// La fermeture en douceur : après `/quitter`, le serveur envoie son FIN mais lit encore ce que
/// le client envoyait (au lieu de tout jeter avec `shutdown(Both)`, qui finit par un RST).
#[test]
fn quitter_du_client_laisse_finir_ce_qu_il_envoyait() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer("/quitter");
    serveur.attendre_console("a envoyé /quitter");
    // Le serveur a traité `/quitter` : ce qui arrive maintenant doit encore être lu.
    client.envoyer("dernier mot");
    let ligne = serveur.attendre_console("dernier mot");
    assert!(
        ligne.starts_with("[MESSAGE]"),
        "Étape 4 : après /quitter, le serveur lit encore ce que le client envoyait ; vu « {ligne} »"
    );
    client.attendre_fermeture("le serveur a fermé sa moitié après /quitter");
    serveur.attendre_console("[DÉCONNEXION]");
}

#[test]
fn quitter_tape_sur_la_console_clot_la_conversation() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    serveur.taper("/quitter");
    client.attendre_fermeture("la console du serveur a tapé /quitter");
    let mut suivant = serveur.connecter();
    suivant.attendre("Bienvenue");
}

#[test]
fn le_client_envoie_et_recoit_en_meme_temps_puis_rend_zero() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    client_programme(ETAPE, &serveur, "salut\nà bientôt\n")
        .success()
        .stdout(predicate::str::contains("Bienvenue"));
    serveur.attendre_console("salut");
    serveur.attendre_console("à bientôt");
    serveur.attendre_console("/quitter");
}

#[test]
fn le_cadrage_entete_transporte_un_message_avec_saut_de_ligne() {
    let mut serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    let mut flux = TcpStream::connect(serveur.adresse).expect("connexion");
    let mut lecture = avec_echeance(flux.try_clone().expect("copie de la socket"));
    assert_eq!(
        attendre_trame(&mut lecture, "Bienvenue sur le serveur !"),
        Ok(()),
        "Étape 4 : en cadrage entete, la bienvenue doit arriver avec un en-tête de 64 octets{}",
        serveur.stderr()
    );
    // Le saut de ligne arrive intact… mais ne doit pas fabriquer une fausse ligne de console.
    flux.write_all(&trame(
        "première\n[CONNEXION] Client connecté depuis 6.6.6.6:666",
    ))
    .expect("envoi");
    let ligne = serveur.attendre_console("première");
    assert!(
        ligne.contains("6.6.6.6:666"),
        "Étape 4 : un message à plusieurs lignes s'écrit sur une seule ligne de la console, \
         sauts de ligne rendus visibles ; vu « {ligne} »"
    );
    serveur.taper("réponse");
    assert_eq!(
        attendre_trame(&mut lecture, "réponse"),
        Ok(()),
        "Étape 4 : la ligne tapée sur la console doit arriver au client en cadrage entete{}",
        serveur.stderr()
    );
}

#[test]
fn un_entete_annoncant_une_taille_enorme_est_refuse_sans_faire_tomber_le_serveur() {
    let serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    {
        let mut flux = TcpStream::connect(serveur.adresse).expect("connexion");
        // Toutes les lectures de ce client finissent avant `tests::DELAI`, même face à un serveur qui
        // enverrait un octet par seconde.
        let mut lecture = avec_echeance(flux.try_clone().expect("copie de la socket"));
        let _ = attendre_trame(&mut lecture, "Bienvenue sur le serveur !");
        flux.write_all(format!("{:<64}", 999_999_999_999u64).as_bytes())
            .expect("envoi");
        // L'en-tête de la réponse, puis son texte jusqu'à la fermeture par le serveur.
        let mut entete = [0u8; 64];
        let _ = lecture.read_exact(&mut entete);
        let mut texte = Vec::new();
        let _ = lecture.read_to_end(&mut texte);
        let reponse = String::from_utf8_lossy(&texte);
        assert!(
            reponse.starts_with("ERREUR"),
            "Étape 4 : un en-tête qui annonce 1 To doit recevoir « ERREUR … » ; reçu « {reponse} »{}",
            serveur.stderr()
        );
    }
    let suivant = TcpStream::connect(serveur.adresse).expect("connexion");
    let mut lecture = avec_echeance(suivant);
    assert_eq!(
        attendre_trame(&mut lecture, "Bienvenue sur le serveur !"),
        Ok(()),
        "Étape 4 : après un en-tête refusé, le serveur doit servir le client suivant{}",
        serveur.stderr()
    );
}

#[test]
fn une_coupure_brutale_n_arrete_pas_le_serveur() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    {
        let mut brutal = serveur.connecter();
        brutal.attendre("Bienvenue");
        serveur.taper("message jamais lu");
        brutal.couper_brutalement(b"coup");
    }
    serveur.attendre_console("[DÉCONNEXION]");
    let mut suivant = serveur.connecter();
    suivant.attendre("Bienvenue");
    suivant.envoyer("encore là");
    serveur.attendre_console("encore là");
}

#[test]
fn la_demo_affiche_le_resultat_attendu_de_l_enonce() {
    verifier_demo(ETAPE);
}

#[test]
fn un_client_qui_inonde_une_console_qui_ne_suit_pas_ne_fait_pas_grossir_la_memoire() {
    // La console du serveur n'est plus lue : le thread principal reste bloqué en écrivant le
    // journal. Le thread de lecture, lui, continue de lire le client… dans un canal qui doit être
    // borné, sinon tout ce que le client envoie s'accumule en mémoire.
    let serveur = Serveur::lancer_avec(ETAPE, &[], None, tests::Console::JamaisLue);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client
        .flux()
        .set_write_timeout(Some(std::time::Duration::from_secs(1)))
        .expect("délai d'écriture");
    let ligne = "m".repeat(1000);
    let envoyees = client.inonder_sans_lire(&ligne, 20_000);
    if let Some(pointe_kio) = tests::pointe_memoire_kio(serveur.pid()) {
        assert!(
            pointe_kio < 16 * 1024,
            "Étape 4 : {envoyees} lignes de 1 000 octets envoyées, et le serveur a occupé \
             {} Mio : le canal des événements doit être borné (sync_channel)",
            pointe_kio / 1024
        );
    }
    assert!(
        envoyees < 20_000,
        "Étape 4 : le serveur a tout lu alors que sa console était bloquée : rien ne le retient"
    );
}
