#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, used to test nensim's job-array recipe
# end to end (docs/SCALE.md): installs Debian's slurm-wlm and munge, starts munged,
# slurmctld and slurmd with a minimal slurm.conf (this node's real CPUs and memory,
# every state folder under one temporary folder), submits
# scripts/slurm/nensim-array.sbatch as an array of K shards, waits, merges the tally
# files and compares the merged run with the single-machine run (cmp: stdout, and every
# file of the run folder apart from the manifest's time stamp, command line and thread
# count). The daemons it started are stopped by their pid files on every exit, also on
# failure.
#
#   sudo scripts/slurm-local.sh            # K=4 shards of the default run
#   K=7 NENSIM_ARGS="--arms prrt,ssa --n 1000000 --seed 3" scripts/slurm-local.sh
#
# Needs root (the daemons run as root; SlurmdUser=root) and a Debian-like system.
# Environment: K (shards, default 4), NENSIM_ARGS (the run), NENSIM (binary; default
# .build/debug/nensim, built when missing), KEEP=1 keeps the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)
say() { printf 'slurm-local: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { say "run as root (the Slurm daemons run as root here)"; exit 77; }
K=${K:-4}
read -r -a run_args <<< "${NENSIM_ARGS:---arms prrt,everolimus,ssa --n 1000000 --seed 7 --accrual 24 --follow-up 36 --dropout 0.05 --exact-limit 0}"

if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
    say "installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q > /dev/null
    apt-get install -y -q slurm-wlm munge > /dev/null
fi
NENSIM=${NENSIM:-$repo/.build/debug/nensim}
if [ ! -x "$NENSIM" ]; then
    say "building nensim"
    swift build --product nensim > /dev/null
fi
NENSIM=$(readlink -f "$NENSIM")

work=$(mktemp -d /tmp/nensim-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work"/{munge,state,spool,run,log,shards}
chmod 700 "$work/munge"

# Stops what this script started, by pid file, and waits for it to go.
stop_daemons() {
    local status=$?
    for pidfile in "$work/run/slurmd.pid" "$work/run/slurmctld.pid" "$work/run/munged.pid"; do
        [ -s "$pidfile" ] || continue
        local pid
        pid=$(cat "$pidfile")
        if kill "$pid" 2> /dev/null; then
            for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2> /dev/null || true
        fi
    done
    if [ "$status" -ne 0 ]; then
        say "failed (status $status); last lines of the daemon logs:"
        tail -n 5 "$work"/log/*.log >&2 2> /dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
    exit "$status"
}
trap stop_daemons EXIT
trap 'exit 130' INT TERM

# munge: its own key, socket and pid file under $work (root-owned, private).
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --socket="$work/munge/munge.socket" --key-file="$work/munge/munge.key" \
    --pid-file="$work/run/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munge/munged.seed"

host=$(hostname -s)
cpus=$(nproc)
memory=$(free -m | awk '/^Mem:/ { print $2 }')
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" << CONF
ClusterName=nensim-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
say "one node $host: $cpus CPUs, $memory MB; state under $work"
slurmctld -i
slurmd
for _ in $(seq 100); do
    state=$(sinfo -h -n "$host" -o %T 2> /dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || { say "node not idle after 20 s (state '${state:-none}')"; exit 1; }
say "$(slurmctld -V) cluster up after $(( $(date +%s) - started )) s: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %T')"

# The array: K tasks numbered from 0, to exercise the id offset.
t0=$(date +%s)
cd "$work"
job=$(NENSIM="$NENSIM" NENSIM_SHARD_DIR="$work/shards" sbatch --parsable --wait --array=0-$((K - 1)) \
    --output="$work/log/task-%a.log" "$repo/scripts/slurm/nensim-array.sbatch" "${run_args[@]}")
say "job $job: $K tasks done in $(( $(date +%s) - t0 )) s"
for i in $(seq 0 $((K - 1))); do printf 'task %s: %s\n' "$i" "$(cat "$work/log/task-$i.log")" >&2; done
ls -l "$work/shards" >&2
t0=$(date +%s)
"$NENSIM" merge "$work"/shards/*.nstally --out "$work/merged" > "$work/merged.txt"
say "merged in $(( $(date +%s) - t0 )) s"
"$NENSIM" run "${run_args[@]}" --out "$work/single" > "$work/single.txt"
# The manifest's time stamp, command line and thread count may differ; nothing else.
without_run_fields() {
    sed -e '/"command_line" : \[/,/\]/d' -e '/"timestamp" :/d' -e '/"threads" :/d' \
        -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z/TIME/g' \
        -e 's|<span class="run">.*</span>|RUN|' "$1"
}
cmp "$work/merged.txt" "$work/single.txt"
for f in "$work"/single/*; do
    name=$(basename "$f")
    case "$name" in
        summary.json | km.svg | report.html) cmp <(without_run_fields "$f") <(without_run_fields "$work/merged/$name") ;;
        *) cmp "$f" "$work/merged/$name" ;;
    esac
done
[ "$(ls "$work/single")" = "$(ls "$work/merged")" ]
say "merged run of $K Slurm shards = single-machine run, byte for byte: stdout ($(wc -c < "$work/single.txt") bytes) and $(ls "$work/single" | wc -l) files ($(cd "$work/single" && ls | tr '\n' ' ')) apart from the manifest's time stamp, command line and threads"
say "total $(( $(date +%s) - started )) s"
