//! Notation de l'étape 4 : communication client-serveur (duplex, fin propre, cadrage).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

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
    flux.read_exact(&mut recu).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            "le serveur a fermé la connexion avant la fin du message".to_string()
        }
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("message incomplet après {} s", tests::DELAI.as_secs())
        }
        _ => format!("lecture impossible : erreur du système ({e})"),
    })?;
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
    tests::egal!(
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
    let mut flux = serveur.connecter_brut();
    let mut lecture = avec_echeance(flux.try_clone().expect("copie de la socket"));
    tests::egal!(
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
    tests::egal!(
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
        let mut flux = serveur.connecter_brut();
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
    let suivant = serveur.connecter_brut();
    let mut lecture = avec_echeance(suivant);
    tests::egal!(
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
    assert!(
        serveur
            .console_jusqu_ici()
            .iter()
            .any(|l| l.starts_with("[ERREUR] Connexion avec")
                && l.contains("perdue")
                && l.contains("coupée brutalement")),
        "Étape 4 : une coupure brutale (RST) se dit sur la console, avant le [DÉCONNEXION] : \
         « [ERREUR] Connexion avec <pair> perdue : connexion coupée brutalement par l'autre \
         côté (…) » (l'erreur du système, en français). Lignes vues :\n{}",
        serveur.lu.join("\n")
    );
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
        .set_write_timeout(Some(std::time::Duration::from_millis(250)))
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

/// Un client en cadrage « entete » : connecté, la bienvenue reçue (ou seulement arrivée, avec
/// `lire_la_bienvenue: false` : elle reste alors non lue, et fermer la socket enverra un RST).
fn client_entete(serveur: &Serveur, lire_la_bienvenue: bool) -> TcpStream {
    let flux = serveur.connecter_brut();
    flux.set_read_timeout(Some(tests::DELAI))
        .expect("délai de lecture");
    if lire_la_bienvenue {
        let mut lecture = avec_echeance(flux.try_clone().expect("copie de la socket"));
        tests::egal!(
            attendre_trame(&mut lecture, "Bienvenue sur le serveur !"),
            Ok(()),
            "Étape 4 : en cadrage entete, la bienvenue doit arriver avec un en-tête de 64 octets{}",
            serveur.stderr()
        );
    } else {
        let _ = flux.peek(&mut [0u8; 1]);
    }
    flux
}

/// Attend la fin de la conversation et vérifie comment la console l'a dite.
fn verifier_la_fin(serveur: &mut Serveur, perdue: bool, quoi: &str) {
    let fin = serveur.attendre_console("[DÉCONNEXION]");
    let erreur = serveur
        .lu
        .iter()
        .any(|l| l.starts_with("[ERREUR] Connexion avec") && l.contains("perdue"));
    if perdue {
        assert!(
            erreur,
            "Étape 4 : {quoi} : la connexion est perdue, la console doit le dire (« [ERREUR] \
             Connexion avec <pair> perdue : … ») avant « {fin} ». Lignes vues :\n{}",
            serveur.lu.join("\n")
        );
    } else {
        assert!(
            !erreur && fin.contains("terminée"),
            "Étape 4 : {quoi} : c'est une fin normale (la fin du flux, `UnexpectedEof` de \
             `read_exact`), pas une erreur : attendu « [DÉCONNEXION] Conversation avec <pair> \
             terminée » sans [ERREUR]. Lignes vues :\n{}",
            serveur.lu.join("\n")
        );
    }
}

#[test]
fn en_cadrage_entete_un_message_de_4096_octets_passe_et_un_de_4097_est_refuse() {
    let mut serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    let mut flux = client_entete(&serveur, true);
    let pile = "p".repeat(4096);
    flux.write_all(&trame(&pile)).expect("envoi");
    let ligne = serveur.attendre_console("[MESSAGE]");
    assert!(
        ligne.ends_with(&pile),
        "Étape 4 : un message d'exactement 4 096 octets est permis (la limite est comprise) ; \
         vu « {} »",
        tests::dernieres_lignes(&ligne, 1)
            .chars()
            .take(120)
            .collect::<String>()
    );
    flux.write_all(&trame(&"q".repeat(4097))[..64])
        .expect("envoi");
    let mut lecture = avec_echeance(flux);
    let mut entete = [0u8; 64];
    let _ = lecture.read_exact(&mut entete);
    let mut texte = Vec::new();
    let _ = lecture.read_to_end(&mut texte);
    let reponse = String::from_utf8_lossy(&texte);
    assert!(
        reponse.starts_with("ERREUR"),
        "Étape 4 : un en-tête qui annonce 4 097 octets dépasse la limite de un octet et doit \
         recevoir « ERREUR … » ; reçu « {reponse} »{}",
        serveur.stderr()
    );
}

#[test]
fn en_cadrage_entete_un_client_qui_part_apres_un_message_finit_sans_erreur() {
    let mut serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    let flux = client_entete(&serveur, true);
    (&flux).write_all(&trame("au revoir")).expect("envoi");
    serveur.attendre_console("au revoir");
    flux.shutdown(Shutdown::Write).expect("fin d'écriture");
    verifier_la_fin(
        &mut serveur,
        false,
        "un client qui ferme son côté entre deux messages",
    );
}

#[test]
fn en_cadrage_entete_un_message_coupe_par_la_fin_du_flux_est_abandonne_sans_erreur() {
    let mut serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    let flux = client_entete(&serveur, true);
    let mut coupe = format!("{:<64}", 10).into_bytes();
    coupe.extend_from_slice(b"abc");
    (&flux).write_all(&coupe).expect("envoi");
    flux.shutdown(Shutdown::Write).expect("fin d'écriture");
    verifier_la_fin(
        &mut serveur,
        false,
        "un message annoncé de 10 octets coupé après 3",
    );
    assert!(
        !serveur.lu.iter().any(|l| l.starts_with("[MESSAGE]")),
        "Étape 4 : un message coupé par la fin du flux est abandonné, pas affiché. Lignes vues :\n{}",
        serveur.lu.join("\n")
    );
}

#[test]
fn en_cadrage_entete_une_coupure_brutale_dans_l_entete_se_dit_perdue() {
    let mut serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    let flux = client_entete(&serveur, false);
    (&flux).write_all(b"12").expect("envoi");
    // La bienvenue, arrivée mais non lue : fermer maintenant envoie un RST.
    drop(flux);
    verifier_la_fin(
        &mut serveur,
        true,
        "une coupure brutale au milieu de l'en-tête",
    );
}

#[test]
fn en_cadrage_entete_une_coupure_brutale_dans_le_contenu_se_dit_perdue() {
    let mut serveur = Serveur::lancer(ETAPE, &["--cadrage", "entete"]);
    let flux = client_entete(&serveur, false);
    let mut coupe = format!("{:<64}", 10).into_bytes();
    coupe.extend_from_slice(b"abc");
    (&flux).write_all(&coupe).expect("envoi");
    drop(flux);
    verifier_la_fin(
        &mut serveur,
        true,
        "une coupure brutale au milieu d'un message",
    );
}

/// Le client du programme, face à un serveur qui coupe brutalement : la conversation est finie,
/// ce n'est pas une erreur du client (code 0, rien sur sa sortie d'erreur).
#[test]
fn le_client_finit_sans_erreur_quand_le_serveur_coupe_brutalement() {
    let ecoute = TcpListener::bind("127.0.0.1:0").expect("écoute du faux serveur");
    let port = ecoute.local_addr().expect("adresse").port().to_string();
    // Le faux serveur : la bienvenue, puis il attend que le client ait écrit et ferme sans lire
    // (des données non lues : le système envoie un RST). Il n'est pas attendu : s'il restait
    // bloqué, le test échouerait sur le client, borné, et non sur lui.
    thread::spawn(move || {
        let Ok((flux, _)) = ecoute.accept() else {
            return;
        };
        let _ = (&flux).write_all(b"Bienvenue sur le serveur !\n");
        let _ = flux.set_read_timeout(Some(tests::DELAI));
        let _ = flux.peek(&mut [0u8; 1]);
    });
    let sortie = tests::executer_programme(
        ETAPE,
        &["client", "--port", &port],
        "bonjour\n",
        "le client face à un serveur qui coupe brutalement",
    );
    let erreurs = String::from_utf8_lossy(&sortie.stderr);
    assert!(
        sortie.status.success() && erreurs.trim().is_empty(),
        "Étape 4 : quand le serveur coupe brutalement (ConnectionReset), la conversation est \
         finie : le client rend 0 sans message d'erreur ; code {:?}, sortie d'erreur :\n{}",
        sortie.status.code(),
        tests::dernieres_lignes(&erreurs, 20)
    );
}

/// `/quitter` tapé par l'utilisateur part une fois, et rien après lui.
#[test]
fn le_client_n_envoie_rien_apres_quitter() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    tests::client_programme(ETAPE, &serveur, "/quitter\napres\n").success();
    serveur.attendre_console("[DÉCONNEXION]");
    let fins = serveur.lu.iter().filter(|l| l.starts_with("[FIN]")).count();
    assert!(
        fins == 1 && !serveur.lu.iter().any(|l| l.contains("apres")),
        "Étape 4 : après /quitter tapé par l'utilisateur, le client n'envoie plus rien (ni les \
         lignes suivantes, ni un second /quitter) ; la console du serveur a vu :\n{}",
        serveur.lu.join("\n")
    );
}

/// Une ligne tapée sur la console après un `/quitter` du client, pendant que la conversation se
/// termine, ne part pas sans un mot : la console dit qu'elle est ignorée.
#[test]
fn une_ligne_tapee_pendant_la_fin_d_une_conversation_n_est_pas_perdue_sans_un_mot() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    // /quitter, sans fermer notre côté : le serveur attend encore la fin du flux (au plus 1 s).
    client.envoyer("/quitter");
    serveur.attendre_console("[FIN]");
    serveur.taper("trop tard");
    let ligne = serveur.attendre_console("trop tard");
    assert!(
        ligne.starts_with("[CONSOLE]") && ligne.contains("ligne ignorée"),
        "Étape 4 : une ligne tapée après le /quitter du client ne part plus ; la console le dit \
         (« [CONSOLE] <pair> s'en va, ligne ignorée : trop tard ») ; vu « {ligne} »"
    );
    client.attendre_fermeture("le serveur ferme après /quitter");
    assert!(
        !client.recu.iter().any(|l| l.contains("trop tard")),
        "Étape 4 : la ligne tapée après /quitter ne doit pas partir au client ; reçu {:?}",
        client.recu
    );
}
