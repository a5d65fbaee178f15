#!/usr/bin/env bash
# Banc d'essai du classeur : étape 7 contre étape 8, mesurées dans le même lancement.
# Imprime les tableaux Markdown de la section « Mesures » du README. Linux seulement (setsid,
# taskset, /proc pour la mémoire) ; tout le trafic reste sur 127.0.0.1.
#
#   bash corrige/banc.sh                # les tableaux (environ 10 minutes)
#   bash corrige/banc.sh --essais 3     # moins d'essais par chiffre (5 par défaut)
#   bash corrige/banc.sh --temps        # en plus : compilation propre et durée des tests
#
# Chaque chiffre est la médiane de 5 essais, avec l'écart (min–max). Chaque rafale dure au moins
# une seconde pour l'étape 8. Trois façons de lancer le serveur de l'étape 8, côte à côte :
# « session » : dans sa propre session (`setsid`), comme lancé depuis son propre terminal ; sous
# Linux, chaque session reçoit alors sa part du processeur (« autogroup »), et chaque réveil d'un
# thread du serveur peut attendre la tranche de temps du banc. C'est ainsi qu'un utilisateur le
# lance. « épinglé » : le serveur sur un cœur, le banc sur l'autre. « même session » : le serveur
# dans la session du banc (sans `setsid`) : il partage la part du banc, ses threads prennent du
# retard… et écrivent de plus gros lots.
set -euo pipefail
cd "$(dirname "$0")/.."
essais=5 temps=non
while [ $# -gt 0 ]; do
    case "$1" in
        --essais) essais=$2; shift 2 ;;
        --temps) temps=oui; shift ;;
        *) echo "option inconnue : $1" >&2; exit 2 ;;
    esac
done

cargo build --quiet --release -p etape7_multiclients -p etape8_verrous -p corrige
cible=target/release
travail=$(mktemp -d)
trap 'rm -rf "$travail"' EXIT

# lancer_serveur ÉTAPE MODE : démarre le serveur, écrit son pid et son port dans $pid / $port.
lancer_serveur() {
    local etape=$1 mode=$2 options=()
    if [ "$etape" = etape8_verrous ]; then
        rm -f "$travail/chat_log.txt"
        options=(--journal "$travail/chat_log.txt" --max-clients 3000)
    fi
    : > "$travail/serveur.log"
    case "$mode" in
        session) setsid "$cible/$etape" --port 0 "${options[@]}" > "$travail/serveur.log" 2>&1 < /dev/null & ;;
        épinglé) taskset -c 0 "$cible/$etape" --port 0 "${options[@]}" > "$travail/serveur.log" 2>&1 < /dev/null & ;;
        "même session") "$cible/$etape" --port 0 "${options[@]}" > "$travail/serveur.log" 2>&1 < /dev/null & ;;
    esac
    pid=$!
    until grep -q 'ÉCOUTE' "$travail/serveur.log" 2>/dev/null; do sleep 0.05; done
    port=$(head -n 1 "$travail/serveur.log" | grep -oE '[0-9]+$')
}

arreter_serveur() {
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# essai ÉTAPE MODE CLIENTS ÉMETTEURS MESSAGES MUETS DÉLAI [TAILLE] : une ligne « livrés attendus débit p99 mémoire ».
essai() {
    local etape=$1 mode=$2 banc=()
    lancer_serveur "$etape" "$mode"
    [ "$mode" = épinglé ] && banc=(taskset -c 1)
    local ligne
    ligne=$("${banc[@]}" "$cible/corrige" charge --port "$port" --clients "$3" --emetteurs "$4" \
        --messages "$5" --sourds "$6" --delai "$7" --taille "${8:-0}" --pid-serveur "$pid" --ligne-tableau x 2>/dev/null \
        | tail -n 1) || ligne="| x | | | | 0/0 | 0 | 0 | 0 | 0 |"
    arreter_serveur
    # | x | clients | config | sourds | livrés/attendus | débit | p50 | p99 | mémoire |
    echo "$ligne" | awk -F'|' '{ split($6, l, "/"); d = $7; gsub(/ /, "", d); gsub(/ /, "", l[1]); gsub(/ /, "", l[2]);
        p = $9; gsub(/ /, "", p); m = $10; gsub(/ /, "", m); print l[1], l[2], d, p, m }'
}

# mesurer ÉTAPE MODE CLIENTS ÉMETTEURS MESSAGES MUETS DÉLAI [TAILLE] : une ligne du tableau.
mesurer() {
    local resultats="$travail/essais.txt"
    : > "$resultats"
    for _ in $(seq "$essais"); do essai "$@" >> "$resultats"; done
    awk -v etape="${1%%_*}" -v mode="$2" -v c="$3" -v s="$4" -v n="$5" -v k="$6" -v o="${8:-40}" '
        function mediane(v, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        }
        function grouper(x,   t, r) { t = sprintf("%.0f", x); r = ""; while (length(t) > 3) { r = " " substr(t, length(t) - 2) r; t = substr(t, 1, length(t) - 3) } return t r }
        { n_++; livres[n_] = $1; attendus = $2; debit[n_] = $3; p99[n_] = $4; if ($5 > mem) mem = $5;
          if (n_ == 1 || $1 < pire) pire = $1 }
        END {
            for (i = 1; i <= n_; i++) { d[i] = debit[i]; q[i] = p99[i] }
            med = mediane(d, n_); min = d[1]; max = d[n_]
            printf "| %s | %s | %s | %s×%s (%s o) | %s | %s/%s | %s (%s – %s) | %s | %s |\n",
                etape, mode, c, s, n, o, k, pire, attendus, grouper(med), grouper(min), grouper(max), mediane(q, n_), mem
        }' "$resultats"
}

# Le tableau est aussi gardé pour le dessin (corrige graphique), écrit à la fin.
tableau="$travail/tableau.md"
# L'« autogroup » change tout au cas « session » : on dit s'il est actif.
autogroup=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo "?")
echo "Machine : $(nproc) cœurs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') Gio ; noyau $(uname -r), autogroup $autogroup ; $(rustc --version) ; $essais essais par ligne" | tee "$tableau"
echo
echo "| serveur | mode | clients | émetteurs × messages | sourds | livrés / attendus (pire essai) | livraisons/s : médiane (min – max) | p99 médian (ms) | mémoire max (Mio) |"
echo "|---|---|---|---|---|---|---|---|---|"
# Messages de 40 octets. L'étape 7 écrit sous son verrou : elle est cent fois plus lente, d'où
# des rafales plus courtes pour elle et une échéance de 10 s (ce qui n'est pas arrivé est perdu).
for mode in session épinglé "même session"; do
    mesurer etape8_verrous "$mode" 10 10 40000 0 30 | tee -a "$tableau"
    mesurer etape8_verrous "$mode" 100 10 4000 0 30 | tee -a "$tableau"
    mesurer etape8_verrous "$mode" 100 10 4000 5 30 | tee -a "$tableau"
    mesurer etape8_verrous "$mode" 1000 2 1000 0 30 | tee -a "$tableau"
done
mesurer etape7_multiclients session 10 10 4000 0 10 | tee -a "$tableau"
mesurer etape7_multiclients session 100 10 400 0 10 | tee -a "$tableau"
mesurer etape7_multiclients session 100 10 400 5 10 | tee -a "$tableau"
mesurer etape7_multiclients session 1000 2 100 0 10 | tee -a "$tableau"
# Des lignes de 1 000 octets : 1 Mo par client, plus que les tampons TCP d'un sourd n'absorbent.
# L'étape 7 se fige (ce qui reste est perdu à l'échéance) ; l'étape 8 coupe les sourds.
mesurer etape7_multiclients session 100 10 1000 5 10 1000 | tee -a "$tableau"
mesurer etape8_verrous session 100 10 1000 5 30 1000 | tee -a "$tableau"

echo
echo "Les trois façons de lancer le serveur de l'étape 8, côte à côte (livraisons/s, médianes) :"
echo
echo "| scénario | session | épinglé | même session | session / épinglé |"
echo "|---|---|---|---|---|"
awk -F'|' '
    function nombre(x) { gsub(/ /, "", x); sub(/\(.*/, "", x); return x + 0 }
    function grouper(x,   t, r) { t = sprintf("%.0f", x); r = ""; while (length(t) > 3) { r = " " substr(t, length(t) - 2) r; t = substr(t, 1, length(t) - 3) } return t r }
    $2 ~ /etape8/ && $5 ~ /40 o/ {
        mode = $3; gsub(/^ +| +$/, "", mode)
        c = $4; e = $5; k = $6; gsub(/^ +| +$/, "", c); gsub(/^ +| +$/, "", e); gsub(/^ +| +$/, "", k)
        cle = c " clients, " e ", " k " sourds"
        if (!(cle in vu)) { vu[cle] = 1; ordre[++n] = cle }
        debit[cle, mode] = nombre(substr($8, 1, index($8, "(") - 1))
    }
    END {
        for (i = 1; i <= n; i++) {
            c = ordre[i]; s = debit[c, "session"]; e = debit[c, "épinglé"]; m = debit[c, "même session"]
            printf "| %s | %s | %s | %s | %.0f %% |\n", c, grouper(s), grouper(e), grouper(m), (e > 0 ? 100 * s / e : 0)
        }
    }' "$tableau"

echo
echo "Un client qui lit à 200 ko/s pendant qu'un autre colle 10 Mo (10 000 lignes de 1 000 octets) :"
echo
for etape in etape7_multiclients etape8_verrous; do
    lancer_serveur "$etape" session
    resultat=$("$cible/corrige" charge --port "$port" --clients 2 --emetteurs 1 --messages 10000 \
        --taille 1000 --lent 200000 --delai 120 2>/dev/null | grep 'Client lent' || echo "échec du banc")
    arreter_serveur
    echo "- ${etape%%_*} : ${resultat#Client lent (200000 octets/s) : }"
done

if [ "$temps" = oui ]; then
    echo
    cible_propre="$travail/cible"
    debut=$(date +%s.%N)
    CARGO_TARGET_DIR="$cible_propre" cargo build --quiet --workspace --all-targets
    fin=$(date +%s.%N)
    echo "Compilation propre (cargo build --workspace --all-targets) : $(echo "$fin - $debut" | bc | cut -c1-5) s"
    debut=$(date +%s.%N)
    CARGO_TARGET_DIR="$cible_propre" cargo test --quiet --workspace > /dev/null 2>&1
    fin=$(date +%s.%N)
    echo "cargo test --workspace (après compilation) : $(echo "$fin - $debut" | bc | cut -c1-5) s"
fi

# Le dessin du tableau, affiché par le README et l'énoncé de l'étape 8.
"$cible/corrige" graphique "$tableau" etape8_verrous/mesures.svg >&2
