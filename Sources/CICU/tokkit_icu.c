#include "tokkit_icu.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uregex.h>
#include <unicode/uscript.h>
#include <unicode/uset.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>
#include <unicode/uversion.h>

struct TKRegex {
    URegularExpression *compiled;
    // Scratch reused across calls so that splitting allocates nothing in the steady state.
    UChar *utf16;            // the text converted to UTF-16, which is ICU's fast path (2.7x faster than UText over UTF-8)
    int64_t *utf8OffsetAt;   // UTF-8 byte offset of every UTF-16 index, plus one past the end
    int64_t utf16Capacity;
    int64_t *ranges;
    int64_t rangesCapacity;
};

static void tk_fill(TKICUError *error, UErrorCode status, int32_t line, int32_t offset) {
    if (!error) return;
    error->code = (int32_t)status;
    error->line = line;
    error->offset = offset;
    const char *name = u_errorName(status);
    strncpy(error->name, name ? name : "unknown ICU error", sizeof error->name - 1);
    error->name[sizeof error->name - 1] = 0;
}

static void tk_fill_message(TKICUError *error, const char *message) {
    if (!error) return;
    error->code = -1;
    error->line = -1;
    error->offset = -1;
    strncpy(error->name, message, sizeof error->name - 1);
    error->name[sizeof error->name - 1] = 0;
}

static TKRegex *tk_wrap(URegularExpression *compiled, TKICUError *error) {
    // ICU caps its backtracking stack at 8 MB by default, which a long run of one character (a 1 MB
    // piece) exceeds with U_REGEX_STACK_OVERFLOW; tiktoken has no such limit, so neither do we.
    UErrorCode limitStatus = U_ZERO_ERROR;
    uregex_setStackLimit(compiled, 0, &limitStatus);
    TKRegex *regex = calloc(1, sizeof *regex);
    if (!regex) {
        uregex_close(compiled);
        tk_fill_message(error, "out of memory");
        return NULL;
    }
    regex->compiled = compiled;
    return regex;
}

TKRegex *tk_regex_open(const uint8_t *pattern, int64_t length, uint32_t flags, TKICUError *error) {
    if (length > INT32_MAX) {
        tk_fill_message(error, "pattern too long");
        return NULL;
    }
    UErrorCode status = U_ZERO_ERROR;
    int32_t units = 0;
    u_strFromUTF8(NULL, 0, &units, (const char *)pattern, (int32_t)length, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) status = U_ZERO_ERROR;
    if (U_FAILURE(status)) {
        tk_fill(error, status, -1, -1);
        return NULL;
    }
    UChar *utf16 = malloc(((size_t)units + 1) * sizeof(UChar));
    if (!utf16) {
        tk_fill_message(error, "out of memory");
        return NULL;
    }
    u_strFromUTF8(utf16, units + 1, NULL, (const char *)pattern, (int32_t)length, &status);
    UParseError parse;
    memset(&parse, 0, sizeof parse);
    // uregex_open copies the pattern, so the UTF-16 buffer can go right away.
    URegularExpression *compiled = uregex_open(utf16, units, flags, &parse, &status);
    free(utf16);
    if (U_FAILURE(status)) {
        tk_fill(error, status, parse.line, parse.offset);
        if (compiled) uregex_close(compiled);
        return NULL;
    }
    return tk_wrap(compiled, error);
}

TKRegex *tk_regex_clone(const TKRegex *regex, TKICUError *error) {
    UErrorCode status = U_ZERO_ERROR;
    URegularExpression *compiled = uregex_clone(regex->compiled, &status);
    if (U_FAILURE(status)) {
        tk_fill(error, status, -1, -1);
        return NULL;
    }
    return tk_wrap(compiled, error);
}

void tk_regex_close(TKRegex *regex) {
    if (!regex) return;
    uregex_close(regex->compiled);
    free(regex->utf16);
    free(regex->utf8OffsetAt);
    free(regex->ranges);
    free(regex);
}

static int tk_reserve_utf16(TKRegex *regex, int64_t units) {
    if (units <= regex->utf16Capacity) return 1;
    int64_t capacity = units < 4096 ? 4096 : units + units / 2;
    UChar *utf16 = realloc(regex->utf16, (size_t)capacity * sizeof(UChar));
    if (!utf16) return 0;
    regex->utf16 = utf16;
    int64_t *offsets = realloc(regex->utf8OffsetAt, (size_t)(capacity + 1) * sizeof(int64_t));
    if (!offsets) return 0;
    regex->utf8OffsetAt = offsets;
    regex->utf16Capacity = capacity;
    return 1;
}

static int tk_reserve_ranges(TKRegex *regex, int64_t count) {
    if (count <= regex->rangesCapacity) return 1;
    int64_t capacity = count < 1024 ? 1024 : count * 2;
    int64_t *ranges = realloc(regex->ranges, (size_t)capacity * sizeof(int64_t));
    if (!ranges) return 0;
    regex->ranges = ranges;
    regex->rangesCapacity = capacity;
    return 1;
}

// Decodes one UTF-8 sequence at text[i]. The caller validated the text; a malformed sequence still
// decodes to U+FFFD over one byte so that this function can never read out of bounds.
static uint32_t tk_decode_utf8(const uint8_t *text, int64_t length, int64_t i, int *width) {
    uint8_t lead = text[i];
    if (lead < 0x80) { *width = 1; return lead; }
    int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (need == 0 || i + need > length) { *width = 1; return 0xFFFD; }
    uint32_t cp = lead & (0x7F >> need);
    for (int k = 1; k < need; k++) {
        uint8_t b = text[i + k];
        if ((b & 0xC0) != 0x80) { *width = 1; return 0xFFFD; }
        cp = (cp << 6) | (b & 0x3F);
    }
    *width = need;
    return cp;
}

int64_t tk_regex_matches(TKRegex *regex, const uint8_t *text, int64_t length,
                         const int64_t **ranges, TKICUError *error) {
    // UTF-16 never needs more units than UTF-8 has bytes.
    if (!tk_reserve_utf16(regex, length + 1)) {
        tk_fill_message(error, "out of memory converting text to UTF-16");
        return -1;
    }
    UChar *utf16 = regex->utf16;
    int64_t *offsetAt = regex->utf8OffsetAt;
    int64_t units = 0;
    for (int64_t i = 0; i < length;) {
        int width;
        uint32_t cp = tk_decode_utf8(text, length, i, &width);
        if (cp >= 0x10000) {
            utf16[units] = (UChar)(0xD7C0 + (cp >> 10));
            offsetAt[units++] = i;
            utf16[units] = (UChar)(0xDC00 | (cp & 0x3FF));
            offsetAt[units++] = i; // a match never ends between the two halves of a pair
        } else {
            utf16[units] = (UChar)cp;
            offsetAt[units++] = i;
        }
        i += width;
    }
    offsetAt[units] = length;
    if (units > INT32_MAX) {
        tk_fill_message(error, "text longer than 2^31-1 UTF-16 units");
        return -1;
    }

    UErrorCode status = U_ZERO_ERROR;
    uregex_setText(regex->compiled, utf16, (int32_t)units, &status);
    // ICU counts time in steps of 10,000 iterations of its match loop. A pattern that matches in linear
    // time needs a few iterations per UTF-16 unit, and the named patterns fewer than 10; a limit of
    // 1,000 steps plus 100 iterations per unit of the text lets any such pattern finish on any text,
    // whether ICU counts per match or per text, while a catastrophically backtracking one (2^n
    // iterations) stops within a second or so instead of running forever.
    int64_t steps = 1000 + units / 100;
    uregex_setTimeLimit(regex->compiled, steps > INT32_MAX ? INT32_MAX : (int32_t)steps, &status);
    int64_t count = 0;
    int32_t lastEnd = 0;
    while (U_SUCCESS(status) && uregex_findNext(regex->compiled, &status)) {
        int32_t start = uregex_start(regex->compiled, 0, &status);
        int32_t end = uregex_end(regex->compiled, 0, &status);
        if (U_FAILURE(status)) break;
        if (!tk_reserve_ranges(regex, 2 * count + 2)) {
            tk_fill_message(error, "out of memory collecting matches");
            return -1;
        }
        regex->ranges[2 * count] = offsetAt[start];
        regex->ranges[2 * count + 1] = offsetAt[end];
        count++;
        lastEnd = end;
    }
    // Detach the scratch buffer so that the handle never points at memory a later realloc frees.
    UErrorCode resetStatus = U_ZERO_ERROR;
    uregex_setText(regex->compiled, utf16, 0, &resetStatus);
    if (U_FAILURE(status)) {
        tk_fill(error, status, -1, -1);
        if (error && status == U_REGEX_TIME_OUT) {
            error->timedOut = 1;
            error->textOffset = offsetAt[lastEnd];
        }
        return -1;
    }
    *ranges = regex->ranges;
    return count;
}

static uint32_t tk_classes_of_category_mask(int32_t mask) {
    uint32_t classes = 0;
    if (mask & U_GC_L_MASK) classes |= TK_CLASS_LETTER;
    if (mask & U_GC_N_MASK) classes |= TK_CLASS_NUMBER;
    if (mask & U_GC_M_MASK) classes |= TK_CLASS_MARK;
    if (mask & U_GC_LU_MASK) classes |= TK_CLASS_UPPERCASE;
    if (mask & U_GC_LT_MASK) classes |= TK_CLASS_TITLECASE;
    if (mask & U_GC_LM_MASK) classes |= TK_CLASS_MODIFIER_LETTER;
    if (mask & U_GC_LO_MASK) classes |= TK_CLASS_OTHER_LETTER;
    if (mask & U_GC_LL_MASK) classes |= TK_CLASS_LOWERCASE;
    return classes;
}

uint32_t tk_codepoint_classes(uint32_t codepoint) {
    UChar32 c = (UChar32)codepoint;
    uint32_t classes = tk_classes_of_category_mask(U_GET_GC_MASK(c));
    if (u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) classes |= TK_CLASS_WHITE_SPACE;
    return classes;
}

// Runs of equal classes, appended in code point order; `count` goes on past `capacity`, so that a caller
// learns its arrays were too small.
typedef struct {
    uint32_t *starts;
    uint16_t *classes;
    int32_t count, capacity;
} tk_class_runs;

static void tk_append_run(tk_class_runs *runs, uint32_t start, uint16_t classes) {
    if (runs->count > 0 && runs->count <= runs->capacity && runs->classes[runs->count - 1] == classes) return;
    if (runs->count < runs->capacity) {
        runs->starts[runs->count] = start;
        runs->classes[runs->count] = classes;
    }
    runs->count++;
}

static UBool tk_collect_category_run(const void *context, UChar32 start, UChar32 limit, UCharCategory type) {
    (void)limit;
    if (start < 0x110000) tk_append_run((tk_class_runs *)context, (uint32_t)start, (uint16_t)tk_classes_of_category_mask(U_MASK(type)));
    return 1;
}

int32_t tk_codepoint_class_runs(uint32_t *starts, uint16_t *classes, int32_t capacity) {
    if (capacity <= 0) return -1;
    tk_class_runs categories = {malloc(sizeof(uint32_t) * (size_t)capacity), malloc(sizeof(uint16_t) * (size_t)capacity), 0, capacity};
    tk_class_runs out = {starts, classes, 0, capacity};
    UErrorCode status = U_ZERO_ERROR;
    USet *space = uset_openEmpty();
    int32_t result = -1, items = 0, category = 0, item = 0;
    UChar32 spaceStart = 0x110000, spaceEnd = 0x110000;  // the current White_Space range, inclusive
    uint32_t position = 0;
    if (categories.starts == NULL || categories.classes == NULL || space == NULL) goto done;
    u_enumCharTypes(tk_collect_category_run, &categories);
    if (categories.count > capacity || categories.count == 0) goto done;
    uset_applyIntPropertyValue(space, UCHAR_WHITE_SPACE, 1, &status);
    items = U_SUCCESS(status) ? uset_getItemCount(space) : 0;
    if (items > 0 && uset_getItem(space, 0, &spaceStart, &spaceEnd, NULL, 0, &status) != 0) goto done;
    // One sweep over both lists: a new run wherever a category run or a White_Space range starts or ends.
    while (position < 0x110000 && U_SUCCESS(status)) {
        while (category + 1 < categories.count && categories.starts[category + 1] <= position) category++;
        while (item < items && (uint32_t)spaceEnd < position) {
            if (++item == items) {
                spaceStart = spaceEnd = 0x110000;
            } else if (uset_getItem(space, item, &spaceStart, &spaceEnd, NULL, 0, &status) != 0) {
                goto done;
            }
        }
        int inSpace = (uint32_t)spaceStart <= position && position <= (uint32_t)spaceEnd;
        uint32_t next = category + 1 < categories.count ? categories.starts[category + 1] : 0x110000;
        uint32_t spaceBoundary = inSpace ? (uint32_t)spaceEnd + 1 : (uint32_t)spaceStart;
        if (spaceBoundary < next) next = spaceBoundary;
        if (next <= position) goto done;  // no progress: ICU gave ranges out of order; the caller asks code point by code point
        tk_append_run(&out, position, (uint16_t)(categories.classes[category] | (inSpace ? TK_CLASS_WHITE_SPACE : 0)));
        position = next;
    }
    if (U_SUCCESS(status) && out.count <= capacity) result = out.count;
done:
    if (space != NULL) uset_close(space);
    free(categories.starts);
    free(categories.classes);
    return result;
}

void tk_codepoint_classes_range(uint32_t first, uint32_t count, uint32_t *out) {
    for (uint32_t k = 0; k < count; k++) out[k] = tk_codepoint_classes(first + k);
}

void tk_general_categories_range(uint32_t first, uint32_t count, uint8_t *out) {
    for (uint32_t k = 0; k < count; k++) out[k] = (uint8_t)u_charType((UChar32)(first + k));
}

void tk_unicode_version(char *buffer, int32_t capacity) {
    UVersionInfo version;
    u_getUnicodeVersion(version);
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_versionToString(version, text);
    strncpy(buffer, text, (size_t)capacity - 1);
    buffer[capacity - 1] = 0;
}

int32_t tk_is_wide(uint32_t codepoint) {
    UChar32 c = (UChar32)codepoint;
    int32_t width = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    return width == U_EA_WIDE || width == U_EA_FULLWIDTH || u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION);
}

static int tk_is_unspaced(UScriptCode script) {
    switch (script) {
    case USCRIPT_HAN: case USCRIPT_HIRAGANA: case USCRIPT_KATAKANA: case USCRIPT_THAI:
    case USCRIPT_LAO: case USCRIPT_KHMER: case USCRIPT_MYANMAR:
        return 1;
    default:
        return 0;
    }
}

int32_t tk_is_unspaced_script(uint32_t codepoint) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript((UChar32)codepoint, &status);
    if (U_FAILURE(status)) return 0;
    if (tk_is_unspaced(script)) return 1;
    if (script != USCRIPT_COMMON && script != USCRIPT_INHERITED) return 0;
    // A shared sign (ー, the Katakana middle dot's kin) counts when every script that uses it is one
    // of these; signs shared with spaced scripts (·, ʼ, 。 also used in Hangul and Yi) do not.
    UScriptCode extensions[32];
    int32_t count = uscript_getScriptExtensions((UChar32)codepoint, extensions, 32, &status);
    if (U_FAILURE(status) || count <= 0) return 0;
    for (int32_t k = 0; k < count; k++) {
        if (!tk_is_unspaced(extensions[k])) return 0;
    }
    return 1;
}

int32_t tk_letter_script(uint32_t codepoint) {
    if ((U_GET_GC_MASK((UChar32)codepoint) & U_GC_L_MASK) == 0) return -1;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript((UChar32)codepoint, &status);
    return U_FAILURE(status) ? -1 : (int32_t)script;
}

int32_t tk_script_code(const char *name) {
    return (int32_t)u_getPropertyValueEnum(UCHAR_SCRIPT, name);
}

const char *tk_script_short_name(int32_t script) {
    return uscript_getShortName((UScriptCode)script);
}
