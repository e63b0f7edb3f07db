import CDelimit
import Foundation
import Testing
import Tokkit

@Suite("Verifying shards: the first problem, with file, byte offset and expectation")
struct ShardVerifyTests {
    /// A finished output of `format` in a fresh scratch directory.
    static func written(_ format: ShardFormat, _ scratch: Scratch) throws -> ShardManifest {
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: scratch.file("docs.jsonl"))
        return try Sharding.run(try Sharding.settings(format, shardTokens: 3000), input: scratch.file("docs.jsonl"),
                                directory: scratch.file("out")).manifest
    }

    static func problem(_ directory: String) -> String? {
        do {
            _ = try ShardVerifier.verify(directory: directory)
            return nil
        } catch {
            return error.description
        }
    }

    static func edit(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try FileIO.read(path)
        change(&bytes)
        try FileIO.writeAtomically(bytes, to: path)
    }

    @Test("the read-back tally (count, end tokens, ids outside the vocabulary), each way (AVX-512, one id at a time; CI's CPU has AVX-512), equals reading id by id, both widths, any length, id and vocabulary size")
    func tallyEqualsIdByID() {
        var random = SplitMix64(seed: 0x7A11)
        var mismatches = 0, cases = 0
        for wide in [false, true] {
            let width = wide ? 4 : 2
            for length in Array(0..<70) + [1_000, 4_099] {
                for _ in 0..<6 {
                    // Ids near the end token, some at it, some past a vocabulary, some with the top bit set.
                    let ids: [UInt32] = (0..<length).map { _ in
                        switch random.next() % 8 {
                        case 0: return 50256
                        case 1: return wide ? UInt32(truncatingIfNeeded: random.next()) : UInt32(random.next() % 65_536)
                        case 2: return wide ? 0x8000_0000 | UInt32(random.next() % 1_000) : 0xFFFF
                        default: return UInt32(random.next() % 50_257)
                        }
                    }
                    var bytes: [UInt8] = []
                    for id in ids { for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: id >> (8 * k))) } }
                    // A token cut short at the end is not counted.
                    if random.next() % 3 == 0 { bytes.append(0x7F) }
                    // Sizes at the ids' edges: the end token's, 16 and 31 bits, the top bit, past every 32-bit id.
                    for size in [50_257, 50_256, 1, 65_536, 0x8000_0000, 0x8000_0001, 1 << 32, 1 << 40] {
                        let got = bytes.withUnsafeBufferPointer { TokenFileScanner.tally($0, wide: wide, endTokenID: 50256, vocabularySize: size) }
                        let expected = (count: ids.count, ends: ids.filter { $0 == 50256 }.count, outside: ids.filter { Int($0) >= size }.count)
                        cases += 1
                        if got != expected {
                            mismatches += 1
                            Issue.record("width \(width), \(length) ids, vocabulary \(size): \(got), expected \(expected)")
                        }
                        for way: Int32 in [0, 1] {
                            var ends = -1, outside = -1
                            let ran = bytes.withUnsafeBufferPointer {
                                tk_tally_ids_way(way, $0.baseAddress, ids.count, wide ? 1 : 0, 50256, UInt32(clamping: size - 1), &ends, &outside)
                            }
                            if ran != 1 || ends != expected.ends || outside != expected.outside {
                                mismatches += 1
                                Issue.record("way \(way), width \(width), \(length) ids, vocabulary \(size): \(ends) \(outside), expected \(expected)")
                            }
                        }
                    }
                }
            }
        }
        #expect(cases > 6_400 && mismatches == 0, "\(mismatches) of \(cases)")
    }

    @Test("a shard large enough to be written past the page cache is read back that way, and its scan equals the ordinary scan (count, end tokens, digest, header); a changed id in it is caught the same way")
    func directReadBack() throws {
        let scratch = Scratch()
        // The fixtures 40 times as uint32 ids: past the 64 KiB from which a shard skips the page cache, and
        // over the read-back's megabyte.
        let documents = try Sharding.fixtureDocuments()
        try Sharding.writeJSONL((0..<40).flatMap { _ in documents }, to: scratch.file("docs.jsonl"))
        let manifest = try Sharding.run(try Sharding.settings(.llmc, shardTokens: 1 << 20, valTokens: 1 << 20, width: .uint32),
                                        input: scratch.file("docs.jsonl"), directory: scratch.file("out")).manifest
        let shard = try #require(manifest.shards.first)
        let path = scratch.file("out/" + shard.tokenFile.file)
        let bytes = try FileIO.read(path)
        #expect(bytes.count > 1 << 20)
        #expect(shard.tokenFile.digest == FileDigest(.blake3, hex: BLAKE3.hex(bytes)))
        let scanner = TokenFileScanner(format: .llmc, width: .uint32, vocabularySize: 50_257, endTokenID: 50_256, digest: .blake3)
        let direct = try scanner.scan(path, direct: true)
        #expect(direct == (try scanner.scan(path)))
        #expect(direct.tokens == shard.tokens && direct.digest == shard.tokenFile.digest && direct.header?.tokenCount == shard.tokens)
        try Self.edit(path) { $0[$0.count - 8] = 0xFF; $0[$0.count - 7] = 0xFF }
        let offset = bytes.count - 8
        for useDirect in [true, false] {
            #expect(throws: ShardError.self) { _ = try scanner.scan(path, direct: useDirect) }
            do { _ = try scanner.scan(path, direct: useDirect) } catch {
                #expect(error.description.contains("byte offset \(offset)"), "\(error.description)")
            }
        }
    }

    @Test("an id outside the vocabulary is named with its byte offset")
    func idOutOfRange() throws {
        let scratch = Scratch()
        let manifest = try Self.written(.llmc, scratch)
        let file = scratch.file("out/" + manifest.shards[1].tokenFile.file)
        try Self.edit(file) { $0[1024 + 2 * 7] = 0xFF; $0[1024 + 2 * 7 + 1] = 0xFF }
        #expect(Self.problem(scratch.file("out")) == "\(file): byte offset 1038: token id 65535 is outside the vocabulary (expected < 50257)")
    }

    @Test("a changed token, a truncated file, a wrong header, a missing file: each names the file and what was expected")
    func corruptions() throws {
        let scratch = Scratch()
        let manifest = try Self.written(.llmc, scratch)
        let file = scratch.file("out/" + manifest.shards[0].tokenFile.file)
        let original = try FileIO.read(file)
        try Self.edit(file) { $0[1024 + 2 * 3] ^= 1 }
        #expect(Self.problem(scratch.file("out"))?.hasPrefix("\(file): blake3 is ") == true)

        try FileIO.writeAtomically(Array(original.dropLast(2)), to: file)
        #expect(Self.problem(scratch.file("out")) == "\(file): the file has \(original.count - 2) bytes, expected \(original.count) bytes = 1024 + 3000 tokens × 2 (header word 2 at byte offset 8)")

        try FileIO.writeAtomically(original, to: file)
        try Self.edit(file) { $0[4] = 2 }
        #expect(Self.problem(scratch.file("out"))?.hasPrefix("\(file): byte offset 4: expected version 1") == true)

        try FileIO.writeAtomically(original, to: file)
        #expect(Self.problem(scratch.file("out")) == nil)
        try FileManager.default.removeItem(atPath: file)
        #expect(Self.problem(scratch.file("out")) == "\(file): cannot read: no such file")
    }

    @Test("a Megatron index whose pointers or end tokens disagree is caught at the exact offset")
    func megatron() throws {
        let scratch = Scratch()
        let manifest = try Self.written(.megatron, scratch)
        let index = scratch.file("out/" + (manifest.shards[0].indexFile?.file ?? ""))
        let original = try FileIO.read(index)
        let sequences = manifest.shards[0].documents
        try Self.edit(index) { $0[34 + 4 * sequences + 8] ^= 2 }
        #expect(Self.problem(scratch.file("out"))?.hasPrefix("\(index): byte offset \(34 + 4 * sequences + 8): expected sequence pointer") == true)

        try FileIO.writeAtomically(original, to: index)
        let bin = scratch.file("out/" + manifest.shards[0].tokenFile.file)
        try Self.edit(bin) { $0[0] = 0x50; $0[1] = 0xC4 }
        #expect(Self.problem(scratch.file("out")) == "\(bin): byte offset 0: expected a document token (the next sequence ends at token \(Int(try MegatronIndex.parse(original, path: index).sequenceLengths[0]) - 1)), found the end token 50256")
    }

    @Test("an unfinished run is not verified")
    func incomplete() throws {
        let scratch = Scratch()
        var manifest = try Self.written(.nanogpt, scratch)
        manifest.complete = false
        try manifest.write(directory: scratch.file("out"))
        #expect(Self.problem(scratch.file("out"))?.contains("did not finish (complete: false") == true)
        #expect(Self.problem(scratch.file("nowhere"))?.contains("nowhere/manifest.json: cannot read") == true)
    }
}
