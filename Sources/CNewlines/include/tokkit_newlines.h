#ifndef TOKKIT_NEWLINES_H
#define TOKKIT_NEWLINES_H

#include <stddef.h>
#include <stdint.h>

/// The offsets of the first `limit` (at most) `\n` bytes among the `count` bytes at `bytes`, stored in order into
/// `offsets`; returns how many. Reads no byte past `count`; `offsets` needs room for `limit + 64` (past the first
/// `limit`, what it stores there is scratch).
size_t tk_newline_offsets(const uint8_t *bytes, size_t count, size_t limit, intptr_t *offsets);

/// The same with `memchr`, one call a line, whatever the CPU: for the tests that hold the two ways against each other.
size_t tk_newline_offsets_portable(const uint8_t *bytes, size_t count, size_t limit, intptr_t *offsets);

/// 1 when `tk_newline_offsets` takes 64 bytes a step (AVX2) on this CPU, else 0.
int tk_newlines_vector(void);

#endif
