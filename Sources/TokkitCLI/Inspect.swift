import ArgumentParser
import Foundation
import Tokkit

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
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
        let profile = vocab.profile(longest: longest)
        if json {
            let report = JSONValue.object(entries: [
                ("source", .string(vocabulary.vocab)), ("sha256", .string(digest)), ("mergeable_tokens", .integer(vocab.mergeableCount)),
                ("first_rank", .integer(Int(vocab.firstRank))), ("size", .integer(vocab.size)), ("pattern", .string(tokenizer.pattern.regex)),
                ("special_tokens", .object(entries: vocab.specialTokens.map { ($0.text, .integer(Int($0.id))) })),
                ("byte_coverage", .integer(profile.byteCoverage)),
                ("longest", .array(profile.longest.map {
                    .object(entries: [("id", .integer(Int($0.id))), ("bytes", .integer($0.bytes.count)), ("text", .string(Self.display($0.bytes)))])
                })),
            ])
            try StandardStreams.print(report.serialized())
            return
        }
        try StandardStreams.print("source          \(vocabulary.vocab)")
        try StandardStreams.print("sha256          \(digest)")
        try StandardStreams.print("mergeable       \(vocab.mergeableCount) tokens, ranks \(vocab.firstRank)…\(Int(vocab.mergeableEnd) - 1)\(vocab.gaps.isEmpty ? "" : " except \(vocab.gaps.map(String.init).joined(separator: ", "))")")
        try StandardStreams.print("size            \(vocab.size) ids (embedding rows)")
        try StandardStreams.print("pattern         \(tokenizer.pattern) \(tokenizer.pattern.regex)")
        try StandardStreams.print("special tokens  \(vocab.specialTokens.isEmpty ? "none" : vocab.specialTokens.map { "\($0.text)=\($0.id)" }.joined(separator: " "))")
        try StandardStreams.print("byte coverage   \(profile.byteCoverage)/256 byte values are tokens\(profile.byteCoverage == 256 ? " (any input encodes)" : "")")
        try StandardStreams.print("token lengths   " + (1...8).map { "\($0 == 8 ? "8+" : String($0))B: \(profile.tokenLengths[$0])" }.joined(separator: "  "))
        try StandardStreams.print("longest tokens")
        for token in profile.longest {
            try StandardStreams.print("  \(String(token.id).padding(toLength: 8, withPad: " ", startingAt: 0)) \("\(token.bytes.count)B".padding(toLength: 6, withPad: " ", startingAt: 0))\(Self.display(token.bytes))")
        }
    }

    /// A token as readable text: valid UTF-8 as is with control characters escaped, other bytes as \xNN.
    static func display(_ bytes: [UInt8]) -> String {
        guard UTF8Validation.firstInvalidOffset(bytes) == nil else {
            return bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : "\\x" + String(format: "%02X", $0) }.joined()
        }
        return String(decoding: bytes, as: UTF8.self).debugDescription.dropFirst().dropLast().description
    }
}
