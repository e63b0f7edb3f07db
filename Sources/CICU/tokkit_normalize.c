#include "tokkit_icu.h"

#include <stdlib.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

uint8_t *tk_normalize(int32_t form, const uint8_t *text, int64_t length, int64_t *out_length) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *normalizer = form == TK_NORMALIZE_NFKC ? unorm2_getNFKCInstance(&status) : unorm2_getNFCInstance(&status);
    if (U_FAILURE(status) || length > INT32_MAX / 2) return NULL;
    int32_t units = 0;
    status = U_ZERO_ERROR;
    u_strFromUTF8(NULL, 0, &units, (const char *)text, (int32_t)length, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return NULL;
    UChar *source = malloc(sizeof(UChar) * (size_t)(units + 1));
    if (source == NULL) return NULL;
    status = U_ZERO_ERROR;
    u_strFromUTF8(source, units + 1, NULL, (const char *)text, (int32_t)length, &status);
    if (U_FAILURE(status)) { free(source); return NULL; }
    // NFKC can expand a unit to 18 units; ask ICU for the size first.
    status = U_ZERO_ERROR;
    int32_t normalized_units = unorm2_normalize(normalizer, source, units, NULL, 0, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) { free(source); return NULL; }
    UChar *normalized = malloc(sizeof(UChar) * (size_t)(normalized_units + 1));
    if (normalized == NULL) { free(source); return NULL; }
    status = U_ZERO_ERROR;
    unorm2_normalize(normalizer, source, units, normalized, normalized_units + 1, &status);
    free(source);
    if (U_FAILURE(status)) { free(normalized); return NULL; }
    int32_t bytes = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &bytes, normalized, normalized_units, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) { free(normalized); return NULL; }
    uint8_t *output = malloc((size_t)bytes + 1);
    if (output == NULL) { free(normalized); return NULL; }
    status = U_ZERO_ERROR;
    u_strToUTF8((char *)output, bytes + 1, NULL, normalized, normalized_units, &status);
    free(normalized);
    if (U_FAILURE(status)) { free(output); return NULL; }
    *out_length = bytes;
    return output;
}
