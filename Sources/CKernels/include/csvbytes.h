#ifndef NENSIM_CSVBYTES_H
#define NENSIM_CSVBYTES_H
#include <stddef.h>
#include <stdint.h>

/// The CSV reader's byte counts over p[0 ..< n] (docs/PERFORMANCE.md, "Whole-process
/// timings"): counts[0] the double quotes, counts[1] the LFs, counts[2] the CRs. A plain
/// loop the compiler vectorises (every clone gives the same counts).
void nensim_count_csv_bytes(const uint8_t *p, size_t n, uint64_t counts[3]);

#endif
