// Read-only tables that move from a file mapping into huge pages without moving their address.
//
// Why in C: Swift does not import mremap (a variadic C function), and the moves are a few system calls.
#define _GNU_SOURCE
#include "tokkit_memory.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

static const size_t huge_page = (size_t)1 << 21;

/// `length` bytes of fresh address space aligned to 2 MiB with protection `protection`, or NULL.
static char *aligned_space(size_t length, int protection) {
    size_t reserved = length + huge_page;
    char *space = mmap(NULL, reserved, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (space == MAP_FAILED) return NULL;
    char *aligned = (char *)(((uintptr_t)space + huge_page - 1) & ~(uintptr_t)(huge_page - 1));
    if (aligned > space) munmap(space, (size_t)(aligned - space));
    char *end = aligned + length;
    if (end < space + reserved) munmap(end, (size_t)(space + reserved - end));
    return aligned;
}

const void *tk_map_file_aligned(int descriptor, size_t size, size_t *span) {
    if (size == 0) return NULL;
    size_t length = (size + huge_page - 1) & ~(huge_page - 1);
    char *space = aligned_space(length, PROT_NONE);
    if (space == NULL) return NULL;
#ifdef MAP_POPULATE
    const int populate = MAP_POPULATE;
#else
    const int populate = 0;
#endif
    void *mapped = mmap(space, size, PROT_READ, MAP_PRIVATE | MAP_FIXED | populate, descriptor, 0);
    if (mapped == MAP_FAILED) {
        munmap(space, length);
        return NULL;
    }
    *span = length;
    return space;
}

int tk_move_into_huge_pages(const void *base, size_t size, size_t span) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (((uintptr_t)base & (huge_page - 1)) != 0 || span == 0 || (span & (huge_page - 1)) != 0 || size > span) return -1;
    char *copy = aligned_space(span, PROT_READ | PROT_WRITE);
    if (copy == NULL) return -1;
    // Only advice: where the system gives no huge pages the move would gain nothing, so it is not made.
    if (madvise(copy, span, MADV_HUGEPAGE) != 0) {
        munmap(copy, span);
        return -1;
    }
    memcpy(copy, base, size);
    if (mprotect(copy, span, PROT_READ) != 0 ||
        mremap(copy, span, span, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)base) == MAP_FAILED) {
        munmap(copy, span);
        return -1;
    }
    return 0;
#else
    (void)base; (void)size; (void)span;
    return -1;
#endif
}
