#!/bin/bash
# Builds scripts/perf/engine_bench.swift (Engine.run of the six mission arms, as
# Benchmarks/Simulation's "six arms × 10⁶ patients" benchmark, without the
# package-benchmark dependency) against a checkout's release build, for side-by-side
# runs of two commits (docs/PERFORMANCE.md, "Simulation engine").
#
#   bash scripts/perf/engine_bench.sh CHECKOUT OUT      # CHECKOUT built with
#                                                       # `swift build -c release --product nensim`
#   OUT [threads [iterations [patients per arm [economics.json]]]]   # default 2 20 1000000, no costs
set -euo pipefail
root=$(cd "$1" && pwd); out=$2
here=$(cd "$(dirname "$0")" && pwd)
r="$root/.build/x86_64-unknown-linux-gnu/release"
maps=(-Xcc "-fmodule-map-file=$root/Sources/CLinearAlgebra/module.modulemap" -Xcc "-fmodule-map-file=$r/CKernels.build/module.modulemap")
objects=("$r"/NENSim.build/*.o "$r"/SurvivalStats.build/*.o "$r"/CKernels.build/*.o)
libs=(-lopenblas -llapacke)
if [ -d "$root/Sources/CCairo" ]; then # NENSim links Figures (Cairo) from 2026-12 on
    maps+=(-Xcc -I/usr/include/cairo -Xcc "-fmodule-map-file=$root/Sources/CCairo/module.modulemap")
    objects+=("$r"/Figures.build/*.o)
    libs+=(-lcairo)
fi
swiftc -O "$here/engine_bench.swift" -I "$r/Modules" "${maps[@]}" "${objects[@]}" "${libs[@]}" -o "$out"
