import TokkitText

/// Compares two pre-tokenizers piece by piece: the proof that a scanner equals ICU.
public enum SplitComparison {
    /// Where two splits of the same text first differ.
    public struct Mismatch: Error, CustomStringConvertible {
        public let text: [UInt8]
        public let index: Int
        public let expected: [Range<Int>]
        public let actual: [Range<Int>]

        public var description: String {
            func show(_ pieces: [Range<Int>]) -> String {
                pieces.map { String(decoding: text[$0], as: UTF8.self).unicodeScalars.map { $0.escaped(asASCII: true) }.joined() }
                    .map { "\"\($0)\"" }.joined(separator: ", ")
            }
            let input = String(decoding: text, as: UTF8.self).unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
            return "text \"\(input)\": piece \(index) differs\n  reference: [\(show(expected))]\n  candidate: [\(show(actual))]"
        }
    }

    /// `nil` when `candidate` cuts `text` exactly where `reference` does.
    public static func firstMismatch(_ candidate: any PreTokenizer, _ reference: any PreTokenizer,
                                     on text: [UInt8]) throws -> Mismatch? {
        let expected = try reference.pieces(of: text)
        let actual = try candidate.pieces(of: text)
        guard expected != actual else { return nil }
        let index = zip(expected, actual).prefix { $0 == $1 }.count
        return Mismatch(text: text, index: index, expected: expected, actual: actual)
    }
}
