// A token file's end tokens: the shard writer's copy of a batch's documents into its buffer, each with its end token
// (`TokenFileWriter.copyDelimited`), and the read-back's count of them with every id checked (`TokenFileScanner.tally`).
//
// Why vectors with masks for the copy: a line of public_en is about ten ids, so the copy is a loop per document whose trip
// count varies from one to the next; in 16-byte blocks (Swift's SSE2) a document took one to four blocks and a mispredicted
// branch, 2.5% of `tokkit shard` of public_en lines with cl100k_base. With AVX-512 a document of up to 16 ids is one masked
// load and one store, whatever its length; AVX2 takes 8 at a time the same way. A masked load reads no id outside its mask
// (no fault, no false alarm), so the ids past a document never count towards the largest.
#include "tokkit_delimit.h"

static size_t copy_portable(const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out,
                            uint32_t end_token, int delimiter_first, uint32_t *largest) {
    uint32_t top = 0;
    size_t to = 0;
    for (size_t k = 1; k < stop_count; k++) {
        if (delimiter_first) out[to++] = end_token;
        for (intptr_t i = stops[k - 1]; i < stops[k]; i++) {
            const uint32_t id = ids[i];
            top = id > top ? id : top;
            out[to++] = id;
        }
        if (!delimiter_first) out[to++] = end_token;
    }
    if (stop_count > 1 && end_token > top) top = end_token;
    *largest = top;
    return to;
}

#if defined(__x86_64__)
#include <immintrin.h>

// The loop of both vector ways, over the documents into `out` from word `to`, the largest id so far in the vector `top`:
// whole vectors of LANES ids, then the document's last 0 to LANES ids through TAIL's masked load (no id past the
// document is read), each vector stored whole. FIRST (the delimiter before each document) is a constant in each copy.
#define COPY_DOCUMENTS(FIRST, LANES, LOAD, TAIL, STORE, MAX)                                                           \
    for (size_t k = 1; k < stop_count; k++) {                                                                          \
        const uint32_t *from = ids + stops[k - 1];                                                                     \
        size_t n = (size_t)(stops[k] - stops[k - 1]);                                                                  \
        if (FIRST) out[to++] = end_token;                                                                              \
        for (; n > LANES; n -= LANES, from += LANES, to += LANES) {                                                    \
            const __typeof__(top) block = LOAD(from);                                                                  \
            STORE(out + to, block);                                                                                    \
            top = MAX(top, block);                                                                                     \
        }                                                                                                              \
        const __typeof__(top) block = TAIL(from, n);                                                                   \
        STORE(out + to, block);                                                                                        \
        top = MAX(top, block);                                                                                         \
        to += n;                                                                                                       \
        if (!FIRST) out[to++] = end_token;                                                                             \
    }

#define LOAD512(p) _mm512_loadu_si512((const void *)(p))
#define TAIL512(p, n) _mm512_maskz_loadu_epi32((__mmask16)_bzhi_u32(0xFFFF, (unsigned)(n)), (p))
#define STORE512(p, v) _mm512_storeu_si512((void *)(p), (v))

__attribute__((target("avx512f,bmi2")))
static size_t copy_avx512(const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out,
                          uint32_t end_token, int delimiter_first, uint32_t *largest) {
    __m512i top = _mm512_setzero_si512();
    size_t to = 0;
    if (delimiter_first) {
        COPY_DOCUMENTS(1, 16, LOAD512, TAIL512, STORE512, _mm512_max_epu32)
    } else {
        COPY_DOCUMENTS(0, 16, LOAD512, TAIL512, STORE512, _mm512_max_epu32)
    }
    uint32_t most = _mm512_reduce_max_epu32(top);
    if (stop_count > 1 && end_token > most) most = end_token;
    *largest = most;
    return to;
}

#define LOAD256(p) _mm256_loadu_si256((const __m256i *)(p))
#define TAIL256(p, n) _mm256_maskload_epi32((const int *)(p), _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n)), lanes))
#define STORE256(p, v) _mm256_storeu_si256((__m256i *)(p), (v))

__attribute__((target("avx2")))
static size_t copy_avx2(const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out,
                        uint32_t end_token, int delimiter_first, uint32_t *largest) {
    __m256i top = _mm256_setzero_si256();
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    size_t to = 0;
    if (delimiter_first) {
        COPY_DOCUMENTS(1, 8, LOAD256, TAIL256, STORE256, _mm256_max_epu32)
    } else {
        COPY_DOCUMENTS(0, 8, LOAD256, TAIL256, STORE256, _mm256_max_epu32)
    }
    __m128i half = _mm_max_epu32(_mm256_castsi256_si128(top), _mm256_extracti128_si256(top, 1));
    half = _mm_max_epu32(half, _mm_shuffle_epi32(half, 0x4E));
    half = _mm_max_epu32(half, _mm_shuffle_epi32(half, 0xB1));
    uint32_t most = (uint32_t)_mm_cvtsi128_si32(half);
    if (stop_count > 1 && end_token > most) most = end_token;
    *largest = most;
    return to;
}

/// The copy's fastest way on this CPU (2 AVX-512, 1 AVX2, 0 none), checked once; the tally takes AVX-512 where the copy
/// does (F, BW, BMI2 and POPCNT: what either uses).
int tk_copy_delimited_best_way(void) {
    static int best = -1;
    if (best < 0) {
        __builtin_cpu_init();
        best = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2") &&
               __builtin_cpu_supports("popcnt") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return best;
}
#else
int tk_copy_delimited_best_way(void) { return 0; }
#endif

/// The tally's fastest way: 1 with the copy's AVX-512, else 0.
static int tally_best_way(void) { return tk_copy_delimited_best_way() == 2; }

static void tally_portable(const uint8_t *bytes, size_t count, int wide, uint32_t end_token, uint32_t largest_inside,
                           size_t *ends, size_t *outside) {
    size_t e = 0, o = 0;
    if (wide) {
        for (size_t i = 0; i < count; i++) {
            const uint32_t id = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 | (uint32_t)bytes[4 * i + 2] << 16 |
                                (uint32_t)bytes[4 * i + 3] << 24;
            e += id == end_token;
            o += id > largest_inside;
        }
    } else {
        for (size_t i = 0; i < count; i++) {
            const uint32_t id = (uint32_t)bytes[2 * i] | (uint32_t)bytes[2 * i + 1] << 8;
            e += id == end_token;
            o += id > largest_inside;
        }
    }
    *ends = e;
    *outside = o;
}

#if defined(__x86_64__)
// Why: the read-back of every shard (and `tokkit shard verify`) counts its end tokens and checks every id against the
// vocabulary; in Swift's baseline that was SSE2, four ids a compare and a running count per lane (0.4% of `tokkit shard`
// of public_en lines with cl100k_base). Here a compare of 16 (or 32) ids gives a mask, and its population count the tally.
__attribute__((target("avx512f,avx512bw,bmi2,popcnt")))
static void tally_avx512(const uint8_t *bytes, size_t count, int wide, uint32_t end_token, uint32_t largest_inside,
                         size_t *ends, size_t *outside) {
    size_t e = 0, o = 0, i = 0;
    if (wide) {
        const __m512i end = _mm512_set1_epi32((int)end_token), limit = _mm512_set1_epi32((int)largest_inside);
        for (; i + 16 <= count; i += 16) {
            const __m512i ids = _mm512_loadu_si512((const void *)(bytes + 4 * i));
            e += (size_t)_mm_popcnt_u32(_mm512_cmpeq_epu32_mask(ids, end));
            o += (size_t)_mm_popcnt_u32(_mm512_cmpgt_epu32_mask(ids, limit));
        }
        const __mmask16 tail = (__mmask16)_bzhi_u32(0xFFFF, (unsigned)(count - i));
        const __m512i ids = _mm512_maskz_loadu_epi32(tail, bytes + 4 * i);
        e += (size_t)_mm_popcnt_u32(_mm512_mask_cmpeq_epu32_mask(tail, ids, end));
        o += (size_t)_mm_popcnt_u32(_mm512_mask_cmpgt_epu32_mask(tail, ids, limit));
    } else {
        // 16-bit ids: an end token past 0xFFFF is none of them, and a limit at or past it leaves none outside.
        const __m512i end = _mm512_set1_epi16((short)end_token), limit = _mm512_set1_epi16((short)largest_inside);
        const __mmask32 counts_ends = end_token <= 0xFFFF ? ~(__mmask32)0 : 0;
        const __mmask32 counts_outside = largest_inside < 0xFFFF ? ~(__mmask32)0 : 0;
        for (; i + 32 <= count; i += 32) {
            const __m512i ids = _mm512_loadu_si512((const void *)(bytes + 2 * i));
            e += (size_t)_mm_popcnt_u32(_mm512_mask_cmpeq_epu16_mask(counts_ends, ids, end));
            o += (size_t)_mm_popcnt_u32(_mm512_mask_cmpgt_epu16_mask(counts_outside, ids, limit));
        }
        const __mmask32 tail = (__mmask32)_bzhi_u32(~0u, (unsigned)(count - i));
        const __m512i ids = _mm512_maskz_loadu_epi16(tail, bytes + 2 * i);
        e += (size_t)_mm_popcnt_u32(_mm512_mask_cmpeq_epu16_mask(tail & counts_ends, ids, end));
        o += (size_t)_mm_popcnt_u32(_mm512_mask_cmpgt_epu16_mask(tail & counts_outside, ids, limit));
    }
    *ends = e;
    *outside = o;
}

#endif

int tk_tally_ids_way(int way, const uint8_t *bytes, size_t count, int wide, uint32_t end_token, uint32_t largest_inside,
                     size_t *ends, size_t *outside) {
    if (way < 0 || way > tally_best_way()) return 0;
#if defined(__x86_64__)
    if (way == 1) {
        tally_avx512(bytes, count, wide, end_token, largest_inside, ends, outside);
        return 1;
    }
#endif
    tally_portable(bytes, count, wide, end_token, largest_inside, ends, outside);
    return 1;
}

void tk_tally_ids(const uint8_t *bytes, size_t count, int wide, uint32_t end_token, uint32_t largest_inside, size_t *ends,
                  size_t *outside) {
    tk_tally_ids_way(tally_best_way(), bytes, count, wide, end_token, largest_inside, ends, outside);
}

size_t tk_copy_delimited_way(int way, const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out,
                             uint32_t end_token, int delimiter_first, uint32_t *largest) {
    if (way < 0 || way > tk_copy_delimited_best_way()) return SIZE_MAX;
#if defined(__x86_64__)
    if (way == 2) return copy_avx512(ids, stops, stop_count, out, end_token, delimiter_first, largest);
    if (way == 1) return copy_avx2(ids, stops, stop_count, out, end_token, delimiter_first, largest);
#endif
    return copy_portable(ids, stops, stop_count, out, end_token, delimiter_first, largest);
}

size_t tk_copy_delimited(const uint32_t *ids, const intptr_t *stops, size_t stop_count, uint32_t *out, uint32_t end_token,
                         int delimiter_first, uint32_t *largest) {
    return tk_copy_delimited_way(tk_copy_delimited_best_way(), ids, stops, stop_count, out, end_token, delimiter_first, largest);
}
