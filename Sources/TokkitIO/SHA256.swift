import CSHA256

/// SHA-256 (FIPS 180-4), for checking vocabulary files and shards against recorded digests.
///
/// A small self-contained implementation: the package then needs no crypto dependency for a
/// checksum. Whole blocks go through the CPU's SHA instructions where it has them (`CSHA256`; every
/// shard is hashed from its read-back, and the portable compression below took a tenth of `tokkit
/// shard`), else through the portable compression. Verified against the NIST test vectors and
/// `sha256sum` in `SHA256Tests`, both ways.
public struct SHA256: Sendable {
    /// Whether this CPU has the SHA instructions.
    static let accelerated = tk_sha256_accelerated() != 0

    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0
    private let useInstructions: Bool

    public init() { useInstructions = Self.accelerated }

    /// A hasher that never uses the SHA instructions, for tests that compare the two ways.
    init(portable: Bool) { useInstructions = Self.accelerated && !portable }

    /// The hex digest of `bytes`.
    public static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        length &+= UInt64(bytes.count)
        // Whole blocks are compressed straight from the caller's contiguous bytes; only a tail
        // shorter than a block waits in `pending`.
        let handled: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            absorb(buffer)
            return true
        }
        if handled == nil { Array(bytes).withUnsafeBufferPointer { absorb($0) } }
    }

    private mutating func absorb(_ input: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, input.count)
            pending.append(contentsOf: input[0..<take])
            offset = take
            guard pending.count == 64 else { return }
            let block = pending
            block.withUnsafeBufferPointer { compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
        if useInstructions, let base = input.baseAddress, input.count - offset >= 64 {
            let blocks = (input.count - offset) / 64
            state.withUnsafeMutableBufferPointer { tk_sha256_blocks($0.baseAddress, base + offset, blocks) }
            offset += 64 * blocks
        }
        while input.count - offset >= 64 {
            compress(UnsafeBufferPointer(rebasing: input[offset..<(offset + 64)]))
            offset += 64
        }
        pending.append(contentsOf: input[offset...])
    }

    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBufferPointer { buffer in
            for offset in stride(from: 0, to: buffer.count, by: 64) {
                compress(UnsafeBufferPointer(rebasing: buffer[offset..<(offset + 64)]))
            }
        }
        pending = []
        return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    public mutating func finalizeHex() -> String { Hex.lowercase(finalize()) }

    // Hot loop notes: the message schedule lives in a stack tuple and the state in locals, because a
    // heap array per 64-byte block (and bounds checks on it) made hashing shards slower than writing them.
    private mutating func compress(_ block: UnsafeBufferPointer<UInt8>) {
        var schedule: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &schedule) { raw in
            let w = raw.bindMemory(to: UInt32.self)
            for i in 0..<16 {
                w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            do {
                // FIPS 180-4's round constants, from `CSHA256`: one table for both ways of compressing.
                let k = UnsafeBufferPointer(start: tk_sha256_round_constants(), count: 64)
                var a = state[0], b = state[1], c = state[2], d = state[3]
                var e = state[4], f = state[5], g = state[6], h = state[7]
                for i in 0..<64 {
                    let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                    let choice = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
                    let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    h = g; g = f; f = e; e = d &+ t1
                    d = c; c = b; b = a; a = t1 &+ t2
                }
                state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
                state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
            }
        }
    }

    @inline(__always)
    private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
