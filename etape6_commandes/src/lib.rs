//! # Étape 6 — Commandes personnalisées
//!
//! ## Objectifs
//!
//! - Distinguer deux sortes de lignes : celles qui commencent par `/` sont des **commandes**
//!   (`/aide`, `/calcul 6*7`, `/majuscules …`, `/pseudo alice`, `/quitter` …), les autres sont de
//!   simples **messages**, dont le serveur accuse réception.
//! - Analyser une commande **une seule fois**, à l'entrée, en une valeur d'un type `enum`
//!   ([`Commande`]) ; le reste du programme ne manipule plus de texte brut.
//! - Séparer la commande de son argument avec [`str::split_once`].
//!
//! ## Ce qui change depuis l'étape 5
//!
//! - Les instructions deviennent des commandes préfixées par `/` ; une ligne sans `/` est un
//!   message, plus une instruction : `calcul 2+2` tapé sans `/` est un message comme un autre.
//! - Nouveau : [`Commande`], [`Entree`], [`analyser`], [`executer`] sur une [`Session`] qui retient
//!   le pseudo choisi avec `/pseudo` ; [`valider_pseudo`].
//! - La boucle d'accueil est celle de l'étape 3, le client celui de l'étape 4, la calculatrice
//!   ([`calcul`]) celle de l'étape 5 ; la conversation ([`converser`]) est à réécrire : une ligne
//!   est maintenant une commande ou un message.
//!
//! ## Ce que vous écrivez
//!
//! Quatre fonctions : [`analyser`] (une ligne devient une [`Commande`] ou un message),
//! [`executer`] (un `match` exhaustif sur la commande), [`repondre_a_la_ligne`] (ce que le
//! serveur répond à une ligne, et ce qu'il en écrit sur la console) et [`converser`] (la
//! conversation de l'étape 5, avec une session). Sont repris : `lire_ligne` (étape 2), la
//! boucle d'accueil (étape 3), le client (étape 4), la calculatrice (donnée, étape 5). Les étapes 7 et 8
//! réutilisent vos `analyser` et `executer`.
//!
//! ## Lancer l'étape
//!
//! ```text
//! cargo run -p etape6_commandes                  # terminal 1 : le serveur
//! cargo run -p etape6_commandes -- client        # terminal 2 : tapez « /aide »
//! printf '/pseudo alice\nbonjour\n/calcul 6*7\n' | cargo run -q -p etape6_commandes -- client
//! ```
//!
//! ## Résultat attendu
//!
//! ```text
//! === Démo de l'étape 6 : commandes personnalisées ===
//! [démo] Serveur en écoute sur 127.0.0.1:40125 (port choisi par le système).
//! [client] Bienvenue sur le serveur ! Tapez /aide pour la liste des commandes.
//! [client] > bonjour
//! [client] Message reçu (anonyme) : bonjour
//! [client] > /pseudo alice
//! [client] = vous êtes maintenant « alice »
//! [client] > calcul 2+2
//! [client] Message reçu (alice) : calcul 2+2
//! [client] > /calcul 2+2
//! [client] = 4
//! [client] > /majuscules une commande, un argument
//! [client] = UNE COMMANDE, UN ARGUMENT
//! [client] > /pseudo
//! [client] ERREUR : /pseudo attend un argument (exemple : /pseudo alice)
//! [client] > /pseudo a b
//! [client] ERREUR : pseudo refusé : lettres, chiffres, « - » et « _ » seulement
//! [client] > /danser
//! [client] ERREUR : commande inconnue « /danser » ; tapez /aide
//! [client] > /quitter
//! [démo] Console du serveur :
//! [CONNEXION] Client connecté depuis 127.0.0.1:52814
//! [MESSAGE] 127.0.0.1:52814 anonyme : bonjour
//! [COMMANDE] 127.0.0.1:52814 : /pseudo alice → = vous êtes maintenant « alice »
//! [MESSAGE] 127.0.0.1:52814 alice : calcul 2+2
//! [COMMANDE] 127.0.0.1:52814 : /calcul 2+2 → = 4
//! [COMMANDE] 127.0.0.1:52814 : /majuscules une commande, un argument → = UNE COMMANDE, UN ARGUMENT
//! [COMMANDE] 127.0.0.1:52814 : /pseudo → ERREUR : /pseudo attend un argument (exemple : /pseudo alice)
//! [COMMANDE] 127.0.0.1:52814 : /pseudo a b → ERREUR : pseudo refusé : lettres, chiffres, « - » et « _ » seulement
//! [COMMANDE] 127.0.0.1:52814 : /danser → ERREUR : commande inconnue « /danser » ; tapez /aide
//! [FIN] 127.0.0.1:52814 a envoyé /quitter
//! [DÉCONNEXION] Conversation avec 127.0.0.1:52814 terminée
//! ```
//!
//! ## Questions du TP
//!
//! 1. *Quel intérêt à identifier des commandes ?* → [`Commande`].
//! 2. *Comment séparer la commande de son argument ?* → [`analyser`].
//!
//! ## Pour aller plus loin
//!
//! 1. Ajoutez `/compter <mot> <texte>` : une variante de plus dans [`Commande`]. Combien
//!    d'endroits le compilateur vous oblige-t-il à modifier ?
//! 2. Acceptez les commandes en majuscules (`/AIDE`) : où le faire, une seule fois ?
//! 3. Ajoutez `/historique`, qui renvoie les trois derniers messages de la session.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, SystemTime};

use anyhow::{Context, anyhow};
use etape4_communication::Cadrage;

/// Le message que le serveur envoie à chaque client.
pub const MESSAGE_BIENVENUE: &str =
    "Bienvenue sur le serveur ! Tapez /aide pour la liste des commandes.";

/// Longueur maximale d'une ligne, en octets, saut de ligne non compris.
pub const LIMITE_LIGNE: usize = 4096;

/// Durée au-delà de laquelle un client qui n'envoie plus rien est congédié (voir l'étape 3).
pub const DELAI_INACTIVITE: Duration = Duration::from_secs(300);

/// Le plus longtemps qu'une réponse peut rester bloquée dans `write`.
///
/// Un client qui envoie sans jamais lire remplit d'abord ses propres tampons de réception, puis
/// ceux d'envoi du serveur ; ensuite chaque `write` du serveur **attend** qu'il lise. Ce serveur
/// n'a qu'un thread : sans délai d'écriture ([`TcpStream::set_write_timeout`]), il attendrait pour
/// toujours, et le client suivant avec lui. Passé ce délai, `write` échoue (`WouldBlock` ou
/// `TimedOut`) et la conversation se termine.
///
/// Pourquoi si court : `write` ne bloque qu'une fois les tampons pleins, c'est-à-dire quand des
/// centaines de kilo-octets de réponses attendent déjà, non lues. Un client qui lit les vide en
/// quelques microsecondes sur la boucle locale ou un réseau local ; rester bloqué 250 ms de
/// plus, c'est ne plus lire. (Sur Internet, on compterait plutôt en secondes.)
pub const DELAI_ECRITURE: Duration = Duration::from_millis(250);

/// Le message de fin de conversation (voir l'étape 4).
pub const FIN: &str = "/quitter";

/// Le texte de `/aide`, sur une seule ligne : une commande, une réponse.
pub const AIDE: &str = "commandes : /calcul <expression>, /majuscules <texte>, \
    /minuscules <texte>, /inverse <texte>, /longueur <texte>, /heure, /pseudo <nom>, /aide, \
    /quitter ; une ligne sans / est un message";

/// Longueur maximale d'un pseudo, en caractères.
pub const LONGUEUR_PSEUDO_MAX: usize = 20;

/// Une commande reconnue, avec son argument déjà extrait.
///
/// # Question : quel intérêt à identifier des commandes ?
///
/// - **Séparer le contrôle des données.** Un message de discussion peut contenir n'importe quoi,
///   y compris `calcul 2+2` ; le préfixe `/` dit sans ambiguïté « ceci s'adresse au serveur ». À
///   l'étape 5, toute ligne était une instruction : impossible de simplement *parler*.
/// - **Analyser une fois, à la frontière.** [`analyser`] transforme le texte en une valeur de ce
///   type ; ensuite, le code manipule `Commande::Calcul(expression)` et non des chaînes comparées
///   à divers endroits, où une faute de frappe passerait inaperçue.
/// - **Le compilateur vérifie.** Le `match` de [`executer`] est *exhaustif* : ajouter une variante
///   ici sans la traiter là-bas ne compile pas. Une commande inconnue, elle, est refusée une fois
///   pour toutes dans [`analyser`], avec un message qui renvoie à `/aide`.
/// - Le serveur peut réagir différemment selon la commande (répondre, changer l'état de la
///   session, fermer), et la liste des commandes devient facile à documenter et à étendre.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Commande {
    Aide,
    Calcul(String),
    Majuscules(String),
    Minuscules(String),
    Inverse(String),
    Longueur(String),
    Heure,
    Pseudo(String),
    Quitter,
}

/// Ce qu'est une ligne reçue : une commande ou un message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entree {
    Commande(Commande),
    Message(String),
}

/// Analyse une ligne : `/nom argument` devient une [`Commande`], le reste un message.
///
/// Une ligne qui ne commence pas par `/` est un message, telle quelle (« ␣/aide » aussi). Sinon,
/// le nom va de la barre au premier espace, et l'argument est le reste, sans les espaces autour
/// (vide s'il n'y a pas d'espace). Chaque nom connu donne sa [`Commande`]. Les refus :
///
/// - `/calcul` ou `/pseudo` sans argument :
///   `/<nom> attend un argument (exemple : /<nom> <exemple>)`, l'exemple donné par `exemple` ;
///   les autres commandes acceptent un argument vide ;
/// - un nom inconnu : `commande inconnue « /<nom> » ; tapez /aide`, le nom passé par
///   [`nettoyer`].
///
/// # Question : comment séparer la commande de son argument ?
///
/// Avec [`str::split_once`] : `"/majuscules bonjour à tous".split_once(' ')` rend
/// `Some(("/majuscules", "bonjour à tous"))`. Il coupe au **premier** espace seulement, si bien
/// que l'argument garde les siens ; c'est l'équivalent du `message.split(" ", 1)` de Python. Quand
/// la ligne n'a pas d'espace (`/heure`), il rend `None` : toute la ligne est alors le nom, et
/// l'argument est vide. Les deux morceaux sont des `&str` qui *empruntent* la ligne : rien n'est
/// copié avant qu'on sache quelle commande c'est.
///
/// ```
/// use etape6_commandes::{analyser, Commande, Entree};
///
/// assert_eq!(
///     analyser("/majuscules bonjour à tous"),
///     Ok(Entree::Commande(Commande::Majuscules("bonjour à tous".to_string())))
/// );
/// assert_eq!(analyser("bonjour"), Ok(Entree::Message("bonjour".to_string())));
/// ```
pub fn analyser(ligne: &str) -> Result<Entree, String> {
    // corrigé:début Indice : analysez une ligne une fois, à l'entrée : sans `/` au début, c'est un message ; sinon une `Commande` dont l'argument est déjà extrait (`split_once`). Une commande inconnue ou incomplète est refusée ici, une fois pour toutes.
    let Some(sans_barre) = ligne.strip_prefix('/') else {
        return Ok(Entree::Message(ligne.to_string()));
    };
    let (nom, argument) = sans_barre.split_once(' ').unwrap_or((sans_barre, ""));
    let argument = argument.trim().to_string();
    // Une variante qui porte une valeur est aussi une fonction : `Commande::Calcul` a le type
    // `fn(String) -> Commande`. On peut donc la passer en argument pour dire quoi construire.
    let exige = |construire: fn(String) -> Commande| {
        if argument.is_empty() {
            Err(format!(
                "/{nom} attend un argument (exemple : /{nom} {})",
                exemple(nom)
            ))
        } else {
            Ok(construire(argument.clone()))
        }
    };
    let commande = match nom {
        "aide" => Commande::Aide,
        "heure" => Commande::Heure,
        "quitter" => Commande::Quitter,
        "calcul" => exige(Commande::Calcul)?,
        "majuscules" => Commande::Majuscules(argument),
        "minuscules" => Commande::Minuscules(argument),
        "inverse" => Commande::Inverse(argument),
        "longueur" => Commande::Longueur(argument),
        "pseudo" => exige(Commande::Pseudo)?,
        inconnu => {
            return Err(format!(
                "commande inconnue « /{} » ; tapez /aide",
                nettoyer(inconnu)
            ));
        }
    };
    Ok(Entree::Commande(commande))
    // corrigé:fin
}

/// Un exemple d'argument, pour les messages d'erreur.
fn exemple(nom: &str) -> &'static str {
    match nom {
        "calcul" => "2 + 3 * 4",
        "pseudo" => "alice",
        _ => "texte",
    }
}

/// Ce que le serveur retient d'un client pendant sa conversation.
#[derive(Debug)]
pub struct Session {
    /// Le pseudo choisi avec `/pseudo`, ou « anonyme ».
    pub pseudo: String,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            pseudo: "anonyme".to_string(),
        }
    }
}

/// Vérifie un pseudo : 1 à [`LONGUEUR_PSEUDO_MAX`] caractères, lettres, chiffres, `-` ou `_`.
///
/// Une liste de caractères **permis** plutôt qu'une liste d'interdits : on ne risque pas d'oublier
/// un caractère de contrôle, un espace insécable ou une séquence d'échappement.
pub fn valider_pseudo(pseudo: &str) -> Result<(), String> {
    if pseudo.chars().count() > LONGUEUR_PSEUDO_MAX {
        return Err(format!(
            "pseudo refusé : {LONGUEUR_PSEUDO_MAX} caractères au plus"
        ));
    }
    if pseudo.is_empty()
        || !pseudo
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Err("pseudo refusé : lettres, chiffres, « - » et « _ » seulement".to_string());
    }
    Ok(())
}

/// Exécute une commande pour `session` : `Ok(résultat)` ou `Err(raison)`. Ne panique jamais.
///
/// [`Commande::Quitter`] est traitée par la conversation elle-même, qui ferme la connexion.
///
/// Chaque commande de texte répond comme l'instruction du même nom à l'étape 5 (`/aide` rend
/// [`AIDE`]). `/pseudo` ne change `session.pseudo` que si [`valider_pseudo`] l'accepte, et répond
/// alors `vous êtes maintenant « <pseudo> »` ; sinon, la raison du refus.
pub fn executer(commande: Commande, session: &mut Session) -> Result<String, String> {
    // corrigé:début Indice : une commande déjà analysée devient une réponse : un `match` exhaustif sur `Commande`, qui ne panique jamais ; `/pseudo` ne change la session que si le pseudo est valide.
    match commande {
        Commande::Aide => Ok(AIDE.to_string()),
        Commande::Calcul(expression) => calcul::calculer(&expression)
            .map(|valeur| valeur.to_string())
            .map_err(|erreur| erreur.to_string()),
        Commande::Majuscules(texte) => Ok(texte.to_uppercase()),
        Commande::Minuscules(texte) => Ok(texte.to_lowercase()),
        Commande::Inverse(texte) => Ok(texte.chars().rev().collect()),
        Commande::Longueur(texte) => Ok(format!(
            "{} ({})",
            etape1_connexion::francais::compter(texte.chars().count(), "caractère"),
            etape1_connexion::francais::compter(texte.len(), "octet")
        )),
        Commande::Heure => Ok(heure_utc(SystemTime::now())),
        Commande::Pseudo(pseudo) => {
            valider_pseudo(&pseudo)?;
            session.pseudo = pseudo;
            Ok(format!("vous êtes maintenant « {} »", session.pseudo))
        }
        Commande::Quitter => Ok("au revoir".to_string()),
    }
    // corrigé:fin
}

// L'heure UTC de `/heure` : celle de l'étape 5.
pub use etape5_instructions::heure_utc;

// Repris des étapes précédentes : la lecture d'une ligne bornée (étape 2), la boucle d'accueil
// (étape 3) et le client à deux threads (étape 4) : votre code de ces étapes sert donc ici ; la
// calculatrice (étape 5) est celle qui vous a été donnée.
pub use etape2_boucle::{Ligne, envoyer_ligne, lire_ligne, nettoyer};
pub use etape5_instructions::calcul;

/// Réserve l'adresse `adresse:port` et commence à écouter (voir l'étape 1 pour `bind`/`listen`).
pub fn ouvrir_ecoute(adresse: IpAddr, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((adresse, port))
        .map_err(|erreur| etape1_connexion::francais::ecoute_impossible(adresse, port, &erreur))
}

/// Lance le serveur complet : réserve le port, annonce l'adresse, sert les clients sans fin.
pub fn lancer_serveur(adresse: IpAddr, port: u16) -> anyhow::Result<()> {
    let ecoute = ouvrir_ecoute(adresse, port)?;
    let locale = ecoute.local_addr().context("adresse locale introuvable")?;
    println!("[ÉCOUTE] Serveur en écoute sur {locale}");
    servir(ecoute, &mut io::stdout(), None).context("le serveur s'est arrêté sur une erreur")
}

/// Sert les clients l'un après l'autre, sans fin (ou `limite` clients, pour la démo et les
/// tests) ; une erreur sur une connexion ne termine que cette connexion (voir l'étape 3).
pub fn servir(
    ecoute: TcpListener,
    console: &mut impl Write,
    limite: Option<usize>,
) -> io::Result<()> {
    etape3_deconnexion::servir_avec(ecoute, console, limite, converser)
}

/// La conversation avec un client : bienvenue, puis une réponse par ligne, jusqu'à `/quitter`
/// ou la fin du flux.
///
/// C'est la conversation de l'étape 5, avec une [`Session`] neuve (pseudo « anonyme ») : chaque
/// ligne de texte va à [`repondre_a_la_ligne`], qui écrit la console et rend la réponse. `None`
/// veut dire `/quitter` : la console écrit `[FIN] <pair> a envoyé /quitter`, et la
/// conversation se termine par `shutdown(Both)`, sans fermeture en douceur, comme à l'étape 5.
/// Une ligne trop longue ou qui n'est pas de l'UTF-8 reçoit le même refus qu'à l'étape 2.
pub fn converser(flux: &TcpStream, console: &mut impl Write, pair: SocketAddr) -> io::Result<()> {
    // corrigé:début Indice : la conversation de l'étape 5, avec une `Session` par client : chaque ligne de texte reçoit la réponse que prépare `repondre_a_la_ligne`, et `/quitter` termine la conversation.
    flux.set_write_timeout(Some(DELAI_ECRITURE))?;
    let mut ecrivain = flux;
    let mut lecteur = BufReader::new(flux);
    let mut session = Session::default();
    envoyer_ligne(&mut ecrivain, MESSAGE_BIENVENUE)?;
    loop {
        let reponse = match lire_ligne(&mut lecteur, LIMITE_LIGNE)? {
            Ligne::Texte(texte) => {
                match repondre_a_la_ligne(&texte, &mut session, console, pair)? {
                    Some(reponse) => reponse,
                    None => {
                        writeln!(console, "[FIN] {pair} a envoyé {FIN}")?;
                        // Si le client a déjà coupé, `shutdown` échoue (« la socket n'est pas
                        // connectée ») : rien n'est perdu, la conversation finit comme demandé.
                        let _ = flux.shutdown(Shutdown::Both);
                        return Ok(());
                    }
                }
            }
            Ligne::TropLongue => {
                writeln!(console, "[ERREUR] {pair} : ligne trop longue, ignorée")?;
                format!("ERREUR : ligne trop longue (plus de {LIMITE_LIGNE} octets), ignorée")
            }
            Ligne::PasUtf8 => {
                writeln!(
                    console,
                    "[ERREUR] {pair} : ligne qui n'est pas de l'UTF-8, ignorée"
                )?;
                "ERREUR : ligne ignorée, ce n'est pas du texte UTF-8".to_string()
            }
            Ligne::Fin => return Ok(()),
        };
        envoyer_ligne(&mut ecrivain, &reponse)?;
    }
    // corrigé:fin
}

/// La réponse à une ligne de texte reçue (une commande ou un message), après l'avoir écrite sur
/// la console ; `None` pour `/quitter`, que la conversation traite elle-même en fermant.
///
/// - un message : `[MESSAGE] <pair> <pseudo> : <message>` sur la console, et la réponse
///   `Message reçu (<pseudo>) : <message>`, le message passé par [`nettoyer`] ;
/// - une commande : la réponse est `= <résultat>` ou `ERREUR : <raison>` ([`executer`]) ;
/// - une ligne que refuse [`analyser`] : la réponse `ERREUR : <raison>`.
///
/// Pour une commande comme pour un refus, la console écrit
/// `[COMMANDE] <pair> : <ligne> → <réponse>`, la ligne et la réponse passées par [`nettoyer`].
pub fn repondre_a_la_ligne(
    texte: &str,
    session: &mut Session,
    console: &mut impl Write,
    pair: SocketAddr,
) -> io::Result<Option<String>> {
    // corrigé:début Indice : ce que le serveur fait d'une ligne : l'analyser, accuser réception d'un message ou exécuter une commande, l'écrire sur la console, et rendre la réponse ; rien (`None`) pour `/quitter`.
    let reponse = match analyser(texte) {
        Ok(Entree::Commande(Commande::Quitter)) => return Ok(None),
        Ok(Entree::Message(message)) => {
            let message = nettoyer(&message);
            writeln!(console, "[MESSAGE] {pair} {} : {message}", session.pseudo)?;
            return Ok(Some(format!(
                "Message reçu ({}) : {message}",
                session.pseudo
            )));
        }
        Ok(Entree::Commande(commande)) => match executer(commande, session) {
            Ok(resultat) => format!("= {resultat}"),
            Err(raison) => format!("ERREUR : {raison}"),
        },
        Err(raison) => format!("ERREUR : {raison}"),
    };
    writeln!(
        console,
        "[COMMANDE] {pair} : {} → {}",
        nettoyer(texte),
        nettoyer(&reponse)
    )?;
    Ok(Some(reponse))
    // corrigé:fin
}

/// Le client de l'étape 4 : un thread envoie les lignes de `entree` (puis [`FIN`]), le thread
/// courant affiche les réponses jusqu'à ce que le serveur ferme.
pub fn client(
    adresse: IpAddr,
    port: u16,
    entree: impl BufRead + Send + 'static,
    sortie: &mut impl Write,
) -> anyhow::Result<()> {
    etape4_communication::client(adresse, port, Cadrage::Ligne, entree, sortie)
}

/// Les lignes jouées par la démo (sans `/heure`, dont la réponse change à chaque seconde).
const SCENARIO: [&str; 10] = [
    "bonjour",
    "/pseudo alice",
    "calcul 2+2",
    "/calcul 2+2",
    "/majuscules une commande, un argument",
    "/pseudo",
    "/pseudo a b",
    "/danser",
    FIN,
    "",
];

/// Joue le scénario de l'étape dans un seul processus et écrit la transcription dans `sortie`.
pub fn demo(sortie: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        sortie,
        "=== Démo de l'étape 6 : commandes personnalisées ==="
    )?;
    let ecoute = ouvrir_ecoute(IpAddr::from([127, 0, 0, 1]), 0)?;
    let adresse: SocketAddr = ecoute.local_addr()?;
    writeln!(
        sortie,
        "[démo] Serveur en écoute sur {adresse} (port choisi par le système)."
    )?;
    let serveur = thread::spawn(move || {
        let mut journal = Vec::new();
        servir(ecoute, &mut journal, Some(1)).map(|()| journal)
    });

    let flux = TcpStream::connect(adresse)?;
    let mut lecteur = BufReader::new(&flux);
    afficher(&mut lecteur, sortie)?;
    for ligne in SCENARIO.iter().take_while(|ligne| !ligne.is_empty()) {
        writeln!(sortie, "[client] > {ligne}")?;
        envoyer_ligne(&mut &flux, ligne)?;
        if *ligne != FIN {
            afficher(&mut lecteur, sortie)?;
        }
    }
    while afficher(&mut lecteur, sortie)? {}

    let journal = serveur
        .join()
        .map_err(|_| anyhow!("le thread du serveur a paniqué"))??;
    writeln!(sortie, "[démo] Console du serveur :")?;
    sortie.write_all(&journal)?;
    Ok(())
}

/// Pour la démo : lit une ligne du serveur et l'affiche ; `false` quand il a fermé.
fn afficher(lecteur: &mut impl BufRead, sortie: &mut impl Write) -> anyhow::Result<bool> {
    match lire_ligne(lecteur, LIMITE_LIGNE)? {
        Ligne::Texte(texte) => writeln!(sortie, "[client] {}", nettoyer(&texte))?,
        Ligne::Fin => return Ok(false),
        autre => writeln!(sortie, "[client] {autre:?}")?,
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::{egal, vrai};

    /// Une ligne du tableau : ce que tape le client, ce que rend l'analyse.
    fn check(ligne: &str, attendu: Result<Entree, &str>) {
        egal!(
            analyser(ligne),
            attendu.map_err(str::to_string),
            "analyse de {ligne:?}"
        );
    }

    fn commande(c: Commande) -> Result<Entree, &'static str> {
        Ok(Entree::Commande(c))
    }

    #[test]
    fn l_analyse_des_commandes() {
        check("/aide", commande(Commande::Aide));
        check("/heure", commande(Commande::Heure));
        check("/quitter", commande(Commande::Quitter));
        check("/calcul 1 + 2", commande(Commande::Calcul("1 + 2".into())));
        check("/calcul    7", commande(Commande::Calcul("7".into())));
        check(
            "/inverse a b c",
            commande(Commande::Inverse("a b c".into())),
        );
        check("/longueur", commande(Commande::Longueur(String::new())));
        check("/pseudo bob", commande(Commande::Pseudo("bob".into())));
    }

    #[test]
    fn les_messages_ne_sont_pas_des_commandes() {
        check("bonjour", Ok(Entree::Message("bonjour".into())));
        check("calcul 2+2", Ok(Entree::Message("calcul 2+2".into())));
        check(" /aide", Ok(Entree::Message(" /aide".into())));
        check("", Ok(Entree::Message(String::new())));
    }

    #[test]
    fn les_erreurs_citent_aide_ou_un_exemple() {
        check("/", Err("commande inconnue « / » ; tapez /aide"));
        check("/rm -rf /", Err("commande inconnue « /rm » ; tapez /aide"));
        check(
            "/calcul",
            Err("/calcul attend un argument (exemple : /calcul 2 + 3 * 4)"),
        );
        check(
            "/pseudo  ",
            Err("/pseudo attend un argument (exemple : /pseudo alice)"),
        );
        let inconnue = analyser("/\u{1b}[2J").expect_err("commande inconnue");
        assert!(!inconnue.contains('\u{1b}'), "{inconnue:?}");
    }

    #[test]
    fn pseudo_change_la_session_seulement_s_il_est_valide() {
        let mut session = Session::default();
        vrai!(executer(Commande::Pseudo("élève_2".into()), &mut session).is_ok());
        egal!(session.pseudo, "élève_2");
        for refuse in ["a b", "x\u{1b}", "trop_long_pour_un_pseudo", "é/è"] {
            assert!(
                executer(Commande::Pseudo(refuse.into()), &mut session).is_err(),
                "{refuse:?}"
            );
        }
        egal!(session.pseudo, "élève_2");
    }

    #[test]
    fn les_commandes_de_l_etape_5_repondent() {
        let mut session = Session::default();
        let mut check = |c: Commande, attendu: Result<&str, &str>| {
            egal!(
                executer(c.clone(), &mut session),
                attendu.map(str::to_string).map_err(str::to_string),
                "{c:?}"
            );
        };
        check(Commande::Calcul("6*7".into()), Ok("42"));
        check(Commande::Calcul("1/0".into()), Err("division par zéro"));
        check(Commande::Majuscules("été".into()), Ok("ÉTÉ"));
        check(Commande::Inverse("abc".into()), Ok("cba"));
        check(
            Commande::Longueur("ça".into()),
            Ok("2 caractères (3 octets)"),
        );
    }
}
