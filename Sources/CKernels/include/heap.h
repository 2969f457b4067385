#ifndef NENSIM_HEAP_H
#define NENSIM_HEAP_H

/// Keeps freed heap blocks for reuse instead of returning them to the system at once
/// (glibc: trim threshold `trim_bytes`, mmap threshold `mmap_bytes`; elsewhere nothing).
/// For a process that frees and allocates the same few-hundred-KB arrays thousands of
/// times; see HeapTuning.swift in the nensim target. Returns 1 when both were set.
int nensim_keep_freed_heap(long trim_bytes, long mmap_bytes);

#endif
