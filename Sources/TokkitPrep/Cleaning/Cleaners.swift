/// Removes C0 and C1 control characters except tab and line feed (and carriage return, which
/// line handling needs), the part of ftfy's `remove_control_chars` that matters before filtering:
/// controls are invisible, break JSON viewers and count as punctuation in datatrove's rules.
public struct ControlCharacterCleaner: Sendable, Hashable {
    public init() {}

    /// The cleaned text and how many characters were removed.
    public func clean(_ text: String) -> (text: String, removed: Int) {
        var removed = 0
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: scalars.append(scalar)
            case 0x00...0x1F, 0x7F...0x9F: removed += 1
            default: scalars.append(scalar)
            }
        }
        return removed == 0 ? (text, 0) : (String(scalars), removed)
    }
}

/// Collapses runs of U+FFFD (what a lossy decoder leaves for bytes it could not read) to one,
/// and drops a document where they are more than `maxFraction` of the characters.
public struct ReplacementCharacterCleaner: Sendable, Hashable {
    public var maxFraction: Double?
    public static let reason = "too_many_replacement_characters"

    public init(maxFraction: Double? = nil) { self.maxFraction = maxFraction }

    public func clean(_ text: String) -> (text: String, reason: String?, collapsed: Int) {
        var total = 0
        var collapsed = 0
        var scalars = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if scalar == "\u{FFFD}" {
                total += 1
                if previous == "\u{FFFD}" { collapsed += 1; continue }
            }
            scalars.append(scalar)
            previous = scalar
        }
        if let maxFraction, count > 0, Double(total) / Double(count) > maxFraction { return (text, Self.reason, 0) }
        return collapsed == 0 ? (text, nil, 0) : (String(scalars), nil, collapsed)
    }
}

/// datatrove's `SymbolLinesFormatter`: lines (`str.splitlines()`) made only of symbols and spaces
/// are removed, a run of them replaced by `replacement` (nothing by default; FineWeb-2 strips `|`
/// table rows with `"\n"`); lines of whitespace only are kept. The result is the kept lines joined
/// with `\n` (so a final line break is lost, as in datatrove).
public struct SymbolLinesCleaner: Sendable, Hashable {
    /// `nil`: datatrove's `PUNCTUATION_SET` (today's).
    public var symbols: Set<Unicode.Scalar>?
    public var replacement = ""

    public init() {}

    public func clean(_ text: String) -> (text: String, removed: Int) {
        let scalars = Array(text.unicodeScalars)
        let symbols = self.symbols ?? Punctuation.current
        var output: [String] = []
        var inRemoved = false
        var removed = 0
        for line in PythonText.splitLines(scalars) {
            let isSymbols = !PythonText.strip(scalars, line).isEmpty && scalars[line].allSatisfy { symbols.contains($0) || $0 == " " }
            if isSymbols {
                removed += 1
                if !inRemoved, !replacement.isEmpty { output.append(replacement) }
                inRemoved = true
            } else {
                output.append(String(String.UnicodeScalarView(scalars[line])))
                inRemoved = false
            }
        }
        return (output.joined(separator: "\n"), removed)
    }
}
