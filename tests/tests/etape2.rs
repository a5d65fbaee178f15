//! Notation de l'étape 2 : boucle de réception.

use predicates::prelude::*;
use tests::{Serveur, client_programme, verifier_demo};

const ETAPE: &str = "etape2_boucle";

#[test]
fn chaque_ligne_recoit_un_accuse_qui_la_cite() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer("Bonjour");
    tests::egal!(
        client.ligne("l'accusé de réception"),
        "Message reçu : Bonjour"
    );
    client.envoyer("Encore");
    tests::egal!(client.ligne("le second accusé"), "Message reçu : Encore");
}

#[test]
fn deux_lignes_dans_un_seul_envoi_donnent_deux_accuses() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer_octets(b"un\ndeux\n");
    tests::egal!(client.ligne("le premier accusé"), "Message reçu : un");
    tests::egal!(client.ligne("le second accusé"), "Message reçu : deux");
}

#[test]
fn une_ligne_coupee_en_deux_envois_est_reassemblee() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer_octets(b"moi");
    // On attend que le serveur ait accepté la connexion avant la seconde moitié : le découpage
    // en deux envois est alors certain d'atteindre le serveur en deux morceaux ou plus.
    serveur.attendre_console("[CONNEXION]");
    client.envoyer_octets(b"tie\n");
    tests::egal!(
        client.ligne("l'accusé de la ligne réassemblée"),
        "Message reçu : moitie"
    );
}

#[test]
fn une_ligne_de_200_ko_est_refusee_et_la_suivante_est_servie() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    let mut enorme = vec![b'x'; 200_000];
    enorme.push(b'\n');
    client.envoyer_octets(&enorme);
    let reponse = client.ligne("une ligne d'erreur pour la ligne trop longue");
    assert!(
        reponse.starts_with("ERREUR"),
        "Étape 2 : une ligne de 200 ko doit recevoir « ERREUR … » ; reçu « {reponse} »"
    );
    client.envoyer("après");
    tests::egal!(
        client.ligne("l'accusé de la ligne suivante"),
        "Message reçu : après"
    );
}

#[test]
fn l_utf8_invalide_recoit_une_erreur_et_la_connexion_continue() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer_octets(b"\xff\xfe\xfd\n");
    let reponse = client.ligne("une ligne d'erreur pour l'UTF-8 invalide");
    assert!(
        reponse.starts_with("ERREUR"),
        "Étape 2 : de l'UTF-8 invalide doit recevoir « ERREUR … » ; reçu « {reponse} »"
    );
    client.envoyer("valide");
    tests::egal!(client.ligne("l'accusé suivant"), "Message reçu : valide");
}

#[test]
fn les_caracteres_de_controle_n_atteignent_pas_la_console() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer("rouge\u{1b}[31m fin");
    client.attendre("Message reçu");
    let ligne = serveur.attendre_console("[MESSAGE]");
    assert!(
        !ligne.contains('\u{1b}'),
        "Étape 2 : le caractère d'échappement ne doit pas atteindre la console ; vu « {ligne:?} »"
    );
}

#[test]
fn le_serveur_s_arrete_quand_son_client_part() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer("au revoir");
    client.attendre("Message reçu");
    drop(client);
    tests::egal!(
        serveur.attendre_fin(),
        Some(0),
        "Étape 2 : le serveur doit s'arrêter (code 0) quand son client part"
    );
}

#[test]
fn une_session_scriptee_du_client_affiche_chaque_accuse() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    client_programme(ETAPE, &serveur, "a\nb\n")
        .success()
        .stdout(predicate::str::contains("Message reçu : a"))
        .stdout(predicate::str::contains("Message reçu : b"));
}

#[test]
fn la_demo_affiche_le_resultat_attendu_de_l_enonce() {
    verifier_demo(ETAPE);
}

#[test]
fn un_client_qui_envoie_sans_jamais_lire_ne_bloque_pas_le_serveur() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let inondeur = serveur.connecter();
    std::thread::scope(|portee| {
        // Les réponses remplissent les tampons ; le serveur doit abandonner au bout de son délai
        // d'écriture, terminer la conversation et s'arrêter, au lieu d'attendre pour toujours.
        portee.spawn(|| inondeur.inonder_sans_lire("bonjour", 1_000_000));
        tests::egal!(
            serveur.attendre_fin(),
            Some(0),
            "Étape 2 : face à un client qui ne lit jamais, le serveur doit finir la conversation"
        );
    });
}

#[test]
fn un_retour_chariot_final_est_retire() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer_octets(b"comme telnet\r\n");
    tests::egal!(
        client.ligne("l'accusé d'une ligne finie par \\r\\n"),
        "Message reçu : comme telnet",
        "Étape 2 : le \\r final (telnet, Windows) doit être retiré"
    );
}

#[test]
fn une_demi_ligne_a_la_fin_du_flux_n_est_pas_traitee() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer_octets(b"entiere\ncoupee");
    client.flux().shutdown(std::net::Shutdown::Write).ok();
    client.attendre("Message reçu : entiere");
    client.attendre_fermeture("le client a fini d'écrire");
    assert!(
        !client.recu.iter().any(|l| l.contains("coupee")),
        "Étape 2 : une ligne sans \\n à la fin du flux n'est pas un message ; reçu {:?}",
        client.recu
    );
    tests::egal!(serveur.attendre_fin(), Some(0));
}

#[test]
fn une_ligne_enorme_ne_fait_pas_grossir_la_memoire_du_serveur() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    // 64 Mo sans saut de ligne : lire « toute la ligne » puis vérifier sa longueur la garderait
    // entière en mémoire.
    let morceau = vec![b'z'; 1 << 20];
    for _ in 0..64 {
        client.envoyer_octets(&morceau);
    }
    client.envoyer_octets(b"\n");
    assert!(
        client
            .ligne("le refus de la ligne énorme")
            .starts_with("ERREUR")
    );
    // La mémoire d'un processus se lit dans /proc sous Linux ; ailleurs, seul le refus est vérifié.
    if let Some(pointe_kio) = tests::pointe_memoire_kio(serveur.pid()) {
        assert!(
            pointe_kio < 32 * 1024,
            "Étape 2 : pour une ligne de 64 Mo, le serveur a occupé jusqu'à {} Mio : la lecture \
             doit être bornée (take) avant de chercher le saut de ligne",
            pointe_kio / 1024
        );
    }
}

#[test]
fn la_comparaison_udp_tcp_montre_les_frontieres_et_le_flux() {
    let sortie = tests::executer_programme(ETAPE, &["udp"], "", "la comparaison udp");
    let texte = String::from_utf8_lossy(&sortie.stdout).into_owned();
    let montrer = || tests::dernieres_lignes(&texte, 20);
    assert!(
        sortie.status.success()
            && texte.contains("[UDP] un recv_from rend un datagramme entier : « trois »")
            && texte.contains("« undeuxtrois »"),
        "Étape 2 : la comparaison doit montrer les datagrammes entiers d'UDP et le flux collé de \
         TCP ; obtenu :\n{}",
        montrer()
    );
    // « [UDP] rafale : E datagrammes envoyés sans erreur, R reçus », puis les pertes, E - R.
    let nombres = |ligne: &str| -> Vec<usize> {
        ligne
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|mot| mot.parse().ok())
            .collect()
    };
    let rafale = texte.lines().find(|l| l.starts_with("[UDP] rafale"));
    let (envoyes, recus) = match rafale.map(nombres).as_deref() {
        Some([envoyes, recus]) => (*envoyes, *recus),
        _ => panic!(
            "Étape 2 : la ligne « [UDP] rafale : E … envoyés …, R reçus » manque ; obtenu :\n{}",
            montrer()
        ),
    };
    assert!(
        envoyes > 0 && recus > 0 && recus <= envoyes,
        "Étape 2 : rafale de {envoyes} datagrammes, {recus} reçus ?"
    );
    let bilan = if recus < envoyes {
        format!(
            "[UDP] {} perdus, et personne n'a été prévenu",
            envoyes - recus
        )
    } else {
        "[UDP] aucun perdu cette fois-ci".to_string()
    };
    assert!(
        texte.contains(&bilan),
        "Étape 2 : après {envoyes} envoyés et {recus} reçus, attendu : « {bilan} » ; obtenu :\n{}",
        montrer()
    );
    // « [TCP] 11 octets en N read : … », N un entier d'au moins 1.
    let lectures = texte
        .lines()
        .find_map(|l| l.strip_prefix("[TCP] 11 octets en "))
        .and_then(|reste| reste.split(" read").next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        lectures.is_some_and(|n| n >= 1),
        "Étape 2 : attendu « [TCP] 11 octets en N read … », N au moins 1 ; obtenu :\n{}",
        montrer()
    );
}

#[test]
fn deux_cents_allers_retours_tiennent_en_quatre_secondes() {
    tests::verifier_que_les_reponses_partent_sans_attendre(ETAPE, "bonjour");
}

/// Les bornes exactes de la limite d'une ligne (4 096 octets, saut de ligne non compris).
#[test]
fn une_ligne_de_4096_octets_passe_et_une_de_4097_est_refusee() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    let pile = "a".repeat(4096);
    client.envoyer(&pile);
    let reponse = client.ligne("l'accusé d'une ligne de 4 096 octets, exactement la limite");
    tests::egal!(
        reponse,
        format!("Message reçu : {pile}"),
        "Étape 2 : une ligne d'exactement 4 096 octets est permise (la limite est comprise)"
    );
    client.envoyer(&"b".repeat(4097));
    let reponse = client.ligne("une ligne d'erreur pour une ligne de 4 097 octets");
    assert!(
        reponse.starts_with("ERREUR"),
        "Étape 2 : une ligne de 4 097 octets dépasse la limite de un octet et doit recevoir \
         « ERREUR … » ; reçu « {reponse} »"
    );
}

/// Une demi-ligne de 4 096 octets à la fin du flux n'est pas trop longue : c'est une ligne
/// inachevée, ignorée comme les autres.
#[test]
fn une_demi_ligne_de_4096_octets_a_la_fin_du_flux_n_est_pas_refusee() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client.envoyer_octets("c".repeat(4096).as_bytes());
    client.flux().shutdown(std::net::Shutdown::Write).ok();
    client.attendre_fermeture("le client a fini d'écrire");
    assert!(
        client.recu.iter().all(|l| !l.starts_with("ERREUR")),
        "Étape 2 : 4 096 octets sans \\n à la fin du flux ne dépassent pas la limite (ils \
         l'atteignent) : c'est une ligne inachevée, sans réponse ; reçu {:?}",
        client.recu
    );
}
