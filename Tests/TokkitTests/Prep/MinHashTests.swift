import Foundation
import Testing
@testable import TokkitPrep

/// MinHash pieces against the golden vectors of reference §14 (generated with numpy and datatrove).
@Suite("MinHash arithmetic matches datatrove's golden vectors")
struct MinHashTests {
    @Test("sha1_hash64 reads the first eight digest bytes little-endian")
    func sha1Hash64() {
        let text = Array("the quick brown fox jumps".utf8)
        #expect(text.withUnsafeBytes { SHA1.hash64($0) } == 12_313_522_834_835_307_089)
        #expect(text.withUnsafeBytes { SHA1.hash32($0) } == 1_208_285_777)
        // FIPS 180 test vectors, including the two-block padding case (56 bytes).
        let abc = Array("abc".utf8).withUnsafeBytes { SHA1.digest($0) }
        #expect(abc.map { String(format: "%02x", $0) }.joined() == "a9993e364706816aba3e25717850c26c9cd0d89d")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8).withUnsafeBytes { SHA1.digest($0) }
        #expect(long.map { String(format: "%02x", $0) }.joined() == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test("permutations are numpy RandomState(1): all of a, then all of b")
    func permutations() throws {
        let signer = try MinHashSigner()
        #expect(Array(signer.a.prefix(3)) == [775_169_054_918_279_404, 1_758_426_461_858_698_313, 2_109_959_069_025_162])
        #expect(Array(signer.b.prefix(3)) == [1_062_448_801_025_099_917, 1_324_811_268_927_594_100, 1_217_488_311_597_731_462])
    }

    @Test("the permutation wraps modulo 2^64 before the mod, as numpy uint64 does")
    func wrapAround() throws {
        let signer = try MinHashSigner()
        let shingle = Array("the quick brown fox jumps".utf8).withUnsafeBytes { SHA1.hash64($0) }
        #expect(MinHashSigner.modPrime(shingle &* signer.a[0] &+ signer.b[0]) == 1_926_946_578_595_728_186)
        #expect(MinHashSigner.modPrime(shingle &* signer.a[0] &+ signer.b[0]) != 1_454_771_281_606_769_852)
    }

    @Test("a document's buckets 0 and 13 equal datatrove's")
    func goldenSignature() throws {
        let signer = try MinHashSigner()
        let signature = try #require(signer.signature(of: "The quick brown fox jumps over the lazy dog. The dog sleeps all day long in the warm sun."))
        #expect(Array(signature[0..<8]) == [57_537_835_213_353_144, 284_080_765_670_708_113, 7_959_687_068_642_891, 25_098_240_505_023_648,
                                            7_477_358_432_782_384, 597_058_052_010_117, 316_606_424_307_206_655, 439_255_022_718_586_444])
        #expect(Array(signature[104..<112]) == [25_030_158_325_305_545, 29_074_511_532_028_102, 48_112_910_137_624_527,
                                                211_768_071_362_382_023, 126_167_845_672_318_228, 136_138_989_282_236_911,
                                                54_681_724_308_981_406, 177_490_674_055_486_059])
    }

    @Test("fewer words than a shingle: no signature")
    func tooShort() throws {
        #expect(try MinHashSigner().signature(of: "only four words here") == nil)
    }

    @Test("simplify_text follows datatrove's order of operations")
    func simplify() {
        #expect(SimplifiedText.string("Héllo, WORLD!  It's 3.14 o'clock…\nVisit café-bar #1 (since 1999).")
                == "hello world it s 0 o clock visit cafe bar 0 since 0")
        #expect(SimplifiedText.string("ΟΔΟΣ ΣΑΣ") == "οδος σας")  // final sigma, then NFD drops the accents
        #expect(SimplifiedText.string("1.2.3 and ١٢٣") == "0 0 and 0")
        #expect(SimplifiedText.string("a\u{0085}b\u{00A0}c\u{200B}d") == "a b c\u{200B}d")
    }

    @Test("words of simplified text follow spaCy's English rules", arguments: [
        ("I cannot go, im sure", ["i", "can", "not", "go", "i", "m", "sure"]),
        ("It is 10km or 5 GB away", ["it", "is", "0", "km", "or", "0", "gb", "away"]),
        ("├── the box ─", ["├", "─", "─", "the", "box", "─"]),
        ("a©b intel®", ["a", "©", "b", "intel", "®"]),
    ])
    func words(_ text: String, _ expected: [String]) {
        #expect(SimplifiedText.words(of: text).strings == expected)
    }

    @Test("bands and rows from a threshold equal datasketch's choice", arguments: [
        (0.9, 128, 5, 25), (0.8, 128, 9, 13), (0.5, 128, 25, 5), (0.7, 112, 12, 9), (0.75, 112, 11, 10),
        (0.8, 112, 9, 12), (0.7, 240, 24, 10), (0.7, 256, 25, 10), (0.8, 256, 17, 15),
    ])
    func optimalParameters(_ threshold: Double, _ permutations: Int, _ bands: Int, _ rows: Int) throws {
        let chosen = try LSHParameters.optimal(threshold: threshold, permutations: permutations)
        #expect(chosen.bands == bands && chosen.rows == rows)
    }

    @Test("the S-curve of 14 × 8 matches datatrove's comment")
    func candidateProbability() {
        #expect(abs(MinHashConfiguration.fineWeb.candidateProbability(similarity: 0.8) - 0.924) < 0.001)
    }

    @Test("clusters do not depend on threads, batches or spilling")
    func determinism() throws {
        var texts: [String] = []
        for index in 0..<600 {
            let base = (0..<40).map { "w\(($0 * 7 + index / 3) % 97)" }.joined(separator: " ")
            texts.append(index % 3 == 0 ? base : base + " extra\(index % 5)")
        }
        func run(threads: Int, budget: Int, batch: Int, keep: MinHashDeduplicator.Keep) throws -> [UInt32] {
            let dedup = try MinHashDeduplicator(options: .init(keep: keep, memoryBudget: budget, threads: threads))
            for start in stride(from: 0, to: texts.count, by: batch) { try dedup.add(Array(texts[start..<min(texts.count, start + batch)])) }
            return try dedup.finish().representative
        }
        for keep in MinHashDeduplicator.Keep.allCases {
            let reference = try run(threads: 1, budget: 1 << 30, batch: 600, keep: keep)
            #expect(reference.enumerated().contains { $0.offset != Int($0.element) })
            #expect(try run(threads: 2, budget: 1 << 16, batch: 37, keep: keep) == reference)
            #expect(try run(threads: 3, budget: 1 << 17, batch: 200, keep: keep) == reference)
        }
        // `.first` keeps the lowest-numbered member of each cluster.
        let first = try run(threads: 2, budget: 1 << 30, batch: 600, keep: .first)
        for (index, representative) in first.enumerated() { #expect(Int(representative) <= index) }
    }

    @Test("parallel clustering: for any thread count and memory budget, each cluster's root is its smallest document, as a sequential union-find finds")
    func parallelClustering() throws {
        // 12,000 documents whose bands collide by design: band 0 groups runs of three, band 5 joins
        // a seeded random quarter of the documents in pairs, band 9 joins every 1,000th document
        // into one chain; every other band is unique. Clusters of every size, chained across bands.
        let count = 12_000, configuration = MinHashConfiguration.fineWeb, rows = configuration.rowsPerBucket
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let partner = (0..<count).map { _ in random() % 4 == 0 ? Int(random() % UInt64(count / 2)) : -1 }
        var signatures = [UInt64](repeating: 0, count: count * configuration.hashCount)
        for document in 0..<count {
            for band in 0..<configuration.buckets {
                let value: UInt64
                switch band {
                case 0: value = UInt64(document / 3)
                case 5: value = partner[document] >= 0 ? UInt64(partner[document]) : UInt64(count + document)
                case 9: value = document % 1_000 == 0 ? 7 : UInt64(count + document)
                default: value = UInt64(band) << 40 | UInt64(document)
                }
                for row in 0..<rows { signatures[document * configuration.hashCount + band * rows + row] = value &+ UInt64(row) }
            }
        }
        let signed = (0..<count).map { $0 % 97 != 5 }  // a few documents without shingles are never joined
        // The slow reference: documents with equal values in a band are one cluster; a plain union-find.
        var parent = Array(0..<count)
        func root(_ node: Int) -> Int { var node = node; while parent[node] != node { node = parent[node] }; return node }
        for band in 0..<configuration.buckets {
            var firstWith: [[UInt64]: Int] = [:]
            for document in 0..<count where signed[document] {
                let start = document * configuration.hashCount + band * rows
                let key = Array(signatures[start..<start + rows])
                if let other = firstWith[key] {
                    let (a, b) = (root(other), root(document))
                    parent[max(a, b)] = min(a, b)
                } else {
                    firstWith[key] = document
                }
            }
        }
        let expected = (0..<count).map { UInt32(root($0)) }
        #expect(Set(expected).count < count * 3 / 4)
        for (threads, budget) in [(1, 1 << 30), (2, 1 << 30), (3, 1 << 18), (8, 1 << 16), (16, 1 << 30)] {
            let dedup = try MinHashDeduplicator(options: .init(configuration: configuration, keep: .first, memoryBudget: budget, threads: threads))
            for start in stride(from: 0, to: count, by: 2_500) {
                let end = min(count, start + 2_500)
                try dedup.append(signatures: Array(signatures[(start * configuration.hashCount)..<(end * configuration.hashCount)]),
                                 signed: Array(signed[start..<end]))
            }
            let clusters = try dedup.finish()
            #expect(clusters.representative == expected, "threads \(threads), budget \(budget)")
            if budget < 1 << 20 { #expect(dedup.spilledRuns > 0) }
            let sizes = Dictionary(grouping: expected, by: { $0 }).mapValues(\.count)
            #expect(clusters.clusterSize.enumerated().allSatisfy { Int($0.element) == sizes[expected[$0.offset]] })
        }
        // The comparison can fail: datatrove's union by size keeps other members of the same clusters.
        let datatrove = try MinHashDeduplicator(options: .init(configuration: configuration, keep: .datatrove, threads: 2))
        try datatrove.append(signatures: signatures, signed: signed)
        let replayed = try datatrove.finish().representative
        #expect(replayed != expected)
        #expect(Set(replayed).count == Set(expected).count)
    }
}
