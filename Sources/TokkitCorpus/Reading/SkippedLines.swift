/// The lines a reader skipped under `--skip-bad-lines`: how many, and where the first few were, so
/// that a run which drops data says how much and shows where to look.
///
/// ```swift
/// var skipped = SkippedLines()
/// skipped.record(path: "a.jsonl", line: 3, reason: "not JSON")
/// skipped.description  // "skipped 1 line (--skip-bad-lines): a.jsonl:3 (not JSON)"
/// ```
public struct SkippedLines: Sendable, Equatable, CustomStringConvertible {
    /// One skipped line.
    public struct Line: Sendable, Equatable {
        public var path: String
        /// 1-based.
        public var line: Int
        public var reason: String
    }

    /// How many skipped lines are kept with their place.
    public static let listed = 5

    public private(set) var count = 0
    /// The first ``listed`` skipped lines, in reading order.
    public private(set) var first: [Line] = []

    public init() {}

    public mutating func record(path: String, line: Int, reason: String) {
        count += 1
        if first.count < Self.listed { first.append(Line(path: path, line: line, reason: reason)) }
    }

    /// Adds the lines `other` skipped after these (another file or another part of the input).
    public mutating func add(_ other: SkippedLines) {
        count += other.count
        first += other.first.prefix(Self.listed - first.count)
    }

    /// "skipped N lines (--skip-bad-lines): FILE:LINE (REASON), …" — empty when nothing was skipped.
    public var description: String {
        guard count > 0 else { return "" }
        let places = first.map { "\($0.path):\($0.line) (\($0.reason))" }.joined(separator: ", ")
        return "skipped \(count) line\(count == 1 ? "" : "s") (--skip-bad-lines): \(places)\(count > first.count ? ", …" : "")"
    }
}
