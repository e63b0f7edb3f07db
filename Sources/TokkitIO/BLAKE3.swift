import CBLAKE3

/// BLAKE3 (hash mode, 32-byte digest), the digest shard manifests record by default.
///
/// Why not SHA-256 only: a shard's digest is computed from its read-back on the writer's one thread, and SHA-256 runs
/// no faster than the CPU's SHA instructions (1.4 GB/s on this project's machines, 7% of a one-thread `tokkit shard`
/// and a ceiling on the writer however many threads encode). BLAKE3 hashes its 1 KiB chunks independently, sixteen
/// at a time in AVX-512's lanes (`CBLAKE3`): 4.2 GB/s here fed 1 MiB at a time, as the shards' read-back feeds it
/// (2.4 GB/s with AVX2). `b3sum` (Debian's `b3sum`, Python's `blake3`) prints the same digests; `BLAKE3Tests` holds
/// every way to the Python package's.
public struct BLAKE3: Sendable {
    private var state = tk_blake3()

    public init() { tk_blake3_init(&state) }

    /// A hasher that computes the digest `way` (0 one chunk at a time, 1 AVX2, 2 AVX-512), for tests that compare
    /// the ways; `nil` when this CPU lacks it.
    init?(way: Int32) {
        guard tk_blake3_init_way(&state, way) != 0 else { return nil }
    }

    /// The fastest way this CPU has (see `init(way:)`).
    static var bestWay: Int32 { tk_blake3_best_way() }

    /// The hex digest of `bytes`.
    public static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = BLAKE3()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            tk_blake3_update(&state, buffer.baseAddress, buffer.count)
            return true
        }
        if handled == nil { Array(bytes).withUnsafeBufferPointer { tk_blake3_update(&state, $0.baseAddress, $0.count) } }
    }

    /// The 32-byte digest; the hasher is spent.
    public mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            tk_blake3_finalize(&state, out.baseAddress)
            count = 32
        }
    }

    public mutating func finalizeHex() -> String { Hex.lowercase(finalize()) }
}
