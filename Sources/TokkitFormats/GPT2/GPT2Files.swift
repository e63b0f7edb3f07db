import TokkitCore
import TokkitIO

/// GPT-2's original pair of files: `encoder.json` (byte-level string → id, `<|endoftext|>` included)
/// and `vocab.bpe` (`#version: 0.2`, then one merge `left right` per line, in rank order).
public enum GPT2Files {
    /// Entries of `encoder.json` that are special tokens, not byte strings, as tiktoken's loader decides.
    public static let specialTexts: Set<String> = ["<|endoftext|>", "<|startoftext|>"]

    /// Reads `encoder.json` and checks it against `vocab.bpe`: every merge must join two tokens into
    /// a token of the encoder, and merge i must create the token of rank 256 + i (after the bytes).
    public static func read(encoderPath: String, mergesPath: String) throws(VocabularyFileError) -> Vocabulary {
        let encoder = try VocabularyJSON.object(try VocabularyFiles.read(encoderPath), path: encoderPath)
        var specials: [SpecialToken] = []
        var tokens: [(id: TokenID, bytes: [UInt8])] = []
        for (text, value) in encoder {
            guard let id = VocabularyJSON.id(value) else {
                throw .invalidContent(path: encoderPath, reason: "the id of \(JSONWriter.quoted(text)) is not a number")
            }
            if specialTexts.contains(text) {
                specials.append(SpecialToken(text, id: id))
            } else if let bytes = ByteLevelAlphabet.decode(text) {
                tokens.append((id, bytes))
            } else {
                throw .invalidContent(path: encoderPath, reason: "token \(JSONWriter.quoted(text)) (id \(id)) is not a byte-level string")
            }
        }
        guard !tokens.isEmpty else { throw .invalidContent(path: encoderPath, reason: "no tokens") }
        tokens.sort { $0.id < $1.id }
        let firstRank = tokens[0].id
        for (offset, token) in tokens.enumerated() where token.id != firstRank + TokenID(offset) {
            throw .missingRank(path: encoderPath, rank: firstRank + TokenID(offset))
        }
        let vocabulary: Vocabulary
        do {
            vocabulary = try Vocabulary(tokens: tokens.map(\.bytes), firstRank: firstRank, specialTokens: specials)
        } catch {
            throw .invalidContent(path: encoderPath, reason: error.description)
        }
        try checkMerges(try VocabularyFiles.read(mergesPath), path: mergesPath, against: vocabulary)
        return vocabulary
    }

    private static func checkMerges(_ contents: [UInt8], path: String, against vocabulary: Vocabulary) throws(VocabularyFileError) {
        let text = String(decoding: contents, as: UTF8.self)
        var mergeIndex = 0
        let singleBytes = (0..<256).filter { vocabulary.rank(of: [UInt8($0)]) != nil }.count
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            if line.hasPrefix("#version") || line.isEmpty { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let left = ByteLevelAlphabet.decode(String(parts[0])),
                  let right = ByteLevelAlphabet.decode(String(parts[1])), !left.isEmpty, !right.isEmpty else {
                throw .malformedLine(path: path, line: lineNumber, expected: "two byte-level tokens separated by one space")
            }
            guard let rank = vocabulary.rank(of: left + right) else {
                throw .invalidContent(path: "\(path):\(lineNumber)", reason: "the merge result \(JSONWriter.quoted(String(parts[0]) + String(parts[1]))) is not in encoder.json")
            }
            let expected = vocabulary.firstRank + TokenID(singleBytes + mergeIndex)
            guard rank == expected else {
                throw .invalidContent(path: "\(path):\(lineNumber)", reason: "merge \(mergeIndex) creates the token of id \(rank), expected \(expected): merges must be in id order")
            }
            mergeIndex += 1
        }
    }

    /// Writes both files atomically. `merges` defaults to `Vocabulary.derivedMerges()`.
    public static func write(_ vocabulary: Vocabulary, merges: [Vocabulary.Merge]? = nil,
                             encoderPath: String, mergesPath: String) throws(VocabularyFileError) {
        let mergeList: [Vocabulary.Merge]
        if let merges { mergeList = merges } else { mergeList = try HuggingFaceTokenizerFile.mergesOrThrow(vocabulary, format: "vocab.bpe") }
        let names = vocabulary.tokensByRank.map { ByteLevelAlphabet.encode($0) }
        // A gap in the ranks (p50k_base's 50256) has no bytes and no entry.
        var entries = names.enumerated().filter { !$0.element.isEmpty }.map { ($1, vocabulary.firstRank + TokenID($0)) }
        entries += vocabulary.specialTokens.map { ($0.text, $0.id) }
        entries.sort { $0.1 < $1.1 }
        let encoder = "{" + entries.map { "\(JSONWriter.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
        var bpe = "#version: 0.2\n"
        for merge in mergeList {
            bpe += names[Int(merge.left - vocabulary.firstRank)] + " " + names[Int(merge.right - vocabulary.firstRank)] + "\n"
        }
        try VocabularyFiles.writeAtomically(Array(encoder.utf8), to: encoderPath)
        try VocabularyFiles.writeAtomically(Array(bpe.utf8), to: mergesPath)
    }
}
