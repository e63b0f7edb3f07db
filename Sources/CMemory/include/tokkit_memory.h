#ifndef TOKKIT_MEMORY_H
#define TOKKIT_MEMORY_H

#include <stddef.h>

/// Maps the first `size` bytes of the file `descriptor` read-only at an address aligned to 2 MiB, its pages
/// read in at once, in a reservation of `*span` bytes (`size` rounded up to 2 MiB; the part past the file is
/// inaccessible): the form `tk_move_into_huge_pages` can later move into huge pages. Returns NULL on failure.
/// Unmap it with munmap(address, *span).
const void *tk_map_file_aligned(int descriptor, size_t size, size_t *span);

/// Replaces the `span` bytes at `base` (as `tk_map_file_aligned` mapped them) with a private copy of their first
/// `size` bytes in transparent huge pages, at the same address and read-only: every pointer into them stays valid
/// and reads the same bytes. Returns 0, or -1 when nothing changed (no huge pages here, or a call failed).
int tk_move_into_huge_pages(const void *base, size_t size, size_t span);

#endif
