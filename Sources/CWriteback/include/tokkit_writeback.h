#ifndef TOKKIT_WRITEBACK_H
#define TOKKIT_WRITEBACK_H

/// Asks the kernel to start writing bytes [offset, offset + count) of the open file `descriptor` to disk,
/// without waiting for them (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`; elsewhere nothing).
/// Swift cannot call it directly: glibc declares it only under `_GNU_SOURCE`. Durability still comes
/// from the fsync that follows; this only lets it find less left to write.
/// Returns 0, or -1 with `errno` set.
int tk_start_writeback(int descriptor, long long offset, long long count);

#endif
