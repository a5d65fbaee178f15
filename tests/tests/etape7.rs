//! Notation de l'étape 7 : plusieurs clients à la fois.

use std::io::Write;
use std::net::Shutdown;

use predicates::prelude::*;
use tests::{Client, Serveur, client_programme, rejoindre, verifier_demo};

const ETAPE: &str = "etape7_multiclients";

#[test]
fn le_serveur_demande_un_pseudo_puis_accueille() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    let invite = client.ligne("l'invite du pseudo");
    assert!(
        invite.contains("pseudo"),
        "Étape 7 : la première ligne doit demander un pseudo ; reçu « {invite} »"
    );
    client.envoyer("alice");
    client.attendre("= bienvenue alice");
}

#[test]
fn un_pseudo_pris_est_refuse_sans_distinction_de_casse_puis_redemande() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let _alice = rejoindre(&serveur, "alice");
    let mut autre = serveur.connecter();
    autre.attendre("pseudo");
    autre.envoyer("ALICE");
    let refus = autre.ligne("le refus du pseudo déjà pris");
    assert!(
        refus.starts_with("ERREUR"),
        "Étape 7 : « ALICE » est pris par « alice » ; reçu « {refus} »"
    );
    autre.attendre("pseudo");
    autre.envoyer("bob");
    autre.attendre("= bienvenue bob");
}

#[test]
fn un_pseudo_invalide_est_refuse() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = serveur.connecter();
    client.attendre("pseudo");
    for mauvais in [
        "",
        "a b",
        "x\u{1b}[31m",
        "un_pseudo_beaucoup_trop_long_pour_etre_accepte",
    ] {
        client.envoyer(mauvais);
        let refus = client.ligne("le refus d'un pseudo invalide");
        assert!(
            refus.starts_with("ERREUR"),
            "Étape 7 : le pseudo {mauvais:?} doit être refusé ; reçu « {refus} »"
        );
        assert!(
            !refus.contains('\u{1b}'),
            "Étape 7 : un caractère de contrôle ne doit pas revenir tel quel"
        );
        client.attendre("pseudo");
    }
}

#[test]
fn un_message_va_aux_autres_sous_la_forme_pseudo_deux_points_texte() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    let mut carol = rejoindre(&serveur, "carol");
    alice.attendre("*** carol a rejoint le salon");
    alice.envoyer("Bonjour !");
    tests::egal!(bob.attendre("alice :"), "alice : Bonjour !");
    tests::egal!(carol.attendre("alice :"), "alice : Bonjour !");
    // L'auteur ne reçoit pas son propre message : la ligne suivante est la réponse à /liste.
    alice.envoyer("/liste");
    let suivante = alice.ligne("la réponse à /liste");
    assert!(
        suivante.starts_with("= connectés (3)"),
        "Étape 7 : l'auteur ne doit pas recevoir son propre message ; reçu « {suivante} »"
    );
}

#[test]
fn les_departs_sont_annonces_quelle_que_soit_la_facon_de_partir() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let mut poli = rejoindre(&serveur, "poli");
    poli.envoyer("/quitter");
    temoin.attendre("*** poli a quitté le salon");
    let fin = rejoindre(&serveur, "fin");
    fin.flux().shutdown(Shutdown::Write).ok();
    temoin.attendre("*** fin a quitté le salon");
    {
        let brutal = rejoindre(&serveur, "brutal");
        temoin.attendre("*** brutal a rejoint le salon");
        temoin.envoyer("message non lu par brutal");
        brutal.couper_brutalement(b"moit");
    }
    temoin.attendre("*** brutal a quitté le salon");
}

#[test]
fn liste_et_message_prive() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer("/liste");
    let liste = bob.ligne("la réponse à /liste");
    assert!(
        liste.contains("alice") && liste.contains("bob"),
        "Étape 7 : /liste doit nommer alice et bob ; reçu « {liste} »"
    );
    bob.envoyer("/mp ALICE psst");
    tests::egal!(alice.ligne("le message privé"), "[mp] bob : psst");
    assert!(
        bob.ligne("la confirmation du message privé")
            .starts_with("= ")
    );
    bob.envoyer("/mp personne coucou");
    assert!(
        bob.ligne("l'erreur du destinataire inconnu")
            .starts_with("ERREUR")
    );
}

#[test]
fn les_commandes_de_l_etape_6_marchent_toujours() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    alice.envoyer("/calcul 6*7");
    tests::egal!(alice.ligne("le résultat de /calcul"), "= 42");
    alice.envoyer("/inconnue");
    assert!(alice.ligne("l'erreur").contains("/aide"));
}

#[test]
fn les_caracteres_de_controle_n_atteignent_pas_les_autres() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer("\u{1b}[2J\u{1b}[31mfaux\rmessage");
    let recu = alice.attendre("bob :");
    assert!(
        !recu.contains('\u{1b}') && !recu.contains('\r'),
        "Étape 7 : les séquences d'échappement doivent être neutralisées ; reçu {recu:?}"
    );
}

#[test]
fn une_mauvaise_ligne_ne_gene_que_son_auteur() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer_octets(b"\xff\xfe\n");
    assert!(bob.ligne("l'erreur UTF-8").starts_with("ERREUR"));
    let mut enorme = vec![b'x'; 150_000];
    enorme.push(b'\n');
    bob.envoyer_octets(&enorme);
    assert!(
        bob.ligne("l'erreur de ligne trop longue")
            .starts_with("ERREUR")
    );
    bob.envoyer("toujours là");
    tests::egal!(alice.attendre("bob :"), "bob : toujours là");
}

#[test]
fn le_client_du_programme_rejoint_parle_et_part() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    client_programme(ETAPE, &serveur, "zoe\nsalut tout le monde\n")
        .success()
        .stdout(predicate::str::contains("pseudo"))
        .stdout(predicate::str::contains("= bienvenue zoe"));
    temoin.attendre("zoe : salut tout le monde");
    temoin.attendre("*** zoe a quitté le salon");
}

#[test]
fn la_demo_affiche_le_resultat_attendu_de_l_enonce() {
    verifier_demo(ETAPE);
}

#[test]
fn pseudo_renomme_annonce_le_changement_et_refuse_un_nom_pris() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    let refus = bob.demander("/pseudo ALICE");
    assert!(
        refus.starts_with("ERREUR"),
        "Étape 7 : /pseudo vers un nom déjà pris (sans distinction de casse) doit être refusé ; reçu « {refus} »"
    );
    let accord = bob.demander("/pseudo robert");
    assert!(
        accord.starts_with("= "),
        "Étape 7 : /pseudo robert doit être accepté ; reçu « {accord} »"
    );
    alice.attendre("*** bob s'appelle maintenant robert");
    bob.envoyer("me revoilà");
    tests::egal!(
        alice.attendre("me revoilà"),
        "robert : me revoilà",
        "Étape 7 : après /pseudo, les messages portent le nouveau nom"
    );
}

#[test]
fn un_client_parti_quitte_la_liste_et_libere_son_pseudo() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let mut alice = rejoindre(&serveur, "alice");
    temoin.attendre("*** alice a rejoint");
    alice.envoyer("/quitter");
    temoin.attendre("*** alice a quitté le salon");
    let liste = temoin.demander("/liste");
    assert!(
        !liste.contains("alice"),
        "Étape 7 : un client parti doit être retiré du salon ; /liste donne « {liste} »"
    );
    let mut revenue = serveur.connecter();
    revenue.attendre("pseudo");
    let reponse = revenue.demander("alice");
    assert!(
        !reponse.starts_with("ERREUR"),
        "Étape 7 : le pseudo d'un client parti est de nouveau libre ; reçu « {reponse} »"
    );
}

#[test]
fn une_console_fermee_n_arrete_pas_le_salon() {
    let serveur = Serveur::lancer_avec(ETAPE, &[], None, tests::Console::Fermee);
    let mut temoin = rejoindre(&serveur, "temoin");
    let mut bob = rejoindre(&serveur, "bob");
    temoin.attendre("*** bob a rejoint");
    bob.envoyer("salut");
    tests::egal!(
        temoin.attendre("bob :"),
        "bob : salut",
        "Étape 7 : une console fermée (écriture impossible) ne doit pas faire tomber les threads"
    );
}

#[test]
fn un_client_sans_serveur_le_dit_en_nommant_son_etape() {
    tests::verifier_qu_un_client_sans_serveur_nomme_son_etape(ETAPE);
}

#[test]
fn un_accept_qui_echoue_en_boucle_se_dit_une_fois() {
    tests::verifier_qu_un_echec_d_accept_se_dit_une_fois(ETAPE, "Bienvenue");
}

#[test]
fn une_reponse_a_un_client_deja_coupe_ne_fait_pas_tomber_son_thread() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let victime = rejoindre(&serveur, "victime");
    temoin.attendre("*** victime a rejoint");
    // 8 Mo de « /majuscules » sans rien lire : les réponses remplissent les tampons de victime,
    // et le serveur reste bloqué dans une écriture vers elle (l'étape 7 n'a pas de délai
    // d'écriture). victime ferme alors sa socket, réponses non lues : elle part en RST, et
    // cette écriture échoue.
    // Si les tampons ne suffisaient pas à tout prendre, l'envoi s'arrête au bout de 1 s : le
    // serveur est alors déjà bloqué vers victime, et c'est ce qu'il faut.
    let commande = format!("/majuscules {}\n", "x".repeat(4_000));
    let mut flux = victime.flux();
    let _ = flux.set_write_timeout(Some(std::time::Duration::from_secs(1)));
    let _ = flux.write_all(commande.repeat(2_000).as_bytes());
    drop(victime);
    temoin.attendre_sinon(
        "*** victime a quitté le salon",
        "Le départ d'un client qui coupe pendant qu'on lui écrit doit être annoncé. Cause \
         probable : une écriture vers lui qui a échoué a fait paniquer son thread (`unwrap` ou \
         `expect` sur un `write` dans `envoyer_a`) : il est mort sans quitter le salon.",
    );
    let liste = temoin.demander("/liste");
    assert!(
        !liste.contains("victime"),
        "Étape 7 : un client parti ne doit plus être dans la liste ; reçu « {liste} »"
    );
}

#[test]
fn un_membre_coupe_n_empeche_pas_les_autres_de_recevoir() {
    // L'ordre des membres n'est pas fixé (`HashMap`, tiré au hasard par chaque serveur) : trois
    // serveurs, pour que le témoin ait presque sûrement des membres coupés avant lui.
    for _ in 0..3 {
        une_rafale_pendant_trente_departs();
    }
}

/// Pendant que bavard parle (une rafale de lignes, d'un seul envoi), trente membres coupent
/// brutalement (ils ont des annonces non lues : RST). Tant que le salon ne les a pas vus partir,
/// les écritures vers eux échouent ; la diffusion doit continuer vers les suivants.
fn une_rafale_pendant_trente_departs() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let mut bavard = rejoindre(&serveur, "bavard");
    let coupes: Vec<Client> = (0..30)
        .map(|i| rejoindre(&serveur, &format!("coupe{i}")))
        .collect();
    temoin.attendre("*** coupe29 a rejoint");
    let lignes = 500;
    let rafale: String = (0..lignes).map(|i| format!("ligne {i}\n")).collect();
    std::thread::scope(|portee| {
        portee.spawn(|| bavard.envoyer_octets(rafale.as_bytes()));
        for coupe in coupes {
            coupe.couper_brutalement(b"");
        }
        for i in 0..lignes {
            temoin.attendre_sinon(
                &format!("bavard : ligne {i}"),
                "Un membre qui reçoit tout le salon ne doit manquer aucune ligne quand d'autres \
                 partent. Cause probable : `diffuser` s'arrête à la première écriture qui échoue \
                 (un membre coupé) au lieu de passer au suivant.",
            );
        }
    });
}
