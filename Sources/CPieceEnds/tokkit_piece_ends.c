// The piece ends of a block of 64 bytes (see the header for the rules). The rules are stated once, on the bytes' class
// masks (`piece_ends_from_masks`); the masks come from SSE2 (sixteen bytes a compare, four compares and four
// `movemask`s a class) or, where the CPU has it, from AVX-512 BW (the 64 bytes in one compare into a mask register).
//
// Why AVX-512: the block calls were 8.6% of encoding public_en's lines as documents with cl100k_base (6.7% of the same
// text as one), a batch of short documents making one call more per document, and the seven masks four compares and
// four `movemask`s each with SSE2. `TokkitBench encode-docs --batch-only`, A/B: 1.014 / 1.025 / 1.047; one text 1.011 /
// 1.017 / 1.031 (bench/RESULTS.md, "Session 47").
#include "tokkit_piece_ends.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// The rules of the header on the class masks of the 64 bytes, each limited to the ASCII bytes before the first other
/// one (`valid`): L letters, N digits, S the space, R `\r \n`, T `\t \v \f`, A the apostrophe. `ends`: the text ends in
/// the block after ASCII only. Inlined into each variant: the masks stay in registers.
static inline __attribute__((always_inline)) uint64_t piece_ends_from_masks(const uint8_t *bytes, uint64_t valid, uint64_t L,
        uint64_t N, uint64_t S, uint64_t R, uint64_t T, uint64_t A, unsigned digits, unsigned length, int ends,
        int whole_run_at_end) {
    const uint64_t W = S | T | R, O = valid & ~(L | N | W);
    // Run starts; bit 0 is a piece start whatever came before.
    const uint64_t Ls = L & ~(L << 1), Ns = N & ~(N << 1), Os = O & ~(O << 1), Ws = W & ~(W << 1);

    // The last two runs: piece ends are given up to the second-to-last one's start, or to the end of the text.
    unsigned secondLast = length;
    if (!ends) {
        const uint64_t runStarts = Ls | Ns | Os | Ws;
        if (runStarts == 0) return 0;
        const unsigned last = 63u - (unsigned)__builtin_clzll(runStarts);
        const uint64_t before = runStarts & ((UINT64_C(1) << last) - 1);
        if (before == 0) return 0;
        secondLast = 63u - (unsigned)__builtin_clzll(before);
        if (secondLast == 0) return 0;
    }

    uint64_t starts = 1;
    // Digits, cut every `digits` from the run's start.
    if (digits == 1) {
        starts |= N;
    } else {
        uint64_t group = Ns;
        starts |= group;
        while (group) {
            group = (group << 3) & N & (N << 1) & (N << 2);
            starts |= group;
        }
    }
    // Letters and the byte before them.
    const uint64_t lead = Ls >> 1;
    starts |= lead & (S | T);
    starts |= (lead & (R | N)) << 1;
    const uint64_t leadOther = lead & O;
    const uint64_t leadAlone = leadOther & ~(O << 1) & ~(S << 1);
    starts |= leadAlone | (leadOther & ~leadAlone) << 1;
    // Runs of O, one byte early after a space.
    const uint64_t afterSpace = Os & (S << 1);
    starts |= afterSpace >> 1 | (Os & ~afterSpace);
    // The R right after a run of O belong to its piece; the rest of the whitespace runs.
    const uint64_t seeds = R & ~(R << 1) & (O << 1);
    const uint64_t taken = ((R + seeds) ^ R) & R;
    const uint64_t space = W & ~taken;
    const uint64_t spaceStarts = space & ~(space << 1);
    starts |= spaceStarts;
    // The last byte of a run, unless the run reaches the end of the text.
    starts |= space & ~(space >> 1) & ~R & (ends ? ~(UINT64_C(1) << (length - 1)) : ~(uint64_t)0);
    // The byte after a run's last R, when whitespace that is no R follows it to the run's end.
    const uint64_t blank = space & ~R;
    uint64_t afterNewline = blank & ((R & space) << 1);
    while (afterNewline) {
        const unsigned q = (unsigned)__builtin_ctzll(afterNewline);
        afterNewline &= afterNewline - 1;
        // Where the whitespace that is no R from q ends: past the end of the run, or at another R.
        const uint64_t rest = ~blank & (~(uint64_t)0 << q);
        if (rest == 0) continue;
        const unsigned f = (unsigned)__builtin_ctzll(rest);
        if (!((R >> f) & 1)) starts |= UINT64_C(1) << q;
    }
    // Contractions: an apostrophe that starts a piece, then `s d m t`, or `ll ve re`.
    uint64_t apostrophes = A & starts & (L >> 1);
    while (apostrophes) {
        const unsigned p = (unsigned)__builtin_ctzll(apostrophes);
        apostrophes &= apostrophes - 1;
        if (p + 3 > secondLast) break;  // its letters are past what is given
        const unsigned first = bytes[p + 1] | 0x20, second = bytes[p + 2] | 0x20;
        unsigned end = 0;
        if (first == 's' || first == 'd' || first == 'm' || first == 't') {
            end = p + 2;
        } else if ((first == 'l' && second == 'l') || (first == 'v' && second == 'e') || (first == 'r' && second == 'e')) {
            end = p + 3;
        }
        if (end) starts |= (UINT64_C(1) << end) & L;
    }
    if (!ends) return starts & ~UINT64_C(1) & ((UINT64_C(2) << secondLast) - 1);
    // `\s++$`: the whitespace run that reaches the end is one piece from its start.
    if (whole_run_at_end && (space >> (length - 1)) & 1) {
        const unsigned runStart = 63u - (unsigned)__builtin_clzll(spaceStarts & ((UINT64_C(1) << length) - 1));
        starts &= ~(~(uint64_t)0 << (runStart + 1));
    }
    return (starts & ~UINT64_C(1) & ((UINT64_C(1) << length) - 1)) | UINT64_C(1) << length;
}

/// Bits at and above `length`: the bytes past the text's end, which count as bytes that are not ASCII.
static inline __attribute__((always_inline)) uint64_t past_end(unsigned length) {
    return length >= 64 ? 0 : ~(uint64_t)0 << length;
}

/// Whether the block is worth the masks: the text ends in it after ASCII only, or its first 32 bytes are ASCII (fewer
/// would decide a piece or two at the cost of many: text in other scripts, whose runs are the scanner's).
static inline __attribute__((always_inline)) int worth_it(uint64_t high, uint64_t past, int *ends) {
    *ends = past != 0 && (high & ~past) == 0;
    return *ends || (uint32_t)high == 0;
}

/// Only the ASCII bytes before the first other one are read.
static inline __attribute__((always_inline)) uint64_t before_first_high(uint64_t high) {
    return high ? (high & (0 - high)) - 1 : ~(uint64_t)0;
}

/// The 64 bytes at `bytes` as a mask: bit k set where `test` holds for byte k, four SSE2 compares' worth.
#define TK_MASK64(test)                                                                                            \
    ((uint64_t)(uint16_t)_mm_movemask_epi8(test(b0)) | (uint64_t)(uint16_t)_mm_movemask_epi8(test(b1)) << 16 |     \
     (uint64_t)(uint16_t)_mm_movemask_epi8(test(b2)) << 32 | (uint64_t)(uint16_t)_mm_movemask_epi8(test(b3)) << 48)

uint64_t tk_cl100k_piece_ends_sse2(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end) {
    const __m128i b0 = _mm_loadu_si128((const __m128i *)bytes), b1 = _mm_loadu_si128((const __m128i *)(bytes + 16));
    const __m128i b2 = _mm_loadu_si128((const __m128i *)(bytes + 32)), b3 = _mm_loadu_si128((const __m128i *)(bytes + 48));
    // Bytes of 0x80 and above are negative as signed bytes, so every range test leaves them out.
#define TK_IS(x) (x)
#define TK_LETTER(x) _mm_and_si128(_mm_cmpgt_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('a' - 1)), \
                                   _mm_cmplt_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('z' + 1)))
#define TK_DIGIT(x) _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)))
#define TK_SPACE(x) _mm_cmpeq_epi8(x, _mm_set1_epi8(' '))
#define TK_CONTROL_SPACE(x) _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x08)), _mm_cmplt_epi8(x, _mm_set1_epi8(0x0E)))
#define TK_NEWLINE(x) _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\r')))
#define TK_APOSTROPHE(x) _mm_cmpeq_epi8(x, _mm_set1_epi8('\''))
    const uint64_t past = past_end(length), high = TK_MASK64(TK_IS) | past;
    int ends;
    if (!worth_it(high, past, &ends)) return 0;
    const uint64_t valid = before_first_high(high);
    const uint64_t R = TK_MASK64(TK_NEWLINE) & valid;
    return piece_ends_from_masks(bytes, valid, TK_MASK64(TK_LETTER) & valid, TK_MASK64(TK_DIGIT) & valid,
                                 TK_MASK64(TK_SPACE) & valid, R, TK_MASK64(TK_CONTROL_SPACE) & valid & ~R,
                                 TK_MASK64(TK_APOSTROPHE) & valid, digits, length, ends, whole_run_at_end);
#undef TK_IS
#undef TK_LETTER
#undef TK_DIGIT
#undef TK_SPACE
#undef TK_CONTROL_SPACE
#undef TK_NEWLINE
#undef TK_APOSTROPHE
}

__attribute__((target("avx512f,avx512bw")))
static uint64_t piece_ends_avx512(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end) {
    const __m512i x = _mm512_loadu_si512((const void *)bytes);
    const uint64_t past = past_end(length), high = (uint64_t)_mm512_movepi8_mask(x) | past;
    int ends;
    if (!worth_it(high, past, &ends)) return 0;
    const uint64_t valid = before_first_high(high);
    // Ranges as one unsigned compare after a subtraction: a byte of 0x80 and above lands outside each of them.
#define TK_IN(v, low, count) (uint64_t)_mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(low)), _mm512_set1_epi8(count))
#define TK_EQ(c) (uint64_t)_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c))
    const uint64_t R = (TK_EQ('\n') | TK_EQ('\r')) & valid;
    return piece_ends_from_masks(bytes, valid, TK_IN(_mm512_or_si512(x, _mm512_set1_epi8(0x20)), 'a', 26) & valid,
                                 TK_IN(x, '0', 10) & valid, TK_EQ(' ') & valid, R, TK_IN(x, 0x09, 5) & valid & ~R,
                                 TK_EQ('\'') & valid, digits, length, ends, whole_run_at_end);
#undef TK_IN
#undef TK_EQ
}

/// Decided once, before `main`: whether this CPU (and its OS) runs AVX-512 BW.
static int use_avx512;

__attribute__((constructor)) static void choose_piece_ends(void) {
    __builtin_cpu_init();
    use_avx512 = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f");
}

int tk_piece_ends_avx512(void) { return use_avx512; }

uint64_t tk_cl100k_piece_ends(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end) {
    return use_avx512 ? piece_ends_avx512(bytes, digits, length, whole_run_at_end)
                      : tk_cl100k_piece_ends_sse2(bytes, digits, length, whole_run_at_end);
}

#else

uint64_t tk_cl100k_piece_ends_sse2(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end) {
    (void)bytes;
    (void)digits;
    (void)length;
    (void)whole_run_at_end;
    return 0;
}

int tk_piece_ends_avx512(void) { return 0; }

uint64_t tk_cl100k_piece_ends(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end) {
    return tk_cl100k_piece_ends_sse2(bytes, digits, length, whole_run_at_end);
}

#endif
