//! Notation de l'étape 5 : exécution d'instructions, sans jamais exécuter de code.

use predicates::prelude::*;
use tests::{Client, Hasard, Serveur, client_programme, verifier_demo};

const ETAPE: &str = "etape5_instructions";

fn connecte(serveur: &Serveur) -> Client {
    let mut client = serveur.connecter();
    client.attendre("Bienvenue");
    client
}

/// Envoie une instruction et rend la réponse.
fn verifier(client: &mut Client, instruction: &str, attendu: &str) {
    let reponse = client.demander(instruction);
    tests::egal!(
        reponse,
        attendu,
        "Étape 5 : « {instruction} » doit donner « {attendu} »"
    );
}

fn verifier_erreur(client: &mut Client, instruction: &str) {
    let reponse = client.demander(instruction);
    assert!(
        reponse.starts_with("ERREUR : "),
        "Étape 5 : « {instruction} » doit donner une ligne « ERREUR : … » ; reçu « {reponse} »"
    );
}

#[test]
fn le_calcul_respecte_les_priorites_et_les_parentheses() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    verifier(&mut client, "calcul 6*7", "= 42");
    verifier(&mut client, "calcul 2 + 3 * 4", "= 14");
    verifier(&mut client, "calcul (2 + 3) * 4", "= 20");
    verifier(&mut client, "calcul -(3 - 10) % 4", "= 3");
    verifier(&mut client, "calcul 20 / 3", "= 6");
    // Associativité à gauche : (10 - 4) - 3, et non 10 - (4 - 3).
    verifier(&mut client, "calcul 10 - 4 - 3", "= 3");
    verifier(&mut client, "calcul 100 / 10 / 5", "= 2");
}

#[test]
fn les_instructions_de_texte_repondent() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    verifier(&mut client, "majuscules été", "= ÉTÉ");
    verifier(&mut client, "minuscules ÉTÉ", "= été");
    verifier(&mut client, "inverse abc", "= cba");
    // Des caractères, pas des octets : « é » tient sur deux octets.
    verifier(&mut client, "inverse héhé", "= éhéh");
    verifier(&mut client, "longueur héhé", "= 4 caractères (6 octets)");
    let reponse = client.demander("heure");
    if let Err(raison) = tests::verifier_heure_utc(&reponse) {
        panic!(
            "Étape 5 : « heure » doit répondre « = HH:MM:SS (UTC) », l'heure UTC actuelle : {raison}"
        );
    }
    assert!(
        client.demander("aide").contains("calcul"),
        "Étape 5 : « aide » doit lister les instructions"
    );
}

#[test]
fn les_espaces_autour_d_une_instruction_sont_ignores() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    verifier(&mut client, "  majuscules abc  ", "= ABC");
    let aide = client.demander("   aide");
    assert!(
        aide.contains("calcul"),
        "Étape 5 : « ␣␣␣aide » (des espaces devant, comme au clavier) doit donner l'aide ; reçu « {aide} »"
    );
}

#[test]
fn une_ligne_qui_n_est_pas_de_l_utf8_recoit_une_erreur_et_la_suite_est_servie() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    client.envoyer_octets(b"calcul \xff\xfe\n");
    let reponse = client.ligne("une réponse « ERREUR : … » à une ligne qui n'est pas de l'UTF-8");
    assert!(
        reponse.starts_with("ERREUR : "),
        "Étape 5 : une ligne qui n'est pas de l'UTF-8 doit recevoir « ERREUR : … » ; reçu « {reponse} »"
    );
    verifier(&mut client, "calcul 6*7", "= 42");
}

#[test]
fn une_ligne_trop_longue_recoit_une_erreur_et_la_suite_est_servie() {
    let mut serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    let mut longue = b"calcul ".to_vec();
    longue.extend(std::iter::repeat_n(b'1', 5_000));
    longue.push(b'\n');
    client.envoyer_octets(&longue);
    let reponse = client.ligne("une réponse « ERREUR : … » à une ligne de plus de 4 096 octets");
    assert!(
        reponse.starts_with("ERREUR : ") && reponse.contains("trop longue"),
        "Étape 5 : une ligne trop longue doit recevoir le refus de l'étape 2 (« ERREUR : ligne \
         trop longue … »), pas le silence ; reçu « {reponse} »"
    );
    serveur.attendre_console("ligne trop longue, ignorée");
    verifier(&mut client, "calcul 6*7", "= 42");
}

#[test]
fn division_par_zero_et_depassements_donnent_une_erreur() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    for instruction in [
        "calcul 1 / 0",
        "calcul 5 % 0",
        "calcul 9223372036854775807 + 1",
        "calcul -9223372036854775807 - 2",
        "calcul 3037000500 * 3037000500",
        "calcul (-9223372036854775807 - 1) / -1",
        "calcul 99999999999999999999",
    ] {
        verifier_erreur(&mut client, instruction);
    }
    verifier(&mut client, "calcul 6*7", "= 42");
}

#[test]
fn les_erreurs_de_syntaxe_et_l_entree_vide_donnent_une_erreur() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    for instruction in [
        "",
        "calcul",
        "calcul 1 +",
        "calcul (1",
        "calcul 1 2",
        "calcul )",
        "inconnue",
    ] {
        verifier_erreur(&mut client, instruction);
    }
}

#[test]
fn les_parentheses_imbriquees_sans_fin_ne_font_pas_tomber_le_serveur() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    verifier_erreur(
        &mut client,
        // 200 niveaux tiennent dans une ligne (400 octets) mais dépassent la limite de profondeur.
        &format!("calcul {}1{}", "(".repeat(200), ")".repeat(200)),
    );
    verifier_erreur(&mut client, &format!("calcul {}1", "(".repeat(500)));
    verifier_erreur(&mut client, &format!("calcul {}1", "-".repeat(900)));
    verifier(&mut client, "calcul 6*7", "= 42");
}

#[test]
fn les_tentatives_d_injection_sont_refusees() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    for instruction in [
        "calcul __import__('os').system('ls')",
        "calcul $(rm -rf ~)",
        "calcul `reboot`",
        "calcul 1; rm -rf /",
        "calcul 1 && cat /etc/passwd",
        "eval 1+1",
        "$(whoami)",
    ] {
        verifier_erreur(&mut client, instruction);
    }
}

#[test]
fn apres_des_milliers_de_lignes_au_hasard_le_serveur_calcule_toujours() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    let mut hasard = Hasard::new(42);
    let prefixes = ["calcul ", "majuscules ", "inverse ", "longueur ", ""];
    let alphabet = b"0123456789+-*/%() ()()--**//%%xyz\xc3\xa9\xff\x1b\t";
    let lignes = 3000;
    let mut envoi = Vec::new();
    for _ in 0..lignes {
        envoi.extend_from_slice(prefixes[hasard.jusqu_a(prefixes.len())].as_bytes());
        for _ in 0..hasard.jusqu_a(60) {
            envoi.push(alphabet[hasard.jusqu_a(alphabet.len())]);
        }
        envoi.push(b'\n');
    }
    // Un seul envoi de toutes les lignes : le serveur doit les découper et répondre à chacune.
    let lecteur = std::thread::scope(|portee| {
        let ecriture = client.flux().try_clone().expect("clonage");
        portee.spawn(move || {
            use std::io::Write;
            let mut ecriture = ecriture;
            ecriture
                .write_all(&envoi)
                .expect("envoi des lignes au hasard");
        });
        for numero in 0..lignes {
            client.ligne(&format!("la réponse à la ligne au hasard n°{numero}"));
        }
        client
    });
    let mut client = lecteur;
    verifier(&mut client, "calcul 6*7", "= 42");
}

#[test]
fn une_session_scriptee_du_client_affiche_les_reponses() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    client_programme(ETAPE, &serveur, "calcul 6*7\ninverse abc\n")
        .success()
        .stdout(predicate::str::contains("= 42"))
        .stdout(predicate::str::contains("= cba"));
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
    tests::verifier_que_la_console_echappe(ETAPE, "majuscules", "[INSTRUCTION]");
}

#[test]
fn un_client_sans_serveur_le_dit_en_nommant_son_etape() {
    tests::verifier_qu_un_client_sans_serveur_nomme_son_etape(ETAPE);
}

#[test]
fn deux_cents_allers_retours_tiennent_en_quatre_secondes() {
    tests::verifier_que_les_reponses_partent_sans_attendre(ETAPE, "calcul 6*7");
}

/// Les bornes de la calculatrice, à la limite et un cran au-delà, et les erreurs que l'énoncé
/// nomme, mot pour mot.
#[test]
fn les_bornes_et_les_erreurs_de_la_calculatrice_sont_exactes() {
    let serveur = Serveur::lancer(ETAPE, &[]);
    let mut client = connecte(&serveur);
    let contient = |client: &mut Client, instruction: &str, attendu: &str| {
        let reponse = client.demander(instruction);
        let court: String = instruction.chars().take(40).collect();
        assert!(
            reponse.starts_with("ERREUR : ") && reponse.contains(attendu),
            "Étape 5 : « {court}… » ({} octets) doit donner « ERREUR : … {attendu} … » ; reçu « {reponse} »",
            instruction.len()
        );
    };
    // 1 000 octets d'expression : permis ; 1 001 et 1 002 : trop long.
    let longue = |chiffres: usize| format!("calcul {}{}", "1".repeat(chiffres), "+1".repeat(499));
    verifier(&mut client, &longue(2), "= 510");
    contient(&mut client, &longue(3), "trop longue");
    contient(&mut client, &longue(4), "trop longue");
    // 64 niveaux de parenthèses : permis ; 65 : trop imbriqué.
    let imbriquee = |n: usize| format!("calcul {}1{}", "(".repeat(n), ")".repeat(n));
    verifier(&mut client, &imbriquee(64), "= 1");
    contient(&mut client, &imbriquee(65), "trop imbriquée");
    // Cent parenthèses à la suite, jamais plus d'un niveau : la profondeur redescend.
    let a_la_suite = format!("calcul {}(1)", "(1)+".repeat(99));
    verifier(&mut client, &a_la_suite, "= 100");
    // Les erreurs nommées.
    contient(&mut client, "calcul 1 / 0", "division par zéro");
    contient(&mut client, "calcul 5 % 0", "division par zéro");
    contient(&mut client, "calcul 1 2", "« 2 » inattendu ici");
    contient(&mut client, "calcul 1 + )", "« ) » inattendu ici");
    contient(&mut client, "calcul 1 +", "expression incomplète");
    contient(&mut client, "calcul (1", "parenthèse non fermée");
    // Un caractère de contrôle est montré par son code, pas tel quel.
    contient(&mut client, "calcul 1\u{1}", "« \\u{1} » en colonne 2");
}

#[test]
fn une_coupure_juste_apres_quitter_reste_une_fin_demandee() {
    tests::verifier_qu_une_coupure_apres_quitter_reste_une_fin_demandee(ETAPE);
}
