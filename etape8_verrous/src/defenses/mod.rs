//! Les défenses du serveur final contre les clients hostiles : du code **donné**, à lire, un fichier
//! par idée. La leçon de l'étape (les files, le salon, la diffusion, le journal, l'arrêt) n'en a pas
//! besoin pour se comprendre ; un serveur qu'une classe fait tourner, si.
//!
//! # Ce que le serveur final refuse
//!
//! Chaque ligne est une attaque essayée contre ce serveur, et ce qu'elle obtient maintenant ; le
//! test entre parenthèses (suite de notation, `tests/tests/etape8.rs`, ou test unitaire du module
//! nommé) échoue si la défense disparaît.
//!
//! | attaque | ce qu'elle obtient |
//! |---|---|
//! | un client qui ne lit jamais pendant qu'un autre inonde | coupé après 3 s sans progrès, départ annoncé ; les autres reçoivent tout (`un_client_qui_ne_lit_plus_est_deconnecte_sans_retenir_les_autres`) |
//! | flot de `/mp` vers des clients qui ne lisent pas | `/liste` répond sans attendre : aucun verrou n'est tenu pendant une attente (`un_flot_de_mp_vers_des_clients_qui_ne_lisent_pas_ne_retarde_pas_liste`) |
//! | faire couper un lecteur lent en inondant | l'émetteur est tenu à 2 Mio/s, le lecteur garde 16 Mio de retard : il reçoit tout (`un_lecteur_lent_recoit_un_long_copier_coller_en_entier`) |
//! | des centaines de connexions muettes qui ne choisissent pas de pseudo | fermées au bout de `--delai-pseudo` (30 s), même goutte à goutte (`une_connexion_qui_ne_choisit_pas_de_pseudo_a_temps_est_fermee`) |
//! | épuiser les descripteurs de fichiers (`EMFILE`) | `accept` recule de 10 ms à 1 s, une ligne d'erreur par épisode ; `--max-clients` vaut 500 par défaut (`quand_les_descripteurs_manquent_accept_recule_et_le_dit_une_fois`, sous Linux) |
//! | liste noire enregistrée en Latin-1, avec un BOM, ou une plage `10.0.0.0/8` | lue avec indulgence : refus appliqué (`la_liste_noire_lue_avec_indulgence_ne_s_ouvre_jamais`) |
//! | liste noire effacée ou remplacée par un dossier pendant le service | la dernière liste lue reste en vigueur, et la console le dit (même test ; [`crate::liste_noire`]) |
//! | client IPv4 vu par une écoute IPv6 (`::ffff:10.0.0.1`) | comparé sous sa forme canonique : refusé ([`crate::liste_noire`]) |
//! | `--historique 18446744073709551615`, `--delai-pseudo 0`, `--max-clients 0` | refusé au démarrage par une phrase, sans panique (`des_options_hors_limites_sont_refusees_en_francais`) |
//! | un journal d'une seule ligne de 100 Mo, ou `--journal /dev/zero` | seuls les 8 derniers Mio sont relus, une ligne trop longue est sautée ([`crate::journal`]) |
//! | journal effacé pendant le service | recréé au lot suivant, et la console le dit ([`crate::journal`]) |
//! | console fermée, ou qui ne lit plus (un tube plein) | les lignes passent par une sortie qui perd plutôt que d'attendre ([`crate::sortie`]) ; le service continue (`une_console_fermee_ou_qui_ne_suit_plus_n_arrete_pas_le_salon`) |
//! | une réponse allongée par `/majuscules` ou par l'échappement | le client du programme l'affiche en entier (`le_client_du_programme_affiche_une_reponse_plus_longue_qu_une_ligne_recue`) |
//! | deviner le jeton d'administration par milliers d'essais | un essai par seconde au plus par adresse IP, connexion fermée au troisième jeton faux, comparaison en temps constant, aucune réponse qui dépende du jeton (`deviner_le_jeton_ferme_la_connexion_apres_trois_essais`) |
//! | `stop` sans `--jeton-admin` | refusé : seule la console arrête ce serveur (`sans_jeton_admin_stop_d_un_client_ne_fait_rien`) |
//! | `STOP s3cret` (le jeton tapé en majuscules) | jamais diffusé ni journalisé (`stop_est_exact_et_ne_montre_jamais_le_jeton`) |
//! | « stop la musique » | un message ordinaire (même test) |
//! | pseudos sosies : `аlice` cyrillique, `ａｌｉｃｅ` pleine largeur, `ALICE`, `alice` + U+200B | refusés (`les_caracteres_invisibles_et_les_sosies_de_pseudo_sont_neutralises`) |
//! | U+202E (texte à l'envers), U+200B, U+2028, BOM dans un message | rendus visibles (`\u{202e}`…) chez les autres et dans le journal (même test) |
//! | séquences ANSI, `\r` dans un message | rendus visibles (`le_journal_horodate_chaque_message_et_neutralise_les_controles`) |
//! | des messages qui arrivent pendant l'arrêt | plus rien n'est publié ni journalisé après l'annonce (`rien_n_est_journalise_apres_l_annonce_d_arret`) |
//! | Ctrl-C ou SIGTERM sur le serveur | arrêt propre, comme `stop` (`ctrl_c_sur_la_console_arrete_comme_stop`) |
//! | octets au hasard, UTF-8 invalide, ligne de 150 ko, coupure brutale | une erreur pour leur auteur, rien pour les autres (`mauvaises_lignes_et_coupures_ne_genent_que_leur_auteur`) |
//! | seize clients qui veulent « bob » au même instant | un seul l'obtient (`de_seize_clients_qui_veulent_bob_un_seul_l_obtient`) |
//!
pub mod budget;
pub mod console;
pub mod fichier_journal;
pub mod jeton;
pub mod lecture;
pub mod liste_relue;
pub mod recul;
