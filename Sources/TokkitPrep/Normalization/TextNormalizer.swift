#if canImport(Glibc)
import Glibc
#endif
import CICU

/// Unicode normalization (NFC or NFKC, through ICU) and whitespace folding of stored text.
///
/// The reference pipelines store text unnormalized (datatrove's FTFY step sets
/// `normalization=None`: "models will not recognize non normalized text properly"), so this
/// stage is opt-in: NFC is lossless for canonical equivalents; NFKC folds compatibility forms
/// (ligatures, full-width letters) for a tokenizer-training corpus.
public struct TextNormalizer: Sendable, Hashable {
    public enum Form: String, Sendable, Hashable, CaseIterable { case none, nfc, nfkc }
    public var form: Form = .nfc
    /// Runs of spaces and tabs become one space, lines lose trailing whitespace, `\r\n` and `\r`
    /// become `\n`, and more than two line breaks in a row become two.
    public var foldWhitespace = false

    public init() {}

    public func normalize(_ text: String) -> String {
        var result = text
        if form != .none, let normalized = Self.icu(result, form: form) { result = normalized }
        if foldWhitespace { result = Self.fold(result) }
        return result
    }

    static func icu(_ text: String, form: Form) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var length: Int64 = 0
            guard let output = tk_normalize(form == .nfkc ? Int32(TK_NORMALIZE_NFKC) : Int32(TK_NORMALIZE_NFC),
                                            bytes.baseAddress, Int64(bytes.count), &length) else { return nil }
            defer { free(output) }
            return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
        }
    }

    static func fold(_ text: String) -> String {
        var lines: [String] = []
        for line in text.replacingCarriageReturns().split(separator: "\n", omittingEmptySubsequences: false) {
            var folded = String.UnicodeScalarView()
            var inSpace = false
            for scalar in line.unicodeScalars {
                if scalar == " " || scalar == "\t" {
                    if !inSpace { folded.append(" ") }
                    inSpace = true
                } else {
                    folded.append(scalar)
                    inSpace = false
                }
            }
            while folded.last == " " { folded.removeLast() }
            lines.append(String(folded))
        }
        var output: [String] = []
        var blank = 0
        for line in lines {
            blank = line.isEmpty ? blank + 1 : 0
            if blank <= 1 { output.append(line) }
        }
        return output.joined(separator: "\n")
    }
}

extension String {
    func replacingCarriageReturns() -> String {
        guard unicodeScalars.contains("\r") else { return self }
        var output = String.UnicodeScalarView()
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" {
                output.append("\n")
                previousCR = true
                continue
            }
            if scalar == "\n", previousCR { previousCR = false; continue }
            previousCR = false
            output.append(scalar)
        }
        return String(output)
    }
}
