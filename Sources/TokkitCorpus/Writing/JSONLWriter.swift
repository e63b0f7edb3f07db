/// How JSONL output is compressed.
public enum OutputCompression: Sendable, Hashable, CustomStringConvertible {
    case none
    case gzip(level: Int?)
    case zstd(level: Int?)

    /// The extension appended to `.jsonl`.
    public var fileExtension: String {
        switch self {
        case .none: return ""
        case .gzip: return ".gz"
        case .zstd: return ".zst"
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .gzip(let level): return "gzip" + (level.map { "-\($0)" } ?? "")
        case .zstd(let level): return "zstd" + (level.map { "-\($0)" } ?? "")
        }
    }
}

/// Writes documents as JSONL (datatrove's `JsonlWriter` record shape), plain or compressed, to a
/// temporary name renamed into place by ``finish()``.
///
/// ```swift
/// let writer = try JSONLWriter(path: "out/00000.jsonl.zst", compression: .zstd(level: 3))
/// try writer.write(document)
/// try writer.finish()
/// ```
public final class JSONLWriter {
    public let path: String
    public private(set) var documents = 0
    /// Uncompressed bytes written.
    public private(set) var bytes = 0
    private let file: AtomicFile
    private let compressor: Compressor?
    private var pending: [UInt8] = []
    private static let flushSize = 1 << 20

    /// - Parameter replacingStale: as ``AtomicFile/init(path:replacingStale:)``: a resumed run's own file.
    public init(path: String, compression: OutputCompression, replacingStale: Bool = false) throws(OutputError) {
        self.path = path
        do {
            switch compression {
            case .none: compressor = nil
            case .gzip(let level): compressor = try Compressor(format: .gzip, level: level)
            case .zstd(let level): compressor = try Compressor(format: .zstd, level: level)
            }
        } catch {
            throw .compression(path: path, reason: error.description)
        }
        file = try AtomicFile(path: path, replacingStale: replacingStale)
    }

    public func write(_ document: Document) throws(OutputError) {
        let before = pending.count
        document.jsonLine(into: &pending)
        bytes += pending.count - before
        documents += 1
        if pending.count >= Self.flushSize { try flush(finish: false) }
    }

    private func flush(finish: Bool) throws(OutputError) {
        if let compressor {
            var compressed: [UInt8] = []
            do { try compressor.compress(pending, finish: finish, into: &compressed) } catch {
                throw .compression(path: path, reason: error.description)
            }
            try file.write(compressed)
        } else {
            try file.write(pending)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, ends the compressed stream and renames the file into place.
    public func finish() throws(OutputError) {
        try flush(finish: true)
        try file.commit()
    }
}
