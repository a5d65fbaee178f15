//! La boucle d'accueil et l'arrêt : qui entre, et comment tout le monde sort.
//!
//! [`Serveur::servir`] accepte les connexions, décide de leur sort **avant** tout thread et toute
//! annonce (liste noire, salon complet), lance un thread par client admis, et, à la demande
//! d'arrêt, prévient tout le monde, ferme tout et attend chaque thread ([`arreter`]).

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::Config;
use crate::conversation::servir_client;
use crate::defenses::console::ouvrir_console;
use crate::defenses::fichier_journal::charger_historique;
use crate::defenses::liste_relue::ListeNoire;
use crate::defenses::recul::Recul;
use crate::journal::ouvrir_journal;
use crate::livraison::{DELAI_ECRITURE, FileEnvoi};
use crate::partage::Partage;
use crate::salon::Salon;
use crate::sortie::Sortie;

/// Ce que reçoit une adresse de la liste noire, juste avant la fermeture.
pub const ACCES_REFUSE: &str = "Accès refusé";

/// L'annonce envoyée à tous quand le serveur s'arrête.
pub const ANNONCE_ARRET: &str = "*** Le serveur s'arrête";

/// Le plus longtemps que l'arrêt attend que les clients aient reçu l'annonce, avant de couper.
pub const DELAI_ARRET: Duration = Duration::from_secs(1);

/// Taille de la pile des threads de clients. Le défaut (2 Mio) est de la mémoire virtuelle
/// réservée pour rien : nos threads ont une récursion bornée (la calculatrice, 64 niveaux).
pub const TAILLE_PILE: usize = 256 * 1024;

/// La demande d'arrêt, partagée entre la console, Ctrl-C, les clients et la boucle d'accueil.
#[derive(Debug)]
pub struct Arret {
    demande: AtomicBool,
    /// Où se connecter pour réveiller `accept()`, qui ne sait pas attendre autre chose.
    reveil: SocketAddr,
}

impl Arret {
    pub(crate) fn new(ecoute: SocketAddr) -> Arret {
        // Une écoute sur « toutes les adresses » se réveille par la boucle locale.
        let ip = match ecoute.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Arret {
            demande: AtomicBool::new(false),
            reveil: SocketAddr::new(ip, ecoute.port()),
        }
    }

    /// Demande l'arrêt (une seule fois suffit) et réveille la boucle d'accueil en s'y
    /// connectant : c'est la façon portable d'interrompre un `accept()` bloquant.
    pub fn declencher(&self) {
        if !self.demande.swap(true, Ordering::SeqCst) {
            let _ = TcpStream::connect_timeout(&self.reveil, DELAI_ARRET);
        }
    }

    /// Vrai une fois l'arrêt demandé.
    pub fn est_demande(&self) -> bool {
        self.demande.load(Ordering::SeqCst)
    }
}

/// Le serveur prêt à servir : son écoute et son état partagé (dont ses sorties : la console et
/// le journal).
pub struct Serveur {
    ecoute: TcpListener,
    partage: Arc<Partage>,
}

/// Le témoin d'un thread de client : le thread le possède, et il disparaît avec lui, quelle que
/// soit sa façon de finir (retour ou panique). L'arrêt sait ainsi, sans que personne ait à le
/// signaler, quand tous les threads sont terminés : le canal se ferme quand le dernier témoin
/// disparaît. Rien n'est jamais envoyé dessus. Le piège : le `Sender` d'origine, que garde la
/// boucle d'accueil, est un témoin aussi ; tant qu'il vit, le canal ne se ferme pas.
pub type Temoin = Sender<()>;

impl Serveur {
    /// Prépare le serveur : vérifie les réglages, lance la console, ouvre le journal, relit
    /// l'historique, lit la liste noire. Chaque échec est une erreur claire **au démarrage**.
    pub fn new(ecoute: TcpListener, config: Config) -> anyhow::Result<Serveur> {
        config.verifier()?;
        let console =
            Arc::new(ouvrir_console().context("impossible de lancer le thread de la console")?);
        let adresse = ecoute.local_addr().context("adresse locale introuvable")?;
        let historique =
            charger_historique(&config.journal, config.historique).with_context(|| {
                format!("impossible de lire le journal {}", config.journal.display())
            })?;
        let journal = ouvrir_journal(&config.journal, Arc::clone(&console)).with_context(|| {
            format!(
                "impossible d'écrire dans le journal {} ; choisissez un autre fichier avec --journal",
                config.journal.display()
            )
        })?;
        let liste_noire = match &config.liste_noire {
            None => ListeNoire::default(),
            Some(chemin) => ListeNoire::ouvrir(chemin, &console).with_context(|| {
                format!("impossible de lire la liste noire {}", chemin.display())
            })?,
        };
        let partage = Arc::new(Partage {
            salon: Salon::new(historique, config.historique),
            journal,
            console,
            config,
            arret: Arc::new(Arret::new(adresse)),
            liste_noire,
            pauses_jeton: Mutex::new(HashMap::new()),
        });
        Ok(Serveur { partage, ecoute })
    }

    /// L'adresse réellement réservée.
    pub fn adresse(&self) -> io::Result<SocketAddr> {
        self.ecoute.local_addr()
    }

    /// La console du serveur, pour qui veut y écrire sans attendre (voir
    /// [`crate::defenses::console`]).
    pub fn console(&self) -> Arc<Sortie> {
        Arc::clone(&self.partage.console)
    }

    /// De quoi demander l'arrêt depuis un autre thread (la console, la démo, un test).
    pub fn arret(&self) -> Arc<Arret> {
        Arc::clone(&self.partage.arret)
    }

    /// Accepte les clients jusqu'à la demande d'arrêt, puis arrête tout proprement : annonce,
    /// fermeture des files et des sockets, attente de **tous** les threads, journal écrit.
    ///
    /// Quand `accept` échoue, la console le dit une fois par épisode (l'erreur entre parenthèses
    /// est celle d'[`erreur_systeme`]), puis la reprise :
    ///
    /// ```text
    /// [ERREUR] accept a échoué (trop de fichiers ouverts …) : on réessaie en ralentissant, jusqu'à une fois par seconde
    /// [ÉCOUTE] Les connexions sont de nouveau acceptées
    /// ```
    ///
    /// Deux pièges à la fin : `arreter` attend que tous les [`Temoin`] aient disparu, celui que
    /// garde cette boucle compris ; et le journal ne se termine ([`Sortie::terminer`]) qu'une
    /// fois tous les threads de clients finis : une ligne publiée après serait perdue.
    ///
    /// [`erreur_systeme`]: etape1_connexion::francais::erreur_systeme
    pub fn servir(self) -> io::Result<()> {
        // corrigé:début Indice : la boucle d'accueil de l'étape 7, qui s'arrête sur demande (`Arret`) et recule quand `accept` échoue (`defenses::recul::Recul`, lignes ci-dessus) ; un `Temoin` par thread de client. À la fin : `arreter`, puis le journal écrit jusqu'au bout.
        let Serveur { ecoute, partage } = self;
        let mut clients: Vec<JoinHandle<()>> = Vec::new();
        let (temoin, fins) = mpsc::channel();
        let mut recul = Recul::default();
        for connexion in ecoute.incoming() {
            if partage.arret.est_demande() {
                break;
            }
            match connexion {
                Ok(flux) => {
                    if recul.succes() {
                        partage.afficher("[ÉCOUTE] Les connexions sont de nouveau acceptées");
                    }
                    clients.retain(|client| !client.is_finished());
                    if let Some(client) = accueillir(&partage, flux, &temoin) {
                        clients.push(client);
                    }
                }
                Err(erreur) => {
                    let (pause, premier) = recul.echec();
                    if premier {
                        partage.afficher(&format!(
                            "[ERREUR] accept a échoué ({erreur}) : on réessaie en ralentissant, \
                             jusqu'à une fois par seconde",
                            erreur = etape1_connexion::francais::erreur_systeme(&erreur)
                        ));
                    }
                    thread::sleep(pause);
                }
            }
        }
        drop(ecoute);
        // Il ne reste que les témoins des threads de clients.
        drop(temoin);
        arreter(&partage, clients, &fins);
        // Plus aucun thread de client : le journal écrit ce qui reste, et on l'attend.
        partage.journal.terminer(None)
        // corrigé:fin
    }
}

/// Décide du sort d'une nouvelle connexion, **avant** tout thread et toute annonce : liste noire,
/// nombre de clients. Si elle est admise, lance son thread et rend sa poignée.
fn accueillir(partage: &Arc<Partage>, flux: TcpStream, temoin: &Temoin) -> Option<JoinHandle<()>> {
    let pair = flux.peer_addr().ok()?;
    flux.set_write_timeout(Some(DELAI_ECRITURE)).ok()?;
    // Sans `TCP_NODELAY`, le système retient un petit envoi tant que le précédent n'est pas
    // acquitté (algorithme de Nagle), et le client retarde ses acquittements (40 ms ou plus) :
    // deux `write` de suite (l'historique, puis l'accueil) coûteraient 40 ms.
    flux.set_nodelay(true).ok()?;
    let verdict = partage.liste_noire.refuse(pair.ip());
    if let Some(avertissement) = verdict.avertissement {
        partage.afficher(&format!("[ATTENTION] {avertissement}"));
    }
    if verdict.refuse {
        partage.afficher(&format!("[REFUS] {pair} est sur la liste noire"));
        refuser(&flux, ACCES_REFUSE);
        return None;
    }
    let file = Arc::new(FileEnvoi::new(partage.config.limite_retard));
    let flux = Arc::new(flux);
    let ouverture = partage.salon.ouvrir(
        Arc::clone(&file),
        Arc::clone(&flux),
        partage.config.max_clients,
    );
    let Some(id) = ouverture else {
        partage.afficher(&format!("[REFUS] {pair} : salon complet"));
        let raison = format!(
            "ERREUR : le salon est complet ({} au plus) ; réessayez plus tard",
            etape1_connexion::francais::compter(partage.config.max_clients, "connexion")
        );
        refuser(&flux, &raison);
        return None;
    };
    partage.afficher(&format!("[CONNEXION] {pair}"));
    let (pour_le_thread, temoin) = (Arc::clone(partage), temoin.clone());
    let lancement = thread::Builder::new()
        .name(format!("client-{id}"))
        .stack_size(TAILLE_PILE)
        .spawn(move || {
            // Le témoin vit autant que le thread (voir `Temoin`).
            let _temoin = temoin;
            servir_client(&flux, pair, id, &file, &pour_le_thread);
        });
    match lancement {
        Ok(poignee) => Some(poignee),
        Err(erreur) => {
            // Plus de threads disponibles : on refuse ce client, on ne tombe pas.
            partage.salon.retirer(id);
            partage.afficher(&format!(
                "[ERREUR] Thread impossible pour {pair} : {erreur}",
                erreur = etape1_connexion::francais::erreur_systeme(&erreur)
            ));
            None
        }
    }
}

/// Envoie une dernière ligne et ferme (la socket a un délai d'écriture : rien ne bloque).
fn refuser(mut flux: &TcpStream, raison: &str) {
    let _ = writeln!(flux, "{raison}");
    let _ = flux.shutdown(Shutdown::Write);
}

/// L'arrêt : annonce à tous, fermeture de toutes les files, puis attente de tous les threads.
///
/// Chaque écrivain envoie ce qui reste (dont l'annonce) puis ferme sa socket ; le thread
/// de lecture du client voit alors la fin du flux et se termine, ce qui fait disparaître son
/// [`Temoin`] : quand le dernier a disparu, `fins` est fermé. Pour un client qui ne lit plus,
/// cette écriture n'aboutit pas : après [`DELAI_ARRET`], on **coupe** toutes les sockets rendues
/// par `clore` (`shutdown`), ce qui débloque aussitôt les threads qui attendaient encore. Puis on
/// les attend tous. La console dit d'abord `[ARRÊT] Arrêt du serveur (N connexions à
/// prévenir)`.
pub fn arreter(partage: &Partage, clients: Vec<JoinHandle<()>>, fins: &Receiver<()>) {
    // corrigé:début Indice : l'annonce d'abord, la dernière publication du salon (`Salon::clore`) ; puis laissez aux threads au plus `DELAI_ARRET` pour finir d'eux-mêmes (voir `Temoin`), coupez toutes les sockets rendues par `clore`, et attendez chaque thread.
    let sockets = partage.salon.clore(ANNONCE_ARRET, &partage.journal);
    partage.afficher(&format!(
        "[ARRÊT] Arrêt du serveur ({} à prévenir)",
        etape1_connexion::francais::compter(sockets.len(), "connexion")
    ));
    let echeance = Instant::now() + DELAI_ARRET;
    // `Ok` n'arrive jamais (rien n'est envoyé) ; `Disconnected` : tous les témoins ont disparu.
    while let Ok(()) = fins.recv_timeout(echeance.saturating_duration_since(Instant::now())) {}
    for flux in &sockets {
        let _ = flux.shutdown(Shutdown::Both);
    }
    for client in clients {
        let _ = client.join();
    }
    // corrigé:fin
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::egal;

    #[test]
    fn une_ecoute_sur_toutes_les_adresses_se_reveille_par_la_boucle_locale() {
        let arret = Arret::new(SocketAddr::from(([0, 0, 0, 0], 5050)));
        egal!(arret.reveil, SocketAddr::from(([127, 0, 0, 1], 5050)));
    }
}
