#ifndef NENSIM_SHORTEST_H
#define NENSIM_SHORTEST_H
#include <stddef.h>
#include <stdint.h>

/// The shortest decimal that reads back to `x` (the digits Swift's `description` gives),
/// written as Swift's `description` writes it into `out` (at least 48 bytes: bytes past
/// the text may be overwritten): plain
/// notation from 10^-4 ("0.0001", "0.0123", "12.5", "-3.25"), exponential below
/// ("9.9999e-05", "1e-05", "5e-324"). For finite, non-integral x only; returns the bytes
/// written, or 0 for ±∞, NaN and integral x (the caller formats those).
/// Digits by Junekey Jeon's Dragonbox (2020); see Sources/CKernels/shortest.c.
size_t nensim_shortest(double x, uint8_t *out);

/// Rows lo..<hi of km.csv into `out`: for each row i (rows[r] when `rows` is not NULL,
/// else r) the label's bytes, then the eight columns' values at i, each after a comma,
/// as `CSV.append(_:to:integralBelow: 1e15)` writes them ("NA", "Inf", "-Inf", integer
/// digits for integral |x| < 1e15, else `nensim_shortest`), then "\n".
/// A row whose columns 4–7 have the bits of the row before's is given that row's text of
/// them, copied. `out` holds at least (hi − lo) × (label_length + 8 × 26 + 1) + 64
/// bytes; `columns` are eight arrays each covering every row index used. Returns the first row not written:
/// hi, or a row holding an integral |x| ≥ 1e15, which the caller formats (no byte of it
/// written); `*written` is the bytes written.
size_t nensim_km_rows(const uint8_t *label, size_t label_length, const double *const columns[8],
                      const int64_t *rows, size_t lo, size_t hi, uint8_t *out, size_t *written);

#endif
