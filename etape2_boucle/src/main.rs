//! Programme de l'étape 2 : lit la ligne de commande, appelle la bibliothèque, transforme une
//! erreur en phrase française et en code de retour.

use std::io;
use std::net::IpAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Modèle de l'aide, pour que les titres soient en français comme le reste. Les titres de
/// sections finissent par une espace (`"Options "`) : clap ajoute le deux-points, et le français
/// met une espace avant.
const MODELE_AIDE: &str = "{about}\n\nUtilisation : {usage}\n\n{all-args}";

/// Étape 2 du TP Client / Serveur : boucle de réception (le serveur répond à chaque ligne).
#[derive(Parser)]
#[command(
    version,
    args_conflicts_with_subcommands = true,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_help_heading = "Commandes ",
    next_help_heading = "Options ",
    subcommand_value_name = "COMMANDE",
    help_template = MODELE_AIDE
)]
struct Cli {
    #[command(subcommand)]
    commande: Option<Commande>,
    /// Options du serveur quand aucune commande n'est donnée.
    #[command(flatten)]
    reseau: Reseau,
    /// Affiche cette aide.
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    aide: Option<bool>,
}

#[derive(Subcommand)]
enum Commande {
    /// Lance le serveur (commande par défaut).
    #[command(help_template = MODELE_AIDE)]
    Serveur(Reseau),
    /// Lance le client.
    #[command(help_template = MODELE_AIDE)]
    Client(Reseau),
    /// Joue le scénario de l'étape dans un seul processus et affiche la transcription.
    #[command(help_template = MODELE_AIDE)]
    Demo,
    /// Compare UDP et TCP : frontières des messages, pertes, flux d'octets.
    #[command(help_template = MODELE_AIDE)]
    Udp,
}

#[derive(Args)]
#[command(next_help_heading = "Options ")]
struct Reseau {
    /// Adresse IP d'écoute (serveur) ou du serveur à joindre (client) ; défaut : 127.0.0.1.
    #[arg(
        long,
        default_value = "127.0.0.1",
        value_name = "IP",
        hide_default_value = true
    )]
    adresse: IpAddr,
    /// Port TCP ; défaut : 5050 ; 0 laisse le système choisir un port libre.
    #[arg(
        long,
        default_value_t = 5050,
        value_name = "N",
        hide_default_value = true
    )]
    port: u16,
}

fn main() -> ExitCode {
    let cli: Cli = etape1_connexion::francais::lire_options();
    let resultat = match cli.commande {
        None => etape2_boucle::lancer_serveur(cli.reseau.adresse, cli.reseau.port),
        Some(Commande::Serveur(r)) => etape2_boucle::lancer_serveur(r.adresse, r.port),
        Some(Commande::Client(r)) => {
            etape2_boucle::client(r.adresse, r.port, io::stdin().lock(), &mut io::stdout())
        }
        Some(Commande::Demo) => etape2_boucle::demo(&mut io::stdout()),
        Some(Commande::Udp) => {
            etape2_boucle::udp::comparer(&mut io::stdout()).map_err(anyhow::Error::from)
        }
    };
    match resultat {
        Ok(()) => ExitCode::SUCCESS,
        Err(erreur) => {
            eprintln!("Erreur : {}", etape1_connexion::francais::phrase(&erreur));
            ExitCode::FAILURE
        }
    }
}
