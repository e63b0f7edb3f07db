// BLAKE3 (the BLAKE3 specification, 2020: one key, 1,024-byte chunks of 64-byte blocks, a binary tree of parents),
// hash mode with a 32-byte output.
//
// Why BLAKE3 for shards: every shard's digest is computed from its read-back on the writer's one thread. SHA-256 runs
// at the speed of the SHA instructions (1.4 GB/s here), which was 7% of a one-thread `tokkit shard` and caps the
// writer however many threads encode; BLAKE3's chunks are independent, so 16 of them go through one compression in the
// 16 lanes of AVX-512 (8 with AVX2).
//
// The tree is built left to right: a chunk's (or a whole subtree's) chaining value is pushed on a stack once a byte
// follows it, after merging the stack down to one entry per set bit of the chunks before it; the last chunk and the
// roll-up of the stack onto it wait for `tk_blake3_finalize`, where the root gets its flag.
#include "tokkit_blake3.h"
#include <string.h>

enum { CHUNK_START = 1, CHUNK_END = 2, PARENT = 4, ROOT = 8 };
// MAX_SUBTREE: the most chunks hashed as one subtree, 512 KiB; its chaining values and parents take 32 KiB of stack.
// An update of 1 MiB (TokenFileScanner's reads) hashes 512 + 256 + … chunks, the tail of 8 and fewer in narrow
// lanes; a quarter as large an update ran at 3.4 GB/s instead of 4.2 (64 MB, AVX-512).
enum { BLOCK = 64, CHUNK = 1024, MAX_SUBTREE = 512 };

static const uint32_t IV[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

// The message words each round takes: the specification's permutation applied once per round.
static const uint8_t SCHEDULE[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

static inline uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

// One round on the sixteen state words `v`, for any type with the operators of `ADD`, `XOR` and `ROR` (a word, or a
// vector of a word per lane): the columns, then the diagonals.
#define G(v, a, b, c, d, x, y)                                  \
    do {                                                        \
        v[a] = ADD(ADD(v[a], v[b]), x); v[d] = ROR(XOR(v[d], v[a]), 16); \
        v[c] = ADD(v[c], v[d]); v[b] = ROR(XOR(v[b], v[c]), 12);         \
        v[a] = ADD(ADD(v[a], v[b]), y); v[d] = ROR(XOR(v[d], v[a]), 8);  \
        v[c] = ADD(v[c], v[d]); v[b] = ROR(XOR(v[b], v[c]), 7);          \
    } while (0)
#define ROUND(v, m, s)                                          \
    do {                                                        \
        G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);                    \
        G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);                    \
        G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);                   \
        G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);                   \
        G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);                   \
        G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);                 \
        G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);                  \
        G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);                  \
    } while (0)

#define ADD(a, b) ((a) + (b))
#define XOR(a, b) ((a) ^ (b))
#define ROR(a, n) (((a) >> (n)) | ((a) << (32 - (n))))

/// The compression function: all sixteen output words (the first eight are the chaining value, all sixteen the
/// root's output block).
static void compress(const uint32_t cv[8], const uint8_t block[BLOCK], uint64_t counter, uint32_t length, uint32_t flags,
                     uint32_t out[16]) {
    uint32_t m[16];
    for (int i = 0; i < 16; i++) m[i] = load_le32(block + 4 * i);
    uint32_t v[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7], IV[0], IV[1], IV[2], IV[3],
                      (uint32_t)counter, (uint32_t)(counter >> 32), length, flags};
    for (int r = 0; r < 7; r++) ROUND(v, m, SCHEDULE[r]);
    for (int i = 0; i < 8; i++) {
        out[i] = v[i] ^ v[i + 8];
        out[i + 8] = v[i + 8] ^ cv[i];
    }
}

#undef ADD
#undef XOR
#undef ROR

/// `lanes` inputs of `blocks` blocks each, lane `i` at `base + i * stride`, compressed into their chaining values
/// (`out`, eight words a lane), one lane at a time. Lane `i`'s counter is `counter + i` when `increment`, and
/// `start` / `end` are added to the flags of its first / last block (chunks; for parents, zero).
static void hash_many_portable(const uint8_t *base, size_t stride, size_t lanes, size_t blocks, uint64_t counter,
                               int increment, uint32_t flags, uint32_t start, uint32_t end, uint32_t *out) {
    for (size_t lane = 0; lane < lanes; lane++) {
        uint32_t cv[8], words[16];
        memcpy(cv, IV, sizeof cv);
        for (size_t b = 0; b < blocks; b++) {
            uint32_t f = flags | (b == 0 ? start : 0) | (b + 1 == blocks ? end : 0);
            compress(cv, base + lane * stride + b * BLOCK, counter + (increment ? lane : 0), BLOCK, f, words);
            memcpy(cv, words, sizeof cv);
        }
        memcpy(out + 8 * lane, cv, sizeof cv);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// AVX-512: sixteen inputs, a word of each in one register. The message words come from a 16 x 16 transpose of the
// blocks (gathers are slow on CPUs with the gather-data-sampling fix).
#define ADD(a, b) _mm512_add_epi32(a, b)
#define XOR(a, b) _mm512_xor_si512(a, b)
#define ROR(a, n) _mm512_ror_epi32(a, n)

__attribute__((target("avx512f")))
static void transpose16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
    }
    // Per group of four rows g (rows 4g..4g+3): u[4g + j] holds, in each 128-bit lane q, word 4q + j of the four rows.
    for (int g = 0; g < 4; g++) {
        u[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
        u[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
        u[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
        u[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
    }
    for (int j = 0; j < 4; j++) {
        __m512i s0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), s1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
        __m512i s2 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44), s3 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);
        r[j] = _mm512_shuffle_i32x4(s0, s2, 0x88);
        r[4 + j] = _mm512_shuffle_i32x4(s0, s2, 0xDD);
        r[8 + j] = _mm512_shuffle_i32x4(s1, s3, 0x88);
        r[12 + j] = _mm512_shuffle_i32x4(s1, s3, 0xDD);
    }
}

__attribute__((target("avx512f")))
static void hash16_avx512(const uint8_t *base, size_t stride, size_t blocks, uint64_t counter, int increment,
                          uint32_t flags, uint32_t start, uint32_t end, uint32_t *out) {
    __m512i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm512_set1_epi32((int)IV[i]);
    const __m512i first = _mm512_set1_epi32((int)(uint32_t)counter);
    const __m512i steps = increment ? _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) : _mm512_setzero_si512();
    const __m512i low = _mm512_add_epi32(first, steps);
    // The high word takes the carry of lanes whose low word wrapped.
    const __m512i high = _mm512_mask_add_epi32(_mm512_set1_epi32((int)(uint32_t)(counter >> 32)), _mm512_cmplt_epu32_mask(low, first),
                                               _mm512_set1_epi32((int)(uint32_t)(counter >> 32)), _mm512_set1_epi32(1));
    for (size_t b = 0; b < blocks; b++) {
        __m512i m[16];
        for (int lane = 0; lane < 16; lane++) m[lane] = _mm512_loadu_si512((const void *)(base + lane * stride + b * BLOCK));
        for (int lane = 0; lane < 16; lane++) _mm_prefetch((const char *)(base + lane * stride + (b + 4) * BLOCK), _MM_HINT_T0);
        transpose16(m);
        const uint32_t f = flags | (b == 0 ? start : 0) | (b + 1 == blocks ? end : 0);
        __m512i v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                         _mm512_set1_epi32((int)IV[0]), _mm512_set1_epi32((int)IV[1]), _mm512_set1_epi32((int)IV[2]),
                         _mm512_set1_epi32((int)IV[3]), low, high, _mm512_set1_epi32(BLOCK), _mm512_set1_epi32((int)f)};
#pragma clang loop unroll(full)
        for (int r = 0; r < 7; r++) ROUND(v, m, SCHEDULE[r]);
        for (int i = 0; i < 8; i++) h[i] = _mm512_xor_si512(v[i], v[i + 8]);
    }
    uint32_t words[8][16];
    for (int i = 0; i < 8; i++) _mm512_storeu_si512((void *)words[i], h[i]);
    for (int lane = 0; lane < 16; lane++)
        for (int i = 0; i < 8; i++) out[8 * lane + i] = words[i][lane];
}

#undef ADD
#undef XOR
#undef ROR

// AVX2: eight inputs. Rotations by 16 and 8 move whole bytes (one shuffle), the others take two shifts and an or.
#define ADD(a, b) _mm256_add_epi32(a, b)
#define XOR(a, b) _mm256_xor_si256(a, b)
#define ROR(a, n) ror256_##n(a)

__attribute__((target("avx2"))) static inline __m256i ror256_16(__m256i a) {
    return _mm256_shuffle_epi8(a, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                                   2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
__attribute__((target("avx2"))) static inline __m256i ror256_8(__m256i a) {
    return _mm256_shuffle_epi8(a, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                                   1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
__attribute__((target("avx2"))) static inline __m256i ror256_12(__m256i a) {
    return _mm256_or_si256(_mm256_srli_epi32(a, 12), _mm256_slli_epi32(a, 20));
}
__attribute__((target("avx2"))) static inline __m256i ror256_7(__m256i a) {
    return _mm256_or_si256(_mm256_srli_epi32(a, 7), _mm256_slli_epi32(a, 25));
}

/// Transposes the 8 x 8 words of `r[0..8]` (rows `r[0..8]` of the first eight message words) in place.
__attribute__((target("avx2")))
static void transpose8(__m256i r[8]) {
    __m256i t[8], u[8];
    for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm256_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm256_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
    }
    for (int g = 0; g < 2; g++) {
        u[4 * g + 0] = _mm256_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
        u[4 * g + 1] = _mm256_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
        u[4 * g + 2] = _mm256_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
        u[4 * g + 3] = _mm256_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
        r[4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
    }
}

__attribute__((target("avx2")))
static void hash8_avx2(const uint8_t *base, size_t stride, size_t blocks, uint64_t counter, int increment,
                       uint32_t flags, uint32_t start, uint32_t end, uint32_t *out) {
    __m256i h[8];
    for (int i = 0; i < 8; i++) h[i] = _mm256_set1_epi32((int)IV[i]);
    const __m256i first = _mm256_set1_epi32((int)(uint32_t)counter);
    const __m256i steps = increment ? _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7) : _mm256_setzero_si256();
    const __m256i low = _mm256_add_epi32(first, steps);
    // AVX2 compares signed words only: with the top bits flipped, `first > low` unsigned (a wrap) is a signed compare.
    const __m256i flip = _mm256_set1_epi32((int)0x80000000u);
    const __m256i wrapped = _mm256_cmpgt_epi32(_mm256_xor_si256(first, flip), _mm256_xor_si256(low, flip));
    const __m256i high = _mm256_sub_epi32(_mm256_set1_epi32((int)(uint32_t)(counter >> 32)), wrapped);
    for (size_t b = 0; b < blocks; b++) {
        __m256i m[16];
        for (int lane = 0; lane < 8; lane++) {
            m[lane] = _mm256_loadu_si256((const __m256i *)(base + lane * stride + b * BLOCK));
            m[8 + lane] = _mm256_loadu_si256((const __m256i *)(base + lane * stride + b * BLOCK + 32));
            _mm_prefetch((const char *)(base + lane * stride + (b + 4) * BLOCK), _MM_HINT_T0);
        }
        transpose8(m);
        transpose8(m + 8);
        const uint32_t f = flags | (b == 0 ? start : 0) | (b + 1 == blocks ? end : 0);
        __m256i v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
                         _mm256_set1_epi32((int)IV[0]), _mm256_set1_epi32((int)IV[1]), _mm256_set1_epi32((int)IV[2]),
                         _mm256_set1_epi32((int)IV[3]), low, high, _mm256_set1_epi32(BLOCK), _mm256_set1_epi32((int)f)};
#pragma clang loop unroll(full)
        for (int r = 0; r < 7; r++) ROUND(v, m, SCHEDULE[r]);
        for (int i = 0; i < 8; i++) h[i] = _mm256_xor_si256(v[i], v[i + 8]);
    }
    uint32_t words[8][8];
    for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)words[i], h[i]);
    for (int lane = 0; lane < 8; lane++)
        for (int i = 0; i < 8; i++) out[8 * lane + i] = words[i][lane];
}

#undef ADD
#undef XOR
#undef ROR

int tk_blake3_best_way(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
    return 0;
}
#else
int tk_blake3_best_way(void) { return 0; }
#endif

/// `hash_many_portable` for any number of lanes, `way` wide where it can.
static void hash_many(int way, const uint8_t *base, size_t stride, size_t lanes, size_t blocks, uint64_t counter,
                      int increment, uint32_t flags, uint32_t start, uint32_t end, uint32_t *out) {
#if defined(__x86_64__)
    if (way == 2) {
        for (; lanes >= 16; lanes -= 16) {
            hash16_avx512(base, stride, blocks, counter, increment, flags, start, end, out);
            base += 16 * stride; out += 16 * 8; counter += increment ? 16 : 0;
        }
    }
    if (way >= 1) {
        for (; lanes >= 8; lanes -= 8) {
            hash8_avx2(base, stride, blocks, counter, increment, flags, start, end, out);
            base += 8 * stride; out += 8 * 8; counter += increment ? 8 : 0;
        }
    }
#endif
    hash_many_portable(base, stride, lanes, blocks, counter, increment, flags, start, end, out);
}

/// The chaining value of the `chunks` whole chunks at `bytes` (a power of two, at most MAX_SUBTREE), the first one
/// the chunk `counter`: the chunks side by side, then each level of parents side by side.
static void subtree_cv(int way, const uint8_t *bytes, size_t chunks, uint64_t counter, uint32_t out[8]) {
    uint32_t cvs[MAX_SUBTREE][8];
    hash_many(way, bytes, CHUNK, chunks, CHUNK / BLOCK, counter, 1, 0, CHUNK_START, CHUNK_END, &cvs[0][0]);
    // Parent i is the 64 bytes of cvs[2i] and cvs[2i + 1] (words in this machine's order, little-endian on the
    // machines with a vector way; the portable way reads them back as it stored them only on little-endian ones).
    for (size_t n = chunks; n > 1; n /= 2) {
        uint8_t pairs[MAX_SUBTREE * 32];
        for (size_t i = 0; i < n; i++)
            for (int w = 0; w < 8; w++) store_le32(pairs + 32 * i + 4 * w, cvs[i][w]);
        hash_many(way, pairs, BLOCK, n / 2, 1, 0, 0, PARENT, 0, 0, &cvs[0][0]);
    }
    memcpy(out, cvs[0], 32);
}

/// A parent's block: its two children's chaining values, left first.
static void parent_block(const uint32_t left[8], const uint32_t right[8], uint8_t block[BLOCK]) {
    for (int w = 0; w < 8; w++) {
        store_le32(block + 4 * w, left[w]);
        store_le32(block + 32 + 4 * w, right[w]);
    }
}

static void parent_cv(const uint32_t left[8], const uint32_t right[8], uint32_t out[8]) {
    uint8_t block[BLOCK];
    parent_block(left, right, block);
    uint32_t words[16];
    compress(IV, block, 0, BLOCK, PARENT, words);
    memcpy(out, words, 32);
}

/// Merges the last two subtrees of the stack until it holds `keep` (the parents made must not be the root).
static void merge_stack_to(tk_blake3 *h, int keep) {
    while (h->stack_len > keep) {
        parent_cv(h->stack[h->stack_len - 2], h->stack[h->stack_len - 1], h->stack[h->stack_len - 2]);
        h->stack_len--;
    }
}

/// Merges the stack's subtrees of the first `chunks` chunks into one per set bit of `chunks` (all complete: a chunk
/// follows them, so none is the root).
static void merge_stack(tk_blake3 *h, uint64_t chunks) { merge_stack_to(h, __builtin_popcountll(chunks)); }

/// Merges the stack down to one subtree per set bit of `chunks_before`, then pushes `cv`.
static void push_cv(tk_blake3 *h, const uint32_t cv[8], uint64_t chunks_before) {
    merge_stack(h, chunks_before);
    memcpy(h->stack[h->stack_len], cv, 32);
    h->stack_len++;
}

static void reset_chunk(tk_blake3 *h) {
    memcpy(h->cv, IV, sizeof h->cv);
    h->block_len = 0;
    h->blocks_compressed = 0;
}

static size_t chunk_length(const tk_blake3 *h) { return (size_t)h->blocks_compressed * BLOCK + h->block_len; }

static uint32_t chunk_flags(const tk_blake3 *h) { return h->blocks_compressed == 0 ? CHUNK_START : 0; }

/// Adds bytes to the current chunk (never past its end); a full block is compressed only once a byte follows it.
static void chunk_update(tk_blake3 *h, const uint8_t *bytes, size_t count) {
    while (count > 0) {
        if (h->block_len == BLOCK) {
            uint32_t words[16];
            compress(h->cv, h->block, h->chunk_counter, BLOCK, chunk_flags(h), words);
            memcpy(h->cv, words, 32);
            h->blocks_compressed++;
            h->block_len = 0;
        }
        size_t take = BLOCK - h->block_len;
        if (take > count) take = count;
        memcpy(h->block + h->block_len, bytes, take);
        h->block_len = (uint8_t)(h->block_len + take);
        bytes += take;
        count -= take;
    }
}

int tk_blake3_init_way(tk_blake3 *hasher, int way) {
    if (way < 0 || way > tk_blake3_best_way()) return 0;
    memset(hasher, 0, sizeof *hasher);
    reset_chunk(hasher);
    hasher->way = (uint8_t)way;
    return 1;
}

void tk_blake3_init(tk_blake3 *hasher) { tk_blake3_init_way(hasher, tk_blake3_best_way()); }

void tk_blake3_update(tk_blake3 *h, const void *data, size_t count) {
    const uint8_t *bytes = data;
    while (count > 0) {
        if (chunk_length(h) == CHUNK) {
            // A byte follows the chunk: it is no root, and its last block no end of the input.
            uint32_t words[16];
            compress(h->cv, h->block, h->chunk_counter, BLOCK, chunk_flags(h) | CHUNK_END, words);
            push_cv(h, words, h->chunk_counter);
            h->chunk_counter++;
            reset_chunk(h);
        }
        // Whole chunks as the largest subtree that fits and starts at a multiple of its size, when it cannot be the
        // root (a byte follows it, or chunks precede it: its chaining value is final either way). Why subtrees may end
        // where the input does: an update of whole chunks (the shard writer's megabyte reads) kept its last chunk for
        // later, which then went one block at a time, a tenth of the hashing time.
        if (chunk_length(h) == 0 && (count > CHUNK || (count == CHUNK && h->chunk_counter > 0))) {
            size_t chunks = h->chunk_counter > 0 ? count / CHUNK : (count - 1) / CHUNK;
            size_t size = MAX_SUBTREE;
            while (size > chunks || (h->chunk_counter & (size - 1)) != 0) size /= 2;
            uint32_t cv[8];
            subtree_cv(h->way, bytes, size, h->chunk_counter, cv);
            push_cv(h, cv, h->chunk_counter);
            h->chunk_counter += size;
            bytes += size * CHUNK;
            count -= size * CHUNK;
            continue;
        }
        size_t take = CHUNK - chunk_length(h);
        if (take > count) take = count;
        chunk_update(h, bytes, take);
        bytes += take;
        count -= take;
    }
}

void tk_blake3_finalize(tk_blake3 *h, uint8_t out[32]) {
    // The output node, compressed last as the root after each parent of the roll-up from the right.
    uint32_t cv[8], words[16];
    uint8_t block[BLOCK];
    uint64_t counter;
    uint32_t length, flags;
    int next;
    if (chunk_length(h) == 0 && h->chunk_counter > 0) {
        // The input ended where a subtree did: the subtrees, merged into one per set bit of the chunk count but at
        // least two, and the output node is the parent of the last two.
        const int keep = __builtin_popcountll(h->chunk_counter);
        merge_stack_to(h, keep > 2 ? keep : 2);
        parent_block(h->stack[h->stack_len - 2], h->stack[h->stack_len - 1], block);
        memcpy(cv, IV, sizeof cv);
        counter = 0;
        length = BLOCK;
        flags = PARENT;
        next = h->stack_len - 3;
    } else {
        // The subtrees before the current chunk, merged into one per set bit of their count; the output node is the
        // chunk's last block.
        merge_stack(h, h->chunk_counter);
        memset(block, 0, sizeof block);
        memcpy(block, h->block, h->block_len);
        memcpy(cv, h->cv, sizeof cv);
        counter = h->chunk_counter;
        length = h->block_len;
        flags = chunk_flags(h) | CHUNK_END;
        next = h->stack_len - 1;
    }
    for (int i = next; i >= 0; i--) {
        uint32_t child[16];
        compress(cv, block, counter, length, flags, child);
        parent_block(h->stack[i], child, block);
        memcpy(cv, IV, sizeof cv);
        counter = 0;
        length = BLOCK;
        flags = PARENT;
    }
    compress(cv, block, counter, length, flags | ROOT, words);
    for (int w = 0; w < 8; w++) store_le32(out + 4 * w, words[w]);
}
