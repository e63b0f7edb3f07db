#ifndef TOKKIT_MERGE_H
#define TOKKIT_MERGE_H

#include <stddef.h>
#include <stdint.h>

/// The longest piece `tk_merge_short` takes.
#define TK_MERGE_SHORT_MAX 32

/// 1 when this CPU has AVX2, which `tk_merge_short` needs; 0 otherwise (and on other architectures).
int tk_merge_accelerated(void);

/// tiktoken's merge of the `n` bytes at `bytes` (2 ≤ n ≤ TK_MERGE_SHORT_MAX), as `BytePairMerger.mergeByRescanning`
/// does it, with the joins' order held in one to four AVX2 registers: writes the ids at `output` and returns their count,
/// or -1 (nothing written) when some byte has no rank. `single_rank`: 256 ranks by byte; `pair_rank`: 65,536 by
/// `first << 8 | second`; `slots`, `mask`, `filter`, `filter_mask`: the `PairMergeTable`. A rank of `UINT32_MAX`
/// means none. Only when `tk_merge_accelerated()` is 1.
int tk_merge_short(const uint8_t *bytes, int n, const uint32_t *single_rank, const uint32_t *pair_rank,
                   const uint64_t *slots, size_t mask, const uint64_t *filter, size_t filter_mask, uint32_t *output);

#endif
