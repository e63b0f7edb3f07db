/// A compressed file format that corpus inputs may use, recognised by its first bytes.
public enum CompressionFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// gzip (RFC 1952), including several members concatenated (`cat a.gz b.gz`).
    case gzip
    /// Zstandard, including several frames concatenated and skippable frames.
    case zstd

    /// The bytes a file of this format starts with: `1f 8b` for gzip, `28 b5 2f fd` for a zstd frame.
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
    /// A zstd file may also start with a skippable frame (`5? 2a 4d 18`), as `pzstd` writes one
    /// first. That magic is valid UTF-8 (`P*M` and the control character U+0018, for `50`), a start
    /// no text file has in practice.
    ///
    /// ```swift
    /// CompressionFormat(magicOf: [0x1F, 0x8B, 0x08]) // .gzip
    /// CompressionFormat(magicOf: Array("{\"text\"".utf8)) // nil
    /// ```
    public init?(magicOf prefix: some Collection<UInt8>) {
        if let format = Self.allCases.first(where: { prefix.starts(with: $0.magic) }) {
            self = format
        } else if let first = prefix.first, first & 0xF0 == 0x50, prefix.dropFirst().starts(with: [0x2A, 0x4D, 0x18]) {
            self = .zstd
        } else {
            return nil
        }
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
