import Testing
import Tokkit

/// `tokkit decode` reads an id file block by block: the ids must not depend on where the blocks cut.
@Suite("Id streams: binary ids read the same however the blocks cut them")
struct IDParserTests {
    /// Little-endian bytes of `ids` up to the first one above `limit`, assembled byte by byte, and that one's offset.
    static func reference(_ ids: [UInt32], width: LittleEndianIDs.Width, limit: UInt32) -> (bytes: [UInt8], failed: Int?) {
        var bytes: [UInt8] = []
        for (index, id) in ids.enumerated() {
            if id > limit { return (bytes, index) }
            for shift in stride(from: 0, to: width.rawValue * 8, by: 8) { bytes.append(UInt8(truncatingIfNeeded: id >> UInt32(shift))) }
        }
        return (bytes, nil)
    }

    @Test("appending ids from an array, a slice or a lazy collection gives the byte-by-byte bytes and stops at the same id",
          arguments: [LittleEndianIDs.Width.uint16, .uint32])
    func appendPaths(width: LittleEndianIDs.Width) {
        var random = SplitMix64(seed: 5)
        var checked = 0
        for round in 0..<200 {
            let count = Int.random(in: 0...300, using: &random)
            let limit: UInt32? = round % 3 == 0 ? nil : UInt32.random(in: 0...70_000, using: &random)
            let ids = (0..<count).map { _ in UInt32.random(in: 0...(round % 2 == 0 ? 66_000 : (limit ?? 60_000)), using: &random) }
            let expected = Self.reference(ids, width: width, limit: min(limit ?? width.largestID, width.largestID))
            let prefix: [UInt8] = [7, 7, 7]
            var array = prefix, slice = prefix, lazy = prefix
            let fromArray = LittleEndianIDs.append(ids, width: width, limit: limit, to: &array)
            let fromSlice = LittleEndianIDs.append(ids[...], width: width, limit: limit, to: &slice)
            let fromLazy = LittleEndianIDs.append(ids.lazy.map { $0 }, width: width, limit: limit, to: &lazy)
            #expect(array == prefix + expected.bytes && fromArray == expected.failed, "array, round \(round)")
            #expect(slice == prefix + expected.bytes && fromSlice == expected.failed, "slice, round \(round)")
            #expect(lazy == prefix + expected.bytes && fromLazy == expected.failed, "lazy, round \(round)")
            if expected.failed != nil { checked += 1 }
        }
        #expect(checked > 20)  // the failing path ran
    }

    @Test("a batch written in each format gives its rendering; uint32, handed over in place, the byte-by-byte bytes",
          arguments: IDFormat.allCases)
    func batchWrite(format: IDFormat) throws {
        var random = SplitMix64(seed: 14)
        var scratch: [UInt8] = []
        for round in 0..<50 {
            let documents = (0..<Int.random(in: 0...20, using: &random)).map { _ in
                (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt32.random(in: 0...(format == .uint16 ? 65_535 : 200_000), using: &random) }
            }
            let batch = EncodedDocuments(documents)
            var written: [UInt8] = [], rendered: [UInt8] = []
            try format.write(batch, rendering: &scratch) { written += $0 }
            try format.render(batch, into: &rendered)
            #expect(written == rendered, "round \(round)")
            if format == .uint32 {
                #expect(written == Self.reference(batch.ids, width: .uint32, limit: .max).bytes, "round \(round)")
            }
        }
    }

    @Test("text and JSON write every id as Swift's own decimal, run after run, across the renderer's stack blocks",
          arguments: [IDFormat.text, .json])
    func decimalRendering(format: IDFormat) throws {
        var random = SplitMix64(seed: 41)
        // Each power of ten and its neighbours, the largest id, and ids of every length at random.
        var ids: [UInt32] = [0, .max, .max - 1]
        var power: UInt32 = 1
        for _ in 0..<10 {
            ids += [power &- 1, power, power &+ 1]
            power = power.multipliedReportingOverflow(by: 10).overflow ? .max : power * 10
        }
        for _ in 0..<20_000 { ids.append(UInt32.random(in: 0...(UInt32.max >> UInt32.random(in: 0...31, using: &random)), using: &random)) }
        ids.shuffle(using: &random)
        var renderer = IDRenderer(format: format)
        var output = renderer.begin()
        var start = 0
        while start < ids.count {
            // Runs from none to thousands of ids: some fill the 1 KB block many times over.
            let end = min(ids.count, start + Int.random(in: 0...(start % 3 == 0 ? 3_000 : 40), using: &random))
            try renderer.part(ids[start..<end], to: &output)
            start = end
        }
        output += renderer.end()
        let separator = format == .text ? " " : ","
        let expected = (format == .json ? "[" : "") + ids.map(String.init).joined(separator: separator) + (format == .json ? "]\n" : "\n")
        // Where the two first differ, with some context, rather than 250 KB of ids.
        let got = Array(output), wanted = Array(expected.utf8)
        let first = zip(got, wanted).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? (got.count == wanted.count ? nil : min(got.count, wanted.count))
        if let first {
            let around = max(0, first - 30)
            Issue.record("""
                byte \(first): wrote "\(String(decoding: got[around..<min(got.count, first + 30)], as: UTF8.self))", \
                expected "\(String(decoding: wanted[around..<min(wanted.count, first + 30)], as: UTF8.self))"
                """)
        }
    }

    @Test("uint16 and uint32 ids fed in uneven blocks, cut inside ids, equal the whole file read at once",
          arguments: [LittleEndianIDs.Width.uint16, .uint32])
    func unevenBlocks(width: LittleEndianIDs.Width) throws {
        var random = SplitMix64(seed: 11)
        let ids = (0..<5_000).map { _ in UInt32.random(in: 0...width.largestID, using: &random) }
        var bytes: [UInt8] = []
        LittleEndianIDs.append(ids, width: width, to: &bytes)
        #expect(LittleEndianIDs.read(bytes, width: width) == ids)
        for sizes in [[1], [3], [5, 1, 2], [7, 4096, 1], [bytes.count]] {
            var parser = IDParser(format: width == .uint16 ? .uint16 : .uint32, source: "ids.bin")
            var read: [TokenID] = [], start = 0, turn = 0
            while start < bytes.count {
                let end = min(bytes.count, start + sizes[turn % sizes.count])
                try parser.feed(Array(bytes[start..<end]), appendingTo: &read)
                start = end
                turn += 1
            }
            read += try parser.finish()
            #expect(read == ids, "blocks of \(sizes) bytes")
        }
        // A file cut inside its last id is an error naming its length, not a shorter list.
        var parser = IDParser(format: width == .uint16 ? .uint16 : .uint32, source: "ids.bin")
        _ = try parser.feed(Array(bytes.dropLast()))
        #expect(throws: TokenIDStreamError.self) { _ = try parser.finish() }
    }
}
