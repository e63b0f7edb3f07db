import Testing
import Tokkit

/// `tokkit decode` reads an id file block by block: the ids must not depend on where the blocks cut.
@Suite("Id streams: ids written and read back the same however the blocks cut them")
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
        // Each power of ten and its neighbours, the largest id, every id below 300,000, and ids of every length at random.
        var ids: [UInt32] = [0, .max, .max - 1]
        var power: UInt32 = 1
        for _ in 0..<10 {
            ids += [power &- 1, power, power &+ 1]
            power = power.multipliedReportingOverflow(by: 10).overflow ? .max : power * 10
        }
        ids += 0..<300_000  // every id of every bundled vocabulary
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

    /// What `IDParser` reads from a text or JSON stream, byte by byte: the ids, or the offset and reason of
    /// the first error.
    static func referenceParse(_ bytes: [UInt8]) -> (ids: [UInt32], error: (offset: Int, tooLarge: Bool)?) {
        var ids: [UInt32] = [], value: UInt64 = 0, inNumber = false
        for (offset, byte) in bytes.enumerated() {
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                if value > UInt64(UInt32.max) { return (ids, (offset, true)) }
                inNumber = true
            } else if Array(" \n\r\t,[]".utf8).contains(byte) {
                if inNumber { ids.append(UInt32(value)) }
                value = 0
                inNumber = false
            } else {
                return (ids, (offset, false))
            }
        }
        if inNumber { ids.append(UInt32(value)) }
        return (ids, nil)
    }

    @Test("text and JSON ids fed in uneven blocks read as byte by byte, and fail at the same byte for the same reason")
    func decimalParsing() throws {
        var random = SplitMix64(seed: 42)
        let alphabet = Array("0123456789 \n,[]".utf8)
        var failures = 0
        for round in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...3_000, using: &random) {
                // An id and a separator or two; now and then, except in every fourth round, a run of digits too
                // long for uint32 or a stray byte.
                if Int.random(in: 0..<20, using: &random) == 0 { bytes += Array("00".utf8) }  // zeros that lead
                bytes += Array(String(UInt32.random(in: 0...(UInt32.max >> UInt32.random(in: 0...31, using: &random)),
                                                    using: &random)).utf8)
                for _ in 0..<Int.random(in: 1...2, using: &random) { bytes.append(alphabet[Int.random(in: 10..<alphabet.count, using: &random)]) }
                let roll = Int.random(in: 0..<2_000, using: &random)
                if round % 4 != 0 && roll == 0 { bytes += Array("4294967296".utf8) }
                if round % 4 != 0 && roll == 1 { bytes.append(UInt8.random(in: 0...255, using: &random)) }
            }
            let expected = Self.referenceParse(bytes)
            let cuts = [1, 2, 7, 100, 4_096, bytes.count + 1][round % 6]
            var parser = IDParser(format: round % 2 == 0 ? .text : .json, source: "ids.txt")
            var read: [TokenID] = [], start = 0
            do {
                while start < bytes.count {
                    let end = min(bytes.count, start + Int.random(in: 1...cuts, using: &random))
                    try parser.feed(Array(bytes[start..<end]), appendingTo: &read)
                    start = end
                }
                read += try parser.finish()
                #expect(expected.error == nil, "round \(round): read to the end, expected an error at \(expected.error!.offset)")
                #expect(read == expected.ids, "round \(round)")
            } catch {
                failures += 1
                guard case .malformed(let path, let offset, let reason) = error else {
                    Issue.record("round \(round): \(error)")
                    continue
                }
                #expect(path == "ids.txt")
                #expect(offset == expected.error?.offset, "round \(round)")
                #expect(reason.contains("larger than") == expected.error?.tooLarge, "round \(round): \(reason)")
                #expect(read == Array(expected.ids.prefix(read.count)), "round \(round)")
            }
        }
        #expect(failures > 20 && failures < 250)  // both paths ran
    }

    @Test("ill-formed UTF-8 repaired block by block, cut anywhere, equals String(decoding:as:) of the whole")
    func repairInBlocks() {
        var random = SplitMix64(seed: 43)
        let pieces: [[UInt8]] = [Array("plain ".utf8), Array("日本語".utf8), Array("😀".utf8), [0xFF], [0xE6, 0x97], [0xF0, 0x9F, 0x98],
                                 [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x80], Array(repeating: UInt8(ascii: "a"), count: 40)]
        for round in 0..<400 {
            // Half the rounds valid throughout, so that the valid path is cut in every place too.
            let valid = round % 2 == 0
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...60, using: &random) {
                bytes += pieces[valid ? [0, 1, 2, 9][Int.random(in: 0..<4, using: &random)] : Int.random(in: 0..<pieces.count, using: &random)]
            }
            var repair = UTF8Repair(), output: [UInt8] = [], start = 0
            repeat {
                let end = min(bytes.count, start + Int.random(in: 1...(round % 3 == 0 ? 5 : 200), using: &random))
                output += repair.text(Array(bytes[start..<end]), final: end == bytes.count)
                start = end
            } while start < bytes.count
            #expect(output == Array(String(decoding: bytes, as: UTF8.self).utf8), "round \(round)")
        }
    }
}
