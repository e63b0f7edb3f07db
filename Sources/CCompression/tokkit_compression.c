#include "tokkit_compression.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

struct TKDecompressor {
    int32_t format;
    /// Compressed bytes consumed by earlier calls.
    int64_t consumed;
    int64_t member_start;
    /// No member or frame is open: the input may end here.
    int32_t at_boundary;
    /// Some member or frame has been started, so the next one follows another (gzip only checks this).
    int32_t started;
    z_stream zlib;
    ZSTD_DStream *zstd;
};

TKDecompressor *tk_decompressor_open(int32_t format) {
    TKDecompressor *d = calloc(1, sizeof *d);
    if (d == NULL) return NULL;
    d->format = format;
    d->at_boundary = 1;
    switch (format) {
    case TK_FORMAT_GZIP:
        // 16 + MAX_WBITS: gzip wrapper only (a raw zlib stream is not a .gz file), the largest window.
        if (inflateInit2(&d->zlib, 16 + MAX_WBITS) != Z_OK) { free(d); return NULL; }
        return d;
    case TK_FORMAT_ZSTD:
        d->zstd = ZSTD_createDStream();
        if (d->zstd == NULL) { free(d); return NULL; }
        return d;
    default:
        free(d);
        return NULL;
    }
}

void tk_decompressor_close(TKDecompressor *d) {
    if (d == NULL) return;
    if (d->format == TK_FORMAT_GZIP) inflateEnd(&d->zlib);
    if (d->zstd != NULL) ZSTD_freeDStream(d->zstd);
    free(d);
}

static int32_t fail(TKDecompressor *d, size_t in_used, TKDecompressError *error, int32_t out_of_memory, const char *message) {
    error->offset = d->consumed + (int64_t)in_used;
    error->member_start = d->member_start;
    error->out_of_memory = out_of_memory;
    snprintf(error->message, sizeof error->message, "%s", message);
    d->consumed += (int64_t)in_used;
    return -1;
}

/// zlib's inflate stops at the end of each gzip member; a following member is decoded after
/// inflateReset, so concatenated files (`cat a.gz b.gz`) read fully, as gzip -d reads them.
static int32_t run_gzip(TKDecompressor *d, const uint8_t *input, size_t input_length, size_t *consumed,
                        uint8_t *output, size_t output_capacity, size_t *produced, TKDecompressError *error) {
    size_t in_used = 0, out_used = 0;
    while (out_used < output_capacity) {
        if (d->at_boundary) {
            if (in_used == input_length) break;
            // zlib would say "incorrect header check"; say what it means after a complete member.
            if (d->started && input[in_used] != 0x1f) {
                d->member_start = d->consumed + (int64_t)in_used;
                *consumed = in_used;
                *produced = out_used;
                return fail(d, in_used, error, 0, "bytes after the end of a gzip member are not another gzip member");
            }
            d->at_boundary = 0;
            d->started = 1;
            d->member_start = d->consumed + (int64_t)in_used;
        }
        d->zlib.next_in = (Bytef *)(input + in_used);
        d->zlib.avail_in = (uInt)(input_length - in_used > UINT32_MAX ? UINT32_MAX : input_length - in_used);
        d->zlib.next_out = output + out_used;
        d->zlib.avail_out = (uInt)(output_capacity - out_used > UINT32_MAX ? UINT32_MAX : output_capacity - out_used);
        uInt avail_in = d->zlib.avail_in, avail_out = d->zlib.avail_out;
        int result = inflate(&d->zlib, Z_NO_FLUSH);
        size_t took = avail_in - d->zlib.avail_in, gave = avail_out - d->zlib.avail_out;
        in_used += took;
        out_used += gave;
        if (result == Z_STREAM_END) {
            // All of the member's output has been written and its CRC-32 and length checked.
            d->at_boundary = 1;
            inflateReset(&d->zlib);
            continue;
        }
        if (result == Z_OK) {
            if (took == 0 && gave == 0) break;
            continue;
        }
        if (result == Z_BUF_ERROR) break;  // needs more input or more output room: not an error
        *consumed = in_used;
        *produced = out_used;
        if (result == Z_MEM_ERROR) return fail(d, in_used, error, 1, "out of memory");
        return fail(d, in_used, error, 0, d->zlib.msg != NULL ? d->zlib.msg : "inflate failed");
    }
    d->consumed += (int64_t)in_used;
    *consumed = in_used;
    *produced = out_used;
    return 0;
}

/// ZSTD_decompressStream returns 0 exactly when a frame is complete and flushed, then starts the
/// next frame on the following bytes, so multi-frame files (`cat a.zst b.zst`, pzstd) read fully.
static int32_t run_zstd(TKDecompressor *d, const uint8_t *input, size_t input_length, size_t *consumed,
                        uint8_t *output, size_t output_capacity, size_t *produced, TKDecompressError *error) {
    ZSTD_inBuffer in = { input, input_length, 0 };
    ZSTD_outBuffer out = { output, output_capacity, 0 };
    while (out.pos < out.size) {
        if (d->at_boundary) {
            if (in.pos == in.size) break;
            d->member_start = d->consumed + (int64_t)in.pos;
        }
        size_t in_before = in.pos, out_before = out.pos;
        size_t result = ZSTD_decompressStream(d->zstd, &out, &in);
        if (ZSTD_isError(result)) {
            // zstd buffers input internally and does not say how far it got: the bad data is
            // somewhere in the frame, at or before the end of what it was given.
            *consumed = in.size;
            *produced = out.pos;
            return fail(d, in.size, error, ZSTD_getErrorCode(result) == ZSTD_error_memory_allocation,
                        ZSTD_getErrorName(result));
        }
        d->at_boundary = result == 0;
        if (in.pos == in_before && out.pos == out_before) break;
    }
    d->consumed += (int64_t)in.pos;
    *consumed = in.pos;
    *produced = out.pos;
    return 0;
}

int32_t tk_decompressor_run(TKDecompressor *d, const uint8_t *input, size_t input_length, size_t *consumed,
                            uint8_t *output, size_t output_capacity, size_t *produced, TKDecompressError *error) {
    // Empty buffers may come as NULL (an empty Swift array); zstd rejects NULL even for zero bytes.
    static uint8_t nothing;
    if (input == NULL) { input = &nothing; input_length = 0; }
    if (output == NULL) { output = &nothing; output_capacity = 0; }
    if (d->format == TK_FORMAT_GZIP) {
        return run_gzip(d, input, input_length, consumed, output, output_capacity, produced, error);
    }
    return run_zstd(d, input, input_length, consumed, output, output_capacity, produced, error);
}

int32_t tk_decompressor_at_boundary(const TKDecompressor *d) { return d->at_boundary; }

int64_t tk_decompressor_consumed(const TKDecompressor *d) { return d->consumed; }

int64_t tk_decompressor_member_start(const TKDecompressor *d) { return d->member_start; }

struct TKCompressor {
    int32_t format;
    z_stream zlib;
    ZSTD_CStream *zstd;
    uint8_t block[1 << 16];
};

TKCompressor *tk_compressor_open(int32_t format, int32_t level) {
    TKCompressor *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->format = format;
    switch (format) {
    case TK_FORMAT_GZIP:
        if (level < 0 || level > 9) { free(c); return NULL; }
        // 16 + MAX_WBITS: a gzip wrapper (what `.gz` readers, Python's gzip and fsspec expect).
        if (deflateInit2(&c->zlib, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) { free(c); return NULL; }
        return c;
    case TK_FORMAT_ZSTD:
        if (level < 0 || level > ZSTD_maxCLevel()) { free(c); return NULL; }
        c->zstd = ZSTD_createCStream();
        if (c->zstd == NULL) { free(c); return NULL; }
        if (ZSTD_isError(ZSTD_initCStream(c->zstd, level == 0 ? ZSTD_CLEVEL_DEFAULT : level))) {
            ZSTD_freeCStream(c->zstd);
            free(c);
            return NULL;
        }
        return c;
    default:
        free(c);
        return NULL;
    }
}

void tk_compressor_close(TKCompressor *c) {
    if (c == NULL) return;
    if (c->format == TK_FORMAT_GZIP) deflateEnd(&c->zlib);
    if (c->zstd != NULL) ZSTD_freeCStream(c->zstd);
    free(c);
}

int32_t tk_compressor_run(TKCompressor *c, const uint8_t *input, size_t input_length, int32_t finish,
                          int32_t (*sink)(void *context, const uint8_t *bytes, size_t length), void *context,
                          const char **message) {
    static uint8_t nothing;
    if (input == NULL) { input = &nothing; input_length = 0; }
    *message = NULL;
    if (c->format == TK_FORMAT_GZIP) {
        size_t offset = 0;
        for (;;) {
            size_t chunk = input_length - offset > UINT32_MAX ? UINT32_MAX : input_length - offset;
            c->zlib.next_in = (Bytef *)(input + offset);
            c->zlib.avail_in = (uInt)chunk;
            int last = finish && offset + chunk == input_length;
            int result;
            do {
                c->zlib.next_out = c->block;
                c->zlib.avail_out = sizeof c->block;
                result = deflate(&c->zlib, last ? Z_FINISH : Z_NO_FLUSH);
                if (result == Z_STREAM_ERROR) { *message = "deflate failed"; return -1; }
                size_t have = sizeof c->block - c->zlib.avail_out;
                if (have > 0 && sink(context, c->block, have) != 0) { *message = "write failed"; return -1; }
            } while (c->zlib.avail_out == 0 || (last && result != Z_STREAM_END));
            offset += chunk;
            if (offset == input_length) return 0;
        }
    }
    ZSTD_inBuffer in = { input, input_length, 0 };
    for (;;) {
        ZSTD_outBuffer out = { c->block, sizeof c->block, 0 };
        size_t remaining = ZSTD_compressStream2(c->zstd, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(remaining)) { *message = ZSTD_getErrorName(remaining); return -1; }
        if (out.pos > 0 && sink(context, c->block, out.pos) != 0) { *message = "write failed"; return -1; }
        if (finish ? remaining == 0 : in.pos == in.size) return 0;
    }
}
