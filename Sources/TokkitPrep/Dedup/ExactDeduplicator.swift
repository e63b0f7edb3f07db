import Foundation
import TokkitCore

/// Exact document de-duplication: a document whose normalized text was seen before is a duplicate
/// of the first document that had it (first seen wins, as Dolma's and datatrove's exact dedup keep).
///
/// The key is the first 128 bits of SHA-1 of the normalized text's UTF-8 (collision odds ~n²/2¹²⁹,
/// nil at any corpus size). Memory: the key and the first document's number per distinct text
/// (~40 bytes), never the text.
///
/// Two modes:
/// - within one dataset: `insert` each document in order; it returns the first document it repeats;
/// - *B minus A*: `insert` all of A, then `lookup` each document of B (`insertingMisses: true`
///   also dedups B against itself); the result names the matched A document, so a report can list
///   the matched ids on both sides (datatrove #370 asks for exactly this).
public struct ExactDeduplicator: Sendable {
    /// What is hashed.
    public enum Normalization: String, Sendable, CaseIterable {
        /// The text's bytes as they are.
        case none
        /// Leading/trailing whitespace stripped, every whitespace run one space (Python `\s`).
        case whitespace
        /// Unicode NFC, then as `.whitespace`.
        case nfc
        /// datatrove's `simplify_text` (lowercase, no punctuation, numbers → 0, no diacritics).
        case simplified
    }

    /// The key of one text.
    public struct Key: Hashable, Sendable {
        public var high: UInt64
        public var low: UInt64
    }

    public let normalization: Normalization
    private var firstSeen: [Key: Int] = [:]

    public init(normalization: Normalization = .none) { self.normalization = normalization }

    /// Distinct texts seen.
    public var distinctCount: Int { firstSeen.count }

    /// The key of `text` under this normalization.
    public func key(_ text: String) -> Key {
        Self.key(text, normalization: normalization)
    }

    public static func key(_ text: String, normalization: Normalization) -> Key {
        var bytes: [UInt8]
        switch normalization {
        case .none: bytes = Array(text.utf8)
        case .whitespace: bytes = collapseWhitespace(text.unicodeScalars)
        case .nfc: bytes = collapseWhitespace(text.precomposedStringWithCanonicalMapping.unicodeScalars)
        case .simplified:
            var view = String.UnicodeScalarView()
            view.append(contentsOf: SimplifiedText.scalars(of: Substring(text).unicodeScalars))
            bytes = Array(String(view).utf8)
        }
        let words = bytes.withUnsafeBytes { SHA1.words($0) }
        return Key(high: UInt64(words.0) << 32 | UInt64(words.1), low: UInt64(words.2) << 32 | UInt64(words.3))
    }

    private static func collapseWhitespace(_ scalars: String.UnicodeScalarView) -> [UInt8] {
        var out: [UInt8] = []
        var pending = false
        for scalar in scalars {
            if PythonText.isSpace(scalar) {
                pending = true
                continue
            }
            if pending, !out.isEmpty { out.append(0x20) }
            pending = false
            UTF8.encode(scalar) { out.append($0) }
        }
        return out
    }

    /// Records document `index` with `key`; returns the first document with the same key, or nil
    /// when this is the first.
    public mutating func insert(_ key: Key, index: Int) -> Int? {
        if let first = firstSeen[key] { return first }
        firstSeen[key] = index
        return nil
    }

    /// The first document recorded with `key`, if any; records `index` when missing and `insertingMisses`.
    public mutating func lookup(_ key: Key, index: Int, insertingMisses: Bool) -> Int? {
        if let first = firstSeen[key] { return first }
        if insertingMisses { firstSeen[key] = index }
        return nil
    }

    /// Keys of many texts on `threads` workers, in input order (the order of insertion stays the caller's).
    public static func keys(_ texts: [String], normalization: Normalization, threads: Int = Parallelism.processorCount) -> [Key] {
        var keys = [Key](repeating: Key(high: 0, low: 0), count: texts.count)
        let workers = min(max(1, threads), max(1, texts.count / 256))
        keys.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only its own contiguous slice.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = texts.count * worker / workers, end = texts.count * (worker + 1) / workers
                for index in start..<end { out[index] = key(texts[index], normalization: normalization) }
            }
        }
        return keys
    }
}
