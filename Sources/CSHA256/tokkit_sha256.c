// SHA-256 block compression with the x86 SHA extensions (sha256rnds2, sha256msg1, sha256msg2).
//
// Why in C: Swift has no access to these instructions, and hashing is on the path of every shard
// (each shard's sha256 is computed from its read-back): the portable Swift compression runs at about
// 0.2 GB/s, these instructions at several times that.
#include "tokkit_sha256.h"

// The 64 round constants of FIPS 180-4, shared with the portable Swift compression.
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const uint32_t *tk_sha256_round_constants(void) { return round_constants; }

#if defined(__x86_64__)
#include <immintrin.h>

int tk_sha256_accelerated(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") ? 1 : 0;
}

__attribute__((target("sha,sse4.1,ssse3")))
void tk_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // The instructions keep the state as (A, B, E, F) and (C, D, G, H), each word order reversed.
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);  // C D A B
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);  // E F G H reversed
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
    for (; blocks > 0; blocks--, data += 64) {
        const __m128i saved_abef = abef, saved_cdgh = cdgh;
        // The message schedule, four words a group: groups 0-3 are the block, every later group
        // W[i] = msg2(msg1(W[i-4], W[i-3]) + (W[i-2] W[i-1] shifted by one word), W[i-1]).
        __m128i w[16];
        for (int group = 0; group < 16; group++) {
            if (group < 4) {
                w[group] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * group)), byte_swap);
            } else {
                __m128i sum = _mm_add_epi32(_mm_sha256msg1_epu32(w[group - 4], w[group - 3]),
                                            _mm_alignr_epi8(w[group - 1], w[group - 2], 4));
                w[group] = _mm_sha256msg2_epu32(sum, w[group - 1]);
            }
            __m128i message = _mm_add_epi32(w[group], _mm_loadu_si128((const __m128i *)&round_constants[4 * group]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(message, 0x0E));
        }
        abef = _mm_add_epi32(abef, saved_abef);
        cdgh = _mm_add_epi32(cdgh, saved_cdgh);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));  // A B C D
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));    // E F G H
}

#else

int tk_sha256_accelerated(void) { return 0; }

void tk_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state;
    (void)data;
    (void)blocks;
}

#endif
