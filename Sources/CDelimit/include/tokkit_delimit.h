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

#endif
