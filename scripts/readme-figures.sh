#!/bin/sh
# Regenerates the README's pictures, docs/km-example.png and docs/pathways-example.png,
# from the commands docs/OUTPUTS.md and README.md name (the PNG is drawn by nensim's own
# figure code, the same operations as the SVG). Run from the repository root after a
# build; NENSIM=path/to/nensim picks another binary. Look at both PNGs afterwards.
set -eu
NENSIM=${NENSIM:-.build/debug/nensim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$NENSIM" --arms prrt,everolimus,sunitinib,tace --n 300 --accrual 24 --follow-up 36 --dropout 0.05 \
    --format svg --figure-format png --out "$tmp/km" -q
cp "$tmp/km/km.png" docs/km-example.png
"$NENSIM" --pathways "ssa>prrt>everolimus,ssa>everolimus>prrt" --n 100000 \
    --population sstr=positive,grade=G1,site=midgut --format svg --figure-format png --out "$tmp/pw" -q
cp "$tmp/pw/km_pathways.png" docs/pathways-example.png
echo "wrote docs/km-example.png and docs/pathways-example.png"
