import CKernels

/// The C heap's policy for commands that allocate and free the same few-hundred-KB
/// arrays thousands of times (a PSA draw's tables and fits, each draw after the other).
///
/// glibc returns the top of the heap to the system whenever more than the trim
/// threshold is free (128 KB by default) and serves every block above its mmap threshold
/// with a fresh mapping, so each draw's arrays were new pages, each zeroed by the kernel
/// on first touch: a third of the PSA's time was page faults (docs/PERFORMANCE.md, "The
/// PSA"). With a 256 MB trim threshold and a 32 MB mmap threshold the freed blocks are
/// reused instead. The process's peak memory is what its live arrays need at most, as
/// before: only the return of freed pages to the system is put off until exit. Not used
/// by `analyze`, whose peak is measured against a limit and which frees its largest
/// arrays early on purpose.
enum HeapTuning {
    static func keepFreedBlocks() {
        _ = nensim_keep_freed_heap(256 << 20, 32 << 20)
    }
}
