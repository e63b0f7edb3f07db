#ifndef TOKKIT_PIECE_ENDS_H
#define TOKKIT_PIECE_ENDS_H

#include <stdint.h>

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
///
/// With AVX-512 (BW) where the CPU has it, each class mask one compare of the 64 bytes; SSE2 otherwise.
uint64_t tk_cl100k_piece_ends(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end);

/// `tk_cl100k_piece_ends` with SSE2's masks whatever the CPU (0 off x86-64): for the tests that hold the two ways
/// against each other.
uint64_t tk_cl100k_piece_ends_sse2(const uint8_t *bytes, unsigned digits, unsigned length, int whole_run_at_end);

/// 1 when `tk_cl100k_piece_ends` uses AVX-512 on this CPU, else 0.
int tk_piece_ends_avx512(void);

#endif
