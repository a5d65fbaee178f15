#!/usr/bin/env bash
# Fabrique une classe de 30 copies d'exemple à partir du classeur et de son édition élève, pour
# essayer `corrige classe` (le README donne la note attendue de chacune et le temps mesuré).
#
#   bash corrige/classe-exemple.sh /tmp/classe30
#   cargo run -p corrige -- classe /tmp/classe30 --csv classe.csv
set -euo pipefail
classeur=$(cd "$(dirname "$0")/.." && pwd)
classe=${1:?usage : bash corrige/classe-exemple.sh <dossier vide ou absent>}
if [ -e "$classe" ] && [ -n "$(ls -A "$classe")" ]; then
    echo "$classe n'est pas vide : choisissez un autre dossier" >&2
    exit 1
fi
edition=$(mktemp -d)
trap 'rm -rf "$edition"' EXIT
mkdir -p "$classe"
rmdir "$edition" && (cd "$classeur" && cargo run --quiet -p corrige -- version-eleve "$edition" >/dev/null)

copie_classeur() { mkdir -p "$1"; (cd "$classeur" && tar cf - --exclude=./target --exclude=./.git --exclude=./.ci --exclude=./corrige .) | (cd "$1" && tar xf -); }
copie_edition() { mkdir -p "$1"; cp -r "$edition/." "$1/"; }
restaurer() { local d=$1; shift; for e in "$@"; do rm -rf "${d:?}/$e/src"; cp -r "$classeur/$e/src" "$d/$e/src"; done; }
n=0
suivant() { n=$((n + 1)); d=$(printf '%s/eleve%02d' "$classe" "$n"); }

for _ in $(seq 1 10); do suivant; copie_classeur "$d"; done                 # 20
for _ in $(seq 1 8); do suivant; copie_edition "$d"; done                   # 0
for _ in 1 2; do suivant; copie_edition "$d"; restaurer "$d" etape1_connexion etape2_boucle; done                     # 3
for _ in 1 2; do suivant; copie_edition "$d"; restaurer "$d" etape1_connexion etape2_boucle etape3_deconnexion; done  # 5
for _ in 1 2; do suivant; copie_edition "$d"; restaurer "$d" etape2_boucle etape3_deconnexion; done                   # 4
for _ in 1 2; do suivant; copie_edition "$d"; restaurer "$d" etape3_deconnexion; done                                 # 0 (l'étape 3 utilise la 2)
suivant; copie_classeur "$d"; echo 'fn casse( {' >> "$d/etape4_communication/src/lib.rs"                            # 5 (4 à 8 ne compilent pas)
suivant; copie_edition "$d"; restaurer "$d" etape1_connexion                                                          # 1 (l'étape 2 boucle sans fin)
python3 - "$d/etape2_boucle/src/lib.rs" <<'PY'
import sys
chemin = sys.argv[1]
texte = open(chemin, encoding="utf-8").read()
texte = texte.replace('todo!("Étape 2 : acceptez', 'loop {}\n    #[allow(unreachable_code)]\n    todo!("Étape 2 : acceptez', 1)
open(chemin, "w", encoding="utf-8").write(texte)
PY
for _ in 1 2; do                                                                                                      # 20 (la suite du classeur remplace la leur)
    suivant; copie_classeur "$d"
    for f in "$d"/tests/tests/*.rs; do printf '#[test]\nfn vide() {}\n' > "$f"; done
done
echo "$(ls "$classe" | wc -l) copies dans $classe"
