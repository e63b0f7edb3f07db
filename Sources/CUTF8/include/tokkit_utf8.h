#ifndef TOKKIT_UTF8_H
#define TOKKIT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/// Whether the `count` bytes at `bytes` are well-formed UTF-8 (the Unicode standard's Table 3-7: no overlong forms,
/// no surrogates, nothing above U+10FFFF, no sequence cut short): 1 yes, 0 no, -1 not checked (this CPU has no AVX2;
/// the caller checks another way). It does not say where the first ill-formed byte is.
int tk_utf8_valid(const uint8_t *bytes, size_t count);

#endif
