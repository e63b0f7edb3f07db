import Foundation
import Testing
import Tokkit
import TokkitCore
import TokkitTestSupport

@Suite("Rank table cache: prebuilt tables are reused, and never trusted when damaged")
struct RankTableCacheTests {
    static let special = SpecialToken("<|gap|>", id: 257)

    /// The 256 bytes, "ab" = 256, a gap at 257 (where `special` sits, as in p50k_base), a token of
    /// nine bytes (read past the slot's eight-byte prefix) and one of 26 (decoded from the arena).
    static func vocabularyFile(in scratch: Scratch) throws -> (path: String, sha256: String) {
        var lines = (0..<256).map { "\(base64([UInt8($0)])) \($0)" }
        lines.append("\(base64(Array("ab".utf8))) 256")
        lines.append("\(base64(Array("abcdefghi".utf8))) 258")
        lines.append("\(base64(Array("abcdefghijklmnopqrstuvwxyz".utf8))) 259")
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let path = scratch.file("small.tiktoken")
        try FileIO.writeAtomically(bytes, to: path)
        return (path, SHA256.hex(bytes))
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The small vocabulary in a scratch folder, loaded once so its cache file exists.
    static func filledCache() throws -> (scratch: Scratch, path: String, sha256: String, cache: RankTableCache) {
        let scratch = Scratch()
        let (path, sha) = try vocabularyFile(in: scratch)
        let cache = RankTableCache(directory: scratch.file("cache"))
        _ = try cache.load(path: path, sha256: sha, specialTokens: [special])
        return (scratch, path, sha, cache)
    }

    /// Everything a caller can observe of a vocabulary: tokens and gaps, specials, every lookup, decoding.
    static func expectSame(_ loaded: Vocabulary, _ reference: Vocabulary) throws {
        #expect(loaded.tokensOrGaps == reference.tokensOrGaps)
        #expect(loaded.specialTokens == reference.specialTokens)
        #expect(loaded.firstRank == reference.firstRank)
        #expect(loaded.gaps == reference.gaps)
        for (offset, token) in reference.tokensOrGaps.enumerated() {
            guard let token else { continue }
            #expect(loaded.rank(of: token) == reference.firstRank + TokenID(offset))
        }
        for probe in ["zz", "abcdefghj", "abcdefghijklmnopqrstuvwxyzz", " the", "\u{FFFD}\u{FFFD}"] {
            #expect(loaded.rank(of: Array(probe.utf8)) == reference.rank(of: Array(probe.utf8)))
        }
        #expect(loaded.rank(of: [0xC0, 0xC0, 0xC0]) == nil)
        let ids = (0..<TokenID(reference.size)).filter { reference.bytes(of: $0) != nil }
        #expect(try loaded.decodeBytes(ids) == reference.decodeBytes(ids))
    }

    /// The byte ranges of the sections inside a cache file, read from its header.
    static func sectionRanges(of file: [UInt8]) -> [Range<Int>] {
        let word = { (index: Int) in file.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self) } }
        var offset = 256
        return (17..<28).map { index in
            let length = Int(word(index))
            defer { offset += (length + 63) / 64 * 64 }
            return offset..<(offset + length)
        }
    }

    @Test("the first load builds and stores the tables, the second takes them from the cache, identical")
    func hit() throws {
        let scratch = Scratch()
        let (path, sha) = try Self.vocabularyFile(in: scratch)
        let cache = RankTableCache(directory: scratch.file("cache"))
        let reference = try TiktokenFile.read(path: path, specialTokens: [Self.special])
        let first = try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special])
        #expect(first.outcome == .built(stored: true, reason: "no cache file"))
        let second = try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special])
        #expect(second.outcome == .hit)
        try Self.expectSame(second.vocabulary, reference)
        #expect(FileManager.default.fileExists(atPath: try #require(cache.path(forSHA256: sha))))
    }

    @Test("a vocabulary using its cache file in place keeps working after that file is replaced and rebuilt")
    func replacedWhileInUse() throws {
        let (scratch, path, sha, cache) = try Self.filledCache()
        defer { withExtendedLifetime(scratch) {} }
        let reference = try TiktokenFile.read(path: path, specialTokens: [Self.special])
        let inUse = try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special])
        #expect(inUse.outcome == .hit)
        // Replaced by rename, as this cache and any atomic writer do: the old inode stays mapped.
        let file = try #require(cache.path(forSHA256: sha))
        try FileIO.writeAtomically([UInt8](repeating: 0x5A, count: 4096), to: file)
        #expect(try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special]).outcome != .hit)
        try Self.expectSame(inUse.vocabulary, reference)
    }

    @Test("tables mapped from the cache move into huge pages after megabytes of encoding, in place: the same ids, on two threads at once")
    func movesIntoHugePages() throws {
        let scratch = Scratch()
        let cache = RankTableCache(directory: scratch.file("cache"))
        let built = try NamedVocabulary.cl100k_base.load(cache: cache)
        let mapped = try NamedVocabulary.cl100k_base.load(cache: cache)
        // Built in memory, the tables have no mapping to move.
        #expect(!built.tablesInHugePages && !mapped.tablesInHugePages)
        let reference = try Tokenizer(vocabulary: built, pattern: .cl100k)
        let tokenizer = try Tokenizer(vocabulary: mapped, pattern: .cl100k)
        // About 1 MB of every fixture, in many scripts.
        var gathered: [UInt8] = []
        let fixtures = try Repository.fixtureNames.map { try Repository.fixture($0) }
        while gathered.count < 1 << 20 { for fixture in fixtures { gathered += fixture } }
        let text = gathered
        let expected = try text.withUnsafeBufferPointer { try reference.encode(validUTF8: $0, disallowedSpecial: .none) }
        var encodes = 0
        while !mapped.tablesInHugePages && encodes < 2 * ReadOnlyRegion.hugePageWork / text.count {
            // Two threads encode while one of them moves the tables under the other.
            let results = BatchSlots<[TokenID]>(count: 2)
            Parallelism.run(workers: 2) { worker in
                if let ids = try? text.withUnsafeBufferPointer({ try tokenizer.encode(validUTF8: $0, disallowedSpecial: .none) }) {
                    results.set(worker, ids)
                }
            }
            #expect(results.take(0) == expected && results.take(1) == expected)
            encodes += 1
        }
        // Advice the kernel may refuse only where it offers no huge pages at all.
        let offered = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8))
            .map { !$0.contains("[never]") } ?? false
        if offered {
            #expect(mapped.tablesInHugePages)
            // Not before the work it waits for: two threads each encoding the text count twice per round.
            #expect(encodes == (ReadOnlyRegion.hugePageWork + 2 * text.count - 1) / (2 * text.count))
        }
        #expect(try text.withUnsafeBufferPointer { try tokenizer.encode(validUTF8: $0, disallowedSpecial: .none) } == expected)
        try Self.expectSame(mapped, built)
    }

    @Test("a bundled vocabulary read back from the cache equals the one parsed from its file")
    func bundled() throws {
        let scratch = Scratch()
        let cache = RankTableCache(directory: scratch.file("cache"))
        let parsed = try NamedVocabulary.p50k_edit.load(cache: .disabled)
        _ = try NamedVocabulary.p50k_edit.load(cache: cache)
        try Self.expectSame(try NamedVocabulary.p50k_edit.load(cache: cache), parsed)
        // p50k_base shares the file (and so the cache file); its own special tokens still apply.
        let base = try NamedVocabulary.p50k_base.load(cache: cache)
        #expect(base.specialTokens == NamedVocabulary.p50k_base.specialTokens)
    }

    @Test("a changed byte anywhere in the tables or header, a truncated or lengthened file: rebuilt, never used",
          arguments: ["header", "section", "truncated", "lengthened", "empty", "garbage"])
    func corrupt(damage: String) throws {
        let scratch = Scratch()
        let (path, sha) = try Self.vocabularyFile(in: scratch)
        let cache = RankTableCache(directory: scratch.file("cache"))
        let reference = try TiktokenFile.read(path: path, specialTokens: [Self.special])
        _ = try cache.load(path: path, sha256: sha, specialTokens: [Self.special])
        let file = try #require(cache.path(forSHA256: sha))
        let good = try FileIO.read(file)
        var damaged: [[UInt8]] = []
        switch damage {
        case "header":
            for index in stride(from: 0, to: 200, by: 8) {
                var copy = good
                copy[index + 3] ^= 0x10
                damaged.append(copy)
            }
        case "section":
            // One flipped bit in each section: first, middle and last byte.
            for range in Self.sectionRanges(of: good) where !range.isEmpty {
                for index in [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound - 1] {
                    var copy = good
                    copy[index] ^= 0x01
                    damaged.append(copy)
                }
            }
        case "truncated": damaged = [Array(good.dropLast(64)), Array(good.prefix(300)), Array(good.prefix(100))]
        case "lengthened": damaged = [good + [0], good + [UInt8](repeating: 0, count: 64)]
        case "empty": damaged = [[]]
        default: damaged = [Array(repeating: 0x5A, count: good.count)]
        }
        #expect(!damaged.isEmpty)
        for bytes in damaged {
            try FileIO.writeAtomically(bytes, to: file)
            let loaded = try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special])
            guard case .built(let stored, _) = loaded.outcome else {
                Issue.record("a damaged cache file (\(damage)) was used")
                continue
            }
            #expect(stored)
            try Self.expectSame(loaded.vocabulary, reference)
            #expect(try FileIO.read(file) == good)
        }
    }

    @Test("no cache directory, or one that cannot be made: tables built in memory, no error")
    func unusableDirectory() throws {
        let scratch = Scratch()
        let (path, sha) = try Self.vocabularyFile(in: scratch)
        let reference = try TiktokenFile.read(path: path, specialTokens: [Self.special])
        // A directory that cannot exist: its parent is a regular file (root ignores permission bits).
        for cache in [RankTableCache(directory: path + "/cache"), .disabled] {
            for _ in 0..<2 {
                let loaded = try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special])
                guard case .built(let stored, _) = loaded.outcome else {
                    Issue.record("no cache file can exist here")
                    continue
                }
                #expect(!stored)
                try Self.expectSame(loaded.vocabulary, reference)
            }
        }
    }

    @Test("a vocabulary file edited after it was cached is hashed again and refused; a copy elsewhere is hashed once and served")
    func editedSource() throws {
        let (scratch, path, sha, cache) = try Self.filledCache()
        defer { withExtendedLifetime(scratch) {} }
        let copy = scratch.file("copy.tiktoken")
        try FileIO.writeAtomically(try FileIO.read(path), to: copy)
        #expect(try cache.loadReporting(path: copy, sha256: sha, specialTokens: [Self.special]).outcome == .hit)
        // The copy, once hashed, is vouched for by a file of its own; the next loads skip the hash.
        let folder = try #require(cache.directory)
        let vouchers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(sha + ".source-") }
        #expect(vouchers.count == 1)
        #expect(try cache.loadReporting(path: copy, sha256: sha, specialTokens: [Self.special]).outcome == .hit)
        var edited = try FileIO.read(path)
        edited[0] ^= 1
        // Both the file the cache was built from and the vouched copy: an edit is seen either way.
        for target in [path, copy] {
            try FileIO.writeAtomically(edited, to: target)
            #expect {
                _ = try cache.load(path: target, sha256: sha, specialTokens: [Self.special])
            } throws: { error in
                guard case .checksumMismatch(let errorPath, let expected, _) = error as? VocabularyFileError else { return false }
                return errorPath == target && expected == sha
            }
        }
    }

    @Test("cached: a vocabulary only when the cache alone has it (no build, no hash); it writes nothing")
    func cachedOnly() throws {
        let scratch = Scratch()
        let (path, sha) = try Self.vocabularyFile(in: scratch)
        let cache = RankTableCache(directory: scratch.file("cache"))
        let folder = try #require(cache.directory)
        let listing = { (try? FileManager.default.contentsOfDirectory(atPath: folder).sorted()) ?? [] }
        // No cache file yet: nothing, and nothing written (`load` would build and store).
        #expect(cache.cached(path: path, sha256: sha, specialTokens: [Self.special]) == nil)
        #expect(listing().isEmpty)
        _ = try cache.load(path: path, sha256: sha, specialTokens: [Self.special])
        let stored = listing()
        let hit = try #require(cache.cached(path: path, sha256: sha, specialTokens: [Self.special]))
        try Self.expectSame(hit, try TiktokenFile.read(path: path, specialTokens: [Self.special]))
        // Another copy of the same file would need hashing (and a voucher written): left to `load`.
        let copy = scratch.file("copy.tiktoken")
        try FileIO.writeAtomically(try FileIO.read(path), to: copy)
        #expect(cache.cached(path: copy, sha256: sha, specialTokens: [Self.special]) == nil)
        #expect(listing() == stored)
        _ = try cache.load(path: copy, sha256: sha, specialTokens: [Self.special])
        #expect(cache.cached(path: copy, sha256: sha, specialTokens: [Self.special]) != nil)
        // A damaged cache file: nothing (and it is left for `load` to replace).
        let file = try #require(cache.path(forSHA256: sha))
        var bytes = try FileIO.read(file)
        bytes[Self.sectionRanges(of: bytes)[0].lowerBound] ^= 1
        try FileIO.writeAtomically(bytes, to: file)
        #expect(cache.cached(path: path, sha256: sha, specialTokens: [Self.special]) == nil)
        #expect(try FileIO.read(file) == bytes)
    }

    @Test("a file of the first format (multiply checksum) is neither read nor replaced; one under the new name is refused")
    func earlierFormat() throws {
        let (scratch, path, sha, cache) = try Self.filledCache()
        defer { withExtendedLifetime(scratch) {} }
        let file = try #require(cache.path(forSHA256: sha))
        let good = try FileIO.read(file)
        // An older binary sharing the folder keeps its own `….v5.ranks`; loads here never touch it.
        let older = try #require(cache.directory) + "/" + sha + ".v5.ranks"
        let olderBytes = [UInt8](repeating: 0x5A, count: 1000)
        try FileIO.writeAtomically(olderBytes, to: older)
        #expect(file != older)
        #expect(try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special]).outcome == .hit)
        #expect(try FileIO.read(older) == olderBytes)
        // The first format's magic, "TKRANKS1", under the new name.
        var renamed = good
        renamed[7] = 0x31
        try FileIO.writeAtomically(renamed, to: file)
        let loaded = try cache.loadReporting(path: path, sha256: sha, specialTokens: [Self.special])
        #expect(loaded.outcome == .built(stored: true, reason: "not a cache file"))
        #expect(try FileIO.read(file) == good)
    }

    @Test("special tokens are checked on a cache hit as on a parse: a gap without one is refused")
    func gapsNeedSpecials() throws {
        let (scratch, path, sha, cache) = try Self.filledCache()
        defer { withExtendedLifetime(scratch) {} }
        #expect(throws: VocabularyFileError.missingRank(path: path, rank: 257)) {
            _ = try cache.load(path: path, sha256: sha, specialTokens: [])
        }
    }

    @Test("the cache folder comes from TOKKIT_CACHE_DIR, else XDG_CACHE_HOME, else HOME")
    func folder() {
        #expect(RankTableCache.standard(environment: ["TOKKIT_CACHE_DIR": "/a", "XDG_CACHE_HOME": "/b", "HOME": "/c"]).directory == "/a")
        #expect(RankTableCache.standard(environment: ["XDG_CACHE_HOME": "/b", "HOME": "/c"]).directory == "/b/tokkit")
        #expect(RankTableCache.standard(environment: ["HOME": "/c"]).directory == "/c/.cache/tokkit")
        #expect(RankTableCache.standard(environment: [:]) == .disabled)
        // Without arguments: this process's own variables, read one at a time.
        #expect(RankTableCache.standard() == RankTableCache.standard(environment: ProcessInfo.processInfo.environment))
    }
}
