// See include/csvbytes.h.
#include "csvbytes.h"

__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
void nensim_count_csv_bytes(const uint8_t *restrict p, size_t n, uint64_t counts[3]) {
    uint64_t quotes = 0, lfs = 0, crs = 0;
    size_t i = 0;
    while (i < n) {
        // 32-bit lane sums cannot overflow within a block.
        size_t stop = n - i > ((size_t)1 << 20) ? i + ((size_t)1 << 20) : n;
        uint32_t q = 0, l = 0, c = 0;
        for (size_t k = i; k < stop; k++) {
            uint8_t b = p[k];
            q += b == '"';
            l += b == '\n';
            c += b == '\r';
        }
        quotes += q; lfs += l; crs += c;
        i = stop;
    }
    counts[0] = quotes; counts[1] = lfs; counts[2] = crs;
}
