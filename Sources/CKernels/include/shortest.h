#ifndef NENSIM_SHORTEST_H
#define NENSIM_SHORTEST_H
#include <stddef.h>
#include <stdint.h>

/// The shortest decimal that reads back to `x` (the digits Swift's `description` gives),
/// written as Swift writes it in plain notation ("0.0123", "12.5", "-3.25") into `out`
/// (at least 32 bytes), for finite, non-integral x with 1e-3 ≤ |x| < 1e15. Returns the
/// bytes written, or 0 for any other x (the caller formats it another way).
/// Digits by Ulf Adams' Ryu (PLDI 2018); see Sources/CKernels/shortest.c.
size_t nensim_shortest_plain(double x, uint8_t *out);

#endif
