import CNewlines
import Testing
import TokkitCore

/// `tk_newline_offsets`, which finds a run's line ends 64 bytes a step (AVX2) for `LineSource.appendLines`, against a
/// `memchr` per line, on buffers where lines end at every distance from a step, up to the run's limit and the buffer's
/// end. The reader's own tests (`DocumentReaderTests`, `DocumentBatchTests`) hold the lines it cuts against a line at a
/// time.
@Suite("Line ends 64 bytes a step ≡ a memchr per line")
struct NewlineOffsetsTests {
    static func offsets(_ bytes: [UInt8], limit: Int, vector: Bool) -> [Int] {
        // The room `tk_newline_offsets` asks for: `limit` and 64 more.
        var offsets = [Int](repeating: -1, count: limit + 64)
        let found = bytes.withUnsafeBufferPointer { bytes in
            offsets.withUnsafeMutableBufferPointer { offsets in
                vector ? tk_newline_offsets(bytes.baseAddress, bytes.count, limit, offsets.baseAddress)
                       : tk_newline_offsets_portable(bytes.baseAddress, bytes.count, limit, offsets.baseAddress)
            }
        }
        #expect(found <= limit)
        return Array(offsets[..<found])
    }

    /// Seeded buffers of 0–300 bytes whose lines are 0–80 bytes, some of them `\r\n`, and a byte or two not ASCII.
    static func buffers() -> [[UInt8]] {
        (0..<3_000).map { index in
            var random = SplitMix64(seed: 53, index: index)
            var bytes: [UInt8] = []
            let length = Int(random.next() % 301)
            while bytes.count < length {
                bytes += (0..<Int(random.next() % 81)).map { _ in UInt8(0x20 + random.next() % 0x5F) }
                bytes += random.next() % 5 == 0 ? [0x0D, 0x0A] : random.next() % 7 == 0 ? [0xC3, 0xA9] : [0x0A]
            }
            return Array(bytes.prefix(length))
        }
    }

    #if arch(x86_64)
    /// Fails on an x86-64 CPU without AVX2, where the comparison below would hold `memchr` against itself.
    @Test("this machine finds line ends with AVX2 (CI's does), so the comparison below covers it")
    func vector() {
        #expect(tk_newlines_vector() == 1)
    }
    #endif

    @Test("3,000 seeded buffers, limits of 0, 1, 2, 7 and 1,024 lines: the same offsets as a memchr per line")
    func sameOffsets() {
        var differ = 0, found = 0
        for bytes in Self.buffers() {
            for limit in [0, 1, 2, 7, 1_024] {
                let expected = Self.offsets(bytes, limit: limit, vector: false)
                if Self.offsets(bytes, limit: limit, vector: true) != expected { differ += 1 }
                found += expected.count
            }
        }
        print("Newline offsets: \(found) line ends found, \(differ) cases differ from memchr's")
        #expect(found > 20_000 && differ == 0)
    }

    @Test("the comparison can fail: one byte of each buffer made a newline on one side")
    func planted() {
        var differ = 0, buffers = 0
        for bytes in Self.buffers() where bytes.count > 100 {
            var changed = bytes
            changed[bytes.count / 2] = changed[bytes.count / 2] == 0x0A ? 0x41 : 0x0A
            if Self.offsets(changed, limit: 1_024, vector: false) != Self.offsets(bytes, limit: 1_024, vector: true) { differ += 1 }
            buffers += 1
        }
        print("Newline offsets, one byte planted: \(differ) of \(buffers) buffers differ")
        #expect(buffers > 1_000 && differ == buffers)
    }
}
