/// A compressed file format that corpus inputs may use, recognised by its first bytes.
public enum CompressionFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// gzip (RFC 1952), including several members concatenated (`cat a.gz b.gz`).
    case gzip
    /// Zstandard, including several frames concatenated and skippable frames.
    case zstd

    /// The bytes every file of this format starts with: `1f 8b` for gzip, `28 b5 2f fd` for zstd.
    ///
    /// Neither can start valid UTF-8 (`8b` and `b5` are continuation bytes after a lead byte that
    /// needs none), so detecting by magic never mistakes a text file for a compressed one.
    public var magic: [UInt8] {
        switch self {
        case .gzip: return [0x1F, 0x8B]
        case .zstd: return [0x28, 0xB5, 0x2F, 0xFD]
        }
    }

    /// What one independently compressed piece of a file is called in this format.
    public var memberName: String {
        switch self {
        case .gzip: return "member"
        case .zstd: return "frame"
        }
    }

    public var description: String { rawValue }

    /// The format whose magic `prefix` starts with, or `nil` for anything else (plain text).
    ///
    /// ```swift
    /// CompressionFormat(magicOf: [0x1F, 0x8B, 0x08]) // .gzip
    /// CompressionFormat(magicOf: Array("{\"text\"".utf8)) // nil
    /// ```
    public init?(magicOf prefix: some Collection<UInt8>) {
        guard let format = Self.allCases.first(where: { prefix.starts(with: $0.magic) }) else { return nil }
        self = format
    }

    /// The format a file name promises by its extension (`.gz`; `.zst` or `.zstd`), or `nil`.
    public init?(fileName path: String) {
        let name = path.lowercased()
        if name.hasSuffix(".gz") {
            self = .gzip
        } else if name.hasSuffix(".zst") || name.hasSuffix(".zstd") {
            self = .zstd
        } else {
            return nil
        }
    }
}
