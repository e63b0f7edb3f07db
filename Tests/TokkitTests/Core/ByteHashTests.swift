import Testing
@testable import TokkitCore

@Suite("ByteHash.equal: overlapping loads compare every byte")
struct ByteHashTests {
    @Test("equal ranges of 0 to 40 bytes are equal, and one changed byte anywhere makes them differ")
    func everyLengthAndPosition() {
        var random = SplitMix64(seed: 11)
        for count in 0...40 {
            // Inside larger buffers at an odd offset, so loads are unaligned and nothing past `count` matters.
            var lhs = (0..<(count + 17)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var rhs = (0..<(count + 17)).map { _ in UInt8.random(in: 0...255, using: &random) }
            for i in 0..<count { rhs[3 + i] = lhs[3 + i] }
            #expect(Self.equal(lhs, rhs, count: count), "length \(count)")
            for position in 0..<count {
                lhs[3 + position] ^= 0x80
                #expect(!Self.equal(lhs, rhs, count: count), "length \(count), byte \(position)")
                lhs[3 + position] ^= 0x80
            }
        }
    }

    static func equal(_ lhs: [UInt8], _ rhs: [UInt8], count: Int) -> Bool {
        lhs.withUnsafeBytes { l in rhs.withUnsafeBytes { r in ByteHash.equal(l.baseAddress! + 3, r.baseAddress! + 3, count: count) } }
    }
}
