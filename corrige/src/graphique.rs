//! Le dessin des mesures : l'étape 7 contre l'étape 8, en un coup d'œil.
//!
//! `cargo run -p corrige -- graphique <tableau.md> <dessin.svg>` lit le tableau Markdown écrit
//! par `corrige/banc.sh` (ou la section « Mesures » du README, qui le contient) et dessine, pour
//! chaque scénario mesuré des deux côtés (mode « session »), les livraisons par seconde (échelle
//! logarithmique) et la latence p99. Le SVG est écrit ici, à la main : pas de bibliothèque de
//! graphiques. `banc.sh` le régénère à chaque lancement ; l'énoncé de l'étape 8 et le README
//! l'affichent.

use std::fmt::Write as _;

use anyhow::bail;

/// Une ligne du tableau du banc.
#[derive(Debug, Clone, PartialEq)]
pub struct LigneDuBanc {
    pub serveur: String,
    pub mode: String,
    pub clients: u64,
    pub configuration: String,
    pub sourds: u64,
    pub livres: u64,
    pub attendus: u64,
    pub debit: f64,
    pub p99_ms: f64,
}

/// Les lignes du tableau (celles qui commencent par `| etape`).
pub fn lire_tableau(texte: &str) -> Vec<LigneDuBanc> {
    texte
        .lines()
        .filter(|ligne| ligne.starts_with("| etape"))
        .filter_map(|ligne| {
            let cases: Vec<&str> = ligne.trim_matches('|').split('|').map(str::trim).collect();
            let nombre = |texte: &str| -> Option<f64> {
                texte
                    .split('(')
                    .next()?
                    .chars()
                    .filter(|c| c.is_ascii_digit())
                    .collect::<String>()
                    .parse()
                    .ok()
            };
            let (livres, attendus) = cases.get(5)?.split_once('/')?;
            Some(LigneDuBanc {
                serveur: cases.first()?.to_string(),
                mode: cases.get(1)?.to_string(),
                clients: cases.get(2)?.parse().ok()?,
                configuration: cases.get(3)?.to_string(),
                sourds: cases.get(4)?.parse().ok()?,
                livres: livres.trim().parse().ok()?,
                attendus: attendus.trim().parse().ok()?,
                debit: nombre(cases.get(6)?)?,
                p99_ms: nombre(cases.get(7)?)?,
            })
        })
        .collect()
}

/// Un scénario mesuré pour les deux étapes.
struct Scenario {
    titre: String,
    etape7: LigneDuBanc,
    etape8: LigneDuBanc,
}

/// Les scénarios comparables : même nombre de clients, de sourds et même taille de message.
fn scenarios(mesures: &[LigneDuBanc]) -> Vec<Scenario> {
    let taille = |m: &LigneDuBanc| m.configuration.split('(').nth(1).unwrap_or("").to_string();
    mesures
        .iter()
        .filter(|m| m.serveur == "etape7" && m.mode == "session")
        .filter_map(|sept| {
            let huit = mesures.iter().find(|m| {
                m.serveur == "etape8"
                    && m.mode == "session"
                    && m.clients == sept.clients
                    && m.sourds == sept.sourds
                    && taille(m) == taille(sept)
            })?;
            let mut titre = format!("{} clients", sept.clients);
            if sept.sourds > 0 {
                titre.push_str(&format!(", {} sourds", sept.sourds));
            }
            if taille(sept).starts_with("1000") {
                titre.push_str(", lignes de 1 ko");
            }
            Some(Scenario {
                titre,
                etape7: sept.clone(),
                etape8: huit.clone(),
            })
        })
        .collect()
}

/// `2562142` → `2,56 M` ; `38712` → `38,7 k`.
fn court(valeur: f64) -> String {
    if valeur >= 1e6 {
        format!("{:.2} M", valeur / 1e6).replace('.', ",")
    } else if valeur >= 1e3 {
        format!("{:.1} k", valeur / 1e3).replace('.', ",")
    } else {
        format!("{valeur:.0}")
    }
}

/// Le dessin SVG, sans ligne vide (il peut ainsi s'insérer tel quel dans une page Markdown).
pub fn dessiner(mesures: &[LigneDuBanc], legende: &str) -> anyhow::Result<String> {
    let scenarios = scenarios(mesures);
    if scenarios.is_empty() {
        bail!("aucun scénario mesuré à la fois pour l'étape 7 et l'étape 8 dans ce tableau");
    }
    let (largeur, haut_rangee, marge_haut) = (900.0, 46.0, 64.0);
    let hauteur = marge_haut + haut_rangee * scenarios.len() as f64 + 56.0;
    // Colonne 1 : livraisons/s, échelle log de 10^4 à 10^7 ; colonne 2 : p99, linéaire.
    let (x1, l1) = (275.0, 340.0);
    let (x2, l2) = (700.0, 150.0);
    let log = |v: f64| ((v.max(1e4).log10() - 4.0) / 3.0).clamp(0.0, 1.0) * l1;
    let p99_max = scenarios
        .iter()
        .flat_map(|s| [s.etape7.p99_ms, s.etape8.p99_ms])
        .fold(1.0, f64::max);
    let lin = |v: f64| v / p99_max * l2;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{largeur}\" height=\"{hauteur}\" \
         viewBox=\"0 0 {largeur} {hauteur}\" font-family=\"sans-serif\" font-size=\"13\" \
         role=\"img\" aria-label=\"Étape 7 contre étape 8 : livraisons par seconde et latence p99\">"
    );
    let _ = writeln!(
        svg,
        "<rect width=\"{largeur}\" height=\"{hauteur}\" fill=\"white\"/>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"{x1}\" y=\"22\" font-weight=\"bold\">Livraisons par seconde (échelle logarithmique)</text>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"{x2}\" y=\"22\" font-weight=\"bold\">Latence p99 (ms)</text>"
    );
    for (k, puissance) in [(0.0, "10 k"), (1.0, "100 k"), (2.0, "1 M"), (3.0, "10 M")] {
        let x = x1 + k / 3.0 * l1;
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"34\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#ddd\"/>\
             <text x=\"{x:.1}\" y=\"46\" text-anchor=\"middle\" fill=\"#666\">{puissance}</text>",
            hauteur - 50.0
        );
    }
    for (i, s) in scenarios.iter().enumerate() {
        let y = marge_haut + haut_rangee * i as f64;
        let _ = writeln!(svg, "<text x=\"10\" y=\"{}\">{}</text>", y + 20.0, s.titre);
        for (j, (m, couleur, nom)) in [
            (&s.etape7, "#b0b0b0", "étape 7"),
            (&s.etape8, "#2b6cb0", "étape 8"),
        ]
        .into_iter()
        .enumerate()
        {
            let yb = y + 4.0 + 18.0 * j as f64;
            let perdu = if m.livres < m.attendus {
                format!(
                    " — {} % livrés, salon figé",
                    m.livres * 100 / m.attendus.max(1)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                svg,
                "<rect x=\"{x1}\" y=\"{yb}\" width=\"{:.1}\" height=\"15\" fill=\"{couleur}\"/>\
                 <text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{nom} : {}/s{perdu}</text>",
                log(m.debit).max(1.0),
                x1 + log(m.debit).max(1.0) + 4.0,
                yb + 12.0,
                court(m.debit)
            );
            let _ = writeln!(
                svg,
                "<rect x=\"{x2}\" y=\"{yb}\" width=\"{:.1}\" height=\"15\" fill=\"{couleur}\"/>\
                 <text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{:.0}</text>",
                lin(m.p99_ms).max(1.0),
                x2 + lin(m.p99_ms).max(1.0) + 4.0,
                yb + 12.0,
                m.p99_ms
            );
        }
    }
    let _ = writeln!(
        svg,
        "<rect x=\"10\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#b0b0b0\"/>\
         <text x=\"28\" y=\"{}\">étape 7 (écrit sous le verrou)</text>\
         <rect x=\"250\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#2b6cb0\"/>\
         <text x=\"268\" y=\"{}\">étape 8 (une file et un écrivain par client)</text>",
        hauteur - 40.0,
        hauteur - 30.0,
        hauteur - 40.0,
        hauteur - 30.0
    );
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"{}\" font-size=\"11\" fill=\"#666\">{}</text>",
        hauteur - 10.0,
        echapper(legende)
    );
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// La légende du dessin : la machine, lue dans le tableau (« Machine : … »).
pub fn legende(tableau: &str) -> String {
    let machine = tableau
        .lines()
        .find_map(|ligne| ligne.find("Machine :").map(|debut| &ligne[debut..]))
        .map(|machine| machine.split(" ; rustc").next().unwrap_or(machine));
    match machine {
        Some(machine) => {
            format!(
                "Étapes 7 et 8 mesurées dans le même lancement (médianes ; le serveur seul dans sa session). {machine}"
            )
        }
        None => "Mesuré avec le banc d'essai du classeur.".to_string(),
    }
}

/// Les caractères qu'un texte ne peut pas porter tels quels dans du SVG.
fn echapper(texte: &str) -> String {
    texte
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLEAU: &str = "\
Machine : 2 cœurs
| etape8 | session | 100 | 10×4000 (40 o) | 5 | 3960000/3960000 | 3 165 502 (1 707 318 – 4 801 916) | 329 | 12 |
| etape7 | session | 100 | 10×400 (40 o) | 5 | 396000/396000 | 164 694 (143 366 – 177 113) | 2370 | 4 |
| etape7 | session | 100 | 10×1000 (1000 o) | 5 | 385951/990000 | 38 712 (38 595 – 38 741) | 2867 | 4 |
| etape8 | session | 100 | 10×1000 (1000 o) | 5 | 990000/990000 | 1 435 339 (1 114 329 – 1 613 206) | 677 | 35 |
| etape8 | épinglé | 100 | 10×4000 (40 o) | 5 | 3960000/3960000 | 5 333 012 (4 473 991 – 5 693 947) | 712 | 26 |
";

    /// Le dessin publié est celui du tableau publié : ils ne peuvent pas diverger.
    #[test]
    fn le_dessin_de_l_etape_8_est_celui_du_tableau_du_readme() -> anyhow::Result<()> {
        let readme = include_str!("../../README.fr.md");
        let tableau = readme
            .split("<!-- mesures:début -->")
            .nth(1)
            .and_then(|reste| reste.split("<!-- mesures:fin -->").next())
            .unwrap_or_default();
        let attendu = dessiner(&lire_tableau(tableau), &legende(tableau))?;
        assert!(
            include_str!("../../etape8_verrous/mesures.svg") == attendu,
            "etape8_verrous/mesures.svg ne correspond plus au tableau du README : relancez \
             cargo run -p corrige -- graphique README.fr.md etape8_verrous/mesures.svg"
        );
        Ok(())
    }

    #[test]
    fn le_tableau_du_banc_se_relit() {
        let mesures = lire_tableau(TABLEAU);
        assert_eq!(mesures.len(), 5);
        assert_eq!(mesures[0].debit, 3_165_502.0);
        assert_eq!((mesures[2].livres, mesures[2].attendus), (385_951, 990_000));
        assert_eq!(mesures[2].p99_ms, 2867.0);
    }

    #[test]
    fn le_dessin_compare_les_scenarios_mesures_des_deux_cotes() -> anyhow::Result<()> {
        let svg = dessiner(&lire_tableau(TABLEAU), "mesuré ici")?;
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("100 clients, 5 sourds</text>"));
        assert!(svg.contains("100 clients, 5 sourds, lignes de 1 ko</text>"));
        assert!(svg.contains("38 % livrés, salon figé"));
        assert!(svg.contains("étape 8 : 3,17 M/s"));
        assert!(
            !svg.contains("\n\n"),
            "pas de ligne vide : le SVG s'insère dans du Markdown"
        );
        assert!(dessiner(&[], "x").is_err());
        Ok(())
    }
}
