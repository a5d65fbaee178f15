//! Notation de l'étape 8 : le serveur final (files, liste noire, journal, historique, arrêt).

use std::net::Shutdown;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use tests::{
    Client, DELAI, Dossier, Serveur, attendre_dans_fichier, programme, rejoindre, verifier_demo,
    verifier_horodatage_utc,
};

const ETAPE: &str = "etape8_verrous";

/// Lance le serveur de l'étape 8 dans un dossier temporaire (son journal y est écrit).
fn lancer(dossier: &Dossier, options: &[&str]) -> Serveur {
    Serveur::lancer_dans(ETAPE, options, Some(&dossier.0))
}

fn journal(dossier: &Dossier) -> String {
    std::fs::read_to_string(dossier.0.join("chat_log.txt")).unwrap_or_default()
}

/// Arrête le serveur depuis sa console et vérifie qu'il rend 0.
fn arreter(serveur: &mut Serveur) {
    serveur.taper("stop");
    tests::egal!(
        serveur.attendre_fin(),
        Some(0),
        "Étape 8 : « stop » sur la console doit arrêter le serveur avec le code 0"
    );
}

#[test]
fn le_salon_de_l_etape_7_marche_toujours() {
    let dossier = Dossier::nouveau("e8-salon");
    let mut serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint le salon");
    tests::egal!(
        alice.demander("/liste"),
        "= connectés (2) : alice, bob",
        "Étape 8 : /liste doit nommer les membres, triés"
    );
    alice.envoyer("Bonjour bob");
    tests::egal!(bob.attendre("alice :"), "alice : Bonjour bob");
    bob.envoyer("/mp alice psst");
    tests::egal!(alice.attendre("[mp]"), "[mp] bob : psst");
    bob.envoyer("/calcul 6*7");
    tests::egal!(bob.attendre("= 4"), "= 42");
    bob.envoyer("bye");
    alice.attendre("*** bob a quitté le salon");
    // Personne n'a débordé : la console ne doit le dire de personne.
    serveur.attendre_console("[DÉCONNEXION]");
    let retards: Vec<&String> = serveur
        .console_jusqu_ici()
        .iter()
        .filter(|ligne| ligne.contains("[RETARD]"))
        .collect();
    assert!(
        retards.is_empty(),
        "Étape 8 : aucun client n'a de retard, la console ne doit annoncer aucun débordement ; \
         vu : {retards:?}"
    );
}

#[test]
fn l_historique_d_un_nouveau_venu_tient_dans_la_moitie_de_sa_file() {
    // Avec --limite-retard 1 (1 Mio), l'historique d'un nouveau venu tient dans 512 Kio : de
    // 200 lignes de 4 000 octets (800 Ko), il n'en reçoit que les plus récentes, environ 128.
    let dossier = Dossier::nouveau("e8-historique-borne");
    let serveur = lancer(&dossier, &["--historique", "1000", "--limite-retard", "1"]);
    let mut alice = rejoindre(&serveur, "alice");
    let lignes = 200;
    let rafale: String = (0..lignes)
        .map(|i| format!("{i:03}{}\n", "x".repeat(3_997)))
        .collect();
    alice.envoyer_octets(rafale.as_bytes());
    alice.envoyer("/liste");
    alice.attendre("= connectés");
    let mut bob = serveur.connecter();
    bob.attendre("pseudo");
    bob.envoyer("bob");
    let mut recues = Vec::new();
    loop {
        let ligne = bob.ligne("l'historique, puis « = bienvenue »");
        if ligne.starts_with("= bienvenue") {
            break;
        }
        if ligne.starts_with("[historique]") && ligne.contains("alice : ") {
            recues.push(ligne);
        }
    }
    let octets: usize = recues.iter().map(|ligne| ligne.len() + 1).sum();
    assert!(
        (100..lignes).contains(&recues.len()) && octets <= 512 * 1024,
        "Étape 8 : l'historique d'un nouveau venu doit tenir dans la moitié de sa file (512 Kio \
         avec --limite-retard 1) : les lignes les plus récentes qui y tiennent ; reçu {} lignes \
         sur {lignes}, {octets} octets",
        recues.len()
    );
    assert!(
        recues.last().is_some_and(|l| l.contains("alice : 199")),
        "Étape 8 : l'historique garde les lignes les plus récentes, la dernière en dernier"
    );
}

#[test]
fn avec_historique_0_le_nouveau_venu_ne_recoit_aucun_historique() {
    let dossier = Dossier::nouveau("e8-sans-historique");
    let serveur = lancer(&dossier, &["--historique", "0"]);
    let mut alice = rejoindre(&serveur, "alice");
    alice.envoyer("personne ne doit me relire");
    alice.envoyer("/liste");
    alice.attendre("= connectés");
    let bob = rejoindre(&serveur, "bob");
    let historique: Vec<&String> = bob
        .recu
        .iter()
        .filter(|ligne| ligne.starts_with("[historique]"))
        .collect();
    assert!(
        historique.is_empty(),
        "Étape 8 : avec --historique 0, un nouveau venu ne reçoit aucune ligne d'historique ; \
         reçu {historique:?}"
    );
}

#[test]
fn vingt_clients_envoient_cinquante_messages_en_meme_temps_et_rien_ne_se_perd() {
    let dossier = Dossier::nouveau("e8-rafale");
    let mut serveur = lancer(&dossier, &[]);
    let (clients, messages) = (20, 50);
    let mut membres: Vec<Client> = (0..clients)
        .map(|i| rejoindre(&serveur, &format!("c{i}")))
        .collect();
    // Chacun attend l'arrivée du dernier : tout le monde est inscrit avant la rafale.
    let dernier = format!("*** c{} a rejoint le salon", clients - 1);
    for membre in membres.iter_mut().take(clients - 1) {
        membre.attendre(&dernier);
    }
    let depart = Barrier::new(clients);
    thread::scope(|portee| {
        for (i, membre) in membres.iter_mut().enumerate() {
            let depart = &depart;
            portee.spawn(move || {
                let rafale: String = (0..messages).map(|m| format!("m-{i}-{m}\n")).collect();
                depart.wait();
                membre.envoyer_octets(rafale.as_bytes());
                let attendus = (clients - 1) * messages;
                let mut recus = 0;
                while recus < attendus {
                    if membre
                        .ligne(&format!("le message n°{recus} des autres (sur {attendus})"))
                        .contains(": m-")
                    {
                        recus += 1;
                    }
                }
            });
        }
    });
    arreter(&mut serveur);
    let texte = journal(&dossier);
    for i in 0..clients {
        for m in 0..messages {
            let motif = format!("c{i} : m-{i}-{m}");
            let fois = texte.lines().filter(|l| l.ends_with(&motif)).count();
            tests::egal!(
                fois,
                1,
                "Étape 8 : le journal doit contenir « {motif} » exactement une fois (vu {fois} fois)"
            );
        }
    }
}

#[test]
fn un_client_qui_ne_lit_plus_est_deconnecte_sans_retenir_les_autres() {
    let dossier = Dossier::nouveau("e8-sourd");
    let serveur = lancer(&dossier, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let _sourd = rejoindre(&serveur, "sourd");
    let mut inonde = rejoindre(&serveur, "inonde");
    temoin.attendre("*** inonde a rejoint");
    // 2 000 lignes de 4 000 octets : 8 Mo, plus que ce que les tampons TCP du sourd absorbent ;
    // ensuite plus aucun octet ne lui parvient, et le délai de grâce (3 s) le déconnecte.
    let lignes = 2_000;
    let echeance = Instant::now() + Duration::from_secs(25);
    thread::scope(|portee| {
        portee.spawn(|| {
            let ligne = format!("{}\n", "x".repeat(4_000));
            for _ in 0..lignes {
                inonde.envoyer_octets(ligne.as_bytes());
            }
        });
        let (mut recus, mut sourd_parti) = (0, false);
        while recus < lignes || !sourd_parti {
            assert!(
                Instant::now() < echeance,
                "Étape 8 : en 25 s, le témoin a reçu {recus} lignes sur {lignes} ; départ du sourd \
                 annoncé : {sourd_parti}"
            );
            let ligne = temoin.ligne(&format!(
                "la ligne n°{recus} de la rafale (ou le départ du sourd)"
            ));
            if ligne.starts_with("inonde : ") {
                recus += 1;
            } else if ligne.contains("*** sourd a quitté le salon") {
                sourd_parti = true;
            }
        }
    });
}

#[test]
fn un_lecteur_lent_recoit_un_long_copier_coller_en_entier() {
    let dossier = Dossier::nouveau("e8-lent");
    let serveur = lancer(&dossier, &[]);
    let mut lent = rejoindre(&serveur, "lent");
    let mut inonde = rejoindre(&serveur, "inonde");
    lent.attendre("*** inonde a rejoint");
    // Le cas que l'énoncé promet : un copier-coller de 10 Mo (2 500 lignes de 4 000 octets) vers
    // un client qui lit à 200 ko/s (une ligne toutes les 20 ms). L'émetteur, ralenti à 2 Mio/s
    // après sa réserve, a tout envoyé en 4 s environ ; le retard du lecteur lent culmine alors
    // vers 9 Mo, bien plus que les tampons du système n'en absorbent. Ensuite il lit à pleine
    // vitesse (attendre ses 50 s de lecture lente n'apprendrait rien de plus) : il doit tout
    // recevoir, sans jamais être coupé.
    let lignes = 2_500;
    let debut = Instant::now();
    let lecture_lente = Duration::from_secs(4);
    let echeance = debut + Duration::from_secs(25);
    thread::scope(|portee| {
        portee.spawn(|| {
            let ligne = format!("{}\n", "y".repeat(4_000));
            for _ in 0..lignes {
                inonde.envoyer_octets(ligne.as_bytes());
            }
        });
        for recus in 0..lignes {
            assert!(
                Instant::now() < echeance,
                "Étape 8 : en 25 s, le lecteur lent n'a reçu que {recus} lignes sur {lignes}"
            );
            let ligne = lent.ligne(&format!(
                "la ligne n°{recus} du copier-coller (sur {lignes})"
            ));
            assert!(
                ligne.starts_with("inonde : y"),
                "Étape 8 : un client qui lit à 200 ko/s ne doit pas être coupé pendant un \
                 copier-coller de 10 Mo ; ligne n°{recus} reçue : « {} »",
                ligne.chars().take(120).collect::<String>()
            );
            // 4 000 octets toutes les 20 ms : 200 ko/s, pendant les 4 premières secondes.
            let prochaine = debut + Duration::from_millis(20) * (recus as u32 + 1);
            if debut.elapsed() < lecture_lente {
                tests::patienter(prochaine.saturating_duration_since(Instant::now()));
            }
        }
    });
}

#[test]
fn un_flot_de_mp_vers_des_clients_qui_ne_lisent_pas_ne_retarde_pas_liste() {
    let dossier = Dossier::nouveau("e8-mp-sourds");
    let serveur = lancer(&dossier, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let sourds: Vec<Client> = (0..3)
        .map(|i| rejoindre(&serveur, &format!("sourd{i}")))
        .collect();
    let mut inonde = rejoindre(&serveur, "inonde");
    temoin.attendre("*** inonde a rejoint");
    let texte = "z".repeat(3_900);
    let flot: String = (0..1_500)
        .map(|i| format!("/mp sourd{} {texte}\n", i % 3))
        .collect();
    thread::scope(|portee| {
        portee.spawn(|| inonde.envoyer_octets(flot.as_bytes()));
        // Pendant le flot (les files des sourds se remplissent, leurs sockets sont pleines),
        // /liste ne doit attendre personne.
        let mut pire = Duration::ZERO;
        for _ in 0..20 {
            let debut = Instant::now();
            temoin.envoyer("/liste");
            temoin.attendre("= connectés");
            pire = pire.max(debut.elapsed());
        }
        assert!(
            pire < Duration::from_millis(250),
            "Étape 8 : /liste a attendu {pire:?} pendant un flot de /mp vers des clients qui ne \
             lisent pas : un verrou est tenu pendant une attente"
        );
    });
    drop(sourds);
}

#[test]
fn de_seize_clients_qui_veulent_bob_un_seul_l_obtient() {
    let dossier = Dossier::nouveau("e8-course");
    let serveur = lancer(&dossier, &[]);
    let mut candidats: Vec<Client> = (0..16)
        .map(|_| {
            let mut client = serveur.connecter();
            client.attendre("pseudo");
            client
        })
        .collect();
    let depart = Barrier::new(candidats.len());
    let gagnants = thread::scope(|portee| {
        let essais: Vec<_> = candidats
            .iter_mut()
            .map(|client| {
                let depart = &depart;
                portee.spawn(move || {
                    depart.wait();
                    client.envoyer("bob");
                    // Un gagnant peut recevoir l'arrivée d'un autre « bob » avant son propre
                    // accueil : on lit jusqu'à l'accueil ou au refus.
                    loop {
                        let ligne = client.ligne("la réponse au pseudo « bob »");
                        if ligne.starts_with("= bienvenue") {
                            break true;
                        }
                        if ligne.starts_with("ERREUR") {
                            break false;
                        }
                    }
                })
            })
            .collect();
        essais
            .into_iter()
            .map(|essai| essai.join().unwrap_or(false))
            .filter(|&gagne| gagne)
            .count()
    });
    tests::egal!(
        gagnants,
        1,
        "Étape 8 : exactement un des clients doit obtenir « bob »"
    );
}

#[test]
fn la_liste_noire_refuse_avant_toute_annonce_et_se_relit_a_chaque_connexion() {
    let dossier = Dossier::nouveau("e8-liste-noire");
    let liste = dossier.fichier("refus.txt");
    std::fs::write(&liste, "# personne pour l'instant\n").expect("écriture de la liste");
    let mut serveur = lancer(&dossier, &["--liste-noire", &liste]);
    let mut membre = rejoindre(&serveur, "membre");
    std::fs::write(&liste, "# la boucle locale est refusée\n127.0.0.1\n")
        .expect("écriture de la liste");
    let mut refuse = serveur.connecter();
    tests::egal!(refuse.ligne("le refus de la liste noire"), "Accès refusé");
    refuse.attendre_fermeture("l'adresse est sur la liste noire");
    serveur.attendre_console("[REFUS]");
    membre.envoyer("/liste");
    let reponse = membre.ligne("la réponse à /liste");
    assert!(
        reponse.starts_with("= connectés (1)"),
        "Étape 8 : un refusé ne doit être ni annoncé ni compté ; reçu « {reponse} »"
    );
    std::fs::write(&liste, "# de nouveau personne\n").expect("écriture de la liste");
    rejoindre(&serveur, "revenu");
    membre.attendre("*** revenu a rejoint le salon");
    // Des voisins de 127.0.0.1, qui ne le contiennent pas : ni le texte « 127.0.0.1… », ni une
    // plage voisine, ni une adresse IPv6 ne le refusent.
    std::fs::write(&liste, "127.0.0.10\n127.0.0.100/30\n127.0.0.2/31\n::1\n")
        .expect("écriture de la liste");
    rejoindre(&serveur, "voisin");
    membre.attendre("*** voisin a rejoint le salon");
}

#[test]
fn le_journal_horodate_chaque_message_et_neutralise_les_controles() {
    let dossier = Dossier::nouveau("e8-journal");
    let mut serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer("coucou \u{1b}[2J");
    alice.attendre("bob : coucou");
    bob.envoyer("/quitter");
    alice.attendre("*** bob a quitté");
    arreter(&mut serveur);
    let texte = journal(&dossier);
    for attendu in [
        "*** alice a rejoint le salon",
        "bob : coucou",
        "*** bob a quitté le salon",
    ] {
        let ligne = texte
            .lines()
            .find(|l| l.contains(attendu))
            .unwrap_or_else(|| {
                panic!("Étape 8 : le journal doit contenir « {attendu} » ; journal :\n{texte}")
            });
        if let Err(raison) = verifier_horodatage_utc(ligne) {
            panic!(
                "Étape 8 : chaque ligne du journal commence par « AAAA-MM-JJ hh:mm:ss », l'heure \
                 UTC de l'écriture : {raison}"
            );
        }
    }
    assert!(
        !texte.contains('\u{1b}'),
        "Étape 8 : aucun caractère d'échappement dans le journal"
    );
}

#[test]
fn chaque_ligne_du_journal_est_sur_le_disque_pendant_que_le_serveur_tourne() {
    let dossier = Dossier::nouveau("e8-journal-disque");
    let _serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&_serveur, "alice");
    let mut bob = rejoindre(&_serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer("sur le disque");
    alice.attendre("bob : sur le disque");
    // Le serveur tourne encore : la ligne doit déjà être dans le fichier, pas dans un tampon
    // vidé seulement à l'arrêt (un arrêt brutal la perdrait).
    attendre_dans_fichier(
        &dossier.0.join("chat_log.txt"),
        "bob : sur le disque",
        "Étape 8",
    );
}

#[test]
fn un_journal_impossible_a_ecrire_est_une_erreur_au_demarrage() {
    let dossier = Dossier::nouveau("e8-journal-impossible");
    let chemin = dossier.fichier("dossier-absent/chat.txt");
    assert_cmd::Command::new(programme(ETAPE))
        .args(["serveur", "--port", "0", "--journal", &chemin])
        .timeout(DELAI)
        .assert()
        .failure()
        .stderr(predicate::str::contains("journal"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn le_nouveau_venu_recoit_l_historique_d_un_lancement_precedent() {
    let dossier = Dossier::nouveau("e8-historique");
    {
        let mut premier = lancer(&dossier, &[]);
        let mut alice = rejoindre(&premier, "alice");
        alice.envoyer("souvenir du premier lancement");
        alice.envoyer("/liste");
        alice.attendre("= connectés");
        arreter(&mut premier);
    }
    let second = lancer(&dossier, &["--historique", "2"]);
    let carol = rejoindre(&second, "carol");
    let historique: Vec<&String> = carol
        .recu
        .iter()
        .filter(|l| l.starts_with("[historique]"))
        .collect();
    tests::egal!(
        historique.len(),
        2,
        "Étape 8 : avec --historique 2, deux lignes d'historique ; reçu {:?}",
        carol.recu
    );
    assert!(
        historique[0].ends_with("alice : souvenir du premier lancement"),
        "Étape 8 : l'historique doit contenir le message du lancement précédent ; reçu {historique:?}"
    );
    let position_accueil = carol.recu.iter().position(|l| l.starts_with("= bienvenue"));
    let derniere_histoire = carol
        .recu
        .iter()
        .rposition(|l| l.starts_with("[historique]"));
    assert!(
        derniere_histoire < position_accueil,
        "Étape 8 : l'historique vient avant l'accueil et les messages en direct"
    );
}

#[test]
fn stop_sans_le_bon_jeton_est_refuse_et_ne_change_rien() {
    let dossier = Dossier::nouveau("e8-stop-refuse");
    let serveur = lancer(&dossier, &["--jeton-admin", "s3cret"]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    for essai in ["stop", "stop faux", "stop s3cret2"] {
        bob.envoyer(essai);
        let reponse = bob.ligne(&format!("la réponse à « {essai} »"));
        assert!(
            reponse.starts_with("ERREUR"),
            "Étape 8 : « {essai} » doit être refusé ; reçu « {reponse} »"
        );
    }
    bob.envoyer("encore là");
    tests::egal!(
        alice.attendre("bob :"),
        "bob : encore là",
        "Étape 8 : après un stop refusé, le salon continue (et « stop … » n'est jamais diffusé)"
    );
}

#[test]
fn stop_avec_le_jeton_arrete_proprement() {
    let dossier = Dossier::nouveau("e8-stop-jeton");
    let mut serveur = lancer(&dossier, &["--jeton-admin", "s3cret"]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    alice.envoyer("stop s3cret");
    bob.attendre("*** Le serveur s'arrête");
    bob.attendre_fermeture("le serveur s'arrête");
    tests::egal!(
        serveur.attendre_fin(),
        Some(0),
        "Étape 8 : un arrêt demandé avec le jeton rend 0"
    );
}

#[test]
fn stop_sur_la_console_previent_deux_cents_clients_et_finit_en_moins_de_deux_secondes() {
    let dossier = Dossier::nouveau("e8-arret");
    let mut serveur = lancer(&dossier, &[]);
    let mut clients: Vec<Client> = (0..200)
        .map(|i| rejoindre(&serveur, &format!("c{i}")))
        .collect();
    // Un client qui ne lit rien du tout ne doit pas retarder l'arrêt au-delà du délai annoncé.
    let _sourd = serveur.connecter();
    let debut = Instant::now();
    serveur.taper("stop");
    tests::egal!(
        serveur.attendre_fin(),
        Some(0),
        "Étape 8 : l'arrêt doit rendre 0"
    );
    let duree = debut.elapsed();
    assert!(
        duree < Duration::from_secs(2),
        "Étape 8 : l'arrêt avec 200 clients doit prendre moins de 2 s ; il a pris {duree:?}"
    );
    let console = serveur.lu.join("\n");
    assert!(
        console.contains("[ARRÊT] Serveur arrêté proprement."),
        "Étape 8 : la console est écrite jusqu'au bout avant la fin du programme (« [ARRÊT] \
         Serveur arrêté proprement. » en dernier) ; sa fin :\n{}",
        tests::dernieres_lignes(&console, 10)
    );
    assert!(
        !console.contains("lignes de console perdues"),
        "Étape 8 : une console qui est lue ne perd aucune ligne ; sa fin :\n{}",
        tests::dernieres_lignes(&console, 10)
    );
    for client in clients.iter_mut().step_by(20) {
        client.attendre("*** Le serveur s'arrête");
        client.attendre_fermeture("le serveur est arrêté");
    }
}

#[test]
fn au_dela_de_max_clients_la_connexion_est_refusee() {
    let dossier = Dossier::nouveau("e8-max");
    let serveur = lancer(&dossier, &["--max-clients", "2"]);
    let _a = rejoindre(&serveur, "a");
    let _b = rejoindre(&serveur, "b");
    let mut trop = serveur.connecter();
    let refus = trop.ligne("le refus du salon complet");
    assert!(
        refus.starts_with("ERREUR") && refus.contains("complet"),
        "Étape 8 : au-delà de --max-clients, « ERREUR : … complet … » ; reçu « {refus} »"
    );
    trop.attendre_fermeture("le salon est complet");
}

#[test]
fn mauvaises_lignes_et_coupures_ne_genent_que_leur_auteur() {
    let dossier = Dossier::nouveau("e8-mauvais");
    let serveur = lancer(&dossier, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let mut bob = rejoindre(&serveur, "bob");
    temoin.attendre("*** bob a rejoint");
    bob.envoyer_octets(b"\xc3\x28\n");
    assert!(bob.ligne("l'erreur UTF-8").starts_with("ERREUR"));
    let mut enorme = vec![b'y'; 150_000];
    enorme.push(b'\n');
    bob.envoyer_octets(&enorme);
    assert!(
        bob.ligne("l'erreur de ligne trop longue")
            .starts_with("ERREUR")
    );
    {
        let brutal = rejoindre(&serveur, "brutal");
        temoin.attendre("*** brutal a rejoint");
        bob.envoyer("pour brutal");
        brutal.couper_brutalement(b"");
    }
    let depart = temoin.attendre("*** brutal a quitté le salon");
    tests::egal!(
        depart,
        "*** brutal a quitté le salon",
        "Étape 8 : un client qui ferme avec des données non lues est parti, il n'est pas « lent »"
    );
    let demi = rejoindre(&serveur, "demi");
    demi.flux().shutdown(Shutdown::Write).ok();
    temoin.attendre("*** demi a quitté le salon");
    bob.envoyer("toujours là");
    tests::egal!(temoin.attendre("bob : toujours"), "bob : toujours là");
    // Des octets au hasard, de quelqu'un qui n'a même pas choisi de pseudo.
    let mut bruit = serveur.connecter();
    let mut hasard = tests::Hasard::new(8);
    let octets: Vec<u8> = (0..30_000).map(|_| hasard.octet()).collect();
    bruit.envoyer_octets(&octets);
    drop(bruit);
    bob.envoyer("fin");
    tests::egal!(temoin.attendre("bob : fin"), "bob : fin");
}

#[test]
fn le_client_du_programme_sort_proprement_a_la_fin_de_son_entree() {
    let dossier = Dossier::nouveau("e8-client");
    let serveur = lancer(&dossier, &[]);
    let mut temoin = rejoindre(&serveur, "temoin");
    tests::client_programme(ETAPE, &serveur, "zoe\nbonjour\n")
        .success()
        .stdout(predicate::str::contains("= bienvenue zoe"));
    temoin.attendre("zoe : bonjour");
    temoin.attendre("*** zoe a quitté le salon");
}

#[test]
fn la_demo_affiche_le_resultat_attendu_de_l_enonce() {
    verifier_demo(ETAPE);
}

#[test]
fn ecrire_sur_la_console_autre_chose_que_stop_ne_fait_rien() {
    let dossier = Dossier::nouveau("e8-console");
    let mut serveur = lancer(&dossier, &[]);
    serveur.taper("bonjour");
    serveur.attendre_console("stop");
    let mut alice = rejoindre(&serveur, "alice");
    alice.envoyer("/liste");
    assert!(
        alice
            .ligne("la réponse à /liste")
            .starts_with("= connectés (1)")
    );
}

#[test]
fn pseudo_renomme_annonce_le_changement_et_refuse_un_nom_pris() {
    let dossier = Dossier::nouveau("e8-renommer");
    let serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    let refus = bob.demander("/pseudo ALICE");
    assert!(
        refus.starts_with("ERREUR"),
        "Étape 8 : /pseudo vers un nom déjà pris (sans distinction de casse) doit être refusé ; reçu « {refus} »"
    );
    let accord = bob.demander("/pseudo robert");
    assert!(
        accord.starts_with("= "),
        "Étape 8 : /pseudo robert doit être accepté ; reçu « {accord} »"
    );
    alice.attendre("*** bob s'appelle maintenant robert");
    bob.envoyer("me revoilà");
    tests::egal!(
        alice.attendre("me revoilà"),
        "robert : me revoilà",
        "Étape 8 : après /pseudo, les messages portent le nouveau nom"
    );
    // L'ancien pseudo est libéré : un nouveau venu peut le prendre.
    let mut nouveau = rejoindre(&serveur, "bob");
    nouveau.envoyer("je suis le nouveau bob");
    tests::egal!(
        alice.attendre("je suis le nouveau bob"),
        "bob : je suis le nouveau bob",
        "Étape 8 : après /pseudo robert, le pseudo « bob » doit être libre pour un autre"
    );
}

#[test]
fn une_connexion_qui_ne_choisit_pas_de_pseudo_a_temps_est_fermee() {
    let dossier = Dossier::nouveau("e8-delai-pseudo");
    let serveur = lancer(&dossier, &["--delai-pseudo", "1", "--max-clients", "2"]);
    let debut = Instant::now();
    let mut sourd = serveur.connecter();
    // Celui-ci envoie un octet de temps en temps, sans jamais finir sa ligne.
    let mut goutte = serveur.connecter();
    goutte.attendre("pseudo");
    goutte.envoyer_octets(b"a");
    sourd.attendre("pseudo");
    let refus = sourd.ligne("le refus après le délai du pseudo");
    assert!(
        refus.starts_with("ERREUR") && refus.contains("pseudo"),
        "Étape 8 : après --delai-pseudo 1, « ERREUR : pas de pseudo … » ; reçu « {refus} »"
    );
    sourd.attendre_fermeture("pas de pseudo dans le délai");
    goutte.envoyer_octets(b"b");
    goutte.attendre_fermeture("une ligne de pseudo jamais finie, même goutte à goutte");
    assert!(
        debut.elapsed() < Duration::from_secs(5),
        "Étape 8 : les connexions sans pseudo doivent être fermées au bout du délai (1 s) ; \
         il a fallu {:?}",
        debut.elapsed()
    );
    // Leurs places sont libres : deux vrais clients entrent.
    let _alice = rejoindre(&serveur, "alice");
    let _bob = rejoindre(&serveur, "bob");
}

#[test]
fn stop_est_exact_et_ne_montre_jamais_le_jeton() {
    let dossier = Dossier::nouveau("e8-stop-exact");
    let serveur = lancer(&dossier, &["--jeton-admin", "s3cret"]);
    let mut alice = rejoindre(&serveur, "alice");
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer("stop la musique");
    tests::egal!(
        alice.attendre("bob :"),
        "bob : stop la musique",
        "Étape 8 : une phrase qui commence par « stop » est un message ordinaire"
    );
    let reponse = bob.demander("STOP S3CRET");
    assert!(
        reponse.starts_with("ERREUR"),
        "Étape 8 : « STOP S3CRET » doit être refusé et jamais diffusé ; reçu « {reponse} »"
    );
    bob.envoyer("témoin");
    tests::egal!(
        alice.attendre("bob :"),
        "bob : témoin",
        "Étape 8 : le jeton, en majuscules ou non, ne doit être montré à personne"
    );
    // Tout ce qui précède « témoin » est écrit quand « témoin » l'est : sans cette attente,
    // un journal encore vide passerait le test.
    let texte = attendre_dans_fichier(&dossier.0.join("chat_log.txt"), "bob : témoin", "Étape 8");
    alice.envoyer("/quitter");
    bob.envoyer("/quitter");
    drop(serveur);
    assert!(
        !texte.to_lowercase().contains("s3cret"),
        "Étape 8 : le jeton ne doit pas être journalisé ; journal :\n{texte}"
    );
}

#[test]
fn deviner_le_jeton_ferme_la_connexion_apres_trois_essais() {
    let dossier = Dossier::nouveau("e8-jeton-force");
    let serveur = lancer(&dossier, &["--jeton-admin", "s3cret-bien-long"]);
    let mut pirate = rejoindre(&serveur, "pirate");
    let essais: String = (0..1000).map(|i| format!("stop {i:05}\n")).collect();
    pirate.envoyer_octets(essais.as_bytes());
    pirate.attendre_fermeture("trop d'essais de jeton");
    let refus = pirate
        .recu
        .iter()
        .filter(|l| l.starts_with("ERREUR"))
        .count();
    assert!(
        refus <= 3,
        "Étape 8 : au plus trois essais de jeton par connexion ; {refus} refus reçus"
    );
    let mut temoin = rejoindre(&serveur, "temoin");
    assert!(temoin.demander("/liste").starts_with("= connectés (1)"));
}

#[test]
fn sans_jeton_admin_stop_d_un_client_ne_fait_rien() {
    let dossier = Dossier::nouveau("e8-stop-sans-jeton");
    let serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    for essai in ["stop", "stop ", "stop x"] {
        let reponse = alice.demander(essai);
        assert!(
            reponse.starts_with("ERREUR"),
            "Étape 8 : sans --jeton-admin, « {essai} » venu d'un client est refusé ; reçu « {reponse} »"
        );
    }
    assert!(
        alice.demander("/liste").starts_with("= connectés (1)"),
        "Étape 8 : le serveur doit toujours tourner"
    );
}

#[test]
fn la_liste_noire_lue_avec_indulgence_ne_s_ouvre_jamais() {
    let dossier = Dossier::nouveau("e8-liste-robuste");
    let liste = dossier.fichier("refus.txt");
    // Un BOM, 3 Ko de commentaires, une plage CIDR, un commentaire en Latin-1 (« élève » d'un
    // éditeur Windows).
    let mut contenu = b"\xef\xbb\xbf".to_vec();
    for _ in 0..100 {
        contenu.extend_from_slice(b"# une liste bien commentee\n");
    }
    contenu.extend_from_slice(b"127.0.0.0/8\n# \xe9l\xe8ve du fond\n");
    std::fs::write(&liste, contenu).expect("écriture de la liste");
    let serveur = lancer(&dossier, &["--liste-noire", &liste]);
    let mut refuse = serveur.connecter();
    tests::egal!(
        refuse.ligne("le refus de la plage 127.0.0.0/8"),
        "Accès refusé",
        "Étape 8 : un BOM, 3 Ko de commentaires, un octet Latin-1 ou une plage CIDR ne doivent \
         pas ouvrir la liste"
    );
    std::fs::remove_file(&liste).expect("effacement de la liste");
    let mut encore = serveur.connecter();
    tests::egal!(
        encore.ligne("le refus, liste effacée"),
        "Accès refusé",
        "Étape 8 : une liste noire effacée pendant le service garde la dernière liste lue"
    );
}

#[test]
fn des_options_hors_limites_sont_refusees_en_francais() {
    let dossier = Dossier::nouveau("e8-options");
    std::fs::write(
        dossier.0.join("chat_log.txt"),
        "2026-01-01 00:00:00 ancien\n",
    )
    .expect("journal");
    for options in [
        ["--historique", "18446744073709551615"],
        ["--historique", "1001"],
        ["--delai-pseudo", "0"],
        ["--max-clients", "0"],
    ] {
        assert_cmd::Command::new(programme(ETAPE))
            .current_dir(&dossier.0)
            .args(["serveur", "--port", "0"])
            .args(options)
            .timeout(DELAI)
            .assert()
            .failure()
            .stderr(predicate::str::contains(options[0]))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn les_caracteres_invisibles_et_les_sosies_de_pseudo_sont_neutralises() {
    let dossier = Dossier::nouveau("e8-invisibles");
    let serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    for sosie in ["\u{430}lice", "\u{ff41}lice", "ALICE", "alice\u{200b}"] {
        let mut imposteur = serveur.connecter();
        imposteur.attendre("pseudo");
        let reponse = imposteur.demander(sosie);
        assert!(
            reponse.starts_with("ERREUR"),
            "Étape 8 : le pseudo {sosie:?} ressemble à « alice » et doit être refusé ; reçu « {reponse} »"
        );
    }
    let mut bob = rejoindre(&serveur, "bob");
    alice.attendre("*** bob a rejoint");
    bob.envoyer("à l'envers \u{202e}txet\u{200b} fin\u{2028}x");
    let recu = alice.attendre("bob :");
    assert!(
        !recu.contains(['\u{202e}', '\u{200b}', '\u{2028}']),
        "Étape 8 : les caractères invisibles de mise en forme ne doivent atteindre personne ; \
         reçu {recu:?}"
    );
}

#[test]
fn rien_n_est_journalise_apres_l_annonce_d_arret() {
    let dossier = Dossier::nouveau("e8-apres-arret");
    let mut serveur = lancer(&dossier, &[]);
    let mut bavards: Vec<Client> = (0..5)
        .map(|i| rejoindre(&serveur, &format!("b{i}")))
        .collect();
    let paroles: String = (0..2_000).map(|i| format!("parole {i}\n")).collect();
    thread::scope(|portee| {
        for bavard in bavards.iter_mut() {
            let paroles = &paroles;
            portee.spawn(move || {
                // Le serveur peut fermer pendant l'envoi : on ne regarde pas le résultat.
                let mut flux = bavard.flux();
                let _ = std::io::Write::write_all(&mut flux, paroles.as_bytes());
            });
        }
        serveur.taper("stop");
        tests::egal!(serveur.attendre_fin(), Some(0), "Étape 8 : l'arrêt rend 0");
    });
    let texte = journal(&dossier);
    let annonce = texte
        .lines()
        .position(|l| l.ends_with("*** Le serveur s'arrête"))
        .unwrap_or_else(|| panic!("Étape 8 : l'annonce d'arrêt doit être journalisée"));
    let apres = texte.lines().count() - annonce - 1;
    tests::egal!(
        apres,
        0,
        "Étape 8 : {apres} lignes journalisées après l'annonce d'arrêt"
    );
}

#[test]
fn ctrl_c_sur_la_console_arrete_comme_stop() {
    // Envoyer Ctrl-C à un autre processus n'a pas de moyen portable dans la bibliothèque
    // standard : on se sert de la commande `kill` quand elle existe (Linux, macOS).
    let Ok(sortie) = std::process::Command::new("kill").arg("-l").output() else {
        eprintln!("Étape 8 : pas de commande kill sur cette machine, test de Ctrl-C sauté");
        return;
    };
    if !sortie.status.success() {
        return;
    }
    let dossier = Dossier::nouveau("e8-ctrl-c");
    let mut serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let envoye = std::process::Command::new("kill")
        .args(["-INT", &serveur.pid().to_string()])
        .status()
        .is_ok_and(|statut| statut.success());
    assert!(envoye, "Étape 8 : kill -INT n'a pas pu être envoyé");
    alice.attendre("*** Le serveur s'arrête");
    alice.attendre_fermeture("Ctrl-C arrête le serveur");
    tests::egal!(
        serveur.attendre_fin(),
        Some(0),
        "Étape 8 : après Ctrl-C, le serveur prévient tout le monde et rend 0"
    );
}

#[test]
fn un_lecteur_trop_lent_est_deconnecte_quand_son_retard_passe_la_limite() {
    let dossier = Dossier::nouveau("e8-limite");
    let serveur = lancer(&dossier, &["--limite-retard", "1"]);
    let mut temoin = rejoindre(&serveur, "temoin");
    let mut escargot = rejoindre(&serveur, "escargot");
    let mut inonde = rejoindre(&serveur, "inonde");
    temoin.attendre("*** inonde a rejoint");
    escargot.attendre("*** inonde a rejoint");
    // 6 Mo, et un lecteur qui lit une ligne toutes les 50 ms (80 ko/s) : son retard dépasse
    // vite 1 Mio, alors qu'il lit encore. Il doit être coupé, avec un dernier mot qui dit pourquoi.
    let lignes = 1_500;
    let echeance = Instant::now() + Duration::from_secs(25);
    let coupe = AtomicBool::new(false);
    thread::scope(|portee| {
        portee.spawn(|| {
            let ligne = format!("{}\n", "w".repeat(4_000));
            for _ in 0..lignes {
                inonde.envoyer_octets(ligne.as_bytes());
            }
        });
        portee.spawn(|| {
            loop {
                assert!(
                    Instant::now() < echeance,
                    "Étape 8 : un client dont le retard dépasse --limite-retard doit être coupé"
                );
                match escargot.lire() {
                    tests::Recu::Ligne(ligne) if ligne.starts_with("***") => {
                        assert!(
                            ligne.contains("pas assez vite"),
                            "Étape 8 : le dernier mot doit dire pourquoi ; reçu « {ligne} »"
                        );
                        break;
                    }
                    // Ses tampons étaient pleins : le dernier mot n'a pas pu passer.
                    tests::Recu::Fermeture => break,
                    tests::Recu::Ligne(_) => {
                        if !coupe.load(Ordering::SeqCst) {
                            tests::patienter(Duration::from_millis(50));
                        }
                    }
                    tests::Recu::Rien => panic!("Étape 8 : le client lent ne reçoit plus rien"),
                }
            }
        });
        temoin.attendre("*** escargot a quitté le salon (ne lisait pas assez vite)");
        coupe.store(true, Ordering::SeqCst);
    });
}

#[test]
fn une_console_fermee_ou_qui_ne_suit_plus_n_arrete_pas_le_salon() {
    for console in [tests::Console::Fermee, tests::Console::JamaisLue] {
        let dossier = Dossier::nouveau("e8-console-fermee");
        let mut serveur = Serveur::lancer_avec(ETAPE, &[], Some(&dossier.0), console);
        let mut temoin = rejoindre(&serveur, "temoin");
        // Des connexions qui repartent aussitôt : deux lignes de console chacune. Pour une console
        // qui ne lit plus, sept cents (70 Ko), plus que ce qu'un tube garde (64 Kio).
        let passants = if console == tests::Console::JamaisLue {
            700
        } else {
            50
        };
        for _ in 0..passants {
            drop(serveur.connecter());
        }
        let mut dernier = rejoindre(&serveur, "dernier");
        dernier.envoyer("toujours là");
        tests::egal!(
            temoin.attendre("dernier :"),
            "dernier : toujours là",
            "Étape 8 : une console {console:?} ne doit ni arrêter ni figer le salon"
        );
        // L'arrêt n'attend pas une console qui ne lit plus (au plus une seconde).
        serveur.taper("stop");
        tests::egal!(
            serveur.attendre_fin(),
            Some(0),
            "Étape 8 : avec une console {console:?}, « stop » doit arrêter le serveur (code 0) : \
             l'arrêt n'attend pas indéfiniment une console qui ne lit plus{}",
            serveur.stderr()
        );
    }
}

#[test]
fn quand_les_descripteurs_manquent_accept_recule_et_le_dit_une_fois() {
    // Limiter les descripteurs de fichiers d'un autre processus n'a pas de moyen portable : on se
    // sert de `prlimit` quand il existe (Linux).
    let present = std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|sortie| sortie.status.success());
    if !present {
        eprintln!("Étape 8 : pas de prlimit sur cette machine, test des descripteurs sauté");
        return;
    }
    let dossier = Dossier::nouveau("e8-emfile");
    let mut serveur = Serveur::lancer_sous(
        &["prlimit", "--nofile=40:40"],
        ETAPE,
        &[],
        Some(&dossier.0),
        tests::Console::Lue,
    );
    // Plus de connexions que le serveur n'a de descripteurs : `accept` échoue (EMFILE).
    let mut clients: Vec<Client> = (0..60).map(|_| serveur.connecter()).collect();
    serveur.attendre_console("[ERREUR] accept");
    // Ceux qui sont entrés reçoivent l'invite ; le serveur répond toujours.
    clients[0].attendre("pseudo");
    clients.clear();
    // Les descripteurs se libèrent : un nouveau venu est servi.
    let mut nouveau = rejoindre(&serveur, "revenu");
    assert!(nouveau.demander("/liste").starts_with("= connectés"));
    let erreurs = serveur
        .console_jusqu_ici()
        .iter()
        .filter(|ligne| ligne.contains("[ERREUR] accept"))
        .count();
    assert!(
        erreurs <= 5,
        "Étape 8 : quand accept échoue faute de descripteurs, le serveur doit reculer et le dire \
         une fois par épisode ; {erreurs} lignes d'erreur"
    );
}

#[test]
fn le_client_du_programme_affiche_une_reponse_plus_longue_qu_une_ligne_recue() {
    // « ΐ » (2 octets) devient « Ϊ́ » (6 octets) : la réponse à /majuscules (12 002 octets)
    // dépasse la limite d'une ligne reçue par le serveur (4 096), et le client doit pourtant
    // l'afficher en entier.
    let dossier = Dossier::nouveau("e8-majuscules");
    let serveur = lancer(&dossier, &[]);
    let texte = "\u{390}".repeat(2_000);
    let attendu = format!("= {}", "\u{390}".to_uppercase().repeat(2_000));
    tests::client_programme(ETAPE, &serveur, &format!("zoe\n/majuscules {texte}\n"))
        .success()
        .stdout(predicate::str::contains(attendu));
}

#[test]
fn un_client_sans_serveur_le_dit_en_nommant_son_etape() {
    tests::verifier_qu_un_client_sans_serveur_nomme_son_etape(ETAPE);
}

#[test]
fn tous_les_membres_le_journal_et_l_historique_voient_le_salon_dans_le_meme_ordre() {
    let dossier = Dossier::nouveau("e8-ordre");
    let mut serveur = lancer(&dossier, &["--historique", "1000"]);
    let (lecteurs, emetteurs, lignes) = (20, 4, 1_000);
    let mut membres: Vec<Client> = (0..lecteurs)
        .map(|i| rejoindre(&serveur, &format!("l{i}")))
        .collect();
    let mut bavards: Vec<Client> = (0..emetteurs)
        .map(|i| rejoindre(&serveur, &format!("e{i}")))
        .collect();
    // Tout le monde est inscrit avant la rafale : chacun attend l'arrivée du dernier.
    let dernier = format!("*** e{} a rejoint le salon", emetteurs - 1);
    for membre in membres
        .iter_mut()
        .chain(bavards.iter_mut().take(emetteurs - 1))
    {
        membre.attendre(&dernier);
    }
    let total = emetteurs * lignes;
    let depart = Barrier::new(emetteurs);
    let vus: Vec<Vec<String>> = thread::scope(|portee| {
        for (i, bavard) in bavards.iter_mut().enumerate() {
            let depart = &depart;
            portee.spawn(move || {
                let rafale: String = (0..lignes).map(|m| format!("o-{i}-{m}\n")).collect();
                depart.wait();
                bavard.envoyer_octets(rafale.as_bytes());
            });
        }
        let lectures: Vec<_> = membres
            .iter_mut()
            .map(|membre| {
                portee.spawn(move || {
                    let mut vu = Vec::with_capacity(total);
                    while vu.len() < total {
                        let ligne = membre.ligne(&format!(
                            "la ligne n°{} de la rafale (sur {total})",
                            vu.len()
                        ));
                        if ligne.contains(" : o-") {
                            vu.push(ligne);
                        }
                    }
                    vu
                })
            })
            .collect();
        lectures
            .into_iter()
            .map(|lecture| {
                lecture
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            })
            .collect()
    });
    let reference = &vus[0];
    for (i, vu) in vus.iter().enumerate().skip(1) {
        if let Some(ecart) = (0..total).find(|&n| vu[n] != reference[n]) {
            panic!(
                "Étape 8 : tous les membres doivent voir le salon dans le même ordre ; l{i} a reçu \
                 « {} » en position {ecart}, là où l0 a reçu « {} ». Deux émetteurs se sont \
                 doublés d'une file à l'autre : le dépôt dans les files se fait-il hors du verrou \
                 qui fixe l'ordre du salon ?",
                vu[ecart], reference[ecart]
            );
        }
    }
    // Un nouveau venu reçoit l'historique : le même ordre. (On lit l'accueil à la main : les
    // lignes d'historique sont plus nombreuses que celles qu'un client de test garde.)
    let mut retardataire = serveur.connecter();
    retardataire.attendre("pseudo");
    retardataire.envoyer("retard");
    let mut historique = Vec::new();
    loop {
        let ligne = retardataire.ligne("l'historique, puis « = bienvenue »");
        if ligne.starts_with("= bienvenue") {
            break;
        }
        if ligne.starts_with("[historique]") && ligne.contains(" : o-") {
            historique.push(
                ligne
                    .split_once(" UTC ")
                    .map_or("", |(_, fin)| fin)
                    .to_string(),
            );
        }
    }
    // L'historique garde les 1 000 dernières lignes du salon : la fin de la rafale.
    let fin = &reference[total - 1_000..];
    assert!(
        historique == fin,
        "Étape 8 : l'historique doit garder l'ordre du salon : les 1 000 dernières lignes de la \
         rafale étaient attendues dans l'ordre des membres ; {} reçues, première différence en \
         position {:?}",
        historique.len(),
        (0..1_000).find(|&n| historique.get(n) != fin.get(n))
    );
    retardataire.envoyer("bye");
    arreter(&mut serveur);
    let journal: Vec<String> = journal(&dossier)
        .lines()
        .filter(|ligne| ligne.contains(" : o-"))
        .map(|ligne| {
            ligne
                .split_once(" UTC ")
                .map_or("", |(_, fin)| fin)
                .to_string()
        })
        .collect();
    assert!(
        journal == *reference,
        "Étape 8 : le journal doit garder l'ordre que les membres ont vu ({} lignes de la rafale \
         sur {total}, première différence en position {:?})",
        journal.len(),
        (0..total).find(|&n| journal.get(n) != reference.get(n))
    );
}

#[test]
fn un_journal_efface_pendant_le_service_est_recree_et_la_console_le_dit() {
    let dossier = Dossier::nouveau("e8-journal-efface");
    let mut serveur = lancer(&dossier, &[]);
    let mut alice = rejoindre(&serveur, "alice");
    let chemin = dossier.0.join("chat_log.txt");
    tests::attendre_dans_fichier(&chemin, "alice a rejoint", "Étape 8");
    std::fs::remove_file(&chemin).expect("effacement du journal");
    alice.envoyer("après l'effacement");
    let texte = tests::attendre_dans_fichier(&chemin, "après l'effacement", "Étape 8");
    assert!(
        !texte.contains("alice a rejoint"),
        "Étape 8 : le journal recréé commence après l'effacement"
    );
    serveur.attendre_console("[ATTENTION] Le journal");
}

#[test]
fn l_historique_se_relit_a_la_fin_d_un_journal_de_plus_de_8_mio() {
    let dossier = Dossier::nouveau("e8-journal-9-mio");
    let remplissage = format!("2026-01-01 00:00:00 UTC {}\n", "r".repeat(1000));
    let mut contenu = remplissage.repeat(9 * 1024 * 1024 / remplissage.len() + 1);
    contenu.push_str("2026-01-01 00:00:00 UTC la toute dernière ligne\n");
    std::fs::write(dossier.0.join("chat_log.txt"), contenu).expect("journal");
    let serveur = lancer(&dossier, &[]);
    let nouveau = rejoindre(&serveur, "nouveau");
    let historique = nouveau
        .recu
        .iter()
        .filter(|l| l.starts_with("[historique]"))
        .count();
    tests::egal!(
        historique,
        20,
        "Étape 8 : d'un journal de plus de 8 Mio, le nouveau venu reçoit ses 20 dernières lignes \
         (--historique par défaut)"
    );
    assert!(
        nouveau
            .recu
            .iter()
            .any(|l| l.starts_with("[historique]") && l.contains("la toute dernière ligne")),
        "Étape 8 : d'un journal de plus de 8 Mio, on relit la fin (les 8 derniers Mio) : le \
         nouveau venu doit recevoir sa dernière ligne en historique ; reçu {} lignes, dont \
         les dernières :\n{}",
        nouveau.recu.len(),
        tests::dernieres_lignes(&Vec::from(nouveau.recu.clone()).join("\n"), 5)
    );
}
