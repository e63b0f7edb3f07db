// The line ends of a run of corpus lines, for `LineSource.appendLines` (`tokkit encode --docs lines`, `tokkit shard`).
//
// Why: a corpus line is a few dozen bytes, and a `memchr` per line (a call, its set-up, a branch on where it stops)
// cost 3% of encoding public_en's lines with cl100k_base. Here 64 bytes give one mask of their `\n` bytes, two AVX2
// compares, and the line ends are its trailing-zero counts, four stored without a branch (bench/RESULTS.md,
// "Session 47").
#include "tokkit_newlines.h"
// The one AVX2 test of the package (`tk_table_checks_accelerated`: "this CPU has AVX2").
#include "tokkit_table_checks.h"

#include <string.h>

size_t tk_newline_offsets_portable(const uint8_t *bytes, size_t count, size_t limit, intptr_t *offsets) {
    size_t found = 0, start = 0;
    while (found < limit && start < count) {
        const uint8_t *newline = memchr(bytes + start, '\n', count - start);
        if (!newline) break;
        offsets[found++] = newline - bytes;
        start = (size_t)(newline - bytes) + 1;
    }
    return found;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,bmi,popcnt")))
static size_t newline_offsets_avx2(const uint8_t *bytes, size_t count, size_t limit, intptr_t *offsets) {
    const __m256i newline = _mm256_set1_epi8('\n');
    size_t found = 0, at = 0;
    for (; at + 64 <= count && found < limit; at += 64) {
        const __m256i low = _mm256_loadu_si256((const __m256i *)(bytes + at));
        const __m256i high = _mm256_loadu_si256((const __m256i *)(bytes + at + 32));
        uint64_t mask = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newline)) |
                        (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newline)) << 32;
        // Four offsets stored whether or not there are four (a line is a few dozen bytes: a block holds one to three
        // ends, and a loop per end guessed its count wrong about once a block); the rest, rarely, one by one.
        const size_t ends = (size_t)__builtin_popcountll(mask);
        for (int k = 0; k < 4; k++) {
            offsets[found + (size_t)k] = (intptr_t)(at + (size_t)_tzcnt_u64(mask));
            mask = _blsr_u64(mask);
        }
        for (size_t k = 4; k < ends; k++) {
            offsets[found + k] = (intptr_t)(at + (size_t)_tzcnt_u64(mask));
            mask = _blsr_u64(mask);
        }
        found += ends;
    }
    for (; at < count && found < limit; at++) {
        if (bytes[at] == '\n') offsets[found++] = (intptr_t)at;
    }
    return found < limit ? found : limit;
}

/// The package's one AVX2 test (`CTableChecks`, as `CUTF8` asks it), and the two instructions the loop takes besides,
/// which every AVX2 CPU has.
int tk_newlines_vector(void) {
    return tk_table_checks_accelerated() && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt");
}

size_t tk_newline_offsets(const uint8_t *bytes, size_t count, size_t limit, intptr_t *offsets) {
    return tk_newlines_vector() ? newline_offsets_avx2(bytes, count, limit, offsets)
                                : tk_newline_offsets_portable(bytes, count, limit, offsets);
}

#else

int tk_newlines_vector(void) { return 0; }

size_t tk_newline_offsets(const uint8_t *bytes, size_t count, size_t limit, intptr_t *offsets) {
    return tk_newline_offsets_portable(bytes, count, limit, offsets);
}

#endif
