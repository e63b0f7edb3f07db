#ifndef TOKKIT_BLAKE3_H
#define TOKKIT_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

/// BLAKE3 (the default hash, 32-byte output) of a stream of bytes: `tk_blake3_init`, any number of
/// `tk_blake3_update`, one `tk_blake3_finalize`. Whole chunks go through 16 lanes of AVX-512 or 8 of AVX2 where the
/// CPU has them, else one at a time; every way gives the same digest.
typedef struct {
    /// The current chunk: its chaining value so far, its index, the block not yet compressed (kept until a byte
    /// follows it: the last block of the input is compressed with other flags).
    uint32_t cv[8];
    uint64_t chunk_counter;
    uint8_t block[64];
    uint8_t block_len;
    uint8_t blocks_compressed;
    /// The chaining values of the subtrees left of the current chunk, largest first.
    uint8_t stack_len;
    /// 0 portable, 1 AVX2, 2 AVX-512.
    uint8_t way;
    uint32_t stack[54][8];
} tk_blake3;

/// The fastest way this CPU has: 2 AVX-512, 1 AVX2, 0 portable.
int tk_blake3_best_way(void);

/// Starts a hash computed the fastest way this CPU has.
void tk_blake3_init(tk_blake3 *hasher);

/// Starts a hash computed `way` (for tests that compare the ways); 0 without it when this CPU lacks that way.
int tk_blake3_init_way(tk_blake3 *hasher, int way);

void tk_blake3_update(tk_blake3 *hasher, const void *bytes, size_t count);

/// Writes the 32-byte digest; `hasher` is spent (initialise it again to reuse it).
void tk_blake3_finalize(tk_blake3 *hasher, uint8_t out[32]);

#endif
