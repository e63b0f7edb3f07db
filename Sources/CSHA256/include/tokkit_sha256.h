#ifndef TOKKIT_SHA256_H
#define TOKKIT_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the x86 SHA extensions that `tk_sha256_blocks` uses, else 0 (then only the
/// portable Swift compression in TokkitIO's `SHA256` may be used).
int tk_sha256_accelerated(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (the eight working words of FIPS 180-4,
/// H0 first) with the SHA extensions. Call only when `tk_sha256_accelerated()` is 1.
void tk_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// The 64 round constants K of FIPS 180-4, for the portable compression.
const uint32_t *tk_sha256_round_constants(void);

#endif
