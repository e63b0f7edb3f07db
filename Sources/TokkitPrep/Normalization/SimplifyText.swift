import Foundation

/// datatrove's `simplify_text` with its default `TextNormConfig` (lowercase, fold whitespace,
/// remove punctuation, strip diacritics, fold numbers): the normal form of text used as a key for
/// de-duplication, never as output text.
///
/// The two versions differ in what they do with punctuation and numbers, which changes the keys:
/// - `current`: lowercase → numbers (`\p{Nd}+` with one optional decimal part) become `0` →
///   punctuation becomes a space → whitespace runs become one space → NFD, drop `Mn` → strip;
/// - `v0.2.0` (FineWeb): lowercase → whitespace runs become one space → punctuation is deleted
///   (`it's` → `its`) → NFD, drop `Mn` → `\d+` becomes `0` → strip.
///
/// ```swift
/// SimplifyText.simplify("Héllo, WORLD! It's 3.14", version: .current) // "hello world it s 0"
/// ```
public enum SimplifyText {
    static let decimalSeparators: Set<Unicode.Scalar> = [".", ",", "،", "٫", "⎖", "⎗", "⎘"]

    public static func simplify(_ text: String, version: RuleVersion) -> String {
        var scalars = Array(text.lowercased().unicodeScalars)
        switch version {
        case .current:
            scalars = foldNumbers(scalars, decimals: true)
            scalars = scalars.map { Punctuation.basic.contains($0) ? " " : $0 }
            scalars = foldWhitespace(scalars)
            scalars = stripMarks(scalars)
        case .v0_2_0:
            scalars = foldWhitespace(scalars)
            scalars = scalars.filter { !Punctuation.basic.contains($0) }
            scalars = stripMarks(scalars)
            scalars = foldNumbers(scalars, decimals: false)
        }
        let stripped = PythonText.strip(scalars, 0..<scalars.count)
        return String(String.UnicodeScalarView(scalars[stripped]))
    }

    private static func isDecimal(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.numericType == .decimal }

    /// Runs of decimal digits (with one decimal part when `decimals`) become `0`.
    static func foldNumbers(_ scalars: [Unicode.Scalar], decimals: Bool) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            guard isDecimal(scalars[index]) else {
                output.append(scalars[index])
                index += 1
                continue
            }
            while index < scalars.count, isDecimal(scalars[index]) { index += 1 }
            if decimals, index + 1 < scalars.count, decimalSeparators.contains(scalars[index]), isDecimal(scalars[index + 1]) {
                index += 1
                while index < scalars.count, isDecimal(scalars[index]) { index += 1 }
            }
            output.append("0")
        }
        return output
    }

    /// `re.sub(r"\s+", " ", text.strip())`.
    static func foldWhitespace(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let body = PythonText.strip(scalars, 0..<scalars.count)
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(body.count)
        var inSpace = false
        for scalar in scalars[body] {
            if PythonText.isSpace(scalar) {
                if !inSpace { output.append(" ") }
                inSpace = true
            } else {
                output.append(scalar)
                inSpace = false
            }
        }
        return output
    }

    /// NFD, then every nonspacing mark (category `Mn`) removed.
    static func stripMarks(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let decomposed = String(String.UnicodeScalarView(scalars)).decomposedStringWithCanonicalMapping
        return decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
    }
}
