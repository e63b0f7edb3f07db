import CSHA256

/// A 64-bit checksum of byte sections, for files a process wrote for itself and reads back on every
/// start (the rank-table cache), where a damaged or torn copy must be noticed before it is used.
///
/// Four CRC-32C lanes (`tk_crc32c_lanes`): each section's length, then its 8-byte words in turn
/// into lanes 0–3, the tail bytes into lane 1; the result is lanes 0 and 1 folded into its high half
/// and lanes 2 and 3 into its low half. A CRC-32C catches every error within 32 consecutive bits of
/// a lane, and any other error with probability 1 − 2⁻³², and a lane that changes changes its half.
/// With SSE4.2 this runs at memory speed (one `crc32` a cycle over four independent lanes); the
/// multiply chain it replaced cost 1.9 ms of every load of cl100k's 12 MB of tables. Not a
/// cryptographic hash: it does not stand against someone forging a file on purpose.
public enum SectionChecksum {
    /// Whether this CPU has the `crc32` instruction.
    static let accelerated = tk_crc32c_accelerated() != 0

    /// The checksum of `sections`, their lengths included. `portable` computes the same value from a
    /// table, never with the instruction (for tests comparing the two ways).
    public static func of(_ sections: [UnsafeRawBufferPointer], portable: Bool = false) -> UInt64 {
        let instructions: Int32 = accelerated && !portable ? 1 : 0
        var lanes: [UInt32] = [.max, .max, .max, .max]
        lanes.withUnsafeMutableBufferPointer { lanes in
            for section in sections {
                tk_crc32c_lanes(lanes.baseAddress, section.baseAddress, section.count, instructions)
            }
        }
        func fold(_ low: UInt32, _ high: UInt32) -> UInt64 {
            let word = (UInt64(high) << 32 | UInt64(low)).littleEndian
            return withUnsafeBytes(of: word) {
                UInt64(~tk_crc32c(.max, $0.baseAddress, 8, instructions))
            }
        }
        return fold(lanes[0], lanes[1]) << 32 | fold(lanes[2], lanes[3])
    }

    /// The standard CRC-32C of `bytes` (initial and final inversion), for tests against published values.
    static func crc32c(_ bytes: [UInt8], portable: Bool = false) -> UInt32 {
        bytes.withUnsafeBytes { ~tk_crc32c(.max, $0.baseAddress, $0.count, accelerated && !portable ? 1 : 0) }
    }
}
