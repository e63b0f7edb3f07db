import Testing
import Tokkit
@testable import TokkitCore
import TokkitTestSupport

/// `StretchMemo`, `mergeCut`'s table of the ids of short stretches: what it keeps and gives back, and that the ids a
/// merger writes through it are the ids of merging each piece whole — with a planted wrong entry shown to be caught.
@Suite("The stretch memo")
struct StretchMemoTests {
    @Test("keeps one to three ids of 3 to 8 bytes and gives them back; refuses more ids or larger ones")
    func keepsWhatFits() {
        var memo = StretchMemo()
        let bytes = Array("中文ab".utf8)  // 8 bytes
        func key(_ length: Int) -> UInt64 { bytes.withUnsafeBufferPointer { ByteHash.prefix($0.baseAddress!, count: length) } }
        func copy(_ length: Int) -> [TokenID]? {
            var out = [TokenID](repeating: 0, count: 8)
            return out.withUnsafeMutableBufferPointer { out in memo.copyIDs(key: key(length), length: length, to: out.baseAddress!) }
                .map { Array(out[0..<$0]) }
        }
        #expect(copy(3) == nil, "an empty memo holds nothing")
        let cases: [(length: Int, ids: [TokenID])] = [(3, [16325]), (6, [3, (1 << 19) - 1]), (8, [1, 2, 3])]
        for (length, ids) in cases {
            ids.withUnsafeBufferPointer { memo.insert(key: key(length), length: length, ids: $0.baseAddress!, count: ids.count) }
        }
        for (length, ids) in cases { #expect(copy(length) == ids, "\(length) bytes") }
        // The same leading bytes at another length are another stretch.
        #expect(copy(4) == nil && copy(7) == nil)
        // Four ids, or an id past 19 bits, do not fit an entry: nothing is kept, and what was there stays.
        for ids in [[TokenID]([1, 2, 3, 4]), [1 << 19]] {
            ids.withUnsafeBufferPointer { memo.insert(key: key(5), length: 5, ids: $0.baseAddress!, count: ids.count) }
            #expect(copy(5) == nil, "\(ids)")
        }
    }

    @Test("pieces cut and merged through the memo get the ids of pieces merged whole", arguments: ["cl100k_base", "o200k_base"])
    func sameIDs(name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let pieces = try PieceCutterTests.nonTokenPieces(tokenizer)
        var merger = BytePairMerger()
        let (checked, mismatches) = Self.compare(pieces, tokenizer.vocabulary, &merger)
        print("StretchMemo \(name): \(checked) pieces that are no token, \(mismatches) with other ids")
        #expect(checked > 2_000 && mismatches == 0)
    }

    @Test("the comparison can fail: wrong entries planted in the memo reach the ids")
    func plantedEntries() throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        let pieces = try PieceCutterTests.nonTokenPieces(tokenizer)
        let half = pieces.count / 2
        // Both mergers see the first half; one then holds id 0 for every three-byte character of the second half
        // (CJK letters, most of them one token each), and both merge the second half.
        var honest = BytePairMerger(), planted = BytePairMerger()
        _ = Self.compare(Array(pieces[..<half]), tokenizer.vocabulary, &honest)
        _ = Self.compare(Array(pieces[..<half]), tokenizer.vocabulary, &planted)
        let rest = Array(pieces[half...])
        var characters = Set<[UInt8]>()
        for piece in rest {
            for (at, byte) in piece.enumerated() where byte & 0xF0 == 0xE0 && at + 3 <= piece.count { characters.insert(Array(piece[at..<at + 3])) }
        }
        let wrong: [TokenID] = [0]
        for character in characters {
            character.withUnsafeBufferPointer { bytes in
                wrong.withUnsafeBufferPointer {
                    planted.stretchMemo.insert(key: ByteHash.prefix(bytes.baseAddress!, count: 3), length: 3, ids: $0.baseAddress!, count: 1)
                }
            }
        }
        let (checked, clean) = Self.compare(rest, tokenizer.vocabulary, &honest)
        let (_, caught) = Self.compare(rest, tokenizer.vocabulary, &planted)
        print("StretchMemo, id 0 planted for \(characters.count) characters: \(caught) of \(checked) pieces with other ids (without: \(clean))")
        #expect(characters.count > 100 && clean == 0 && caught > 0)
    }

    /// Each piece encoded by `merger` (which keeps its memo from piece to piece) and by a merger that never cuts.
    static func compare(_ pieces: [[UInt8]], _ vocabulary: Vocabulary, _ merger: inout BytePairMerger) -> (checked: Int, mismatches: Int) {
        var whole = BytePairMerger(cutting: .never)
        var mismatches = 0
        for piece in pieces {
            var viaMemo: [TokenID] = [], merged: [TokenID] = []
            piece.withUnsafeBufferPointer {
                _ = merger.encode($0, with: vocabulary, into: &viaMemo)
                _ = whole.encode($0, with: vocabulary, into: &merged)
            }
            if viaMemo != merged { mismatches += 1 }
        }
        return (pieces.count, mismatches)
    }
}
