// The short-piece merge of `BytePairMerger.mergeByRescanning` with the joins' order in AVX2 registers.
//
// Why in C: most merges are of pieces of 2 to 32 bytes (public_multi with cl100k_base: 84% of the calls are 12
// bytes or fewer), six or seven rounds each, and each round is a chain: the lowest order, the parts it joins,
// the two lookups, the new orders. Swift compiles for baseline x86-64, where the order's minimum over eight
// lanes is emulated with compares and masks, and the order lives in memory: each round's narrow stores into
// it are read back at once by the next minimum's wide load, which the CPU cannot forward from its store queue.
// Here the order never leaves its registers (one for 8 bytes, two for 16, four for 32); a lane is changed by a
// compare and a blend.
#include "tokkit_merge.h"

#if defined(__x86_64__)
#include <immintrin.h>

int tk_merge_accelerated(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

// `PairMergeTable`'s key, home slot and filter bit (the same multiplies).
static inline uint64_t pair_key(uint32_t left, uint32_t right) { return (uint64_t)left << 21 | right; }
static inline size_t pair_home(uint64_t key, size_t mask) { return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask; }
static inline size_t pair_filter_bit(uint64_t key, size_t mask) { return (size_t)((key * UINT64_C(0xC4CEB9FE1A85EC53)) >> 40) & mask; }

// `PairMergeTable.merged`.
static inline uint32_t pair_merged(uint32_t left, uint32_t right, const uint64_t *slots, size_t mask,
                                   const uint64_t *filter, size_t filter_mask) {
    uint64_t key = pair_key(left, right);
    size_t bit = pair_filter_bit(key, filter_mask);
    if (!(filter[bit >> 6] & (UINT64_C(1) << (bit & 63)))) return UINT32_MAX;
    for (size_t position = pair_home(key, mask);; position = (position + 1) & mask) {
        uint64_t slot = slots[position];
        if (slot == 0) return UINT32_MAX;
        if ((slot & ((UINT64_C(1) << 42) - 1)) == key) return (uint32_t)(slot >> 42) - 1;
    }
}

// `RankLookup.startMerging`.
static inline void pair_start(uint32_t left, uint32_t right, const uint64_t *slots, size_t mask,
                              const uint64_t *filter, size_t filter_mask) {
    uint64_t key = pair_key(left, right);
    __builtin_prefetch(filter + (pair_filter_bit(key, filter_mask) >> 6), 0, 3);
    __builtin_prefetch(slots + pair_home(key, mask), 0, 3);
}

// A join's order: `rank << 7 | start`, INT32_MAX when the join is no token.
static inline int32_t join_order(uint32_t rank, int start) {
    return rank == UINT32_MAX ? INT32_MAX : (int32_t)(rank << 7) | start;
}

// The lowest of the order's lanes, held in `count` registers.
__attribute__((target("avx2"), always_inline))
static inline int32_t lowest(const __m256i *order, int count) {
    __m256i both = order[0];
    for (int r = 1; r < count; r++) both = _mm256_min_epi32(both, order[r]);
    __m128i x = _mm_min_epi32(_mm256_castsi256_si128(both), _mm256_extracti128_si256(both, 1));
    x = _mm_min_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(1, 0, 3, 2)));
    x = _mm_min_epi32(x, _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(x);
}

// Lane `lane` of the order set to `value`.
__attribute__((target("avx2"), always_inline))
static inline void set_lane(__m256i *order, int count, int lane, int32_t value) {
    const __m256i at = _mm256_set1_epi32(lane), v = _mm256_set1_epi32(value);
    for (int r = 0; r < count; r++) {
        const __m256i lanes = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(8 * r));
        order[r] = _mm256_blendv_epi8(order[r], v, _mm256_cmpeq_epi32(lanes, at));
    }
}

// The merge of up to `8 * count` bytes (see the header), the order in `count` registers.
__attribute__((target("avx2"), always_inline))
static inline int merge(const uint8_t *bytes, int n, const uint32_t *single_rank, const uint32_t *pair_rank,
                        const uint64_t *slots, size_t mask, const uint64_t *filter, size_t filter_mask, uint32_t *output,
                        const int count) {
    uint8_t next[TK_MERGE_SHORT_MAX + 1], previous[TK_MERGE_SHORT_MAX + 1];
    uint32_t ids[TK_MERGE_SHORT_MAX];
    int32_t lanes[TK_MERGE_SHORT_MAX] __attribute__((aligned(32)));
    uint32_t unknown = 0;
    for (int s = 0; s < n; s++) {
        next[s] = (uint8_t)(s + 1);
        previous[s] = (uint8_t)(s - 1);
        ids[s] = single_rank[bytes[s]];
        unknown |= ids[s] == UINT32_MAX;
    }
    if (unknown) return -1;
    for (int s = 0; s < 8 * count; s++) lanes[s] = INT32_MAX;
    for (int s = 0; s < n - 1; s++) lanes[s] = join_order(pair_rank[(unsigned)bytes[s] << 8 | bytes[s + 1]], s);
    // The joins of each byte pair's token with its neighbours, sent for before the first round.
    for (int s = 0; s < n - 1; s++) {
        if (lanes[s] == INT32_MAX) continue;
        uint32_t m = (uint32_t)lanes[s] >> 7;
        if (s > 0) pair_start(ids[s - 1], m, slots, mask, filter, filter_mask);
        if (s + 2 < n) pair_start(m, ids[s + 2], slots, mask, filter, filter_mask);
    }
    __m256i order[TK_MERGE_SHORT_MAX / 8];
    for (int r = 0; r < count; r++) order[r] = _mm256_load_si256((const __m256i *)(lanes + 8 * r));
    int32_t first = lowest(order, count);
    while (first != INT32_MAX) {
        int i = first & 127;
        int j = next[i];
        int k = next[j];
        uint32_t merged = (uint32_t)first >> 7;
        ids[i] = merged;
        next[i] = (uint8_t)k;
        int p = previous[i];
        // Joins j and i end, and p's changes: all three out of the order before the minimum over the others,
        // which does not wait for the two lookups.
        set_lane(order, count, j, INT32_MAX);
        set_lane(order, count, i, INT32_MAX);
        if (i > 0) set_lane(order, count, p, INT32_MAX);
        int32_t unchanged = lowest(order, count);
        int32_t changed = INT32_MAX;
        if (k < n) {
            previous[k] = (uint8_t)i;
            uint32_t rank = pair_merged(merged, ids[k], slots, mask, filter, filter_mask);
            changed = join_order(rank, i);
            set_lane(order, count, i, changed);
            if (rank != UINT32_MAX) {
                if (i > 0) pair_start(ids[p], rank, slots, mask, filter, filter_mask);
                int after = next[k];
                if (after < n) pair_start(rank, ids[after], slots, mask, filter, filter_mask);
            }
        }
        if (i > 0) {
            uint32_t rank = pair_merged(ids[p], merged, slots, mask, filter, filter_mask);
            int32_t value = join_order(rank, p);
            set_lane(order, count, p, value);
            if (value < changed) changed = value;
            if (rank != UINT32_MAX) {
                if (p > 0) pair_start(ids[previous[p]], rank, slots, mask, filter, filter_mask);
                if (k < n) pair_start(rank, ids[k], slots, mask, filter, filter_mask);
            }
        }
        first = unchanged < changed ? unchanged : changed;
    }
    int written = 0;
    for (int s = 0; s < n; s = next[s]) output[written++] = ids[s];
    return written;
}

__attribute__((target("avx2")))
int tk_merge_short(const uint8_t *bytes, int n, const uint32_t *single_rank, const uint32_t *pair_rank,
                   const uint64_t *slots, size_t mask, const uint64_t *filter, size_t filter_mask, uint32_t *output) {
    // One register holds the seven joins of 8 bytes, two the fifteen of 16, four those of 32.
    if (n <= 8) return merge(bytes, n, single_rank, pair_rank, slots, mask, filter, filter_mask, output, 1);
    if (n <= 16) return merge(bytes, n, single_rank, pair_rank, slots, mask, filter, filter_mask, output, 2);
    return merge(bytes, n, single_rank, pair_rank, slots, mask, filter, filter_mask, output, 4);
}

#else

int tk_merge_accelerated(void) { return 0; }

int tk_merge_short(const uint8_t *bytes, int n, const uint32_t *single_rank, const uint32_t *pair_rank,
                   const uint64_t *slots, size_t mask, const uint64_t *filter, size_t filter_mask, uint32_t *output) {
    (void)bytes; (void)n; (void)single_rank; (void)pair_rank; (void)slots; (void)mask; (void)filter; (void)filter_mask;
    (void)output;
    return -1;
}

#endif
