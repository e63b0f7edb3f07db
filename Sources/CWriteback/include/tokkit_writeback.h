#ifndef TOKKIT_WRITEBACK_H
#define TOKKIT_WRITEBACK_H

/// Asks the kernel to start writing bytes [offset, offset + count) of the open file `descriptor` to disk,
/// without waiting for them (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`; elsewhere nothing).
/// Swift cannot call it directly: glibc declares it only under `_GNU_SOURCE`. Durability still comes
/// from the fsync that follows; this only lets it find less left to write.
/// Returns 0, or -1 with `errno` set.
int tk_start_writeback(int descriptor, long long offset, long long count);

/// Opens the existing file at `path` with O_DIRECT (Linux), for writing when `writing` is nonzero, else
/// for reading: transfers between memory aligned to the device's block and the disk, without a copy in
/// the page cache. Swift cannot name O_DIRECT: glibc defines it only under `_GNU_SOURCE`. Returns the
/// descriptor, or -1 (errno set; EINVAL where the file system has no direct I/O, such as tmpfs before
/// Linux 6.6; always -1 on other systems).
int tk_open_direct(const char *path, int writing);

/// Waits until the bytes written to `descriptor` so far are on the disk, past any cache the disk keeps
/// (Linux `fdatasync`; `fsync` elsewhere). Returns 0, or -1 with `errno` set.
int tk_sync_data(int descriptor);

#endif
