#!/bin/sh
# The accrual kernel gives the same bits for every vector width (docs/ECONOMICS.md,
# "Per-patient accrual"): Sources/CKernels/kernels.c compiled without its run-time clones
# for baseline x86-64, x86-64-v3 (AVX2), x86-64-v4 (AVX-512) and at -O0, each run on 10^6
# patients of four configurations (monthly drug capped, cycles, adverse events, k·H > 1);
# prints one FNV-1a hash of every value and sum per build, which must all be equal.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
sed 's/^#define CLONES .*/#define CLONES/' "$ROOT/Sources/CKernels/kernels.c" > "$DIR/kernels.c"
cat > "$DIR/main.c" <<'C'
#include "ckernels.h"
#include <stdio.h>
#include <string.h>
static uint64_t h = 1469598103934665603ull;
static void mix(const void *p, size_t n) { const unsigned char *b = p; for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ull; } }
int main(void) {
    enum { N = 1000000, B = 4096 };
    static double pfs[N], pps[N], values[6 * B];
    uint64_t s = 42;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull; double u = ((s >> 11) + 0.5) / 9007199254740992.0;
        s = s * 6364136223846793005ull + 1442695040888963407ull; double v = ((s >> 11) + 0.5) / 9007199254740992.0;
        pfs[i] = -30.0 * nensim_log(u); pps[i] = (i % 13 == 0) ? 0.0 : -40.0 * nensim_log(v);
    }
    double cycles[4] = {0, 1.8398, 3.6796, 5.5194}, w[1] = {0.02}, m[1] = {0.5};
    nensim_accrual c[4] = {
        {240, 0.0028667, 0.0028667, 300, 800, 0.77, 0.61, 500, 2711.98, 18, 0, 0, 0, 6000, 0, 0, 0},
        {240, 0.0028667, 0.0012409, 300, 800, 0.77, 0.61, 0, 0, 0, 17875, cycles, 4, 6000, 0, 0, 0},
        {120, 0.0028667, 0.0, 300, 800, 0.77, 0.61, 1500, 0, 0, 0, 0, 0, 6000, w, m, 1},
        {1200, 0.039167, 0.028040, 300, 800, 0.77, 0.61, 0, 2559.03, 1e300, 0, 0, 0, 6000, w, m, 1},
    };
    for (int k = 0; k < 4; k++) {
        nensim_accrual_sums sums; memset(&sums, 0, sizeof sums);
        for (int b = 0; b < N; b += B) {
            int n = N - b < B ? N - b : B;
            nensim_accrue_arm_values(&c[k], pfs + b, pps + b, n, values);
            mix(values, sizeof(double) * 6 * n);
            nensim_accrue_arm(&c[k], pfs + b, pps + b, n, &sums);
        }
        mix(&sums, sizeof sums);
    }
    printf("%016llx\n", (unsigned long long)h);
    return 0;
}
C
for flags in "-O2 -march=x86-64" "-O2 -march=x86-64-v3" "-O2 -march=x86-64-v4" "-O0"; do
    clang $flags -I"$ROOT/Sources/CKernels/include" "$DIR/main.c" "$DIR/kernels.c" -o "$DIR/bits" -lm
    printf '%-22s %s\n' "$flags" "$("$DIR/bits")"
done
