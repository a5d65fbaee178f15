#!/usr/bin/env bash
# Banc d'essai du classeur : étape 7 contre étape 8, à 10, 100 et 1000 clients, avec et sans
# 5 clients muets. Imprime un tableau Markdown (celui du README). Linux (lit /proc pour la
# mémoire du serveur). Tout le trafic reste sur 127.0.0.1.
#
#   bash corrige/banc.sh            # le tableau des débits
#   bash corrige/banc.sh --temps    # en plus : compilation propre et durée des tests
set -euo pipefail
cd "$(dirname "$0")/.."
option=${1:-}

cargo build --quiet --release -p etape7_multiclients -p etape8_verrous -p corrige
cible=target/release
travail=$(mktemp -d)
trap 'rm -rf "$travail"' EXIT

# mesurer ÉTAPE CLIENTS ÉMETTEURS MESSAGES MUETS [TAILLE]
mesurer() {
    local etape=$1 options=()
    if [ "$etape" = etape8_verrous ]; then
        rm -f "$travail/chat_log.txt"
        options=(--journal "$travail/chat_log.txt" --max-clients 3000)
    fi
    "$cible/$etape" --port 0 "${options[@]}" > "$travail/serveur.log" 2>&1 < /dev/null &
    local pid=$!
    until grep -q 'ÉCOUTE' "$travail/serveur.log" 2>/dev/null; do sleep 0.05; done
    local port
    port=$(head -n 1 "$travail/serveur.log" | grep -oE '[0-9]+$')
    "$cible/corrige" charge --port "$port" --clients "$2" --emetteurs "$3" --messages "$4" \
        --muets "$5" --taille "${6:-0}" --delai 10 --pid-serveur "$pid" --ligne-tableau "${etape%%_*}" 2>/dev/null \
        | tail -n 1 || echo "| ${etape%%_*} | $2 | $3×$4 | $5 | échec du banc | | | | |"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

echo "Machine : $(nproc) cœurs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') Gio ; $(rustc --version)"
echo
echo "| serveur | clients | émetteurs × messages (taille) | muets | livrés / attendus | livraisons/s | p50 (ms) | p99 (ms) | mémoire max (Mio) |"
echo "|---|---|---|---|---|---|---|---|---|"
for muets in 0 5; do
    # La dernière configuration envoie 10 Mo à chaque client : plus que les tampons TCP d'un
    # client muet n'en absorbent. C'est là qu'on voit l'étape 7 se figer.
    for config in "10 5 200 0" "100 10 200 0" "1000 2 50 0" "100 10 1000 1000"; do
        set -- $config
        for etape in etape7_multiclients etape8_verrous; do
            mesurer "$etape" "$1" "$2" "$3" "$muets" "$4"
        done
    done
done

if [ "$option" = "--temps" ]; then
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
