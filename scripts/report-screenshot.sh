#!/usr/bin/env bash
# Regenerates docs/report-example.png: runs the mission command into a scratch folder
# and screenshots its report.html with headless Chromium (Debian: apt-get install chromium).
# NENSIM=path/to/nensim uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ -z "${NENSIM:-}" ]; then
    swift build -c release --product nensim >/dev/null
    NENSIM=.build/release/nensim
fi
"$NENSIM" --arms prrt,everolimus --n 100000 --out "$scratch/run" -q
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1700 \
    --screenshot="$PWD/docs/report-example.png" "file://$scratch/run/report.html" 2>/dev/null
echo "wrote docs/report-example.png"
