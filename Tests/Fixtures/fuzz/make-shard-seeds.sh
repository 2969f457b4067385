#!/usr/bin/env bash
# Remakes the shard seeds of FuzzTests (docs/RELIABILITY.md, "Fuzzing") with the current
# build: a run tally with records, one without, and a trial shard. Run it when the tally
# format or the scenario in its header changes (an old seed no longer decodes).
set -euo pipefail
cd "$(dirname "$0")"
N=${NENSIM:-../../../.build/debug/nensim}
"$N" --arms prrt,everolimus --n 40 --seed 1 --horizon 60 --grid-days 30 --shard 1/2 --out run.shard-1-of-2.nstally --force -q
"$N" --arms prrt,everolimus --n 40 --seed 1 --horizon 60 --grid-days 30 --exact-limit 0 --shard 2/2 --out tally.shard-2-of-2.nstally --force -q
"$N" trial --arms sunitinib,placebo --n 20 --replicates 6 --seed 1 --shard 1/2 --out trial.shard-1-of-2.nstally --force 2> /dev/null
