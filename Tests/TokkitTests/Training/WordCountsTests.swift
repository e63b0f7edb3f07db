import Testing
import Tokkit

@Suite("Word counts and count files")
struct WordCountsTests {
    static let sample: [(String, UInt64)] = [("hello", 3), (" world", 1), ("\n\n", 7), ("é", 2), ("", 1), ("hell", 5)]

    @Test("adds counts of equal pieces and keeps byte-distinct pieces apart")
    func adding() throws {
        var counts = WordCounts()
        try counts.add(Array("ab".utf8))
        try counts.add(Array("ab".utf8), count: 4)
        try counts.add(Array("e\u{301}".utf8))   // canonically equal to "é" but other bytes
        try counts.add(Array("é".utf8))
        #expect(counts.distinctCount == 3)
        #expect(counts.totalCount == 7)
        #expect(counts.count(of: Array("ab".utf8)) == 5)
        #expect(counts.count(of: Array("zz".utf8)) == 0)
    }

    @Test("grows past many distinct pieces without losing any")
    func growth() throws {
        var counts = WordCounts()
        for index in 0..<20_000 { try counts.add(Array("piece\(index % 5000)".utf8)) }
        #expect(counts.distinctCount == 5000)
        #expect(counts.count(of: Array("piece4999".utf8)) == 4)
    }

    @Test("round-trips through a count file")
    func roundTrip() throws {
        let counts = try wordCounts(Self.sample)
        let file = counts.serialized()
        #expect(Array(file.prefix(8)) == WordCounts.countFileMagic)
        let read = try WordCounts(deserializing: file, source: "sample.counts")
        #expect(read == counts)
        #expect(read.serialized() == file)
    }

    @Test("writes the same count file whatever the insertion or merge order")
    func orderIndependence() throws {
        var generator = SplitMix64(seed: 7)
        let forward = try wordCounts(Self.sample)
        var shards = [WordCounts(), WordCounts(), WordCounts()]
        for (text, count) in Self.sample.shuffled(using: &generator) {
            try shards[Int.random(in: 0..<3, using: &generator)].add(Array(text.utf8), count: count)
        }
        var merged = WordCounts()
        for shard in shards.reversed() { try merged.merge(shard) }
        #expect(merged == forward)
        #expect(merged.serialized() == forward.serialized())
    }

    @Test("names the file and offset of a wrong magic, a truncation and a bad checksum")
    func corruption() throws {
        let file = try wordCounts(Self.sample).serialized()
        var text = file
        text[0] = UInt8(ascii: "t")
        #expect(throws: WordCountsError.notACountFile(source: "x.counts")) {
            try WordCounts(deserializing: text, source: "x.counts")
        }
        #expect(throws: WordCountsError.truncated(source: "x.counts", offset: 20, expected: "the 28-byte header")) {
            try WordCounts(deserializing: Array(file.prefix(20)), source: "x.counts")
        }
        var flipped = file
        flipped[file.count - 6] ^= 0x01    // a byte of the last piece
        let checksumOffset = file.count - 4
        do {
            _ = try WordCounts(deserializing: flipped, source: "x.counts")
            Issue.record("a flipped byte went unnoticed")
        } catch {
            guard case .checksumMismatch(_, _, "x.counts", checksumOffset) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(error.description.contains("x.counts"))
            #expect(error.description.contains("offset \(checksumOffset)"))
        }
    }

    @Test("reports the record offset of a zero count, an unsorted record and a cut-off record")
    func recordErrors() throws {
        // Records start at 28; the first record (sorted) is the empty piece: length 0, count 1.
        let file = try wordCounts(Self.sample).serialized()
        var zero = file
        zero[29] = 0
        #expect(throws: WordCountsError.zeroCount(source: "z", offset: 28)) {
            try WordCounts(deserializing: zero, source: "z")
        }
        // Two records "b" then "a": out of order at the second record (offset 28 + 3).
        var unsorted: [UInt8] = WordCounts.countFileMagic + [1, 0, 0, 0] + [2, 0, 0, 0, 0, 0, 0, 0]
            + [2, 0, 0, 0, 0, 0, 0, 0] + [1, 1, UInt8(ascii: "b"), 1, 1, UInt8(ascii: "a")]
        unsorted += [0, 0, 0, 0]
        #expect(throws: WordCountsError.outOfOrder(source: "u", offset: 31)) {
            try WordCounts(deserializing: unsorted, source: "u")
        }
        var version = file
        version[8] = 9
        #expect(throws: WordCountsError.unsupportedVersion(9, source: "v", offset: 8)) {
            try WordCounts(deserializing: version, source: "v")
        }
        // Drop the checksum and the last byte of the last piece ("é" = C3 A9), then add a fake checksum.
        let cut = Array(file.prefix(file.count - 5)) + [0, 0, 0, 0]
        do {
            _ = try WordCounts(deserializing: cut, source: "c")
            Issue.record("a cut-off file was accepted")
        } catch {
            guard case .truncated(source: "c", offset: _, expected: _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
    }
}
