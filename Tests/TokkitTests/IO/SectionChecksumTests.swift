import Testing
@testable import TokkitIO

@Suite("Section checksum: CRC-32C lanes, the same with and without the CPU's instruction")
struct SectionChecksumTests {
    @Test("CRC-32C gives the published check value, with the instruction and from the table")
    func checkValue() {
        // RFC 3720 (iSCSI), B.4, and the usual "123456789" check value of CRC-32C.
        #expect(SectionChecksum.crc32c(Array("123456789".utf8)) == 0xE306_9283)
        #expect(SectionChecksum.crc32c(Array("123456789".utf8), portable: true) == 0xE306_9283)
        #expect(SectionChecksum.crc32c([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(SectionChecksum.crc32c([UInt8](repeating: 0xFF, count: 32), portable: true) == 0x62A8_AB43)
    }

    /// Seeded bytes of every length from 0 to 300 in a few sections.
    static func sections(seed: UInt64) -> [[UInt8]] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        return (0..<5).map { _ in (0..<Int(next() % 300)).map { _ in UInt8(truncatingIfNeeded: next()) } }
    }

    static func checksum(_ sections: [[UInt8]], portable: Bool = false) -> UInt64 {
        func nest(_ index: Int, _ buffers: [UnsafeRawBufferPointer]) -> UInt64 {
            guard index < sections.count else { return SectionChecksum.of(buffers, portable: portable) }
            return sections[index].withUnsafeBytes { nest(index + 1, buffers + [$0]) }
        }
        return nest(0, [])
    }

    @Test("the instruction and the table agree on sections of every length", arguments: 0..<40)
    func instructionsMatchTable(seed: Int) {
        let sections = Self.sections(seed: UInt64(seed))
        #expect(Self.checksum(sections) == Self.checksum(sections, portable: true))
    }

    @Test("one flipped bit anywhere, in every lane and in the tail, changes the checksum")
    func flippedBit() {
        let sections = [Array(0..<UInt8(200)), Array(repeating: 7, count: 45)]
        let good = Self.checksum(sections)
        for section in sections.indices {
            for index in sections[section].indices {
                for bit in [0, 7] {
                    var damaged = sections
                    damaged[section][index] ^= 1 << bit
                    #expect(Self.checksum(damaged) != good, "section \(section) byte \(index) bit \(bit)")
                }
            }
        }
    }

    @Test("where one section ends and the next begins is part of the checksum")
    func boundaries() {
        let bytes = Array(0..<UInt8(64))
        let whole = Self.checksum([bytes])
        #expect(Self.checksum([Array(bytes[..<32]), Array(bytes[32...])]) != whole)
        #expect(Self.checksum([bytes, []]) != whole)
        #expect(Self.checksum([]) != Self.checksum([[]]))
    }
}
