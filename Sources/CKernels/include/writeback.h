#ifndef NENSIM_WRITEBACK_H
#define NENSIM_WRITEBACK_H
#include <stdint.h>

/// Starts writing bytes [offset, offset + count) of the file `fd` to its device without
/// waiting (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE; elsewhere nothing): a
/// large output file is then mostly on disk when it is fsynced. A hint only: returns 0,
/// or -1 with errno set, and the fsync that follows reports any failure.
int nensim_start_writeback(int fd, int64_t offset, int64_t count);

#endif
