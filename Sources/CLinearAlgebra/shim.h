#ifndef NENSIM_CLINEARALGEBRA_SHIM_H
#define NENSIM_CLINEARALGEBRA_SHIM_H
// System BLAS (OpenBLAS, CBLAS interface) and LAPACKE, from Debian's
// libopenblas-dev and liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
// Declared by OpenBLAS; used to keep BLAS single-threaded inside Dispatch workers.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
