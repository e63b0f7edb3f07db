// CRC-32C with the SSE4.2 `crc32` instruction, and the same values from a table elsewhere.
//
// Why in C: Swift cannot name the instruction, and the rank-table cache checksums 5-19 MB of tables
// on every start of a process that loads a vocabulary; a multiply chain in Swift took 1.9 ms of it.
#include "tokkit_crc32c.h"

#include <string.h>

// The reflected Castagnoli polynomial 0x1EDC6F41.
#define TK_CRC32C_POLY 0x82F63B78u

static uint32_t crc32c_byte_portable(uint32_t crc, uint8_t byte) {
    crc ^= byte;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (TK_CRC32C_POLY & (0u - (crc & 1u)));
    return crc;
}

// The table is built per call (2,048 steps): the portable path is for CPUs without SSE4.2 and tests,
// never a hot loop here, and a per-call table needs no once-only initialization.
static void crc32c_table(uint32_t table[256]) {
    for (uint32_t value = 0; value < 256; value++) table[value] = crc32c_byte_portable(0, (uint8_t)value);
}

static uint32_t crc32c_portable(const uint32_t table[256], uint32_t crc, const uint8_t *data, size_t count) {
    for (size_t index = 0; index < count; index++) crc = (crc >> 8) ^ table[(crc ^ data[index]) & 0xFF];
    return crc;
}

static void store_le64(uint8_t out[8], uint64_t value) {
    for (int index = 0; index < 8; index++) out[index] = (uint8_t)(value >> (8 * index));
}

static void lanes_portable(uint32_t lanes[4], const uint8_t *data, size_t count) {
    uint32_t table[256];
    crc32c_table(table);
    uint8_t length[8];
    store_le64(length, (uint64_t)count);
    lanes[0] = crc32c_portable(table, lanes[0], length, 8);
    size_t blocks = count / 32;
    for (size_t block = 0; block < blocks; block++) {
        for (int lane = 0; lane < 4; lane++) lanes[lane] = crc32c_portable(table, lanes[lane], data + 32 * block + 8 * lane, 8);
    }
    lanes[1] = crc32c_portable(table, lanes[1], data + 32 * blocks, count % 32);
}

#if defined(__x86_64__)
#include <immintrin.h>

int tk_crc32c_accelerated(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

// The instruction reads a 64-bit operand's bytes from the lowest up, as the table reads memory:
// on this little-endian CPU both see the bytes in memory order.
__attribute__((target("sse4.2")))
static uint32_t crc32c_instructions(uint32_t crc, const uint8_t *data, size_t count) {
    uint64_t state = crc;
    for (; count >= 8; count -= 8, data += 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        state = _mm_crc32_u64(state, word);
    }
    for (; count > 0; count--, data++) state = _mm_crc32_u8((uint32_t)state, *data);
    return (uint32_t)state;
}

__attribute__((target("sse4.2")))
static void lanes_instructions(uint32_t lanes[4], const uint8_t *data, size_t count) {
    uint64_t a = _mm_crc32_u64(lanes[0], (uint64_t)count), b = lanes[1], c = lanes[2], d = lanes[3];
    size_t blocks = count / 32;
    for (size_t block = 0; block < blocks; block++, data += 32) {
        uint64_t words[4];
        memcpy(words, data, 32);
        a = _mm_crc32_u64(a, words[0]);
        b = _mm_crc32_u64(b, words[1]);
        c = _mm_crc32_u64(c, words[2]);
        d = _mm_crc32_u64(d, words[3]);
    }
    lanes[0] = (uint32_t)a;
    lanes[1] = crc32c_instructions((uint32_t)b, data, count % 32);
    lanes[2] = (uint32_t)c;
    lanes[3] = (uint32_t)d;
}

uint32_t tk_crc32c(uint32_t crc, const void *data, size_t count, int instructions) {
    if (instructions && tk_crc32c_accelerated()) return crc32c_instructions(crc, (const uint8_t *)data, count);
    uint32_t table[256];
    crc32c_table(table);
    return crc32c_portable(table, crc, (const uint8_t *)data, count);
}

void tk_crc32c_lanes(uint32_t lanes[4], const void *data, size_t count, int instructions) {
    if (instructions && tk_crc32c_accelerated()) {
        lanes_instructions(lanes, (const uint8_t *)data, count);
    } else {
        lanes_portable(lanes, (const uint8_t *)data, count);
    }
}
#else
int tk_crc32c_accelerated(void) { return 0; }

uint32_t tk_crc32c(uint32_t crc, const void *data, size_t count, int instructions) {
    (void)instructions;
    uint32_t table[256];
    crc32c_table(table);
    return crc32c_portable(table, crc, (const uint8_t *)data, count);
}

void tk_crc32c_lanes(uint32_t lanes[4], const void *data, size_t count, int instructions) {
    (void)instructions;
    lanes_portable(lanes, (const uint8_t *)data, count);
}
#endif
