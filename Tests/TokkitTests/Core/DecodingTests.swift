import Testing
import Tokkit
@testable import TokkitCore

/// The fast decoder (16-byte padded copies, long tokens and special tokens off the hot path)
/// against the plain one: each id's `bytes(of:)`, joined.
@Suite("Decoding: fast path ≡ token-by-token join")
struct DecodingTests {
    static func joined(_ vocabulary: Vocabulary, _ ids: [TokenID]) -> [UInt8]? {
        var bytes: [UInt8] = []
        for id in ids {
            guard let token = vocabulary.bytes(of: id) else { return nil }
            bytes += token
        }
        return bytes
    }

    /// cl100k_base and o200k_base have more tokens than `DecodingTable.prefetchCount`: their runs take
    /// the prefetching loop, whose prefetches read ids a block or more ahead of the copies.
    @Test("every token of gpt2, cl100k_base and o200k_base, long ones included, decodes to its bytes alone and in runs",
          arguments: ["gpt2", "cl100k_base", "o200k_base"])
    func everyToken(name: String) throws {
        let vocabulary = try Loaded.tokenizer(name).vocabulary
        let ids = (0..<TokenID(vocabulary.mergeableCount)).map { $0 } + vocabulary.specialTokens.map(\.id)
        #expect(vocabulary.tokensByRank.contains { $0.count > 16 }, "the vocabulary exercises the long-token path")
        // Compared to a Bool first: a failed `#expect` on two arrays of megabytes spent minutes printing them.
        let inOrder = try vocabulary.decodeBytes(ids) == Self.joined(vocabulary, ids)
        let reversed = try vocabulary.decodeBytes(ids.reversed()) == Self.joined(vocabulary, ids.reversed())
        var random = SplitMix64(seed: 14)
        let shuffled = ids.shuffled(using: &random)
        var reused: [UInt8] = []
        try vocabulary.appendBytes(of: shuffled, to: &reused)
        let inShuffledOrder = reused == Self.joined(vocabulary, shuffled)
        #expect(inOrder, "all ids in order")
        #expect(reversed, "all ids in reverse order")
        #expect(inShuffledOrder, "all ids shuffled, into a buffer")
        var wrong = 0
        for id in ids {
            reused.removeAll(keepingCapacity: true)
            try vocabulary.appendBytes(of: [id], to: &reused)
            if reused != vocabulary.bytes(of: id) { wrong += 1 }
        }
        #expect(wrong == 0, "ids decoded alone to other bytes than their token's")
    }

    /// Long tokens are copied inside the block loop while they leave room for 16 bytes an id after them
    /// (`DecodingTable.View.writeTokens`); a run of them outgrows that room, and the token that does not
    /// fit goes to the caller, which appends it and starts a new step.
    @Test("runs of long tokens: inside the block loop while they fit the room, handed to the caller after, on one thread and two",
          arguments: ["gpt2", "cl100k_base"])
    func longRuns(name: String) throws {
        let vocabulary = try Loaded.tokenizer(name).vocabulary
        let long = (0..<TokenID(vocabulary.mergeableCount)).filter { (vocabulary.bytes(of: $0)?.count ?? 0) > 16 }
        let longest = try #require(long.max { vocabulary.bytes(of: $0)!.count < vocabulary.bytes(of: $1)!.count })
        let short = try #require(vocabulary.rank(of: Array("ab".utf8)))
        var random = SplitMix64(seed: 22)
        // All long; long runs between short ones; one long token in every block of short ones; and enough
        // ids (past a step of 65,536 and the parallel threshold) that steps and parts end inside runs.
        let lists: [[TokenID]] = [
            Array(repeating: longest, count: 5_000),
            (0..<20_000).map { $0 % 40 < 25 ? long[Int.random(in: long.indices, using: &random)] : short },
            (0..<20_000).map { $0 % 16 == 7 ? long[Int.random(in: long.indices, using: &random)] : short },
            (0..<300_000).map { $0 % 3 == 0 ? long[Int.random(in: long.indices, using: &random)] : TokenID.random(in: 0..<256, using: &random) },
        ]
        for (number, ids) in lists.enumerated() {
            let expected = Self.joined(vocabulary, ids)
            var reused: [UInt8] = Array("kept".utf8)
            try vocabulary.appendBytes(of: ids, to: &reused)
            var parallel: [UInt8] = []
            try vocabulary.appendBytes(of: ids, to: &parallel, threads: 2)
            // Compared to Bools first, as in `everyToken`: a failed `#expect` on the arrays prints megabytes.
            let oneThread = reused == Array("kept".utf8) + (expected ?? []), twoThreads = parallel == expected
            let fresh = try vocabulary.decodeBytes(ids) == expected
            #expect(oneThread, "list \(number), one thread")
            #expect(twoThreads, "list \(number), two threads")
            #expect(fresh, "list \(number), fresh array")
        }
    }

    @Test("seeded random ids mixing short, long and special tokens decode like the join", arguments: [1, 2, 3] as [UInt64])
    func randomMix(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let vocabulary = try Loaded.tokenizer("cl100k_base").vocabulary
        let long = (0..<TokenID(vocabulary.mergeableCount)).filter { (vocabulary.bytes(of: $0)?.count ?? 0) > 16 }
        let special = vocabulary.specialTokens.map(\.id)
        try #require(!long.isEmpty && !special.isEmpty)
        for _ in 0..<50 {
            let ids = (0..<Int.random(in: 0...300, using: &random)).map { _ -> TokenID in
                switch Int.random(in: 0..<10, using: &random) {
                case 0: return long[Int.random(in: long.indices, using: &random)]
                case 1: return special[Int.random(in: special.indices, using: &random)]
                default: return TokenID.random(in: 0..<TokenID(vocabulary.mergeableCount), using: &random)
                }
            }
            #expect(try vocabulary.decodeBytes(ids) == Self.joined(vocabulary, ids))
        }
    }

    @Test("appending keeps what was there; non-contiguous ids decode too")
    func appending() throws {
        let vocabulary = try Loaded.tokenizer("gpt2").vocabulary
        var output: [UInt8] = Array("> ".utf8)
        try vocabulary.appendBytes(of: [31373, 50256], to: &output)
        #expect(output == Array("> hello<|endoftext|>".utf8))
        #expect(try vocabulary.decodeBytes(([31373, 50256] as [TokenID]).lazy.map { $0 }) == Array("hello<|endoftext|>".utf8))
        #expect(try vocabulary.decodeBytes([TokenID]()) == [])
    }

    @Test("with mergeable ranks starting above 0, ids on both sides of the range are unknown")
    func offsetRanks() throws {
        let vocabulary = try Vocabulary(tokens: [[0x61], [0x62], Array("abcdefghijklmnopqrstuvwxyz".utf8)], firstRank: 10,
                                        specialTokens: [SpecialToken("<s>", id: 3)])
        #expect(try vocabulary.decodeBytes([10, 12, 3, 11]) == Array("aabcdefghijklmnopqrstuvwxyz<s>b".utf8))
        #expect(throws: DecodingError.unknownID(id: 9, position: 1)) { _ = try vocabulary.decodeBytes([10, 9, 13]) }
        #expect(throws: DecodingError.unknownID(id: 13, position: 2)) { _ = try vocabulary.decodeBytes([10, 3, 13, 9]) }
    }

    @Test("a list long enough to be decoded in parallel parts equals the join, whatever sits at the parts' edges",
          arguments: [1, 2] as [UInt64])
    func parallelParts(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let vocabulary = try Loaded.tokenizer("cl100k_base").vocabulary
        let long = (0..<TokenID(vocabulary.mergeableCount)).filter { (vocabulary.bytes(of: $0)?.count ?? 0) > 16 }
        let single = (0..<TokenID(vocabulary.mergeableCount)).filter { vocabulary.bytes(of: $0)?.count == 1 }
        let special = vocabulary.specialTokens.map(\.id)
        // Runs of one-byte tokens make the 16-byte stores land right at a part's end; long and
        // special tokens, copied off the fast path, fall on the edges too.
        let ids = (0..<(1 << 19) + 77).map { _ -> TokenID in
            switch Int.random(in: 0..<20, using: &random) {
            case 0: return long[Int.random(in: long.indices, using: &random)]
            case 1: return special[Int.random(in: special.indices, using: &random)]
            case 2...9: return single[Int.random(in: single.indices, using: &random)]
            default: return TokenID.random(in: 0..<TokenID(vocabulary.mergeableCount), using: &random)
            }
        }
        let expected = try #require(Self.joined(vocabulary, ids))
        // Compared to a Bool first, here and below: a failed `#expect` on arrays of megabytes spent minutes printing them.
        let mixed = try vocabulary.decodeBytes(ids) == expected
        #expect(mixed, "long, special and one-byte tokens at the parts' edges")
        let ones = (0..<(1 << 19)).map { _ in single[Int.random(in: single.indices, using: &random)] }
        let allOnes = try vocabulary.decodeBytes(ones) == Self.joined(vocabulary, ones)
        #expect(allOnes, "one-byte tokens only")
        // An unknown id is named at its position in the whole list, the first one when several parts have one.
        var broken = ids
        broken[ids.count - 5] = 999_999
        broken[ids.count / 2 + 3] = 999_998
        #expect(throws: DecodingError.unknownID(id: 999_998, position: ids.count / 2 + 3)) { _ = try vocabulary.decodeBytes(broken) }
    }

    @Test("on several threads into a reused buffer: the join after what was there, with long, special and short tokens at every cut",
          arguments: [2, 3, 16] as [Int])
    func threadsReused(threads: Int) throws {
        var random = SplitMix64(seed: UInt64(threads))
        let vocabulary = try Loaded.tokenizer("cl100k_base").vocabulary
        let long = (0..<TokenID(vocabulary.mergeableCount)).filter { (vocabulary.bytes(of: $0)?.count ?? 0) > 16 }
        let single = Self.tokens(of: vocabulary, length: 1)
        let special = vocabulary.specialTokens.map(\.id)
        let count = Vocabulary.parallelDecodeThreshold + 4_099
        var ids = (0..<count).map { _ in TokenID.random(in: 0..<TokenID(vocabulary.mergeableCount), using: &random) }
        // Each cut (where `decode` splits the list for this many parts, or for 2 and 16, in case the
        // parts are capped) sits inside a run of 40 long tokens, a run of 40 one-byte tokens whose
        // 16-byte stores reach the next part, or a special token, in turn.
        let cuts = Set([threads, 2, Vocabulary.maximumDecodeParts].flatMap { parts in (1..<parts).map { count * $0 / parts } })
        for (number, cut) in cuts.sorted().enumerated() {
            for k in (cut - 20)..<(cut + 20) {
                switch number % 3 {
                case 0: ids[k] = long[Int.random(in: long.indices, using: &random)]
                case 1: ids[k] = single[Int.random(in: single.indices, using: &random)]
                default: ids[k] = k == cut || k == cut - 1 ? special[Int.random(in: special.indices, using: &random)] : ids[k]
                }
            }
        }
        try Self.expectReusedJoin(vocabulary, ids, threads: threads)
        // Only long tokens: more than 16 bytes an id outgrow a part's region, and the list is decoded
        // again on one thread; an unknown id late in such a list is still named.
        var longs = (0..<Vocabulary.parallelDecodeThreshold).map { long[$0 % long.count] }
        var longOutput: [UInt8] = Array("kept".utf8)
        try vocabulary.appendBytes(of: longs, to: &longOutput, threads: threads)
        let longsJoined = longOutput == Array("kept".utf8) + (try #require(Self.joined(vocabulary, longs)))
        #expect(longsJoined, "only long tokens, decoded again on one thread")
        longs[longs.count - 2] = 999_999
        #expect(throws: DecodingError.unknownID(id: 999_999, position: longs.count - 2)) {
            try vocabulary.appendBytes(of: longs, to: &longOutput, threads: threads)
        }
    }

    @Test("on several threads, the parts moved together in parallel (ranges cutting across parts) or one after another equal the join",
          arguments: [2, 3, 16] as [Int])
    func threadsJoin(threads: Int) throws {
        var random = SplitMix64(seed: 11 + UInt64(threads))
        let vocabulary = try Loaded.tokenizer("cl100k_base").vocabulary
        // Tokens of 2-4 bytes: with 2 and 3 parts every part's place lies below the first part's region,
        // and more than `parallelMoveBytes` move, so the workers move ranges that cut across parts;
        // with 16 parts the places overlap the regions and the parts move one after another.
        let short = (2...4).flatMap { Self.tokens(of: vocabulary, length: $0) }
        let ids = (0..<800_000).map { _ in short[Int.random(in: short.indices, using: &random)] }
        let expected = try #require(Self.joined(vocabulary, ids))
        let parts = min(threads, Vocabulary.maximumDecodeParts)
        let inParallel = expected.count <= DecodingTable.entrySize * (ids.count / parts) + DecodingTable.blockSlack
        #expect(inParallel == (threads < 16), "the list exercises the path it means to")
        #expect(expected.count / parts * (parts - 1) > Vocabulary.parallelMoveBytes, "enough bytes move to wake the workers")
        try Self.expectReusedJoin(vocabulary, ids, threads: threads)
    }

    /// Decoding `ids` on `threads` after what a buffer holds gives it plus the join; emptied, keeping its
    /// capacity, and filled again (the reused buffer of `tokkit decode`), the join alone.
    static func expectReusedJoin(_ vocabulary: Vocabulary, _ ids: [TokenID], threads: Int) throws {
        let expected = try #require(Self.joined(vocabulary, ids))
        var output: [UInt8] = Array("kept".utf8)
        try vocabulary.appendBytes(of: ids, to: &output, threads: threads)
        let appended = output == Array("kept".utf8) + expected
        #expect(appended, "after what the buffer held")
        output.removeAll(keepingCapacity: true)
        try vocabulary.appendBytes(of: ids, to: &output, threads: threads)
        let refilled = output == expected
        #expect(refilled, "into the emptied buffer")
    }

    @Test("on several threads, an unknown id in the second part, or in both, is the first one of the whole list",
          arguments: [2, 3] as [Int])
    func threadsFirstUnknown(threads: Int) throws {
        let vocabulary = try Loaded.tokenizer("gpt2").vocabulary
        let count = Vocabulary.parallelDecodeThreshold + 1_000
        let ids = [TokenID](repeating: 31373, count: count)
        let second = count / threads
        // Positions: the second part's first id, its middle, its last; then one in the first part too.
        for (bad, place) in [(50257, second), (60000, second + 17), (50257, count * 2 / threads - 1)] as [(TokenID, Int)] {
            var broken = ids
            broken[place] = bad
            var output: [UInt8] = Array("kept".utf8)
            #expect(throws: DecodingError.unknownID(id: bad, position: place)) {
                try vocabulary.appendBytes(of: broken, to: &output, threads: threads)
            }
            let keptAfterUnknown = output == Array("kept".utf8)
            #expect(keptAfterUnknown, "the buffer unchanged after an unknown id")
            broken[second - 1] = 99_999
            #expect(throws: DecodingError.unknownID(id: 99_999, position: second - 1)) {
                try vocabulary.appendBytes(of: broken, to: &output, threads: threads)
            }
            broken[count - 1] = 77_777
            broken[3] = 88_888
            #expect(throws: DecodingError.unknownID(id: 88_888, position: 3)) { _ = try vocabulary.decodeBytes(broken) }
            let keptAfterBoth = output == Array("kept".utf8)
            #expect(keptAfterBoth, "the buffer unchanged after unknown ids in two parts")
        }
        // A special token where the unknown id was decodes like the join, on any number of threads.
        var special = ids
        special[second] = 50256
        special[second - 1] = 50256
        let expected = try #require(Self.joined(vocabulary, special))
        var output: [UInt8] = []
        try vocabulary.appendBytes(of: special, to: &output, threads: threads)
        let joined = output == expected
        #expect(joined, "special tokens where the unknown id was")
    }

    @Test("one-pass steps: a long or special token on a step's last id, a short one ending the list, sizes around a step",
          arguments: [-1, 0, 1] as [Int])
    func stepEdges(offset: Int) throws {
        var random = SplitMix64(seed: 7)
        let vocabulary = try Loaded.tokenizer("gpt2").vocabulary
        let long = (0..<TokenID(vocabulary.mergeableCount)).filter { (vocabulary.bytes(of: $0)?.count ?? 0) > 16 }
        let longestShort = try #require((0..<TokenID(vocabulary.mergeableCount)).first {
            vocabulary.bytes(of: $0)?.count == DecodingTable.shortLength
        })
        let step = Vocabulary.decodeStep
        var ids = (0..<(step + offset)).map { _ in TokenID.random(in: 0..<TokenID(vocabulary.mergeableCount), using: &random) }
        let edge = min(step, ids.count) - 1
        ids[edge - 1] = long[Int.random(in: long.indices, using: &random)]
        ids[edge] = offset == 0 ? 50256 : long[0]
        ids[ids.count - 1] = longestShort
        var output: [UInt8] = Array("kept ".utf8)
        try vocabulary.appendBytes(of: ids, to: &output)
        let joined = output == Array("kept ".utf8) + (try #require(Self.joined(vocabulary, ids)))
        #expect(joined, "long and special tokens at a step's edge")
        // A list of only long tokens: every step stops at once.
        let longs = (0..<300).map { long[$0 % long.count] }
        #expect(try vocabulary.decodeBytes(longs) == Self.joined(vocabulary, longs))
    }

    @Test("an unknown id past the first step is named at its position and leaves the appended-to buffer as it was")
    func unknownLeavesOutput() throws {
        let vocabulary = try Loaded.tokenizer("gpt2").vocabulary
        var ids = [TokenID](repeating: 31373, count: Vocabulary.decodeStep + 10)
        ids[Vocabulary.decodeStep + 3] = 50257
        var output: [UInt8] = Array("kept".utf8)
        #expect(throws: DecodingError.unknownID(id: 50257, position: Vocabulary.decodeStep + 3)) {
            try vocabulary.appendBytes(of: ids, to: &output)
        }
        #expect(output == Array("kept".utf8))
        #expect(throws: DecodingError.unknownID(id: 50257, position: 0)) { _ = try vocabulary.decodeBytes([50257, 31373]) }
    }

    /// Ids of `vocabulary` whose tokens are `length` bytes long.
    static func tokens(of vocabulary: Vocabulary, length: Int) -> [TokenID] {
        (0..<TokenID(vocabulary.mergeableCount)).filter { vocabulary.bytes(of: $0)?.count == length }
    }

    @Test("blocks of sixteen ids: tokens of 1, 7, 8, 15, 16 and 17 bytes, the longest and a special token at every place",
          arguments: ["cl100k_base", "p50k_base"])
    func blockEdges(name: String) throws {
        let vocabulary = try Loaded.tokenizer(name).vocabulary
        let block = DecodingTable.blockSize
        let longest = try #require((0..<TokenID(vocabulary.mergeableCount)).max {
            (vocabulary.bytes(of: $0)?.count ?? 0) < (vocabulary.bytes(of: $1)?.count ?? 0)
        })
        let odd = try [1, 7, 8, 15, 16, 17].map { try #require(Self.tokens(of: vocabulary, length: $0).first) }
            + [longest, try #require(vocabulary.specialTokens.first).id]
        // Fillers of 1 byte, and of the longest short length (15): sixteen of those add up to exactly
        // `blockBound`, the largest sum a block of short tokens may have.
        for filler in [Self.tokens(of: vocabulary, length: 1)[0], Self.tokens(of: vocabulary, length: DecodingTable.shortLength)[0]] {
            for token in odd {
                for place in 0..<(2 * block + 1) {
                    var ids = [TokenID](repeating: filler, count: 3 * block + 1)
                    ids[place] = token
                    ids[place + block - 1] = token
                    let expected = try #require(Self.joined(vocabulary, ids))
                    var output: [UInt8] = Array("kept".utf8)
                    try vocabulary.appendBytes(of: ids, to: &output)
                    #expect(output == Array("kept".utf8) + expected, "token \(token) at \(place), filler \(filler)")
                }
            }
        }
    }

    @Test("an unknown id or one below the first rank, at every place of a block, is named at its position")
    func blockUnknown() throws {
        let gpt2 = try Loaded.tokenizer("gpt2").vocabulary
        let offset = try Vocabulary(tokens: [[0x61], [0x62], Array("abcdefghijklmnopqrstuvwxyz".utf8)], firstRank: 10,
                                    specialTokens: [SpecialToken("<s>", id: 3)])
        for (vocabulary, filler, bad, special) in [(gpt2, 31373, 50257, 50256), (offset, 11, 9, 3), (offset, 12, 13, 3)] as [(Vocabulary, TokenID, TokenID, TokenID)] {
            for place in 0..<(2 * DecodingTable.blockSize + 1) {
                var ids = [TokenID](repeating: filler, count: 3 * DecodingTable.blockSize)
                ids[0] = special
                ids[place + 1] = bad
                var output: [UInt8] = Array("kept".utf8)
                #expect(throws: DecodingError.unknownID(id: bad, position: place + 1)) { try vocabulary.appendBytes(of: ids, to: &output) }
                #expect(output == Array("kept".utf8))
                ids[place + 1] = special
                #expect(try vocabulary.decodeBytes(ids) == Self.joined(vocabulary, ids))
            }
        }
    }
}
