import Foundation
import Testing
import Tokkit
import TokkitTestSupport

/// Plain input past its first 64 KiB is read straight into the caller's buffer (`InputReader.readDirectly`),
/// not through the reader's own: these check that every byte arrives once, in order, whatever the file's
/// size against the first read and the 1 MiB blocks, and that a caller's bytes already in the buffer stay.
@Suite("Reading plain input straight into the caller's buffer")
struct InputReaderTests {
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    @Test("every size around the first read and the blocks: the file's bytes, each block at most 1 MiB, the first at most 64 KiB")
    func sizes() throws {
        let scratch = Scratch()
        for size in [0, 1, 3, 4, 65_535, 65_536, 65_537, 1 << 20, (1 << 20) + 65_536 - 1, (1 << 20) + 65_536, (1 << 20) + 65_537, 2_621_447] {
            let path = scratch.file("input-\(size).bin")
            let expected = Self.bytes(size, seed: UInt64(size) &+ 17)
            try Data(expected).write(to: URL(fileURLWithPath: path))
            let input = try InputReader(path: path)
            #expect(input.compression == nil)
            // A caller's bytes before the first block stay in front of what is read.
            var buffer: [UInt8] = [7, 7, 7]
            var blocks: [Int] = []
            while true {
                let before = buffer.count
                guard try input.read(appendingTo: &buffer) else {
                    #expect(buffer.count == before, "the end leaves the buffer unchanged")
                    break
                }
                blocks.append(buffer.count - before)
            }
            #expect(Array(buffer.prefix(3)) == [7, 7, 7])
            let same = Array(buffer.dropFirst(3)) == expected
            #expect(same, "size \(size)")
            #expect(blocks.allSatisfy { $0 > 0 && $0 <= 1 << 20 }, "size \(size): blocks \(blocks)")
            if let first = blocks.first { #expect(first <= 1 << 16, "size \(size): first block \(first)") }
            // And a read after the end is still the end.
            #expect(try input.read(appendingTo: &buffer) == false)
            #expect(try InputReader.contents(of: path) == expected)
        }
    }

    @Test("the comparison can fail: a file changed by one byte reads differently")
    func plantedDifference() throws {
        let scratch = Scratch()
        let path = scratch.file("input.bin")
        var expected = Self.bytes(1_500_000, seed: 99)
        try Data(expected).write(to: URL(fileURLWithPath: path))
        expected[1_200_000] &+= 1
        #expect(try InputReader.contents(of: path) != expected)
    }

    @Test("lines that cross the first read and the blocks: the documents of the file, as a reader of one line at a time cuts them")
    func linesAcrossReads() throws {
        let scratch = Scratch()
        let path = scratch.file("lines.txt")
        // Lines of every length up to 3,000 bytes, so that the 64 KiB and 1 MiB edges fall inside lines.
        var random = SplitMix64(seed: 5)
        var lines: [[UInt8]] = []
        var total = 0
        while total < 2_500_000 {
            let line = Array(repeating: UInt8(ascii: "a") + UInt8(random.next() % 26), count: Int(random.next() % 3000))
            lines.append(line)
            total += line.count + 1
        }
        try Data(lines.joined(separator: [UInt8(ascii: "\n")])).write(to: URL(fileURLWithPath: path))
        let reader = try DocumentReader(inputs: [path], format: .text(.lines))
        var documents: [[UInt8]] = []
        var batch = DocumentReader.FlatBatch()
        while try reader.nextFlatBatch(into: &batch, targetBytes: 300_000) { documents += (0..<batch.count).map { Array(batch[$0]) } }
        #expect(documents.count == lines.count)
        let same = documents == lines
        #expect(same)
    }
}
