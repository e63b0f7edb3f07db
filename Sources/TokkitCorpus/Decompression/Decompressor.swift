import CCompression

/// Decompresses one gzip or zstd stream incrementally: compressed blocks in, bounded blocks of
/// plain bytes out, so a file of any size decompresses in the memory of its two buffers (plus the
/// format's window: 32 KiB for gzip, the frame's window for zstd, at most 128 MiB by default).
///
/// Concatenated gzip members and zstd frames are one stream, as `gzip -d` and `zstd -d` read them.
/// Call ``finish()`` at the end of the input: a stream that stops inside a member or frame is
/// truncated, and saying so is what keeps a cut-off file from passing as a short one.
///
/// ```swift
/// let decompressor = try Decompressor(format: .gzip)
/// let (consumed, produced) = try decompressor.decompress(compressed, into: output)
/// // … more input; then, at the end of the file:
/// try decompressor.finish()
/// ```
public final class Decompressor {
    public let format: CompressionFormat
    private let handle: OpaquePointer

    /// - Throws: `DecompressionError.outOfMemory` when the library cannot allocate its state.
    public init(format: CompressionFormat) throws(DecompressionError) {
        let code: Int32
        switch format {
        case .gzip: code = Int32(TK_FORMAT_GZIP)
        case .zstd: code = Int32(TK_FORMAT_ZSTD)
        }
        guard let handle = tk_decompressor_open(code) else { throw .outOfMemory(format: format) }
        self.format = format
        self.handle = handle
    }

    deinit { tk_decompressor_close(handle) }

    /// Decompresses from `input` into `output` until the input is used up or the output is full.
    ///
    /// Output that did not fit stays inside; call again (with empty input if need be) until a call
    /// produces nothing.
    /// - Returns: how many bytes of `input` were consumed and of `output` written.
    /// - Throws: `DecompressionError.invalid` naming the compressed byte offset; `.outOfMemory`.
    package func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(DecompressionError) -> (consumed: Int, produced: Int) {
        var consumed = 0
        var produced = 0
        var error = TKDecompressError()
        let status = tk_decompressor_run(handle, input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, &consumed,
                                         output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count, &produced, &error)
        guard status == 0 else {
            if error.out_of_memory != 0 { throw .outOfMemory(format: format) }
            throw .invalid(format: format, byteOffset: Int(error.offset), memberOffset: Int(error.member_start),
                           reason: Self.message(error))
        }
        return (consumed, produced)
    }

    /// Checks that the input may end here: every member or frame begun is complete and drained.
    /// - Throws: `DecompressionError.truncated` naming where the input ended and where the cut member began.
    public func finish() throws(DecompressionError) {
        guard tk_decompressor_at_boundary(handle) == 0 else { return }
        throw .truncated(format: format, byteOffset: Int(tk_decompressor_consumed(handle)),
                         memberOffset: Int(tk_decompressor_member_start(handle)))
    }

    private static func message(_ error: TKDecompressError) -> String {
        withUnsafeBytes(of: error.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
