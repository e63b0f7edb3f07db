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
        #expect(SimplifiedTextWords.strings(text) == expected)
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
}
