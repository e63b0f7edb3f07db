#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One input file, or standard input, read as blocks of its uncompressed bytes.
///
/// The first bytes decide how it is read (``CompressionFormat/init(magicOf:)``): gzip and zstd are
/// decompressed as they stream, whatever the file is called, so a `.gz` found by a directory walk or
/// glob, or `cat x.gz | tokkit count`, reads like the text inside. Anything else is plain bytes.
/// A name ending in `.gz`, `.zst` or `.zstd` is a promise: such a file without a compressed format's
/// magic is an error (``CorpusError/notCompressed(path:expected:found:)``), because it is almost
/// always a failed download or an error page saved under the archive's name, not a corpus.
///
/// Memory is one 1 MiB read buffer (plain input uses its first 64 KiB only, then is read straight into
/// the caller's buffer), plus for compressed input one 1 MiB output buffer and the format's window; a
/// file is never decompressed whole.
///
/// ```swift
/// let input = try InputReader(path: "data/part-0.jsonl.zst")
/// var bytes: [UInt8] = []
/// while try input.read(appendingTo: &bytes) { consume(bytes); bytes.removeAll(keepingCapacity: true) }
/// ```
public final class InputReader {
    /// The path as given, or `<stdin>` for `-`.
    public let path: String
    /// How the input is compressed, by its magic bytes; `nil` for plain input.
    public private(set) var compression: CompressionFormat?

    private static let blockSize = 1 << 20
    private static let firstReadSize = 1 << 16
    private let descriptor: Int32
    /// Raw bytes read from the descriptor; `start..<count` are not yet used.
    private let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: InputReader.blockSize, alignment: 16)
    private var start = 0
    private var count = 0
    private var atEnd = false
    private var finished = false
    private var decompressor: Decompressor?
    private var output: UnsafeMutableRawBufferPointer?

    /// Opens `path` (`-` for standard input) and reads its first bytes to detect compression.
    /// - Throws: `CorpusError.unreadable` when it cannot be opened or read; `.notCompressed` when its
    ///   name promises gzip or zstd and its bytes do not start like one.
    public init(path: String) throws(CorpusError) {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        let openError = errno
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: Self.reason(openError)) }
        self.descriptor = descriptor
        self.path = path == "-" ? "<stdin>" : path
        // From here on, a throw runs deinit, which closes and frees. Only the first 64 KiB: plain input is read
        // past them straight into the caller's buffer (`readDirectly`), and the rest of this one is never touched.
        while count < 4, !atEnd { try fill(upTo: Self.firstReadSize) }  // a pipe may deliver fewer bytes than the longest magic
        compression = CompressionFormat(magicOf: UnsafeRawBufferPointer(rebasing: raw[0..<count]))
        if compression == nil, path != "-", let promised = CompressionFormat(fileName: path) {
            throw .notCompressed(path: path, expected: promised, found: Array(raw[0..<min(count, 4)]))
        }
        if let compression {
            do { decompressor = try Decompressor(format: compression) } catch { throw .decompression(path: self.path, error) }
            output = .allocate(byteCount: Self.blockSize, alignment: 16)
        }
    }

    deinit {
        if descriptor != STDIN_FILENO { close(descriptor) }
        raw.deallocate()
        output?.deallocate()
    }

    /// The whole uncompressed content of `path`, for inputs that are one text each (`tokkit compare`).
    /// - Throws: as ``init(path:)`` and ``read(appendingTo:)``.
    public static func contents(of path: String) throws(CorpusError) -> [UInt8] {
        let input = try InputReader(path: path)
        var bytes: [UInt8] = []
        while try input.read(appendingTo: &bytes) {}
        return bytes
    }

    /// Appends the next block (at most 1 MiB) of uncompressed bytes to `buffer`.
    /// - Returns: `false` at the end of the input, with `buffer` unchanged.
    /// - Throws: `CorpusError.unreadable` for a read error; `.decompression` for corrupt or truncated
    ///   compressed input, never a silently shorter text.
    public func read(appendingTo buffer: inout [UInt8]) throws(CorpusError) -> Bool {
        guard let decompressor, let output else {
            if start == count {
                guard !atEnd else { return false }
                return try readDirectly(appendingTo: &buffer)
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<count]))
            start = count
            return true
        }
        guard !finished else { return false }
        while true {
            if start == count, !atEnd {
                start = 0
                count = 0
                try fill()
            }
            let step: (consumed: Int, produced: Int)
            do {
                step = try decompressor.decompress(UnsafeRawBufferPointer(rebasing: raw[start..<count]), into: output)
            } catch {
                throw .decompression(path: path, error)
            }
            start += step.consumed
            if step.produced > 0 {
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: output[0..<step.produced]))
                return true
            }
            if atEnd, start == count {
                finished = true
                do { try decompressor.finish() } catch { throw .decompression(path: path, error) }
                return false
            }
            // With input left and room for output, zlib and zstd always consume or produce something.
            guard step.consumed > 0 else {
                throw .decompression(path: path, .invalid(format: decompressor.format, byteOffset: -1, memberOffset: -1,
                                                          reason: "the decompressor stopped making progress"))
            }
        }
    }

    /// The decompression error in the rest of a compressed input, if any, found by decompressing it to
    /// the end and dropping the output; `nil` for plain input or intact data.
    ///
    /// Why: a corrupt deflate block often still decodes, to garbage, and gzip's CRC rejects it only at
    /// the end of the member, so the first symptom is text that is not UTF-8 or not JSON. Before such
    /// an error is reported for compressed input, this says whether the file is corrupt, which is what
    /// the user must hear (with the compressed offset), rather than blaming the text.
    public func corruption() -> CorpusError? {
        guard decompressor != nil else { return nil }
        var discarded: [UInt8] = []
        do {
            while try read(appendingTo: &discarded) { discarded.removeAll(keepingCapacity: true) }
        } catch {
            if case .decompression = error { return error }
        }
        return nil
    }

    /// Plain input once the read buffer is used up: the next block read straight into `buffer`; `false` at
    /// the end, `buffer` unchanged.
    ///
    /// Why: through the read buffer every byte was copied twice (into it, then into `buffer`), and both
    /// buffers were fresh memory (10 MB of lines, `tokkit encode --docs lines`: 512 page faults and 10 MB
    /// copied, where now 256 and none).
    private func readDirectly(appendingTo buffer: inout [UInt8]) throws(CorpusError) -> Bool {
        buffer.makeRoom(for: Self.blockSize)
        var got = 0, failure: Int32 = 0
        let descriptor = descriptor
        buffer.append(addingCapacity: Self.blockSize) { span in
            span.withUnsafeMutableBufferPointer { room, initialized in
                guard let target = room.baseAddress else { return }
                while true {
                    got = readDescriptor(descriptor, target, room.count)
                    if got >= 0 { break }
                    got = 0
                    if errno != EINTR {
                        failure = errno
                        break
                    }
                }
                initialized = got
            }
        }
        guard failure == 0 else { throw .unreadable(path: path, reason: Self.reason(failure)) }
        if got == 0 { atEnd = true }
        return got > 0
    }

    /// Reads more raw bytes after `count`, at most `limit` in all; sets `atEnd` when the descriptor has no more.
    private func fill(upTo limit: Int = InputReader.blockSize) throws(CorpusError) {
        while true {
            let got = readDescriptor(descriptor, raw.baseAddress! + count, min(limit, raw.count) - count)
            if got > 0 {
                count += got
                return
            }
            if got == 0 {
                atEnd = true
                return
            }
            let code = errno
            if code == EINTR { continue }
            throw .unreadable(path: path, reason: Self.reason(code))
        }
    }

    /// A short reason for `errno`, in the words the other corpus errors use.
    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        default: return String(cString: strerror(code))
        }
    }
}

/// read(2), named apart from `InputReader.read(appendingTo:)`, which would shadow it inside the class.
private func readDescriptor(_ descriptor: Int32, _ destination: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, destination, count)
}
