import CDelimit
import Foundation
import Testing
import TokkitCore
import TokkitIO
@testable import TokkitShards

/// The copy of a batch's documents with their end tokens (`tk_copy_delimited`, every way this CPU has) and the
/// token file writer that stores them straight into its staging buffers, against the bytes written out by hand.
@Suite("Token files: documents copied with their end tokens, in place")
struct TokenFileWriterTests {
    /// Seeded documents as lines are (mostly short, some empty, some long, some past a vector of 16), with ids
    /// below `bound` (the end token, for a writer that counts end tokens on read-back); the last documents end at the
    /// very end of the ids.
    static func documents(_ count: Int, bound: UInt32, seed: UInt64) -> (ids: [TokenID], stops: [Int]) {
        var random = SplitMix64(seed: seed)
        var ids: [TokenID] = [], stops = [0]
        for _ in 0..<count {
            let length = random.next() % 5 == 0 ? Int(random.next() % 70) : Int(random.next() % 17)
            for _ in 0..<length { ids.append(TokenID(random.next() % UInt64(bound))) }
            stops.append(ids.count)
        }
        return (ids, stops)
    }

    /// The delimited words of the documents `stops` marks, written out one by one.
    static func delimited(_ ids: [TokenID], stops: ArraySlice<Int>, endToken: TokenID, first: Bool) -> [UInt32] {
        var out: [UInt32] = []
        for (start, end) in zip(stops, stops.dropFirst()) {
            if first { out.append(endToken) }
            out += ids[start..<end]
            if !first { out.append(endToken) }
        }
        return out
    }

    @Test("every way (AVX-512, AVX2, one word at a time) stores the same words and finds the same largest id, for any run of documents, delimiter before or after; this machine has AVX-512 (CI's does)")
    func waysAgree() throws {
        #expect(tk_copy_delimited_best_way() == 2)
        #expect(tk_copy_delimited_way(3, nil, nil, 0, nil, 0, 0, nil) == -1)  // SIZE_MAX, as Swift's Int sees it
        var random = SplitMix64(seed: 0xDE11)
        var compared = 0
        for round in 0..<200 {
            let (ids, stops) = Self.documents(Int(random.next() % 60), bound: round % 2 == 0 ? 100_277 : .max, seed: UInt64(round))
            // A run from any document to any later one (or none).
            let from = Int(random.next() % UInt64(stops.count)), to = from + Int(random.next() % UInt64(stops.count - from))
            let run = stops[from...to]
            let endToken = TokenID(random.next() % 200_000)
            for first in [false, true] {
                let expected = Self.delimited(ids, stops: run, endToken: endToken, first: first)
                for way in 0...tk_copy_delimited_best_way() {
                    // Garbage after the room it may overwrite, to be seen untouched.
                    var out = [UInt32](repeating: 0xAAAA_AAAA, count: expected.count + 16 + 8)
                    var largest: UInt32 = 1
                    let count = ids.withUnsafeBufferPointer { all in
                        Array(run).withUnsafeBufferPointer { stops in
                            tk_copy_delimited_way(Int32(way), all.baseAddress, stops.baseAddress, stops.count, &out, endToken, first ? 1 : 0, &largest)
                        }
                    }
                    #expect(count == expected.count && Array(out[..<expected.count]) == expected, "round \(round) way \(way) first \(first)")
                    #expect(largest == (expected.max() ?? 0), "round \(round) way \(way)")
                    #expect(out[(expected.count + 16)...].allSatisfy { $0 == 0xAAAA_AAAA }, "round \(round) way \(way): past its 64 bytes")
                    compared += 1
                }
            }
        }
        #expect(compared == 200 * 2 * (tk_copy_delimited_best_way() + 1))
    }

    @Test("batches written straight into the staging buffers (documents straddling them, some longer than one) give the bytes written out by hand, llm.c and Megatron, delimiter before and after; an id out of range in such a batch is named at its offset, on a disk and on tmpfs")
    func inPlace() throws {
        try AtomicFileWriterTests.onDiskAndTmpfs { folder, onDisk in
            for format in [ShardFormat.llmc, .megatron] {
                let first = format == .llmc
                let endToken: TokenID = 100_257
                let path = folder + "/\(format).bin"
                let writer = try TokenFileWriter(path: path, format: format, width: .uint32, largestID: 100_276)
                var expected = [UInt8](repeating: 0, count: format.headerBytes)
                var documents = 0
                for batch in 0..<7 {
                    // A first batch below the 64 KiB that start direct writing, then batches of about 1.3 MB; batch 5
                    // holds a document of 300,000 ids, more than a staging buffer holds.
                    var (ids, stops) = Self.documents(batch == 0 ? 500 : 40_000, bound: endToken, seed: UInt64(batch))
                    if batch == 5 {
                        ids += (0..<300_000).map { TokenID($0 % 100_000) }
                        stops.append(ids.count)
                    }
                    try writer.appendDocuments(ids, offsets: stops[...], endToken: endToken, delimiterFirst: first)
                    for word in Self.delimited(ids, stops: stops[...], endToken: endToken, first: first) {
                        LittleEndianIDs.appendInteger(word, to: &expected)
                    }
                    documents += stops.count - 1
                }
                #expect(writer.tokenCount * 4 + format.headerBytes == expected.count)
                let scanner = TokenFileScanner(format: format, width: .uint32, vocabularySize: 100_277, endTokenID: endToken, digest: .blake3)
                let summary = try writer.finish(scanner: scanner, expectedEndTokens: documents)
                var back = try FileIO.read(path)
                if first { back.replaceSubrange(0..<format.headerBytes, with: [UInt8](repeating: 0, count: format.headerBytes)) }
                #expect(back == expected, "\(format) \(onDisk ? "disk" : "tmpfs")")
                #expect(summary.tokens == writer.tokenCount)
                #expect(writer.bytesWrittenDirectly > 4 << 20, "\(format) \(onDisk ? "disk" : "tmpfs")")

                // An id out of range in the fourth batch (written in place): the same error as id by id.
                let bad = folder + "/bad-\(format).bin"
                let failing = try TokenFileWriter(path: bad, format: format, width: .uint32, largestID: 100_276)
                var written = 0
                var caught: ShardError?
                for batch in 0..<4 {
                    let generated = Self.documents(batch == 0 ? 500 : 40_000, bound: endToken, seed: UInt64(batch))
                    var ids = generated.ids
                    let stops = generated.stops
                    let victim = ids.count - 7
                    if batch == 3 { ids[victim] = 100_277 }
                    do throws(ShardError) {
                        try failing.appendDocuments(ids, offsets: stops[...], endToken: endToken, delimiterFirst: first)
                    } catch {
                        caught = error
                        // Delimiters before the victim: one per document begun (before) or ended (after) before it.
                        let document = stops.lastIndex { $0 <= victim } ?? 0
                        let position = written + victim + (first ? document + 1 : document)
                        #expect(error.description.contains("byte offset \(format.headerBytes + position * 4)"), "\(error)")
                        #expect(error.description.contains("token id 100277"), "\(error)")
                    }
                    written += stops.count - 1 + ids.count
                }
                #expect(caught != nil, "\(format)")
            }
        }
    }
}
