import ArgumentParser
import Foundation
import Tokkit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a vocabulary: size, special tokens, pattern, sha256, longest tokens, byte coverage.",
        discussion: "Byte coverage counts the byte values that exist as one-byte tokens: with all 256, any input can be encoded."
    )

    @OptionGroup var vocabulary: VocabularyOptions

    @Option(name: .long, help: "How many of the longest tokens to list.")
    var longest: Int = 10

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let tokenizer = try vocabulary.load()
        let vocab = tokenizer.vocabulary
        let digest = try vocabulary.sha256()
        let tokens = vocab.tokensByRank
        let covered = (0..<256).filter { vocab.rank(of: [UInt8($0)]) != nil }.count
        let longestTokens = tokens.enumerated().sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .prefix(max(0, longest))
        var lengths = [Int](repeating: 0, count: 9)
        for token in tokens { lengths[min(token.count, 8)] += 1 }
        if json {
            var lines = ["{"]
            lines.append("  \"source\": \(jsonString(vocabulary.vocab)),")
            lines.append("  \"sha256\": \"\(digest)\",")
            lines.append("  \"mergeable_tokens\": \(vocab.mergeableCount),")
            lines.append("  \"first_rank\": \(vocab.firstRank),")
            lines.append("  \"size\": \(vocab.size),")
            lines.append("  \"pattern\": \(jsonString(tokenizer.pattern.regex)),")
            lines.append("  \"special_tokens\": {" + vocab.specialTokens.map { "\(jsonString($0.text)): \($0.id)" }.joined(separator: ", ") + "},")
            lines.append("  \"byte_coverage\": \(covered),")
            lines.append("  \"longest\": [" + longestTokens.map { "{\"id\": \(vocab.firstRank + TokenID($0.offset)), \"bytes\": \($0.element.count), \"text\": \(jsonString(Self.display($0.element)))}" }.joined(separator: ", ") + "]")
            lines.append("}")
            try StandardStreams.print(lines.joined(separator: "\n"))
            return
        }
        try StandardStreams.print("source          \(vocabulary.vocab)")
        try StandardStreams.print("sha256          \(digest)")
        try StandardStreams.print("mergeable       \(vocab.mergeableCount) tokens, ranks \(vocab.firstRank)…\(Int(vocab.mergeableEnd) - 1)\(vocab.gaps.isEmpty ? "" : " except \(vocab.gaps.map(String.init).joined(separator: ", "))")")
        try StandardStreams.print("size            \(vocab.size) ids (embedding rows)")
        try StandardStreams.print("pattern         \(tokenizer.pattern) \(tokenizer.pattern.regex)")
        try StandardStreams.print("special tokens  \(vocab.specialTokens.isEmpty ? "none" : vocab.specialTokens.map { "\($0.text)=\($0.id)" }.joined(separator: " "))")
        try StandardStreams.print("byte coverage   \(covered)/256 byte values are tokens\(covered == 256 ? " (any input encodes)" : "")")
        try StandardStreams.print("token lengths   " + (1...8).map { "\($0 == 8 ? "8+" : String($0))B: \(lengths[$0])" }.joined(separator: "  "))
        try StandardStreams.print("longest tokens")
        for (offset, token) in longestTokens {
            try StandardStreams.print("  \(String(vocab.firstRank + TokenID(offset)).padding(toLength: 8, withPad: " ", startingAt: 0)) \("\(token.count)B".padding(toLength: 6, withPad: " ", startingAt: 0))\(Self.display(token))")
        }
    }

    /// A token as readable text: valid UTF-8 as is with control characters escaped, other bytes as \xNN.
    static func display(_ bytes: [UInt8]) -> String {
        guard UTF8Validation.firstInvalidOffset(bytes) == nil else {
            return bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : "\\x" + String(format: "%02X", $0) }.joined()
        }
        return String(decoding: bytes, as: UTF8.self).debugDescription.dropFirst().dropLast().description
    }

    private func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
