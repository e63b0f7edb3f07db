// The whole of Tokkit's view of ICU. Only opaque handles and plain C types cross this line:
// Swift must never see an ICU header (see DESIGN.md, "ICU on Linux: two traps, one fix").
#ifndef TOKKIT_ICU_H
#define TOKKIT_ICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What went wrong inside ICU: its error name, and for pattern syntax errors the offending offset
/// (in UTF-16 units of the pattern, as ICU counts) with the line; all -1 when unknown.
typedef struct TKICUError {
    int32_t code;
    int32_t line;
    int32_t offset;
    char name[64];
    /// For a match that ran out of time (`timedOut` = 1): the byte offset in the text where the match
    /// attempt began (the end of the last match found).
    int32_t timedOut;
    int64_t textOffset;
} TKICUError;

/// A compiled regular expression with its own scratch buffers. Not thread-safe: clone one per thread.
typedef struct TKRegex TKRegex;

/// Compiles a UTF-8 pattern. Returns NULL and fills `error` on failure.
TKRegex *tk_regex_open(const uint8_t *pattern, int64_t length, uint32_t flags, TKICUError *error);

/// An independent copy for another thread (shares the compiled pattern, not the scratch buffers).
TKRegex *tk_regex_clone(const TKRegex *regex, TKICUError *error);

void tk_regex_close(TKRegex *regex);

/// Finds every successive non-overlapping match in valid UTF-8 `text` and returns how many there are.
/// `*ranges` then points at 2 × count offsets (start, end) in bytes of `text`, valid until the next call
/// on this handle. Returns -1 and fills `error` on failure (for example a text over 2^31 - 1 UTF-16 units).
/// Matching has a time limit that grows with the text (see the .c file): a pattern that backtracks
/// exponentially, like `(a+)+$` on `aaaa…b`, fails with `timedOut` set instead of running forever.
int64_t tk_regex_matches(TKRegex *regex, const uint8_t *text, int64_t length,
                         const int64_t **ranges, TKICUError *error);

/// Unicode properties of a code point, as ICU sees them, packed as TK_CLASS_* bits.
uint32_t tk_codepoint_classes(uint32_t codepoint);

enum {
    TK_CLASS_LETTER = 1u << 0,          // \p{L}
    TK_CLASS_NUMBER = 1u << 1,          // \p{N}
    TK_CLASS_WHITE_SPACE = 1u << 2,     // \p{White_Space}
    TK_CLASS_MARK = 1u << 3,            // \p{M}
    TK_CLASS_UPPERCASE = 1u << 4,       // \p{Lu}
    TK_CLASS_TITLECASE = 1u << 5,       // \p{Lt}
    TK_CLASS_MODIFIER_LETTER = 1u << 6, // \p{Lm}
    TK_CLASS_OTHER_LETTER = 1u << 7,    // \p{Lo}
    TK_CLASS_LOWERCASE = 1u << 8,       // \p{Ll}
};

/// Fills `out[k]` with `tk_codepoint_classes(first + k)` for k < count: one call instead of a million
/// when a table of every code point is built (Swift debug builds pay per call).
void tk_codepoint_classes_range(uint32_t first, uint32_t count, uint32_t *out);

/// The classes of every code point as runs, from ICU's runs of one general category and its White_Space
/// set instead of a million single queries (about 20 ms at every start of a process that pre-splits):
/// run k starts at code point `starts[k]` (the first at 0) and reaches the next run's start (the last,
/// 0x110000); every code point in it has the classes `classes[k]` (`tk_codepoint_classes`); no two
/// neighbouring runs have the same classes. Returns the number of runs, or -1 when more than `capacity`
/// would be needed or ICU cannot give the White_Space set (then ask code point by code point).
/// Runs rather than a table of every code point: that table was 2.2 MB of fresh pages in every process.
int32_t tk_codepoint_class_runs(uint32_t *starts, uint16_t *classes, int32_t capacity);

/// Fills `out[k]` with ICU's general category (`UCharCategory`: 0 = Cn unassigned … 29) of `first + k`.
void tk_general_categories_range(uint32_t first, uint32_t count, uint8_t *out);

/// 1 when a terminal shows the code point in two cells: East_Asian_Width Wide or Fullwidth, or
/// Emoji_Presentation; else 0.
int32_t tk_is_wide(uint32_t codepoint);

/// 1 when the code point's Script is one written without spaces between words (Han, Hiragana,
/// Katakana, Thai, Lao, Khmer, Myanmar), or its Script is Common or Inherited and every script of its
/// Script_Extensions is one of those; else 0.
int32_t tk_is_unspaced_script(uint32_t codepoint);

/// ICU's Script property (a UScriptCode) of a letter (general category L*), or -1 when the code
/// point is not a letter. USCRIPT_COMMON is 0 and USCRIPT_INHERITED is 1.
int32_t tk_letter_script(uint32_t codepoint);

/// The UScriptCode named by `name`, an ISO 15924 code or a Unicode script name as the Script
/// property's value aliases spell them ("Cyrl", "Cyrillic", "Hani", "Han"); -1 when no script has
/// that name.
int32_t tk_script_code(const char *name);

/// The ISO 15924 code of `script` ("Latn"); NULL for an invalid code. A static string of ICU's.
const char *tk_script_short_name(int32_t script);

/// The Unicode version of the ICU data in use, as "15.0" (written into `buffer`, NUL-terminated).
void tk_unicode_version(char *buffer, int32_t capacity);


/// Unicode normalization forms for tk_normalize.
enum {
    TK_NORMALIZE_NFC = 1,
    TK_NORMALIZE_NFKC = 2,
};

/// Normalizes valid UTF-8 `text` to `form` (TK_NORMALIZE_*). Returns a malloc'd UTF-8 buffer the
/// caller frees with free(), its length in `*out_length`; NULL on failure (memory, or a text over
/// 2^31 - 1 UTF-16 units).
uint8_t *tk_normalize(int32_t form, const uint8_t *text, int64_t length, int64_t *out_length);

#ifdef __cplusplus
}
#endif

#endif
