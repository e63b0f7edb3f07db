import Testing
import Tokkit

/// `tokkit decode` reads an id file block by block: the ids must not depend on where the blocks cut.
@Suite("Id streams: binary ids read the same however the blocks cut them")
struct IDParserTests {
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
