import CCompression

/// Compresses one output stream to gzip or zstd in blocks, handing compressed bytes to a sink.
///
/// The mirror of ``Decompressor``: the C target keeps zlib's and libzstd's headers out of Swift.
/// gzip levels are 1–9 (default 6), zstd levels 1–19 (default 3); `nil` is the library default.
public final class Compressor {
    public let format: CompressionFormat
    public let level: Int?
    private let handle: OpaquePointer

    /// Why compression could not start or continue.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidLevel(format: CompressionFormat, level: Int)
        case library(format: CompressionFormat, reason: String)

        public var description: String {
            switch self {
            case .invalidLevel(let format, let level):
                let range = format == .gzip ? "1–9" : "1–19"
                return "compression level \(level) is not valid for \(format) (use \(range))"
            case .library(let format, let reason):
                return "\(format) compression failed: \(reason)"
            }
        }
    }

    public init(format: CompressionFormat, level: Int? = nil) throws(Failure) {
        let code = format == .gzip ? Int32(TK_FORMAT_GZIP) : Int32(TK_FORMAT_ZSTD)
        let chosen = level ?? 0
        let maximum = format == .gzip ? 9 : 19
        guard chosen == 0 && level == nil || (1...maximum).contains(chosen) else { throw .invalidLevel(format: format, level: chosen) }
        guard let handle = tk_compressor_open(code, Int32(chosen)) else { throw .library(format: format, reason: "cannot start the compressor") }
        self.format = format
        self.level = level
        self.handle = handle
    }

    deinit { tk_compressor_close(handle) }

    /// Compresses `input` and appends the compressed bytes produced so far to `output`; with
    /// `finish`, ends the stream so that `output` then holds a complete file.
    public func compress(_ input: [UInt8], finish: Bool, into output: inout [UInt8]) throws(Failure) {
        final class Box { var bytes: [UInt8] = [] }
        let box = Box()
        var message: UnsafePointer<CChar>?
        let status = input.withUnsafeBufferPointer { buffer in
            withExtendedLifetime(box) {
                tk_compressor_run(handle, buffer.baseAddress, buffer.count, finish ? 1 : 0, { context, bytes, length in
                    guard let context, let bytes else { return 1 }
                    Unmanaged<Box>.fromOpaque(context).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
                    return 0
                }, Unmanaged.passUnretained(box).toOpaque(), &message)
            }
        }
        guard status == 0 else { throw .library(format: format, reason: message.map { String(cString: $0) } ?? "unknown error") }
        output += box.bytes
    }
}
