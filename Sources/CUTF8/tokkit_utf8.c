// A UTF-8 check 32 bytes at a time with AVX2, for `UTF8Validation`: every document a corpus command encodes is
// checked first, and Swift's byte-at-a-time check of text that is mostly not ASCII (Japanese, Chinese, Russian
// pages) ran at about 1.4 GB/s, 6% of encoding such documents.
//
// The method is Keiser and Lemire's ("Validating UTF-8 in less than one instruction per byte", Software: Practice
// and Experience, 2021): every error shows in a pair of adjacent bytes, or in a byte three or four bytes after a lead
// byte, so three 16-entry tables, indexed by the high and low nibble of the byte before and the high nibble of the
// byte itself, give each byte a set of error classes its pair may belong to; the three sets are intersected. A byte
// that must continue a three- or four-byte sequence is the one place where "continuation after continuation" is not an
// error: that bit is flipped there.
#include "tokkit_utf8.h"
// The one AVX2 test of the package (`tk_table_checks_accelerated`: "this CPU has AVX2").
#include "tokkit_table_checks.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

// The error classes of a pair (byte before, byte): each is set in all three tables only where its pattern matches.
enum {
    TOO_SHORT = 1 << 0,     // a lead byte followed by a lead byte or ASCII
    TOO_LONG = 1 << 1,      // ASCII followed by a continuation byte
    OVERLONG_3 = 1 << 2,    // E0 80–9F
    TOO_LARGE = 1 << 3,     // F4 90–BF, F5–FF 90–BF
    SURROGATE = 1 << 4,     // ED A0–BF
    OVERLONG_2 = 1 << 5,    // C0–C1 80–BF
    TOO_LARGE_1000 = 1 << 6, // F5–FF 80–8F
    OVERLONG_4 = 1 << 6,    // F0 80–8F (the same bit: F0 and F5–FF differ in the low nibble)
    TWO_CONTS = 1 << 7,     // a continuation byte after a continuation byte (expected where a sequence goes on)
    CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,  // classes decided by the high nibbles alone
};

#define TK_TABLE(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) \
    _mm256_setr_epi8(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)

// `input` shifted by `n` bytes towards the end, the first `n` taken from the end of `previous`.
#define TK_PREVIOUS(input, previous, n) \
    _mm256_alignr_epi8(input, _mm256_permute2x128_si256(previous, input, 0x21), 16 - (n))

// The error bits of the 32 bytes `input` that follow the 32 bytes `previous`.
__attribute__((target("avx2")))
static inline __m256i block_errors(__m256i input, __m256i previous) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i before_high = TK_TABLE(
        TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,  // 0–7: ASCII
        TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,                                      // 8–B: continuation
        TOO_SHORT | OVERLONG_2,                                                          // C
        TOO_SHORT,                                                                       // D
        TOO_SHORT | OVERLONG_3 | SURROGATE,                                              // E
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);                            // F
    const __m256i before_low = TK_TABLE(
        CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,  // _0
        CARRY | OVERLONG_2,                            // _1
        CARRY, CARRY,                                  // _2, _3
        CARRY | TOO_LARGE,                             // _4
        CARRY | TOO_LARGE | TOO_LARGE_1000,            // _5
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,            // _6–_C
        CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,  // _D
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000);  // _E, _F
    const __m256i self_high = TK_TABLE(
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,  // 0–7
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,           // 8
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,                            // 9
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,                             // A
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,                             // B
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);                                          // C–F
    __m256i before1 = TK_PREVIOUS(input, previous, 1);
    __m256i special = _mm256_and_si256(
        _mm256_and_si256(_mm256_shuffle_epi8(before_high, _mm256_and_si256(_mm256_srli_epi16(before1, 4), nibble)),
                         _mm256_shuffle_epi8(before_low, _mm256_and_si256(before1, nibble))),
        _mm256_shuffle_epi8(self_high, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble)));
    // Bit 7 where this byte must continue a sequence: two after a lead of three or four bytes (E0–FF), three after
    // one of four (F0–FF).
    __m256i third = _mm256_subs_epu8(TK_PREVIOUS(input, previous, 2), _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(TK_PREVIOUS(input, previous, 3), _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must, special);
}

__attribute__((target("avx2")))
static int valid_avx2(const uint8_t *bytes, size_t count) {
    // The bytes are followed by ASCII (zeros): a sequence cut short at the end then fails as one followed by ASCII.
    __m256i previous = _mm256_setzero_si256(), errors = _mm256_setzero_si256();
    size_t offset = 0;
    for (; offset + 32 <= count; offset += 32) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(bytes + offset));
        // A block of ASCII can hold no error, and none can start before it unless the block before ends in a lead
        // byte whose sequence is cut short: the full check finds that too, so only ASCII after ASCII skips it.
        if (_mm256_movemask_epi8(_mm256_or_si256(input, previous)) != 0) errors = _mm256_or_si256(errors, block_errors(input, previous));
        previous = input;
    }
    uint8_t tail[32] = {0};
    memcpy(tail, bytes + offset, count - offset);
    __m256i input = _mm256_loadu_si256((const __m256i *)tail);
    // The tail has fewer than 32 bytes, so a zero follows its last byte inside `tail`: a sequence cut short there, or
    // at the end of the last whole block (an empty tail), is followed by ASCII.
    errors = _mm256_or_si256(errors, block_errors(input, previous));
    return _mm256_testz_si256(errors, errors);
}

int tk_utf8_valid(const uint8_t *bytes, size_t count) {
    return tk_table_checks_accelerated() ? valid_avx2(bytes, count) : -1;
}

#else

int tk_utf8_valid(const uint8_t *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return -1;
}

#endif
