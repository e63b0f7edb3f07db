import Foundation
import Testing
import Tokkit
@testable import TokkitIO

/// BLAKE3 against the golden digests Python's `blake3` (the BLAKE3 team's implementation) computed
/// (`scripts/reference/make_blake3_golden.py`; the parity suite checks the file against the live library), every way
/// this CPU has (16 lanes of AVX-512, 8 of AVX2, one chunk at a time), fed whole and in uneven pieces.
@Suite("BLAKE3")
struct BLAKE3Tests {
    struct Golden: Decodable {
        struct Entry: Decodable {
            let length: Int
            let blake3: String
        }
        let pattern: [Entry]
        let fixtures: [String: String]
    }

    static func golden() throws -> Golden {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/TokkitTests/Golden/blake3.json")))
        return try JSONDecoder().decode(Golden.self, from: data)
    }

    /// Byte i is i % 251, as the golden file's inputs.
    static func pattern(_ length: Int) -> [UInt8] { (0..<length).map { UInt8($0 % 251) } }

    /// The ways this CPU has, slowest first.
    static var ways: [Int32] { (0...BLAKE3.bestWay).map { $0 } }

    /// The digest of `bytes` computed `way`, fed in pieces of the sizes `pieces` cycles through (whole when empty).
    static func digest(_ bytes: [UInt8], way: Int32, pieces: [Int] = []) throws -> String {
        var hasher = try #require(BLAKE3(way: way))
        if pieces.isEmpty {
            hasher.update(bytes)
        } else {
            var offset = 0, k = 0
            while offset < bytes.count {
                let count = min(pieces[k % pieces.count], bytes.count - offset)
                hasher.update(bytes[offset..<(offset + count)])
                offset += count
                k += 1
            }
        }
        return hasher.finalizeHex()
    }

    /// Pieces of whole chunks too: an update that ends where a chunk does hashes that chunk at once when chunks
    /// precede it, and a digest may then end where a subtree does (the shard writer's read-back: its 1,024-byte
    /// llm.c header, then a megabyte less those bytes, then megabytes).
    @Test("every golden length, every way, whole and in pieces of 1, 63, 1,000, 1,024, 3,072 and 65,536 bytes, and as a shard is read back")
    func goldenPattern() throws {
        let golden = try Self.golden()
        #expect(golden.pattern.count >= 30)
        var checked = 0, differ = 0
        for entry in golden.pattern {
            let bytes = Self.pattern(entry.length)
            for way in Self.ways {
                for pieces in [[], [1], [63], [1_000], [1_024], [3_072], [65_536], [1_024, 1_047_552, 1_048_576]]
                where !(pieces == [1] && entry.length > 40_000) {
                    checked += 1
                    if try Self.digest(bytes, way: way, pieces: pieces) != entry.blake3 {
                        differ += 1
                        Issue.record("length \(entry.length), way \(way), pieces \(pieces)")
                    }
                }
            }
        }
        print("BLAKE3 golden: \(checked) digests, \(differ) differ")
        #expect(differ == 0 && checked > 400)
    }

    @Test("the fixtures' digests as files, and BLAKE3.hex / ContentHasher give the same")
    func goldenFixtures() throws {
        let golden = try Self.golden()
        #expect(golden.fixtures.count >= 10)
        for (name, hex) in golden.fixtures {
            let bytes = try Repository.fixture(name)
            #expect(BLAKE3.hex(bytes) == hex, "\(name)")
            #expect(ContentHasher.digest(.blake3, of: bytes) == FileDigest(.blake3, hex: hex))
        }
        #expect(ContentHasher.digest(.sha256, of: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the comparison can fail: one byte changed anywhere, the digest changes, every way")
    func planted() throws {
        let golden = try Self.golden()
        let entry = try #require(golden.pattern.first { $0.length == 256 * 1024 + 3 })
        var random = SplitMix64(seed: 7)
        for way in Self.ways {
            for _ in 0..<20 {
                var bytes = Self.pattern(entry.length)
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                #expect(try Self.digest(bytes, way: way) != entry.blake3)
            }
        }
    }

    @Test("seeded random bytes and lengths: the vector ways equal one chunk at a time, in random pieces")
    func waysAgree() throws {
        var random = SplitMix64(seed: 3)
        var compared = 0
        for _ in 0..<60 {
            let length = Int.random(in: 0...600_000, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Some whole numbers of chunks among the pieces, so that updates also end where chunks do.
            let pieces = (0..<5).map { k in Int.random(in: 1...70, using: &random) * (k % 2 == 0 ? 1_024 : 1_000) + (k == 4 ? 7 : 0) }
            let reference = try Self.digest(bytes, way: 0)
            for way in Self.ways.dropFirst() {
                #expect(try Self.digest(bytes, way: way, pieces: pieces) == reference, "length \(length), way \(way)")
                compared += 1
            }
        }
        #expect(compared == 60 * (Self.ways.count - 1))
    }

    /// Fails on an x86-64 CPU without AVX-512F, where the comparisons above would not cover the 16-lane way.
    @Test("this machine hashes 16 chunks at once with AVX-512 (CI's does), so the comparisons above cover every way")
    func avx512() {
        #expect(BLAKE3.bestWay == 2)
        #expect(BLAKE3(way: 3) == nil)
    }
}
