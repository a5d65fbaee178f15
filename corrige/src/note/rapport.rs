//! Les tables de notes : une copie, une classe ; en Markdown et en CSV.

use std::fmt::Write as _;

use super::*;

/// `12.5` → `« 12,50 »` : la virgule décimale française.
pub(crate) fn decimal(valeur: f64) -> String {
    format!("{valeur:.2}").replace('.', ",")
}

/// La table, prête à afficher.
pub fn tableau(resultats: &[Resultat]) -> String {
    let mut texte = String::new();
    let _ = writeln!(
        texte,
        "{:<24} {:>8} {:>14}   remarque",
        "étape", "tests", "points"
    );
    let (mut points, mut bareme) = (0.0, 0.0);
    for r in resultats {
        let _ = writeln!(
            texte,
            "{:<24} {:>8} {:>14}   {}",
            format!("{} {}", r.etape, r.paquet),
            format!("{}/{}", r.reussis, r.total),
            format!("{} / {}", decimal(r.points), r.bareme),
            r.remarque
        );
        points += r.points;
        bareme += r.bareme;
    }
    let _ = writeln!(
        texte,
        "{:<24} {:>8} {:>14}",
        "total",
        "",
        format!("{} / {}", decimal(points), bareme)
    );
    for r in resultats.iter().filter(|r| !r.non_notes.is_empty()) {
        let _ = writeln!(
            texte,
            "non notés à l'étape {} (ils réussissent sur l'édition intacte) : {}",
            r.etape,
            r.non_notes.join(", ")
        );
    }
    texte
}

/// La même table en CSV (séparateur `;`, virgule décimale : ce qu'attend un tableur français).
pub fn csv(resultats: &[Resultat]) -> String {
    let mut texte = String::from("etape;paquet;reussis;total;points;bareme;remarque\n");
    for r in resultats {
        let _ = writeln!(
            texte,
            "{};{};{};{};{};{};{}",
            r.etape,
            r.paquet,
            r.reussis,
            r.total,
            decimal(r.points),
            r.bareme,
            r.remarque
        );
    }
    let points: f64 = resultats.iter().map(|r| r.points).sum();
    let bareme: f64 = resultats.iter().map(|r| r.bareme).sum();
    let _ = writeln!(texte, "total;;;;{};{};", decimal(points), bareme);
    texte
}

/// La table de la classe : une ligne par élève, ses points par étape et son total.
pub fn tableau_de_classe(copies: &[Copie]) -> String {
    let mut texte = String::new();
    let _ = write!(texte, "{:<20}", "élève");
    for bareme in BAREME {
        let _ = write!(texte, " {:>6}", format!("é{}", bareme.etape));
    }
    let _ = writeln!(texte, " {:>8}   remarques", "total");
    for copie in copies {
        let _ = write!(texte, "{:<20}", nom_pour_tableau(&copie.eleve));
        match &copie.resultats {
            Ok(resultats) => {
                for bareme in BAREME {
                    let case = resultats
                        .iter()
                        .find(|r| r.etape == bareme.etape)
                        .map(|r| decimal(r.points))
                        .unwrap_or_default();
                    let _ = write!(texte, " {case:>6}");
                }
                let remarques: Vec<String> = resultats
                    .iter()
                    .filter(|r| !r.remarque.is_empty())
                    .map(|r| format!("étape {} : {}", r.etape, r.remarque))
                    .collect();
                let _ = writeln!(
                    texte,
                    " {:>8}   {}",
                    decimal(total(resultats)),
                    remarques.join(" ; ")
                );
            }
            Err(raison) => {
                let _ = writeln!(texte, "{:>57}   non notée : {raison}", "0,00");
            }
        }
    }
    texte
}

/// La table de la classe en CSV : une ligne par élève et par étape, puis son total.
pub fn csv_de_classe(copies: &[Copie]) -> String {
    let mut texte =
        String::from("eleve;etape;paquet;reussis;total;points;bareme;remarque;non_notes\n");
    for copie in copies {
        let eleve = nom_pour_tableau(&copie.eleve);
        match &copie.resultats {
            Ok(resultats) => {
                for r in resultats {
                    let _ = writeln!(
                        texte,
                        "{eleve};{};{};{};{};{};{};{};{}",
                        r.etape,
                        r.paquet,
                        r.reussis,
                        r.total,
                        decimal(r.points),
                        r.bareme,
                        nom_pour_tableau(&r.remarque),
                        r.non_notes.join(" ")
                    );
                }
                let bareme: f64 = resultats.iter().map(|r| r.bareme).sum();
                let _ = writeln!(
                    texte,
                    "{eleve};total;;;;{};{bareme};;",
                    decimal(total(resultats))
                );
            }
            Err(raison) => {
                // Une ligne par étape quand même : le tableur de l'enseignant garde ses colonnes.
                let raison = raison.replace([';', '\n'], " ");
                for b in BAREME {
                    let _ = writeln!(
                        texte,
                        "{eleve};{};{};0;;0,00;{};non notée : {raison};",
                        b.etape, b.paquet, b.points
                    );
                }
                let _ = writeln!(texte, "{eleve};total;;;;0,00;20;non notée : {raison};");
            }
        }
    }
    texte
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn les_noms_d_eleves_ne_cassent_ni_les_chemins_ni_le_csv() {
        assert_eq!(nom_de_dossier("lea_martin-2"), "lea_martin-2");
        let deux_points = nom_de_dossier("a:b");
        assert!(deux_points.starts_with("a_b-") && !deux_points.contains(':'));
        assert_ne!(nom_de_dossier("a:b"), nom_de_dossier("a;b"));
        assert_eq!(nom_pour_tableau("n\nfaux;1;x"), "n faux 1 x");
        assert_eq!(nom_pour_tableau("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    }

    #[test]
    fn la_table_additionne_et_ecrit_a_la_francaise() {
        let resultats = [Resultat {
            etape: 2,
            paquet: "etape2_boucle",
            compile: true,
            reussis: 3,
            total: 4,
            points: 1.5,
            bareme: 2.0,
            non_notes: Vec::new(),
            remarque: String::new(),
        }];
        assert!(tableau(&resultats).contains("1,50 / 2"));
        assert!(csv(&resultats).contains("2;etape2_boucle;3;4;1,50;2;\ntotal;;;;1,50;2;"));
    }
}
