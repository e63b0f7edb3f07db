import Foundation
import TokkitCore
import TokkitIO

/// Hugging Face `tokenizer.json` for byte-level BPE: model `BPE` with byte-level strings as tokens, a
/// `Split` pre-tokenizer with the pattern followed by `ByteLevel`, a `ByteLevel` decoder, and the
/// special tokens as `added_tokens`.
///
/// Ids are kept as they are: a token's id is its rank. Encoding with tiktoken's rule (rank of the
/// concatenated bytes) and with Hugging Face's (rank of the merge pair) agree for vocabularies whose
/// merges come in the order of the ids they create, which BPE training guarantees.
public enum HuggingFaceTokenizerFile {
    /// What a loaded file holds.
    public struct Contents: Sendable {
        public var vocabulary: Vocabulary
        public var pattern: SplitPattern
    }

    /// The regex of GPT-2's original release, which HF's `ByteLevel(use_regex=true)` applies.
    public static let byteLevelRegex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The pattern as Hugging Face's Oniguruma engine must see it to split like tiktoken.
    ///
    /// Oniguruma reads `X{1,3}+` as "one or more of X{1,3}", not as a possessive `{1,3}`. In the
    /// named patterns it only follows `\p{N}` at the end of an alternative, where possessive and
    /// greedy match the same, so the `+` is dropped.
    public static func onigurumaPattern(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "}+", with: "}")
    }

    public static func read(path: String) throws(VocabularyFileError) -> Contents {
        let bytes = try VocabularyFiles.read(path)
        return try parse(bytes, path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(VocabularyFileError) -> Contents {
        try parse(root: try VocabularyJSON.object(bytes, path: path), path: path)
    }

    /// Reads an already-parsed `tokenizer.json` object.
    public static func parse(root: JSONObject, path: String) throws(VocabularyFileError) -> Contents {
        guard let model = root["model"]?.objectValue else {
            throw .invalidContent(path: path, reason: "no \"model\" object")
        }
        guard model["type"]?.stringValue == "BPE" else {
            let found = model["type"].map { $0.stringValue ?? $0.serialized() } ?? "missing"
            throw .invalidContent(path: path, reason: "model.type is \(found), only \"BPE\" is supported")
        }
        guard let vocab = model["vocab"]?.objectValue else {
            throw .invalidContent(path: path, reason: "model.vocab is missing or not an object")
        }
        var specials: [SpecialToken] = []
        for entry in root["added_tokens"]?.arrayValue ?? [] {
            guard let content = entry.objectValue?["content"]?.stringValue, let id = VocabularyJSON.id(entry.objectValue?["id"]) else {
                throw .invalidContent(path: path, reason: "an added_tokens entry lacks \"content\" or \"id\"")
            }
            specials.append(SpecialToken(content, id: id))
        }
        let specialTexts = Set(specials.map(\.text))
        var ids: [String: TokenID] = [:]
        ids.reserveCapacity(vocab.count)
        var tokens: [(id: TokenID, bytes: [UInt8])] = []
        tokens.reserveCapacity(vocab.count)
        for (text, value) in vocab {
            let id = VocabularyJSON.id(value)
            ids[text] = id
            if specialTexts.contains(text) { continue }
            guard let id else {
                throw .invalidContent(path: path, reason: "model.vocab[\(JSONWriter.quoted(text))] is not an id")
            }
            guard let bytes = ByteLevelAlphabet.decode(text) else {
                throw .invalidContent(path: path, reason: "token \(JSONWriter.quoted(text)) (id \(id)) is not a byte-level string; only byte-level BPE is supported")
            }
            tokens.append((id, bytes))
        }
        guard !tokens.isEmpty else { throw .invalidContent(path: path, reason: "model.vocab is empty") }
        tokens.sort { $0.id < $1.id }
        for (earlier, later) in zip(tokens, tokens.dropFirst()) where earlier.id == later.id {
            throw .invalidContent(path: path, reason: "id \(later.id) is given to two tokens in model.vocab "
                + "(\(JSONWriter.quoted(ByteLevelAlphabet.encode(earlier.bytes))) and \(JSONWriter.quoted(ByteLevelAlphabet.encode(later.bytes)))))")
        }
        try checkMerges(model["merges"], ids: ids, path: path)
        let firstRank = tokens[0].id
        for (offset, token) in tokens.enumerated() where token.id != firstRank + TokenID(offset) {
            throw .missingRank(path: path, rank: firstRank + TokenID(offset))
        }
        let pattern = try splitPattern(root["pre_tokenizer"], path: path)
        do {
            let vocabulary = try Vocabulary(tokens: tokens.map(\.bytes), firstRank: firstRank, specialTokens: specials)
            return Contents(vocabulary: vocabulary, pattern: pattern)
        } catch {
            throw .invalidContent(path: path, reason: error.description)
        }
    }

    /// Checks `model.merges` as Hugging Face's `BPE` builder does, and that they agree with the ids.
    ///
    /// Hugging Face refuses a file whose merges are missing, malformed (not `"a b"` or `["a", "b"]`), or
    /// name a token (either side, or their concatenation) that `model.vocab` lacks. It then ranks pairs by
    /// merge order, while tokkit, like tiktoken, ranks by the id of the merged token: the two encode alike
    /// only when each merge makes a larger id than the merge before it. A file where they disagree (two
    /// merges swapped by hand) is refused, saying which merge, rather than encoded differently from
    /// Hugging Face.
    static func checkMerges(_ node: JSONValue?, ids: [String: TokenID], path: String) throws(VocabularyFileError) {
        guard let merges = node?.arrayValue else {
            throw .invalidContent(path: path, reason: "model.merges is missing or not a list; byte-level BPE needs its merges")
        }
        var previous: (id: TokenID, index: Int)?
        for (index, entry) in merges.enumerated() {
            let left: String, right: String
            if let text = entry.stringValue {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw .invalidContent(path: path, reason: "model.merges[\(index)] \(JSONWriter.quoted(text)) is not two tokens separated by one space")
                }
                (left, right) = (String(parts[0]), String(parts[1]))
            } else if let pair = entry.arrayValue, pair.count == 2, let first = pair[0].stringValue, let second = pair[1].stringValue {
                (left, right) = (first, second)
            } else {
                throw .invalidContent(path: path, reason: "model.merges[\(index)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
            for token in [left, right, left + right] where ids[token] == nil {
                throw .invalidContent(path: path, reason: "model.merges[\(index)] (\(JSONWriter.quoted(left)) \(JSONWriter.quoted(right))) "
                    + "needs the token \(JSONWriter.quoted(token)), which model.vocab lacks")
            }
            let made = ids[left + right] ?? 0
            if let previous, made <= previous.id {
                throw .invalidContent(path: path, reason: "model.merges[\(index)] (\(JSONWriter.quoted(left)) \(JSONWriter.quoted(right))) makes id \(made), "
                    + "but model.merges[\(previous.index)] already made id \(previous.id): the merges are not in the order of the ids they "
                    + "create, so Hugging Face (which ranks by merge order) and tiktoken-style encoding (by id) would give different ids")
            }
            previous = (made, index)
        }
    }

    private static func splitPattern(_ node: JSONValue?, path: String) throws(VocabularyFileError) -> SplitPattern {
        guard let node = node?.objectValue, let type = node["type"]?.stringValue else {
            throw .invalidContent(path: path, reason: "pre_tokenizer is missing; byte-level BPE needs a Split or ByteLevel pre-tokenizer")
        }
        switch type {
        case "ByteLevel":
            guard node["add_prefix_space"]?.boolValue != true else {
                throw .invalidContent(path: path, reason: "ByteLevel with add_prefix_space=true is not supported (tiktoken-style encoders add no prefix space)")
            }
            return SplitPattern(regex: byteLevelRegex)
        case "Sequence":
            let list = node["pretokenizers"]?.arrayValue ?? []
            let steps = list.compactMap(\.objectValue)
            guard list.count == 2, steps.count == 2, steps[0]["type"]?.stringValue == "Split", steps[1]["type"]?.stringValue == "ByteLevel",
                  steps[1]["use_regex"]?.boolValue == false,
                  let patternNode = steps[0]["pattern"]?.objectValue,
                  let regex = patternNode["Regex"]?.stringValue ?? patternNode["String"]?.stringValue.map(escapeLiteral) else {
                throw .invalidContent(path: path, reason: "pre_tokenizer Sequence must be [Split(pattern), ByteLevel(use_regex=false)]")
            }
            guard steps[0]["behavior"]?.stringValue == "Isolated", steps[0]["invert"]?.boolValue != true else {
                throw .invalidContent(path: path, reason: "only Split with behavior \"Isolated\" and invert=false is supported")
            }
            for named in [SplitPattern.gpt2, .cl100k, .o200k, .qwen2] where onigurumaPattern(named.regex) == regex {
                return named
            }
            return SplitPattern(regex: regex)
        default:
            throw .invalidContent(path: path, reason: "pre_tokenizer type \(type) is not supported; expected Split+ByteLevel or ByteLevel")
        }
    }

    private static func escapeLiteral(_ text: String) -> String {
        var output = ""
        for character in text {
            if "\\^$.|?*+()[]{}".contains(character) { output.append("\\") }
            output.append(character)
        }
        return output
    }

    /// The file text for a vocabulary and its pattern. `merges` defaults to `Vocabulary.derivedMerges()`.
    public static func serialize(_ vocabulary: Vocabulary, pattern: SplitPattern,
                                 merges: [Vocabulary.Merge]? = nil) throws(VocabularyFileError) -> [UInt8] {
        let mergeList: [Vocabulary.Merge]
        if let merges { mergeList = merges } else { mergeList = try HuggingFaceTokenizerFile.mergesOrThrow(vocabulary, format: "tokenizer.json") }
        let tokens = vocabulary.tokensByRank
        let names = tokens.map { ByteLevelAlphabet.encode($0) }
        func name(_ id: TokenID) -> String { names[Int(id - vocabulary.firstRank)] }
        var json = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": ["
        json += vocabulary.specialTokens.sorted { $0.id < $1.id }.map { special in
            "\n    {\"id\": \(special.id), \"content\": \(JSONWriter.quoted(special.text)), \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}"
        }.joined(separator: ",")
        json += vocabulary.specialTokens.isEmpty ? "],\n" : "\n  ],\n"
        json += "  \"normalizer\": null,\n"
        json += "  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \(JSONWriter.quoted(onigurumaPattern(pattern.regex)))}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}]},\n"
        json += "  \"post_processor\": null,\n"
        json += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n"
        json += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": true,\n    \"vocab\": {"
        // A gap in the ranks (p50k_base's 50256) has no bytes and no entry.
        json += names.enumerated().filter { !tokens[$0.offset].isEmpty }.map { offset, text in
            "\n      \(JSONWriter.quoted(text)): \(vocabulary.firstRank + TokenID(offset))"
        }.joined(separator: ",")
        json += "\n    },\n    \"merges\": ["
        json += mergeList.map { "\n      [\(JSONWriter.quoted(name($0.left))), \(JSONWriter.quoted(name($0.right)))]" }.joined(separator: ",")
        json += "\n    ]\n  }\n}\n"
        return Array(json.utf8)
    }

    public static func write(_ vocabulary: Vocabulary, pattern: SplitPattern, merges: [Vocabulary.Merge]? = nil,
                             to path: String) throws(VocabularyFileError) {
        try VocabularyFiles.writeAtomically(serialize(vocabulary, pattern: pattern, merges: merges), to: path)
    }

    static func mergesOrThrow(_ vocabulary: Vocabulary, format: String) throws(VocabularyFileError) -> [Vocabulary.Merge] {
        switch vocabulary.derivedMerges() {
        case .success(let merges): return merges
        case .failure(let error): throw .invalidContent(path: format, reason: error.description)
        }
    }
}
