//! Une calculatrice d'entiers **sûre** : un petit analyseur écrit à la main.
//!
//! Grammaire (de la priorité la plus faible à la plus forte) :
//!
//! ```text
//! expression := terme   (('+' | '-') terme)*
//! terme      := facteur (('*' | '/' | '%') facteur)*
//! facteur    := '-' facteur | '(' expression ')' | nombre
//! nombre     := chiffre+
//! ```
//!
//! **Ce module est donné** : l'étape parle de réseau (un serveur qui répond sans jamais exécuter
//! le texte du client), pas d'analyse syntaxique. Lisez-le comme un exemple : la forme d'un analyseur
//! « à descente récursive » (une fonction par règle de la grammaire) et ses trois limites. En
//! bonus, non noté : effacez le corps de `Analyseur::terme` ou de `Analyseur::facteur` et
//! réécrivez-le ; la suite de l'étape (`cargo test -p tests --test etape5`) vous dit si c'est
//! juste. (Ces tests de calcul passent par le réseau : ils notent votre `executer` et votre
//! `converser`, qui répondent avec cette calculatrice ; le bonus lui-même n'a pas de note.)
//!
//! Le texte du client n'est jamais exécuté : il est découpé en [`Jeton`]s, et tout ce qui n'est
//! ni un chiffre, ni un opérateur, ni une parenthèse est refusé dès ce découpage. Trois limites
//! s'y ajoutent : [`LONGUEUR_MAX`] octets d'expression au plus, [`PROFONDEUR_MAX`] niveaux
//! d'imbrication (parenthèses, moins unaires), et une arithmétique vérifiée (`checked_add`…).
//! Pourquoi chacune ? C'est l'une des questions de l'étape (« comment éviter que le serveur
//! plante ? », à la fonction `repondre`) : cherchez ce que ferait une entrée sans elle.
//!
//! ```
//! use etape5_instructions::calcul::{calculer, ErreurCalcul};
//!
//! assert_eq!(calculer("2 + 3 * (4 - 1)"), Ok(11));
//! assert_eq!(calculer("7 / 0"), Err(ErreurCalcul::DivisionParZero));
//! ```

use std::fmt;

/// Longueur maximale d'une expression, en octets.
pub const LONGUEUR_MAX: usize = 1000;

/// Nombre maximal de niveaux d'imbrication (parenthèses ouvertes et moins unaires).
pub const PROFONDEUR_MAX: usize = 64;

/// Un élément de l'expression, après découpage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jeton {
    Nombre(i64),
    Plus,
    Moins,
    Fois,
    Divise,
    Modulo,
    ParentheseOuvrante,
    ParentheseFermante,
}

/// Tout ce qui peut empêcher un calcul d'aboutir ; affiché en français au client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErreurCalcul {
    Vide,
    TropLongue,
    TropProfonde,
    /// Un caractère hors de la grammaire ; `colonne` compte les caractères à partir de 1.
    CaractereInattendu {
        caractere: char,
        colonne: usize,
    },
    NombreTropGrand,
    JetonInattendu(Jeton),
    FinInattendue,
    ParentheseNonFermee,
    DivisionParZero,
    Depassement,
}

impl fmt::Display for ErreurCalcul {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErreurCalcul::Vide => write!(f, "expression vide (exemple : calcul 2 + 3 * 4)"),
            ErreurCalcul::TropLongue => {
                write!(f, "expression trop longue (plus de {LONGUEUR_MAX} octets)")
            }
            ErreurCalcul::TropProfonde => write!(
                f,
                "expression trop imbriquée (plus de {PROFONDEUR_MAX} niveaux de parenthèses)"
            ),
            ErreurCalcul::CaractereInattendu { caractere, colonne } => {
                // Un caractère invisible (tabulation verticale, échappement…) est montré par son
                // code, pour que l'utilisateur voie ce qu'il a tapé.
                let montre = if caractere.is_control() || caractere.is_whitespace() {
                    caractere.escape_unicode().to_string()
                } else {
                    caractere.to_string()
                };
                write!(
                    f,
                    "caractère interdit « {montre} » en colonne {colonne} (seuls les chiffres, \
                     + - * / % et les parenthèses sont permis)"
                )
            }
            ErreurCalcul::NombreTropGrand => write!(
                f,
                "nombre trop grand (un entier va de {} à {})",
                i64::MIN,
                i64::MAX
            ),
            ErreurCalcul::JetonInattendu(jeton) => {
                write!(f, "« {} » inattendu ici", texte_du_jeton(jeton))
            }
            ErreurCalcul::FinInattendue => write!(f, "expression incomplète"),
            ErreurCalcul::ParentheseNonFermee => write!(f, "parenthèse non fermée"),
            ErreurCalcul::DivisionParZero => write!(f, "division par zéro"),
            ErreurCalcul::Depassement => write!(
                f,
                "dépassement de capacité (le résultat doit rester entre {} et {})",
                i64::MIN,
                i64::MAX
            ),
        }
    }
}

fn texte_du_jeton(jeton: &Jeton) -> String {
    match jeton {
        Jeton::Nombre(n) => n.to_string(),
        Jeton::Plus => "+".into(),
        Jeton::Moins => "-".into(),
        Jeton::Fois => "*".into(),
        Jeton::Divise => "/".into(),
        Jeton::Modulo => "%".into(),
        Jeton::ParentheseOuvrante => "(".into(),
        Jeton::ParentheseFermante => ")".into(),
    }
}

/// Évalue `expression` : le seul point d'entrée de la calculatrice.
pub fn calculer(expression: &str) -> Result<i64, ErreurCalcul> {
    if expression.len() > LONGUEUR_MAX {
        return Err(ErreurCalcul::TropLongue);
    }
    let jetons = decouper(expression)?;
    if jetons.is_empty() {
        return Err(ErreurCalcul::Vide);
    }
    let mut analyseur = Analyseur {
        jetons: &jetons,
        position: 0,
        profondeur: 0,
    };
    let valeur = analyseur.expression()?;
    match analyseur.suivant() {
        None => Ok(valeur),
        Some(jeton) => Err(ErreurCalcul::JetonInattendu(jeton)),
    }
}

/// Découpe le texte en jetons ; refuse tout caractère hors de la grammaire.
pub fn decouper(expression: &str) -> Result<Vec<Jeton>, ErreurCalcul> {
    let mut jetons = Vec::new();
    // `enumerate` numérote les caractères (pas les octets) : c'est la colonne qu'on montrera.
    let mut caracteres = expression.chars().enumerate().peekable();
    while let Some((indice, c)) = caracteres.next() {
        let jeton = match c {
            ' ' | '\t' => continue,
            '0'..='9' => {
                let mut valeur: i64 = 0;
                let mut chiffre = c.to_digit(10);
                // Chaque chiffre décale les précédents d'un rang : 12 puis 3 donne 123.
                while let Some(d) = chiffre {
                    valeur = valeur
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(i64::from(d)))
                        .ok_or(ErreurCalcul::NombreTropGrand)?;
                    // Le caractère suivant n'est consommé que si c'est un chiffre.
                    chiffre = caracteres
                        .next_if(|&(_, suivant)| suivant.is_ascii_digit())
                        .and_then(|(_, suivant)| suivant.to_digit(10));
                }
                Jeton::Nombre(valeur)
            }
            '+' => Jeton::Plus,
            '-' => Jeton::Moins,
            '*' => Jeton::Fois,
            '/' => Jeton::Divise,
            '%' => Jeton::Modulo,
            '(' => Jeton::ParentheseOuvrante,
            ')' => Jeton::ParentheseFermante,
            autre => {
                return Err(ErreurCalcul::CaractereInattendu {
                    caractere: autre,
                    colonne: indice + 1,
                });
            }
        };
        jetons.push(jeton);
    }
    Ok(jetons)
}

/// L'analyseur à descente récursive : une méthode par règle de la grammaire.
struct Analyseur<'a> {
    jetons: &'a [Jeton],
    position: usize,
    profondeur: usize,
}

impl Analyseur<'_> {
    fn regarder(&self) -> Option<Jeton> {
        self.jetons.get(self.position).copied()
    }

    fn suivant(&mut self) -> Option<Jeton> {
        let jeton = self.regarder();
        if jeton.is_some() {
            self.position += 1;
        }
        jeton
    }

    /// `expression := terme (('+' | '-') terme)*` — une boucle, pas une récursion : une longue
    /// somme `1+1+1+…` ne consomme pas de pile.
    fn expression(&mut self) -> Result<i64, ErreurCalcul> {
        let mut valeur = self.terme()?;
        while let Some(operateur @ (Jeton::Plus | Jeton::Moins)) = self.regarder() {
            self.position += 1;
            let droite = self.terme()?;
            valeur = match operateur {
                Jeton::Plus => valeur.checked_add(droite),
                _ => valeur.checked_sub(droite),
            }
            .ok_or(ErreurCalcul::Depassement)?;
        }
        Ok(valeur)
    }

    /// `terme := facteur (('*' | '/' | '%') facteur)*`
    fn terme(&mut self) -> Result<i64, ErreurCalcul> {
        let mut valeur = self.facteur()?;
        while let Some(operateur @ (Jeton::Fois | Jeton::Divise | Jeton::Modulo)) = self.regarder()
        {
            self.position += 1;
            let droite = self.facteur()?;
            if droite == 0 && operateur != Jeton::Fois {
                return Err(ErreurCalcul::DivisionParZero);
            }
            // `checked_div` refuse aussi i64::MIN / -1, dont le résultat ne tient pas dans un i64.
            valeur = match operateur {
                Jeton::Fois => valeur.checked_mul(droite),
                Jeton::Divise => valeur.checked_div(droite),
                _ => valeur.checked_rem(droite),
            }
            .ok_or(ErreurCalcul::Depassement)?;
        }
        Ok(valeur)
    }

    /// `facteur := '-' facteur | '(' expression ')' | nombre` — la seule règle récursive,
    /// donc la seule qui compte la profondeur.
    fn facteur(&mut self) -> Result<i64, ErreurCalcul> {
        match self.suivant() {
            Some(Jeton::Nombre(n)) => Ok(n),
            Some(ouvrant @ (Jeton::Moins | Jeton::ParentheseOuvrante)) => {
                self.profondeur += 1;
                if self.profondeur > PROFONDEUR_MAX {
                    return Err(ErreurCalcul::TropProfonde);
                }
                let valeur = if ouvrant == Jeton::Moins {
                    self.facteur()?
                        .checked_neg()
                        .ok_or(ErreurCalcul::Depassement)?
                } else {
                    let valeur = self.expression()?;
                    match self.suivant() {
                        Some(Jeton::ParentheseFermante) => valeur,
                        Some(jeton) => return Err(ErreurCalcul::JetonInattendu(jeton)),
                        None => return Err(ErreurCalcul::ParentheseNonFermee),
                    }
                };
                self.profondeur -= 1;
                Ok(valeur)
            }
            Some(jeton) => Err(ErreurCalcul::JetonInattendu(jeton)),
            None => Err(ErreurCalcul::FinInattendue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::tests::egal;

    #[test]
    fn un_caractere_interdit_est_montre_avec_sa_colonne_en_mots() {
        let message = calculer("2 _ 3").expect_err("refus").to_string();
        assert!(
            message.starts_with("caractère interdit « _ » en colonne 3 "),
            "{message}"
        );
        // Les colonnes comptent des caractères, pas des octets (« é » en prend deux en UTF-8).
        let message = calculer("é+1").expect_err("refus").to_string();
        assert!(message.contains("« é » en colonne 1"), "{message}");
        let message = calculer("1+\u{1b}").expect_err("refus").to_string();
        assert!(message.contains("« \\u{1b} » en colonne 3"), "{message}");
        assert!(!message.contains('\''), "pas de syntaxe Rust : {message}");
    }

    /// Une ligne du tableau : l'expression et le résultat attendu.
    fn check(expression: &str, attendu: Result<i64, ErreurCalcul>) {
        egal!(calculer(expression), attendu, "calcul de {expression:?}");
    }

    #[test]
    fn les_calculs_justes() {
        check("42", Ok(42));
        check("2 + 3 * 4", Ok(14));
        check("(2 + 3) * 4", Ok(20));
        check("10 - 4 - 3", Ok(3));
        check("100 / 10 / 5", Ok(2));
        check("-7 / 2", Ok(-3));
        check("-7 % 3", Ok(-1));
        check("- - 5", Ok(5));
        check("2*-3", Ok(-6));
        check("((((1))))", Ok(1));
        check("9223372036854775807", Ok(i64::MAX));
        check("-9223372036854775807 - 1", Ok(i64::MIN));
    }

    #[test]
    fn les_erreurs_de_calcul() {
        check("1 / 0", Err(ErreurCalcul::DivisionParZero));
        check("1 % (2 - 2)", Err(ErreurCalcul::DivisionParZero));
        check("9223372036854775807 + 1", Err(ErreurCalcul::Depassement));
        check("-9223372036854775807 - 2", Err(ErreurCalcul::Depassement));
        check("3037000500 * 3037000500", Err(ErreurCalcul::Depassement));
        check(
            "(-9223372036854775807 - 1) / -1",
            Err(ErreurCalcul::Depassement),
        );
        check(
            "(-9223372036854775807 - 1) % -1",
            Err(ErreurCalcul::Depassement),
        );
        check(
            "-(-9223372036854775807 - 1)",
            Err(ErreurCalcul::Depassement),
        );
        check("9223372036854775808", Err(ErreurCalcul::NombreTropGrand));
        check(
            "99999999999999999999999",
            Err(ErreurCalcul::NombreTropGrand),
        );
    }

    #[test]
    fn les_erreurs_de_syntaxe() {
        check("", Err(ErreurCalcul::Vide));
        check("   ", Err(ErreurCalcul::Vide));
        check("1 +", Err(ErreurCalcul::FinInattendue));
        check("(1 + 2", Err(ErreurCalcul::ParentheseNonFermee));
        check(
            "1 + 2)",
            Err(ErreurCalcul::JetonInattendu(Jeton::ParentheseFermante)),
        );
        check("1 2", Err(ErreurCalcul::JetonInattendu(Jeton::Nombre(2))));
        check("* 3", Err(ErreurCalcul::JetonInattendu(Jeton::Fois)));
        check(
            "()",
            Err(ErreurCalcul::JetonInattendu(Jeton::ParentheseFermante)),
        );
    }

    #[test]
    fn les_tentatives_d_injection_sont_refusees_au_decoupage() {
        for injection in [
            "__import__('os').system('ls')",
            "$(rm -rf ~)",
            "`reboot`",
            "1; rm -rf /",
            "2 ** 10",
            "1 && ls",
        ] {
            let resultat = calculer(injection);
            assert!(
                matches!(
                    resultat,
                    Err(ErreurCalcul::CaractereInattendu { .. } | ErreurCalcul::JetonInattendu(_))
                ),
                "{injection:?} devait être refusé, obtenu {resultat:?}"
            );
        }
    }

    #[test]
    fn cent_mille_parentheses_sont_refusees_sans_epuiser_la_pile() {
        let profond = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        check(&profond, Err(ErreurCalcul::TropLongue));
        let juste_sous_la_longueur = format!("{}1{}", "(".repeat(400), ")".repeat(400));
        check(&juste_sous_la_longueur, Err(ErreurCalcul::TropProfonde));
        check(&"-".repeat(500), Err(ErreurCalcul::TropProfonde));
        let limite = format!(
            "{}1{}",
            "(".repeat(PROFONDEUR_MAX),
            ")".repeat(PROFONDEUR_MAX)
        );
        check(&limite, Ok(1));
    }

    #[test]
    fn une_longue_somme_plate_ne_recurse_pas() {
        let somme = vec!["1"; 400].join("+");
        check(&somme, Ok(400));
    }
}
