#ifndef TOKKIT_TABLE_CHECKS_H
#define TOKKIT_TABLE_CHECKS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has AVX2 and the checks below use it (when asked to), 0 when only the portable loops run.
int tk_table_checks_accelerated(void);

/// Whether every non-zero slot of a pair-merge table names ranks below `rank_end` (its merged rank, bits
/// 42 and up, less one, and its two 21-bit pair fields), and at least one slot is zero (so that a probe ends).
/// `rank_end` must be below 2^32. `vector`: use AVX2 when the CPU has it (the portable loop otherwise).
int tk_pair_merge_slots_valid(const uint64_t *slots, size_t count, uint64_t rank_end, int vector);

/// How many of the rank table's `pairs` slots are used (the second word of each pair, `words[2 * k + 1]`,
/// non-zero), or -1 when a used slot's index (its low 32 bits) is not in 1...`limit`. `limit` must be
/// below 2^32.
int64_t tk_rank_slots_filled(const uint64_t *words, size_t pairs, uint64_t limit, int vector);

#endif
