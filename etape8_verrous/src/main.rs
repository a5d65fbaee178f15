//! Programme de l'étape 8 : lit la ligne de commande, appelle la bibliothèque, transforme une
//! erreur en phrase française et en code de retour.

use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use etape8_verrous::Config;
use etape8_verrous::config::{
    DELAI_PSEUDO, HISTORIQUE_DEFAUT, JOURNAL_DEFAUT, MAX_CLIENTS_DEFAUT, MIO,
};
use etape8_verrous::livraison::LIMITE_RETARD;

/// Modèle de l'aide, pour que les titres soient en français comme le reste. Les titres de
/// sections finissent par une espace (`"Options "`) : clap ajoute le deux-points, et le français
/// met une espace avant.
const MODELE_AIDE: &str = "{about}\n\nUtilisation : {usage}\n\n{all-args}";

/// Étape 8 du TP Client / Serveur : le salon final (files, liste noire, journal, historique, arrêt).
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
    serveur: OptionsServeur,
    /// Affiche cette aide.
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    aide: Option<bool>,
}

#[derive(Subcommand)]
enum Commande {
    /// Lance le serveur (commande par défaut).
    #[command(help_template = MODELE_AIDE)]
    Serveur(OptionsServeur),
    /// Lance le client.
    #[command(help_template = MODELE_AIDE)]
    Client(Reseau),
    /// Joue le scénario de l'étape dans un seul processus et affiche la transcription.
    #[command(help_template = MODELE_AIDE)]
    Demo,
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

#[derive(Args)]
#[command(next_help_heading = "Options ")]
struct OptionsServeur {
    #[command(flatten)]
    reseau: Reseau,
    /// Fichier journal de la discussion ; défaut : chat_log.txt.
    #[arg(
        long,
        default_value = JOURNAL_DEFAUT,
        value_name = "FICHIER",
        hide_default_value = true
    )]
    journal: PathBuf,
    /// Nombre de lignes d'historique envoyées à un nouveau venu, de 0 à 1000 ; défaut : 20.
    #[arg(
        long,
        default_value_t = HISTORIQUE_DEFAUT,
        value_name = "N",
        hide_default_value = true
    )]
    historique: usize,
    /// Fichier des adresses IP refusées (une par ligne, # pour commenter), relu à chaque connexion.
    #[arg(long, value_name = "FICHIER")]
    liste_noire: Option<PathBuf>,
    /// Jeton qui permet à un client d'arrêter le serveur avec « stop <jeton> » ; choisissez au
    /// moins 12 caractères au hasard (un mot du dictionnaire se devine).
    #[arg(long, value_name = "JETON")]
    jeton_admin: Option<String>,
    /// Nombre maximal de connexions simultanées ; défaut : 500 (chacune tient un descripteur de
    /// fichier ; leur nombre est souvent limité à 1 024 par processus).
    #[arg(
        long,
        default_value_t = MAX_CLIENTS_DEFAUT,
        value_name = "N",
        hide_default_value = true
    )]
    max_clients: usize,
    /// Retard maximal d'un client, en Mio, au-delà duquel il est déconnecté ; défaut : 16.
    #[arg(
        long,
        default_value_t = LIMITE_RETARD / MIO,
        value_name = "MIO",
        hide_default_value = true
    )]
    limite_retard: usize,
    /// Secondes laissées à une connexion pour choisir son pseudo ; défaut : 30.
    #[arg(
        long,
        default_value_t = DELAI_PSEUDO.as_secs(),
        value_name = "SECONDES",
        hide_default_value = true
    )]
    delai_pseudo: u64,
}

impl OptionsServeur {
    fn lancer(self) -> anyhow::Result<()> {
        let config = Config {
            journal: self.journal,
            historique: self.historique,
            liste_noire: self.liste_noire,
            jeton_admin: self.jeton_admin,
            max_clients: self.max_clients,
            delai_pseudo: Duration::from_secs(self.delai_pseudo),
            // Vérifié par `Config::verifier` : entre 1 et 1024 Mio.
            limite_retard: self.limite_retard.saturating_mul(MIO),
            evenements: true,
        };
        etape8_verrous::lancer_serveur(self.reseau.adresse, self.reseau.port, config)
    }
}

fn main() -> ExitCode {
    let cli: Cli = etape1_connexion::francais::lire_options();
    let resultat = match cli.commande {
        None => cli.serveur.lancer(),
        Some(Commande::Serveur(options)) => options.lancer(),
        Some(Commande::Client(r)) => etape8_verrous::client(
            r.adresse,
            r.port,
            io::BufReader::new(io::stdin()),
            &mut io::stdout(),
        ),
        Some(Commande::Demo) => etape8_verrous::demo(&mut io::stdout()),
    };
    match resultat {
        Ok(()) => ExitCode::SUCCESS,
        Err(erreur) => {
            eprintln!("Erreur : {}", etape1_connexion::francais::phrase(&erreur));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Les valeurs par défaut viennent des constantes de `config.rs` ; l'aide les dit en français
    /// (celle de clap, masquée, serait en anglais) : ce test vérifie que les deux disent la même
    /// chose.
    #[test]
    fn l_aide_dit_les_valeurs_par_defaut_des_reglages() {
        let aide = Cli::command().render_help().to_string();
        for (option, defaut) in [
            ("--journal", JOURNAL_DEFAUT.to_string()),
            ("--historique", HISTORIQUE_DEFAUT.to_string()),
            ("--max-clients", MAX_CLIENTS_DEFAUT.to_string()),
            ("--limite-retard", (LIMITE_RETARD / MIO).to_string()),
            ("--delai-pseudo", DELAI_PSEUDO.as_secs().to_string()),
        ] {
            let ligne = aide
                .split("\n      --")
                .find(|bloc| bloc.starts_with(&option[2..]))
                .unwrap_or_default();
            assert!(
                ligne.contains(&format!("défaut : {defaut}")),
                "l'aide de {option} devait dire « défaut : {defaut} » : {ligne}"
            );
        }
    }
}
