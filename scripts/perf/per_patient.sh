#!/bin/bash
# CPU per simulated patient of run, --pathways and trial, as whole processes on one
# thread, for one or more nensim binaries side by side (docs/PERFORMANCE.md, "Issue 11:
# pathways and trials per patient"). Per patient = (task-clock of a big run − that of
# the same command with few patients) / the patients between them, so start-up,
# calibration and the fixed part of the statistics cancel. Needs `perf` (linux-perf).
#
#   bash scripts/perf/per_patient.sh BINARY [BINARY …]      # e.g. .build/release/nensim
#   REPEATS=7 (default) rounds. Each round runs every command once per binary, binaries and
#   commands interleaved, so a slow spell of the machine falls on all of them alike; per
#   binary and command it prints the figure from the fastest run of each command (min: the
#   least disturbed by other load, the robust one on a shared VM) and from the medians.
set -euo pipefail
repeats=${REPEATS:-7}
command -v perf >/dev/null || { echo "per_patient.sh: needs perf (apt-get install linux-perf)" >&2; exit 69; }
task_clock() { # milliseconds of CPU of one run
    perf stat -e task-clock -x, "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'
}
# big command | small command | patients between them (a pathway's patient goes through up to
# its number of lines: compare its cost per patient-line, from the lines' reached shares)
cases=(
"--arms prrt --n 10000000 --format table -q|--arms prrt --n 1000 --format table -q|9999000"
"--pathways prrt --n 10000000 --format table -q|--pathways prrt --n 1000 --format table -q|9999000"
"--arms ssa,prrt,everolimus --n 5000000 --format table -q|--arms ssa,prrt,everolimus --n 1000 --format table -q|14997000"
"--pathways ssa>prrt>everolimus --n 5000000 --format table -q|--pathways ssa>prrt>everolimus --n 1000 --format table -q|4999000"
"trial --arms prrt,everolimus --n 2000 --replicates 3000 -q --out /tmp/per_patient_trial --force|trial --arms prrt,everolimus --n 2000 --replicates 1 -q --out /tmp/per_patient_trial --force|5998000"
"trial --arms prrt,everolimus --n 2000 --events 1200 --replicates 3000 -q --out /tmp/per_patient_trial --force|trial --arms prrt,everolimus --n 2000 --events 1200 --replicates 1 -q --out /tmp/per_patient_trial --force|5998000"
)
log=$(mktemp)
trap 'rm -f "$log"; rm -rf /tmp/per_patient_trial' EXIT
for ((round = 1; round <= repeats; round++)); do
    for binary in "$@"; do
        for k in "${!cases[@]}"; do
            IFS='|' read -r big small _ <<<"${cases[$k]}"
            # shellcheck disable=SC2086 # the commands are word lists
            echo "$binary $k big $(task_clock "$binary" $big --threads 1)" >>"$log"
            # shellcheck disable=SC2086
            echo "$binary $k small $(task_clock "$binary" $small --threads 1)" >>"$log"
        done
    done
done
for binary in "$@"; do
    for k in "${!cases[@]}"; do
        IFS='|' read -r big _ n <<<"${cases[$k]}"
        awk -v b="$binary" -v k="$k" -v n="$n" -v name="$(basename "$binary")" -v cmd="nensim ${big% -q*}" '
            $1 == b && $2 == k { v[$3, ++c[$3]] = $4 }
            function sorted(kind,   i, j, t, m) { m = c[kind]; for (i = 1; i <= m; i++) s[i] = v[kind, i]
                for (i = 2; i <= m; i++) for (j = i; j > 1 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t } return m }
            function median(kind,   m) { m = sorted(kind); return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2 }
            function least(kind) { sorted(kind); return s[1] }
            END { bmin = least("big"); smin = least("small"); bmed = median("big"); smed = median("small")
                  printf "%s | %s | min %.1f / %.1f ms: %.1f ns per patient | median %.1f / %.1f ms: %.1f ns\n", name, cmd,
                         bmin, smin, (bmin - smin) * 1e6 / n, bmed, smed, (bmed - smed) * 1e6 / n }' "$log"
    done
done
