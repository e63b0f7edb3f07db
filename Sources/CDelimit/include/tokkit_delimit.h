#ifndef TOKKIT_DELIMIT_H
#define TOKKIT_DELIMIT_H

#include <stddef.h>
#include <stdint.h>

/// Stores the documents of `ids` that end at `stops[1 ..< stop_count]` (`stops[0]` is where the first one starts),
/// each with `end_token` before it (`delimiter_first`) or after it, at `out` as consecutive words; returns how many
/// words it stored, and the largest word stored (0 when none) in `largest`. `out` needs room for 64 bytes past the
/// words stored, which it may overwrite; no id of `ids` outside the documents is read.
size_t tk_copy_delimited(const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out, uint32_t end_token,
                         int delimiter_first, uint32_t *largest);

/// The same `way` (0 one word at a time, 1 AVX2, 2 AVX-512), for the tests that hold the ways against each other;
/// `SIZE_MAX` when this CPU lacks that way.
size_t tk_copy_delimited_way(int way, const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out,
                             uint32_t end_token, int delimiter_first, uint32_t *largest);

/// The fastest way this CPU has: 2 AVX-512, 1 AVX2, 0 one word at a time.
int tk_copy_delimited_best_way(void);

/// Of the `count` little-endian ids at `bytes` (32-bit when `wide`, else 16-bit; any alignment): how many equal
/// `end_token` (`*ends`) and how many are above `largest_inside` (`*outside`). The read-back of a token file counts its
/// delimiters and checks its ids this way.
void tk_tally_ids(const uint8_t *bytes, size_t count, int wide, uint32_t end_token, uint32_t largest_inside, size_t *ends,
                  size_t *outside);

/// The same `way` (0 one id at a time, which the compiler vectorises; 1 AVX-512, 16 or 32 ids a compare into a mask),
/// for the tests that hold the ways against each other; returns 0 (and sets nothing) when this CPU lacks that way.
int tk_tally_ids_way(int way, const uint8_t *bytes, size_t count, int wide, uint32_t end_token, uint32_t largest_inside,
                     size_t *ends, size_t *outside);

#endif
