//! `cargo run -p tests` : la commande de l'élève (voir [`tests::eleve`] et le README).

use std::process::ExitCode;
use std::thread;

use tests::eleve;

const AIDE: &str = "La commande de l'élève : où en êtes-vous, et quoi faire ensuite.

Utilisation :
  cargo run -p tests                  le tableau des étapes et la prochaine chose à faire
  cargo run -p tests -- suivre        la même chose, relancée à chaque enregistrement (Ctrl-C pour finir)
  cargo run -p tests -- indice [N]    l'indice de niveau N (1 par défaut) de la prochaine fonction à écrire";

fn main() -> ExitCode {
    let racine = tests::racine();
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    match arguments.as_slice() {
        [] => match eleve::etats(&racine) {
            Ok(etats) => {
                print!("{}", eleve::rapport(&etats));
                if eleve::prochaine(&etats).is_none() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(erreur) => {
                eprintln!("Erreur : lecture des sources impossible : {erreur}");
                ExitCode::FAILURE
            }
        },
        ["suivre"] => {
            let mut vue = None;
            loop {
                let empreinte = eleve::empreinte(&racine);
                if vue.as_ref() != Some(&empreinte) {
                    if vue.is_some() {
                        println!("\n— fichier enregistré : on relance —\n");
                    }
                    match eleve::etats(&racine) {
                        Ok(etats) => print!("{}", eleve::rapport(&etats)),
                        Err(erreur) => {
                            eprintln!("Erreur : lecture des sources impossible : {erreur}")
                        }
                    }
                    println!("\n(En attente d'un enregistrement ; Ctrl-C pour finir.)");
                    // Ce que la suite a pu écrire (la compilation) ne compte pas comme un enregistrement.
                    vue = Some(eleve::empreinte(&racine));
                }
                thread::sleep(eleve::INTERVALLE_SUIVRE);
            }
        }
        ["indice"] | ["indice", _] => {
            let niveau = match arguments.get(1) {
                None => 1,
                Some(texte) => match texte.parse::<usize>() {
                    Ok(n) if n >= 1 => n,
                    _ => {
                        eprintln!("Erreur : « {texte} » n'est pas un niveau d'indice (1, 2, 3…).");
                        return ExitCode::from(2);
                    }
                },
            };
            match eleve::indice(&racine, niveau) {
                Ok(texte) => {
                    println!("{texte}");
                    ExitCode::SUCCESS
                }
                Err(erreur) => {
                    eprintln!("Erreur : lecture des sources impossible : {erreur}");
                    ExitCode::FAILURE
                }
            }
        }
        ["--help"] | ["-h"] | ["aide"] => {
            println!("{AIDE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("Erreur : commande inconnue.\n\n{AIDE}");
            ExitCode::from(2)
        }
    }
}
