// Tokkit's whole view of zlib and libzstd: an opaque streaming decompressor. Swift sees only this
// header, never <zlib.h> or <zstd.h>, like CICU keeps ICU's headers out of Swift.
#ifndef TOKKIT_COMPRESSION_H
#define TOKKIT_COMPRESSION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The compressed formats a decompressor reads.
enum {
    TK_FORMAT_GZIP = 1,  ///< RFC 1952 gzip, any number of concatenated members (`cat a.gz b.gz`).
    TK_FORMAT_ZSTD = 2,  ///< Zstandard, any number of frames, skippable frames included.
};

/// Why decompression stopped: a message from the library and where in the compressed input.
typedef struct TKDecompressError {
    /// Compressed bytes read when the error was detected: the bad data is at or before this offset
    /// (shortly before for gzip; anywhere after `member_start` for zstd, which buffers its input).
    int64_t offset;
    /// Where the gzip member or zstd frame being decoded starts.
    int64_t member_start;
    /// 1 when the library ran out of memory, 0 for bad data.
    int32_t out_of_memory;
    char message[120];
} TKDecompressError;

/// A streaming decompressor for one input. Not thread-safe; one per input.
typedef struct TKDecompressor TKDecompressor;

/// A decompressor for `format` (TK_FORMAT_*), or NULL when memory is short or the format is unknown.
TKDecompressor *tk_decompressor_open(int32_t format);

void tk_decompressor_close(TKDecompressor *decompressor);

/// Decompresses from `input` into `output` until the input is used up or the output is full.
/// Sets `*consumed` and `*produced`; returns 0, or -1 with `error` filled for corrupt data.
/// Call again with an empty input to drain output that did not fit, until it produces nothing.
/// An empty input or output may be NULL.
int32_t tk_decompressor_run(TKDecompressor *decompressor,
                            const uint8_t *input, size_t input_length, size_t *consumed,
                            uint8_t *output, size_t output_capacity, size_t *produced,
                            TKDecompressError *error);

/// 1 when everything consumed so far forms complete members or frames and all their output was
/// returned, so the input may end here; 0 when the input stopped inside one (truncation).
int32_t tk_decompressor_at_boundary(const TKDecompressor *decompressor);

/// Compressed bytes consumed so far, and the start of the member or frame in progress (or last finished).
int64_t tk_decompressor_consumed(const TKDecompressor *decompressor);
int64_t tk_decompressor_member_start(const TKDecompressor *decompressor);


/// A streaming compressor for one output file (gzip or zstd). Not thread-safe; one per output.
typedef struct TKCompressor TKCompressor;

/// A compressor for `format` (TK_FORMAT_*) at `level` (gzip 1–9, zstd 1–19; 0 = the library
/// default), or NULL when memory is short, the format is unknown or the level is out of range.
TKCompressor *tk_compressor_open(int32_t format, int32_t level);

void tk_compressor_close(TKCompressor *compressor);

/// Compresses all of `input`, appending compressed bytes to `output` through `sink`, which is
/// called with each filled block; when `finish` is 1 the stream is ended (gzip trailer, zstd
/// frame epilogue). Returns 0, or -1 when the library fails (then `*message` names why) or the
/// sink returns non-zero.
int32_t tk_compressor_run(TKCompressor *compressor, const uint8_t *input, size_t input_length, int32_t finish,
                          int32_t (*sink)(void *context, const uint8_t *bytes, size_t length), void *context,
                          const char **message);

#ifdef __cplusplus
}
#endif

#endif
