import TokkitCore

/// Why text could not be pre-split.
public enum PreTokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The pattern does not compile. `line`/`column` are ICU's, 1-based, counted in UTF-16 units of the pattern.
    case invalidPattern(pattern: String, reason: String, line: Int, column: Int)
    /// ICU failed while matching (for example a document over 2^31 UTF-16 units).
    case matchingFailed(reason: String)
    /// The scanner engine was asked for, but only the named patterns have a scanner.
    case noScanner(pattern: String)

    public var description: String {
        switch self {
        case .invalidPattern(let pattern, let reason, let line, let column):
            let place = column >= 0 ? " at line \(line), column \(column)" : ""
            return "invalid split pattern\(place): \(reason) (pattern: \(pattern))"
        case .matchingFailed(let reason):
            return "pre-splitting failed: \(reason)"
        case .noScanner(let pattern):
            return "no hand-written scanner for the pattern \(pattern) (only gpt2, cl100k, o200k and qwen2 have one); use the icu or auto engine"
        }
    }
}

/// Cuts text into pieces that are encoded independently: the first stage of every BPE tokenizer.
///
/// Pieces are byte ranges into the original UTF-8, in order and non-overlapping. Text between
/// matches (a custom pattern may skip some) is dropped, as tiktoken drops it.
///
/// The text arrives as a `Span`: a borrowed view that cannot outlive the call, so an implementation
/// outside this package never handles a raw pointer.
public protocol PreTokenizer: Sendable {
    /// Calls `body(start, end)` for each piece of `text`, which must be valid UTF-8.
    func forEachPiece(in text: Span<UInt8>, _ body: (Int, Int) throws -> Void) throws
}

extension PreTokenizer {
    /// The same over a buffer the caller keeps alive: what the encoders' hot loops hold.
    @inline(__always)
    package func forEachPiece(inBuffer text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        try forEachPiece(in: Span(_unsafeElements: text), body)
    }

    /// The pieces of `text` as byte ranges.
    public func pieces(of text: [UInt8]) throws -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        try forEachPiece(in: text.span) { ranges.append($0..<$1) }
        return ranges
    }

    /// The pieces of `text` as strings, for tests and display.
    public func pieces(of text: String) throws -> [String] {
        let bytes = Array(text.utf8)
        return try pieces(of: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }
}
