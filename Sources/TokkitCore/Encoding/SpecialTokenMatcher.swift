#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds special-token strings in text, leftmost first, the longest one when several start at the same byte.
///
/// Special tokens are few (tens) and almost all start with `<`, so a 256-bit table of possible first
/// bytes skips most of the text before any comparison; when every token starts with the same byte,
/// `memchr` skips to it instead (libc's vector loop: the per-byte table loop cost about 8% of a whole
/// `tokkit encode` run, at about 11 instructions a byte).
public struct SpecialTokenMatcher: Sendable {
    public let tokens: [SpecialToken]
    private let firstBytes: [Bool]
    /// The byte every token starts with, or -1 when they start with different bytes.
    private let soleFirstByte: Int32

    /// - Parameter tokens: the tokens to look for; order does not matter.
    public init(_ tokens: [SpecialToken]) {
        // Longest first, so that at one position the longest token wins (`<|a|>` over `<|a`).
        self.tokens = tokens.sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.bytes.lexicographicallyPrecedes($1.bytes) }
        var first = [Bool](repeating: false, count: 256)
        for token in tokens { if let byte = token.bytes.first { first[Int(byte)] = true } }
        self.firstBytes = first
        let starts = (0..<256).filter { first[$0] }
        soleFirstByte = starts.count == 1 ? Int32(starts[0]) : -1
    }

    public var isEmpty: Bool { tokens.isEmpty }

    /// The first special token that starts at or after `offset`, with its start.
    /// - Complexity: O(n · k) worst case for n bytes and k tokens; O(n) when the first bytes are rare.
    package func firstMatch(in text: UnsafeBufferPointer<UInt8>, from offset: Int) -> (token: SpecialToken, start: Int)? {
        guard !tokens.isEmpty else { return nil }
        var i = offset
        while i < text.count {
            if soleFirstByte >= 0 {
                let base = UnsafeRawPointer(text.baseAddress!)
                guard let found = memchr(base + i, soleFirstByte, text.count - i) else { return nil }
                i = base.distance(to: UnsafeRawPointer(found))
            } else if !firstBytes[Int(text[i])] {
                i += 1
                continue
            }
            for token in tokens where token.bytes.count <= text.count - i {
                if token.bytes.withUnsafeBufferPointer({ ByteHash.equal(UnsafeRawPointer($0.baseAddress), UnsafeRawPointer(text.baseAddress! + i), count: $0.count) }) {
                    return (token, i)
                }
            }
            i += 1
        }
        return nil
    }
}
