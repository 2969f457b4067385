#!/bin/sh
# Regenerates the man pages in docs/man/ (one per command: nensim.1, nensim.run.1, …)
# with swift-argument-parser's generate-manual plugin, from the built nensim's own help,
# so they never drift from the flags. A test (ManPageTests) fails when a page is stale.
# Usage: scripts/make-man.sh [debug|release]   (default debug: reuses `swift build`)
set -eu
cd "$(dirname "$0")/.."
config="${1:-debug}"
date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
swift package plugin --allow-writing-to-package-directory generate-manual \
    --configuration "$config" --multi-page --date "$date" --authors "the nensim authors"
out=".build/plugins/GenerateManual/outputs/nensim"
[ -d "$out" ] || out="$(find .build/plugins -type d -path '*GenerateManual*' -name nensim | head -n 1)"
rm -rf docs/man
mkdir -p docs/man
cp "$out"/*.1 docs/man/
ls docs/man
