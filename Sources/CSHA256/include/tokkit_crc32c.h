#ifndef TOKKIT_CRC32C_H
#define TOKKIT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SSE4.2 `crc32` instruction that `tk_crc32c_lanes` and `tk_crc32c` use
/// when asked to, else 0 (they then compute the same values from a table).
int tk_crc32c_accelerated(void);

/// CRC-32C (Castagnoli) of `count` bytes continuing from `crc`, without the customary inversions:
/// the standard CRC-32C of a message is `~tk_crc32c(~0u, message, count, 1)`. With `instructions`
/// 0 the portable table is used even where the CPU has the instruction (for tests).
uint32_t tk_crc32c(uint32_t crc, const void *data, size_t count, int instructions);

/// Folds `count` into lane 0 as a little-endian 8-byte word, then the bytes at `data` into four
/// CRC-32C lanes: the 8-byte words of each whole 32-byte block go to lanes 0, 1, 2, 3 in order, the
/// bytes after the last whole block to lane 1. Four independent lanes keep the instruction's pipeline
/// full (one result a cycle, three cycles each), so a pass runs at memory speed.
void tk_crc32c_lanes(uint32_t lanes[4], const void *data, size_t count, int instructions);

#endif
