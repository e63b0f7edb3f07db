import TokkitCore
import TokkitIO

/// tiktoken's vocabulary format: one line per mergeable token, `base64(bytes) SP rank LF`, in rank
/// order. Special tokens are not part of the file; they come with the encoding's definition.
public enum TiktokenFile {
    /// Parses a `.tiktoken` file's bytes.
    ///
    /// Ranks must be distinct and run without gaps from the smallest one, except at the id of one of
    /// `specialTokens`; token bytes must be distinct.
    /// - Throws: `VocabularyFileError` naming `path` and the offending line.
    public static func parse(_ contents: [UInt8], path: String,
                             specialTokens: [SpecialToken] = []) throws(VocabularyFileError) -> Vocabulary {
        var entries: [(rank: TokenID, bytes: [UInt8], line: Int)] = []
        var lineNumber = 0
        var start = 0
        while start < contents.count {
            lineNumber += 1
            var end = start
            while end < contents.count, contents[end] != UInt8(ascii: "\n") { end += 1 }
            var line = contents[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else {
                throw .malformedLine(path: path, line: lineNumber, expected: "\"<base64 token> <rank>\"")
            }
            guard let bytes = Base64.decode(line[line.startIndex..<space]) else {
                throw .badBase64(path: path, line: lineNumber)
            }
            guard let rank = parseRank(line[(space + 1)...]) else {
                throw .malformedLine(path: path, line: lineNumber, expected: "a decimal rank below 2^32 after the space")
            }
            entries.append((rank, bytes, lineNumber))
        }
        guard !entries.isEmpty else {
            throw .invalidContent(path: path, reason: "no tokens: a .tiktoken file has one \"<base64> <rank>\" line per token")
        }
        var lineOfRank: [TokenID: Int] = [:]
        for entry in entries {
            if lineOfRank[entry.rank] != nil {
                throw .duplicateRank(path: path, line: entry.line, rank: entry.rank)
            }
            lineOfRank[entry.rank] = entry.line
        }
        let sorted = entries.sorted { $0.rank < $1.rank }
        let firstRank = sorted[0].rank
        // A rank may be missing only where a special token sits (p50k_base's `<|endoftext|>` = 50256):
        // tiktoken accepts any ranks, but any other gap is far more likely a damaged file.
        let specialIDs = Set(specialTokens.map(\.id))
        var tokens: [[UInt8]?] = []
        tokens.reserveCapacity(sorted.count)
        for entry in sorted {
            while firstRank + TokenID(tokens.count) < entry.rank {
                let missing = firstRank + TokenID(tokens.count)
                guard specialIDs.contains(missing) else { throw .missingRank(path: path, rank: missing) }
                tokens.append(nil)
            }
            tokens.append(entry.bytes)
        }
        do {
            return try Vocabulary(tokensOrGaps: tokens, firstRank: firstRank, specialTokens: specialTokens)
        } catch {
            switch error {
            case .duplicateToken(let rank, let earlier):
                throw .duplicateToken(path: path, line: lineOfRank[rank] ?? 0, sameAsRank: earlier)
            default:
                throw .invalidContent(path: path, reason: error.description)
            }
        }
    }

    /// Reads a `.tiktoken` file, checking its sha256 when `expectedSHA256` is given.
    public static func read(path: String, specialTokens: [SpecialToken] = [],
                            expectedSHA256: String? = nil) throws(VocabularyFileError) -> Vocabulary {
        let contents = try VocabularyFiles.read(path)
        if let expectedSHA256 {
            let actual = SHA256.hex(contents)
            guard actual == expectedSHA256.lowercased() else {
                throw .checksumMismatch(path: path, expected: expectedSHA256.lowercased(), actual: actual)
            }
        }
        return try parse(contents, path: path, specialTokens: specialTokens)
    }

    /// The file contents for a vocabulary's mergeable tokens (special tokens are not written).
    public static func serialize(_ vocabulary: Vocabulary) -> [UInt8] {
        var output: [UInt8] = []
        for (offset, token) in vocabulary.tokensByRank.enumerated() where !token.isEmpty {
            output.append(contentsOf: Base64.encode(token))
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: String(vocabulary.firstRank + TokenID(offset)).utf8)
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }

    /// Writes the file atomically.
    public static func write(_ vocabulary: Vocabulary, to path: String) throws(VocabularyFileError) {
        try VocabularyFiles.writeAtomically(serialize(vocabulary), to: path)
    }

    private static func parseRank(_ digits: ArraySlice<UInt8>) -> TokenID? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value <= UInt64(UInt32.max) ? TokenID(value) : nil
    }
}
