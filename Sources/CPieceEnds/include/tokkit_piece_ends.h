#ifndef TOKKIT_PIECE_ENDS_H
#define TOKKIT_PIECE_ENDS_H

#include <stdint.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#if defined(__x86_64__)
/// The 64 bytes at `bytes` as a mask: bit k set where `test` holds for byte k, four SSE2 compares' worth.
#define TK_MASK64(test)                                                                                            \
    ((uint64_t)(uint16_t)_mm_movemask_epi8(test(b0)) | (uint64_t)(uint16_t)_mm_movemask_epi8(test(b1)) << 16 |     \
     (uint64_t)(uint16_t)_mm_movemask_epi8(test(b2)) << 32 | (uint64_t)(uint16_t)_mm_movemask_epi8(test(b3)) << 48)
#endif

/// The pieces of cl100k's pattern (`digits` = 3) or qwen2's (`digits` = 1) that the 64 bytes at `bytes` decide, a piece
/// starting at `bytes[0]`: bit k (1...63) is set when a piece ends at k and the next starts there. 0 when the bytes
/// decide no piece (then the scanner's own rules must).
///
/// Why: one piece after another, a scanner waits for each piece's end before it reads the next piece's bytes, and
/// branches on which rule applies, at random on real text; here every piece start of the block comes out of its bytes'
/// class masks at once. The rules, for ASCII, with L letters, N digits, S the space, T `\t \v \f`, R `\r \n`, O
/// everything else (no letter, digit or White_Space; the apostrophe among them):
/// - a run of digits is cut every `digits` from its start;
/// - a run of letters starts its piece one byte early when that byte is S or T, or is an O that is a run of O on its
///   own not preceded by S (`[^\r\n\p{L}\p{N}]?+\p{L}++`);
/// - a run of O starts a piece, one byte early when that byte is S (` ?[^\s\p{L}\p{N}]++`), and the R right after it
///   are its (`[\r\n]*+`);
/// - a run of whitespace (less those R) starts a piece, so does the byte after its last R when more whitespace
///   follows (`\s*[\r\n]`), and so does its last byte unless that is R (`\s+(?!\S)`, `\s`);
/// - an apostrophe that starts a piece, followed by `s d m t` or `ll ve re` (any case), ends its piece after them and
///   the letters after them start a new one.
/// Only piece ends up to the start of the block's second-to-last run (of letters, digits, O or whitespace) are given:
/// the last run may go on past the block or into bytes that are not ASCII, and the run before it is where the rules
/// above look back from it.
///
/// `length` (1...64): how many of the 64 bytes belong to the text; a document's view ends before the block does when the
/// next document's bytes follow it in the batch. When the text ends inside the block and every byte before its end is
/// ASCII, every run before the end is whole, and every piece to the end is given, bit `length` the last end. That is
/// where the end of the text counts: a whitespace run reaching it stays whole with `whole_run_at_end` (cl100k's
/// `\s++$`), and without it (qwen2) its last byte does not start a piece of its own (`\s+(?!\S)` holds at the end). Why:
/// a corpus line is a few dozen bytes; cut only up to its second-to-last run, most of it was left to the scanner.
/// Otherwise the bytes past the end count as bytes that are not ASCII.
/// `PieceEndsTests` hold the result against the scanner's own rules and ICU.
static inline uint64_t tk_cl100k_piece_ends(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end) {
#if defined(__x86_64__)
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
    const uint64_t past = length >= 64 ? 0 : ~(uint64_t)0 << length;
    const uint64_t high = TK_MASK64(TK_IS) | past;
    // The text ends in the block, after ASCII only.
    const int ends = past != 0 && (high & ~past) == 0;
    // Fewer than 32 bytes of ASCII would decide a piece or two at the cost of many (text in other scripts, whose runs
    // are the scanner's): left to it.
    if (!ends && (uint32_t)high != 0) return 0;
    // Only the ASCII bytes before the first other one are read.
    const uint64_t valid = high ? (high & (0 - high)) - 1 : ~(uint64_t)0;
    const uint64_t L = TK_MASK64(TK_LETTER) & valid, N = TK_MASK64(TK_DIGIT) & valid;
    const uint64_t S = TK_MASK64(TK_SPACE) & valid, R = TK_MASK64(TK_NEWLINE) & valid;
    const uint64_t T = TK_MASK64(TK_CONTROL_SPACE) & valid & ~R;
    const uint64_t A = TK_MASK64(TK_APOSTROPHE) & valid;
#undef TK_IS
#undef TK_LETTER
#undef TK_DIGIT
#undef TK_SPACE
#undef TK_CONTROL_SPACE
#undef TK_NEWLINE
#undef TK_APOSTROPHE
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
#else
    (void)bytes;
    (void)digits;
    (void)length;
    (void)whole_run_at_end;
    return 0;
#endif
}

#endif
