// The structure checks a rank-table cache file passes before its tables are used in place
// (`Vocabulary(sections:…)`), with AVX2 where the CPU has it.
//
// Why in C: every process that loads a vocabulary runs them over megabytes of slots, and Swift compiles
// for baseline x86-64, two 64-bit lanes at a time: 10 M of the ~52 M instructions of a fresh
// `tokkit encode` of 1 KB with cl100k_base. Four lanes and real comparisons take 5.2 M (callgrind:
// the pair-merge slots 6.7 → 3.0 M, the rank slots 3.3 → 2.2 M).
#include "tokkit_table_checks.h"

#define TK_FIELD_MASK ((UINT64_C(1) << 21) - 1)

// Whether any of the slots is empty, and whether any filled one names a rank outside the table.
static void pair_merge_scan(const uint64_t *slots, size_t count, uint64_t end, int *empty, int *wrong) {
    for (size_t index = 0; index < count; index++) {
        uint64_t slot = slots[index];
        if (slot == 0) {
            *empty = 1;
            continue;
        }
        uint64_t merged = slot >> 42;
        *wrong |= merged == 0 || merged > end || ((slot >> 21) & TK_FIELD_MASK) >= end || (slot & TK_FIELD_MASK) >= end;
    }
}

static int pair_merge_portable(const uint64_t *slots, size_t count, uint64_t end) {
    int empty = 0, wrong = 0;
    pair_merge_scan(slots, count, end, &empty, &wrong);
    return empty && !wrong;
}

static int64_t rank_slots_portable(const uint64_t *words, size_t pairs, uint64_t limit) {
    int64_t filled = 0;
    int wrong = 0;
    for (size_t pair = 0; pair < pairs; pair++) {
        uint64_t word = words[2 * pair + 1];
        uint64_t index = word & 0xFFFFFFFFu;
        filled += word != 0;
        wrong |= word != 0 && (index == 0 || index > limit);
    }
    return wrong ? -1 : filled;
}

#if defined(__x86_64__)
#include <immintrin.h>

int tk_table_checks_accelerated(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

// Every field is below 2^22 and `end` below 2^32, so AVX2's signed 64-bit comparison serves.
__attribute__((target("avx2")))
static int pair_merge_avx2(const uint64_t *slots, size_t count, uint64_t end) {
    const __m256i zero = _mm256_setzero_si256(), mask = _mm256_set1_epi64x((long long)TK_FIELD_MASK);
    const __m256i limit = _mm256_set1_epi64x((long long)end), above = _mm256_set1_epi64x((long long)end + 1);
    __m256i empty = zero, wrong = zero;
    size_t index = 0;
    for (; index + 4 <= count; index += 4) {
        __m256i slot = _mm256_loadu_si256((const __m256i *)(slots + index));
        __m256i unused = _mm256_cmpeq_epi64(slot, zero);
        __m256i merged = _mm256_srli_epi64(slot, 42);
        __m256i left = _mm256_and_si256(_mm256_srli_epi64(slot, 21), mask), right = _mm256_and_si256(slot, mask);
        // In range: 0 < merged < end + 1, left < end, right < end.
        __m256i fine = _mm256_and_si256(_mm256_and_si256(_mm256_cmpgt_epi64(merged, zero), _mm256_cmpgt_epi64(above, merged)),
                                        _mm256_and_si256(_mm256_cmpgt_epi64(limit, left), _mm256_cmpgt_epi64(limit, right)));
        empty = _mm256_or_si256(empty, unused);
        wrong = _mm256_or_si256(wrong, _mm256_andnot_si256(_mm256_or_si256(fine, unused), _mm256_set1_epi64x(-1)));
    }
    int anyEmpty = !_mm256_testz_si256(empty, empty), anyWrong = !_mm256_testz_si256(wrong, wrong);
    pair_merge_scan(slots + index, count - index, end, &anyEmpty, &anyWrong);  // the last (fewer than four)
    return anyEmpty && !anyWrong;
}

// Two pairs (four words) a step; the second word of each holds the tag and the index.
__attribute__((target("avx2")))
static int64_t rank_slots_avx2(const uint64_t *words, size_t pairs, uint64_t limit) {
    const __m256i zero = _mm256_setzero_si256(), low = _mm256_set1_epi64x(0xFFFFFFFFll);
    const __m256i above = _mm256_set1_epi64x((long long)limit + 1), seconds = _mm256_set_epi64x(-1, 0, -1, 0);
    __m256i used = zero, wrong = zero;
    size_t pair = 0;
    for (; pair + 2 <= pairs; pair += 2) {
        __m256i word = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(words + 2 * pair)), seconds);
        __m256i filled = _mm256_andnot_si256(_mm256_cmpeq_epi64(word, zero), seconds);
        __m256i index = _mm256_and_si256(word, low);
        // A used slot's index in 1...limit: 0 < index < limit + 1 (both below 2^33: signed comparison serves).
        __m256i fine = _mm256_and_si256(_mm256_cmpgt_epi64(index, zero), _mm256_cmpgt_epi64(above, index));
        used = _mm256_sub_epi64(used, filled);  // filled lanes are -1
        wrong = _mm256_or_si256(wrong, _mm256_andnot_si256(fine, filled));
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, used);
    int64_t total = (int64_t)(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
    if (!_mm256_testz_si256(wrong, wrong)) return -1;
    int64_t rest = rank_slots_portable(words + 2 * pair, pairs - pair, limit);
    return rest < 0 ? -1 : total + rest;
}

int tk_pair_merge_slots_valid(const uint64_t *slots, size_t count, uint64_t rank_end, int vector) {
    return vector && tk_table_checks_accelerated() ? pair_merge_avx2(slots, count, rank_end) : pair_merge_portable(slots, count, rank_end);
}

int64_t tk_rank_slots_filled(const uint64_t *words, size_t pairs, uint64_t limit, int vector) {
    return vector && tk_table_checks_accelerated() ? rank_slots_avx2(words, pairs, limit) : rank_slots_portable(words, pairs, limit);
}

#else

int tk_table_checks_accelerated(void) { return 0; }

int tk_pair_merge_slots_valid(const uint64_t *slots, size_t count, uint64_t rank_end, int vector) {
    (void)vector;
    return pair_merge_portable(slots, count, rank_end);
}

int64_t tk_rank_slots_filled(const uint64_t *words, size_t pairs, uint64_t limit, int vector) {
    (void)vector;
    return rank_slots_portable(words, pairs, limit);
}

#endif
