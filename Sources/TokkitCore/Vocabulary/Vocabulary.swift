/// A special token: a byte string matched before pre-splitting and given a fixed id.
public struct SpecialToken: Sendable, Hashable {
    public var bytes: [UInt8]
    public var id: TokenID

    public init(_ text: String, id: TokenID) {
        self.bytes = Array(text.utf8)
        self.id = id
    }

    public init(bytes: [UInt8], id: TokenID) {
        self.bytes = bytes
        self.id = id
    }

    /// The token as text, with invalid UTF-8 replaced by U+FFFD (special tokens are text in practice).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// What makes a set of tokens unusable as a vocabulary.
public enum VocabularyError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyToken(rank: TokenID)
    case duplicateToken(rank: TokenID, firstRank: TokenID)
    case duplicateSpecialID(id: TokenID)
    case duplicateSpecialText(text: String)
    case specialIDCollides(text: String, id: TokenID)
    case tooLarge(count: Int)
    /// The tokens' bytes together pass the rank table's 32-bit offsets.
    case tooManyBytes(limit: Int)

    public var description: String {
        switch self {
        case .emptyToken(let rank):
            return "token of rank \(rank) is empty; every token needs at least one byte"
        case .duplicateToken(let rank, let firstRank):
            return "token of rank \(rank) has the same bytes as the token of rank \(firstRank); ranks must name distinct byte strings"
        case .duplicateSpecialID(let id):
            return "two special tokens share the id \(id)"
        case .duplicateSpecialText(let text):
            return "special token \(text.debugDescription) is listed twice"
        case .specialIDCollides(let text, let id):
            return "special token \(text.debugDescription) has id \(id), which is already the rank of a mergeable token"
        case .tooLarge(let count):
            return "\(count) tokens do not fit in 32-bit token ids"
        case .tooManyBytes(let limit):
            return "the tokens hold more than \(limit) bytes together, the most a vocabulary's 32-bit offsets address"
        }
    }
}

/// Mergeable tokens by rank, plus special tokens.
///
/// The rank of a mergeable token is both its id and its merge priority (lower merges first), as in
/// tiktoken. Token bytes live in one arena; a flat open-addressing table maps bytes back to ranks.
/// Special tokens are kept apart: they are never produced by merging, only matched in text.
public struct Vocabulary: Sendable {
    /// The rank of the first mergeable token (0, unless special tokens come first).
    public let firstRank: TokenID
    /// The special tokens in the order they were given.
    public let specialTokens: [SpecialToken]
    /// Ranks inside the mergeable range that no mergeable token has (see `init(tokensOrGaps:)`), ascending.
    public let gaps: [TokenID]
    let table: RankTable
    /// The id of each byte value as a one-byte token, or `TokenID.max` when the vocabulary lacks it.
    let singleByteRank: [TokenID]
    /// The id of each two-byte token at `first << 8 | second`, or `TokenID.max`. Merging starts
    /// from byte pairs: a dense 256 KB array answers those without hashing or probing, and on
    /// non-Latin text they are about half of all merge lookups.
    let bytePairRank: TableBuffer<TokenID>
    /// Every mergeable token padded to 16 bytes, for decoding.
    let decoding: DecodingTable
    /// What two adjacent tokens merge into, by rank: the merger's lookups once every part is a token.
    let pairMerges: PairMergeTable
    /// Where no token reaches across: the merger cuts the pieces it merges there (`PieceCutter`).
    let cutter: PieceCutter

    /// Builds a vocabulary from token bytes listed by rank, starting at `firstRank`.
    ///
    /// - Throws: `VocabularyError` for empty or duplicate tokens and clashing special tokens.
    /// - Complexity: O(total bytes).
    public init(tokens: [[UInt8]], firstRank: TokenID = 0, specialTokens: [SpecialToken] = []) throws(VocabularyError) {
        try self.init(tokensOrGaps: tokens.map(Optional.some), firstRank: firstRank, specialTokens: specialTokens)
    }

    /// Builds a vocabulary whose ranks may have gaps: `nil` is a rank no mergeable token has.
    ///
    /// Why: OpenAI's `p50k_base` has ranks 0–50255 and 50257–50280; 50256 is its special
    /// `<|endoftext|>`. tiktoken keys ranks by bytes and never notices; here a gap is an index of
    /// the rank table with no bytes, which no lookup finds and decoding treats as "not mergeable"
    /// (so a special token may sit there).
    /// - Throws: `VocabularyError` for empty or duplicate tokens and clashing special tokens.
    /// - Complexity: O(total bytes).
    public init(tokensOrGaps tokens: [[UInt8]?], firstRank: TokenID = 0, specialTokens: [SpecialToken] = []) throws(VocabularyError) {
        guard tokens.count + specialTokens.count < Int(UInt32.max) - Int(firstRank) else {
            throw .tooLarge(count: tokens.count + specialTokens.count)
        }
        var builder = RankTable.Builder(expectedCount: tokens.count)
        var gaps: [TokenID] = []
        for (index, token) in tokens.enumerated() {
            let rank = firstRank + TokenID(index)
            guard let token else {
                do { try builder.insertGap() } catch { throw .tooManyBytes(limit: ByteStringTable.maximumBytes) }
                gaps.append(rank)
                continue
            }
            guard !token.isEmpty else { throw .emptyToken(rank: rank) }
            let earlier: Int?
            do { earlier = try builder.insert(token) } catch { throw .tooManyBytes(limit: ByteStringTable.maximumBytes) }
            if let earlier {
                throw .duplicateToken(rank: rank, firstRank: firstRank + TokenID(earlier))
            }
        }
        let table = builder.build()
        try Self.checkSpecialTokens(specialTokens, mergeable: firstRank..<(firstRank + TokenID(tokens.count)), gaps: gaps)
        var singles = [TokenID](repeating: .max, count: 256)
        var pairs = [TokenID](repeating: .max, count: 1 << 16)
        for index in 0..<table.count {
            let start = Int(table.offsets[index])
            switch Int(table.offsets[index + 1]) - start {
            case 1: singles[Int(table.arena[start])] = firstRank + TokenID(index)
            case 2: pairs[Int(table.arena[start]) << 8 | Int(table.arena[start + 1])] = firstRank + TokenID(index)
            default: break
            }
        }
        self.firstRank = firstRank
        self.specialTokens = specialTokens
        self.gaps = gaps
        self.table = table
        self.singleByteRank = singles
        self.bytePairRank = TableBuffer(pairs)
        self.decoding = DecodingTable(table)
        self.pairMerges = PairMergeTable(table, firstRank: firstRank)
        self.cutter = PieceCutter(table)
        InternalChecks.require(firstInvariantViolation(), "Vocabulary")
    }

    /// A vocabulary from tables built earlier (`VocabularyTables`), checked for consistency by the caller.
    init(firstRank: TokenID, specialTokens: [SpecialToken], gaps: [TokenID], table: RankTable,
         singleByteRank: [TokenID], bytePairRank: TableBuffer<TokenID>, decoding: DecodingTable,
         pairMerges: PairMergeTable, cutter: PieceCutter) throws(VocabularyError) {
        try Self.checkSpecialTokens(specialTokens, mergeable: firstRank..<(firstRank + TokenID(table.count)), gaps: gaps)
        self.firstRank = firstRank
        self.specialTokens = specialTokens
        self.gaps = gaps
        self.table = table
        self.singleByteRank = singleByteRank
        self.bytePairRank = bytePairRank
        self.decoding = decoding
        self.pairMerges = pairMerges
        self.cutter = cutter
        InternalChecks.require(firstInvariantViolation(), "Vocabulary")
    }

    /// Special tokens must be non-empty and distinct, and may take a mergeable rank only where the ranks have a gap.
    /// The first special token in the list that breaks a rule is the one named, as it repeats an earlier one.
    ///
    /// Repeats are found by sorting rather than with `Set`s: this runs on every load, and a process's
    /// first `Set<TokenID>` and `Set<[UInt8]>` cost 0.8 M instructions of the runtime looking up their
    /// types' conformances (callgrind, `tokkit encode` of a small file), more than the check itself.
    private static func checkSpecialTokens(_ specialTokens: [SpecialToken], mergeable: Range<TokenID>,
                                           gaps: [TokenID]) throws(VocabularyError) {
        let repeatedID = repeats(in: specialTokens.indices.sorted { (specialTokens[$0].id, $0) < (specialTokens[$1].id, $1) }) {
            specialTokens[$0].id == specialTokens[$1].id
        }
        let repeatedText = repeats(in: specialTokens.indices.sorted {
            let left = specialTokens[$0].bytes, right = specialTokens[$1].bytes
            return left == right ? $0 < $1 : left.lexicographicallyPrecedes(right)
        }) { specialTokens[$0].bytes == specialTokens[$1].bytes }
        for (index, special) in specialTokens.enumerated() {
            guard !special.bytes.isEmpty else { throw .emptyToken(rank: special.id) }
            guard !repeatedID[index] else { throw .duplicateSpecialID(id: special.id) }
            guard !repeatedText[index] else { throw .duplicateSpecialText(text: special.text) }
            if mergeable.contains(special.id) && !gaps.contains(special.id) {
                throw .specialIDCollides(text: special.text, id: special.id)
            }
        }
    }

    /// For indices sorted so that equal elements are adjacent and in list order: whether each index
    /// repeats an element at an earlier index.
    private static func repeats(in sorted: [Int], _ same: (Int, Int) -> Bool) -> [Bool] {
        var repeated = [Bool](repeating: false, count: sorted.count)
        for position in sorted.indices.dropFirst() where same(sorted[position - 1], sorted[position]) {
            repeated[sorted[position]] = true
        }
        return repeated
    }

    /// How many mergeable tokens there are.
    /// Tells the tables that `bytes` of text are about to be encoded with them: tables mapped from the rank-table
    /// cache move into huge pages once 32 MB have been (`ReadOnlyRegion.noteWork`). Texts under 4 KB are not
    /// counted, so that a loop of short calls (Python's) never touches the shared count.
    @inline(__always)
    package func noteWork(_ bytes: Int) {
        if bytes >= 1 << 12 { table.slots.noteWork(bytes) }
    }

    /// Whether the tables have moved into huge pages (tests).
    package var tablesInHugePages: Bool { table.slots.inHugePages }

    public var mergeableCount: Int { table.count - gaps.count }

    /// One more than the largest mergeable rank.
    public var mergeableEnd: TokenID { firstRank + TokenID(table.count) }

    /// One more than the largest id, mergeable or special: the size an embedding table needs.
    public var size: Int {
        let mergeableEnd = Int(firstRank) + table.count
        return specialTokens.reduce(mergeableEnd) { max($0, Int($1.id) + 1) }
    }

    /// The rank of a byte string, or `nil` when it is not a mergeable token.
    /// - Complexity: O(length of `bytes`) expected.
    public func rank(of bytes: [UInt8]) -> TokenID? {
        bytes.withUnsafeBufferPointer { rank(of: $0) }
    }

    /// The rank of a byte string, or `nil` when it is not a mergeable token.
    @inline(__always)
    package func rank(of bytes: UnsafeBufferPointer<UInt8>) -> TokenID? {
        guard let index = table.index(of: bytes) else { return nil }
        return firstRank + TokenID(index)
    }

    /// The bytes of a mergeable token or a special token, or `nil` for an id the vocabulary lacks.
    public func bytes(of id: TokenID) -> [UInt8]? {
        if id >= firstRank, Int(id - firstRank) < table.count, !table.bytes(at: Int(id - firstRank)).isEmpty {
            return Array(table.bytes(at: Int(id - firstRank)))
        }
        return specialTokens.first { $0.id == id }?.bytes
    }

    /// The special token with this exact text, if any.
    public func specialToken(named text: String) -> SpecialToken? {
        let bytes = Array(text.utf8)
        return specialTokens.first { $0.bytes == bytes }
    }

    /// Mergeable tokens in rank order; a gap (see `gaps`) is an empty array.
    public var tokensByRank: [[UInt8]] {
        (0..<table.count).map { Array(table.bytes(at: $0)) }
    }

    /// Mergeable tokens in rank order, `nil` for a gap: what `init(tokensOrGaps:)` takes.
    public var tokensOrGaps: [[UInt8]?] {
        (0..<table.count).map { table.bytes(at: $0).isEmpty ? nil : Array(table.bytes(at: $0)) }
    }
}
