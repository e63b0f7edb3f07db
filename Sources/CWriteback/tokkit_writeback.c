#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "tokkit_writeback.h"

int tk_start_writeback(int descriptor, long long offset, long long count) {
#ifdef __linux__
    return sync_file_range(descriptor, offset, count, SYNC_FILE_RANGE_WRITE);
#else
    (void)descriptor;
    (void)offset;
    (void)count;
    return 0;
#endif
}

int tk_open_direct(const char *path, int writing) {
#if defined(__linux__) && defined(O_DIRECT)
    return open(path, (writing ? O_WRONLY : O_RDONLY) | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
#else
    (void)path;
    (void)writing;
    return -1;
#endif
}

int tk_sync_data(int descriptor) {
#ifdef __linux__
    return fdatasync(descriptor);
#else
    return fsync(descriptor);
#endif
}
