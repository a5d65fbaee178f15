//! Les outils de l'enseignant : édition élève, table des notes, banc d'essai.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use corrige::{charge, edition, graphique, note};

/// Modèle de l'aide, pour que les titres soient en français comme le reste.
const MODELE_AIDE: &str = "{about}\n\nUtilisation : {usage}\n\n{all-args}";

/// Corrigé et outils de l'enseignant du TP Client / Serveur.
#[derive(Parser)]
#[command(
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_help_heading = "Commandes ",
    subcommand_value_name = "COMMANDE",
    next_help_heading = "Options ",
    help_template = MODELE_AIDE
)]
struct Cli {
    #[command(subcommand)]
    commande: Commande,
    /// Affiche cette aide.
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    aide: Option<bool>,
}

#[derive(Subcommand)]
enum Commande {
    /// Écrit l'édition élève du classeur dans un dossier neuf (solutions et réponses retirées).
    #[command(help_template = MODELE_AIDE, next_help_heading = "Options ")]
    VersionEleve {
        /// Le dossier à créer (absent ou vide).
        dossier: PathBuf,
        /// Le classeur d'origine ; défaut : celui de ce programme.
        #[arg(long, value_name = "DOSSIER")]
        depuis: Option<PathBuf>,
    },
    /// Lance la suite de notation dans la copie d'un élève et affiche la table des notes.
    #[command(help_template = MODELE_AIDE, next_help_heading = "Options ")]
    Note {
        /// Le classeur à noter.
        dossier: PathBuf,
        /// Écrit aussi la table en CSV dans ce fichier.
        #[arg(long, value_name = "FICHIER")]
        csv: Option<PathBuf>,
        #[command(flatten)]
        portee: Portee,
        /// Garde la compilation de la copie (environ 1 Go) pour la renoter plus vite.
        #[arg(long)]
        garder_compilation: bool,
    },
    /// Note toute une classe : chaque sous-dossier de <DOSSIER> est la copie d'un élève.
    #[command(help_template = MODELE_AIDE, next_help_heading = "Options ")]
    Classe {
        /// Le dossier de la classe (un sous-dossier par élève).
        dossier: PathBuf,
        /// Écrit la table de la classe en CSV dans ce fichier (une ligne par élève et par étape).
        #[arg(long, value_name = "FICHIER")]
        csv: Option<PathBuf>,
        #[command(flatten)]
        portee: Portee,
        /// Garde la compilation de chaque copie (environ 1 Go chacune) pour renoter plus vite.
        #[arg(long)]
        garder_compilation: bool,
    },
    /// Applique chaque erreur typique du corrigé (corrige/erreurs.txt) et vérifie que la suite
    /// de notation l'attrape.
    #[command(help_template = MODELE_AIDE, next_help_heading = "Options ")]
    Erreurs {
        #[command(flatten)]
        portee: Portee,
    },
    /// Banc d'essai : N clients, S émetteurs, M messages, K sourds ; débit, latence, pertes.
    #[command(help_template = MODELE_AIDE, next_help_heading = "Options ")]
    Charge(OptionsCharge),
    /// Dessine en SVG le tableau des mesures de banc.sh (étape 7 contre étape 8).
    #[command(help_template = MODELE_AIDE, next_help_heading = "Options ")]
    Graphique {
        /// Le tableau Markdown écrit par banc.sh (ou le README, qui le contient).
        #[arg(value_name = "TABLEAU")]
        tableau: PathBuf,
        /// Le fichier SVG à écrire.
        #[arg(value_name = "DESSIN")]
        dessin: PathBuf,
    },
}

/// Les options communes à `note`, `classe` et `erreurs`.
#[derive(Args)]
#[command(next_help_heading = "Options ")]
struct Portee {
    /// Seulement ces étapes (par exemple --etapes 3,4) ; défaut : toutes.
    #[arg(long, value_delimiter = ',', value_name = "N,…")]
    etapes: Vec<u8>,
    /// Secondes laissées à chaque étape notée, ou à chaque erreur essayée (compilation et
    /// tests) ; au-delà, 0 et la remarque « délai dépassé » ; défaut : 120.
    #[arg(
        long,
        default_value_t = 120,
        value_name = "SECONDES",
        hide_default_value = true
    )]
    delai: u64,
}

impl Portee {
    /// Les réglages de notation correspondants.
    fn reglages(self, garder_compilation: bool) -> note::Reglages {
        note::Reglages {
            etapes: self.etapes,
            delai: Duration::from_secs(self.delai),
            progression: true,
            garder_compilation,
        }
    }
}

#[derive(Args)]
#[command(next_help_heading = "Options ")]
struct OptionsCharge {
    /// Adresse du serveur ; défaut : 127.0.0.1.
    #[arg(
        long,
        default_value = "127.0.0.1",
        value_name = "IP",
        hide_default_value = true
    )]
    adresse: IpAddr,
    /// Port du serveur ; défaut : 5050.
    #[arg(
        long,
        default_value_t = 5050,
        value_name = "N",
        hide_default_value = true
    )]
    port: u16,
    /// Clients qui lisent, émetteurs compris ; défaut : 100.
    #[arg(
        long,
        default_value_t = 100,
        value_name = "N",
        hide_default_value = true
    )]
    clients: usize,
    /// Combien d'entre eux envoient ; défaut : 10.
    #[arg(
        long,
        default_value_t = 10,
        value_name = "S",
        hide_default_value = true
    )]
    emetteurs: usize,
    /// Messages par émetteur ; défaut : 200.
    #[arg(
        long,
        default_value_t = 200,
        value_name = "M",
        hide_default_value = true
    )]
    messages: usize,
    /// Clients en plus qui ne lisent jamais ; défaut : 0.
    #[arg(long, default_value_t = 0, value_name = "K", hide_default_value = true)]
    sourds: usize,
    /// Taille de chaque message en octets (bourrage) ; défaut : environ 40.
    #[arg(
        long,
        default_value_t = 0,
        value_name = "OCTETS",
        hide_default_value = true
    )]
    taille: usize,
    /// Échéance en secondes : ce qui n'est pas arrivé est perdu ; défaut : 20.
    #[arg(
        long,
        default_value_t = 20,
        value_name = "SECONDES",
        hide_default_value = true
    )]
    delai: u64,
    /// Ajoute un client qui lit lentement, à ce débit en octets par seconde (par exemple 200000),
    /// et dit s'il a tout reçu.
    #[arg(long, value_name = "OCTETS_PAR_S")]
    lent: Option<u64>,
    /// Numéro de processus du serveur, pour mesurer sa mémoire (Linux).
    #[arg(long, value_name = "PID")]
    pid_serveur: Option<u32>,
    /// Affiche aussi une ligne de tableau Markdown, avec ce nom dans la première colonne.
    #[arg(long, value_name = "NOM")]
    ligne_tableau: Option<String>,
}

fn main() -> ExitCode {
    match executer(Cli::parse().commande) {
        Ok(()) => ExitCode::SUCCESS,
        Err(erreur) => {
            eprintln!("Erreur : {erreur:#}");
            ExitCode::FAILURE
        }
    }
}

fn executer(commande: Commande) -> anyhow::Result<()> {
    match commande {
        Commande::VersionEleve { dossier, depuis } => {
            let source = depuis.unwrap_or_else(classeur_par_defaut);
            let rapport = edition::ecrire_version_eleve(&source, &dossier)?;
            println!(
                "Édition élève écrite dans {} : {} fichiers, {} régions de solution remplacées \
                 (par étape : {:?}), {} réponses retirées.",
                dossier.display(),
                rapport.fichiers,
                rapport.regions.iter().sum::<usize>(),
                rapport.regions,
                rapport.reponses
            );
            println!("Dans ce dossier : cargo test --workspace échoue sur les étapes à faire.");
            Ok(())
        }
        Commande::Note {
            dossier,
            csv,
            portee,
            garder_compilation,
        } => {
            let reglages = portee.reglages(garder_compilation);
            let classeur = classeur_par_defaut();
            let reference = note::reference(&classeur, &reglages)?;
            let resultats = note::noter(&dossier, &classeur, &reference, &reglages)?;
            print!("{}", note::tableau(&resultats));
            if let Some(fichier) = csv {
                std::fs::write(&fichier, note::csv(&resultats))
                    .with_context(|| format!("écriture de {} impossible", fichier.display()))?;
                println!("Table écrite aussi dans {}.", fichier.display());
            }
            Ok(())
        }
        Commande::Classe {
            dossier,
            csv,
            portee,
            garder_compilation,
        } => {
            let reglages = portee.reglages(garder_compilation);
            let classeur = classeur_par_defaut();
            let debut = std::time::Instant::now();
            let reference = note::reference(&classeur, &reglages)?;
            let classe = note::noter_la_classe(&dossier, &classeur, &reference, &reglages)?;
            print!("{}", note::tableau_de_classe(&classe));
            println!(
                "{} copies notées en {} s.",
                classe.len(),
                debut.elapsed().as_secs()
            );
            if let Some(fichier) = csv {
                std::fs::write(&fichier, note::csv_de_classe(&classe))
                    .with_context(|| format!("écriture de {} impossible", fichier.display()))?;
                println!("Table écrite aussi dans {}.", fichier.display());
            }
            Ok(())
        }
        Commande::Erreurs { portee } => {
            let (attrapees, total) = corrige::erreurs::verifier(
                &classeur_par_defaut(),
                &portee.etapes,
                Duration::from_secs(portee.delai),
            )?;
            if attrapees < total {
                anyhow::bail!(
                    "{} erreurs typiques ne sont pas attrapées",
                    total - attrapees
                );
            }
            Ok(())
        }
        Commande::Graphique { tableau, dessin } => {
            let texte = std::fs::read_to_string(&tableau)
                .with_context(|| format!("lecture de {} impossible", tableau.display()))?;
            let svg = graphique::dessiner(
                &graphique::lire_tableau(&texte),
                &graphique::legende(&texte),
            )?;
            std::fs::write(&dessin, svg)
                .with_context(|| format!("écriture de {} impossible", dessin.display()))?;
            println!("Dessin écrit dans {}.", dessin.display());
            Ok(())
        }
        Commande::Charge(o) => {
            let scenario = charge::Scenario {
                adresse: o.adresse,
                port: o.port,
                clients: o.clients,
                emetteurs: o.emetteurs,
                messages: o.messages,
                sourds: o.sourds,
                taille: o.taille,
                delai: Duration::from_secs(o.delai),
                pid_serveur: o.pid_serveur,
                lent: o.lent,
                progression: true,
            };
            let mesure = charge::mesurer(&scenario)?;
            print!("{}", charge::compte_rendu(&scenario, &mesure));
            if let Some(nom) = o.ligne_tableau {
                println!("{}", charge::ligne_tableau(&nom, &scenario, &mesure));
            }
            Ok(())
        }
    }
}

/// Le classeur dont ce programme fait partie (le dossier parent de `corrige`).
fn classeur_par_defaut() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
