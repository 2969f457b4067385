// The C heap's trim and mmap thresholds (see include/heap.h).
#include "heap.h"
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

int nensim_keep_freed_heap(long trim_bytes, long mmap_bytes) {
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, (int)trim_bytes) == 1 && mallopt(M_MMAP_THRESHOLD, (int)mmap_bytes) == 1;
#else
    (void)trim_bytes; (void)mmap_bytes;
    return 0;
#endif
}
