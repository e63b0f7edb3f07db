/// A running digest of either algorithm, for code that hashes whatever the manifest asks for.
public struct ContentHasher: Sendable {
    private enum State: Sendable {
        case blake3(BLAKE3)
        case sha256(SHA256)
    }
    private var state: State

    public init(_ algorithm: DigestAlgorithm) {
        switch algorithm {
        case .blake3: state = .blake3(BLAKE3())
        case .sha256: state = .sha256(SHA256())
        }
    }

    /// The digest of `bytes` by `algorithm`.
    public static func digest<Bytes: Collection>(_ algorithm: DigestAlgorithm, of bytes: Bytes) -> FileDigest where Bytes.Element == UInt8 {
        var hasher = ContentHasher(algorithm)
        hasher.update(bytes)
        return hasher.finalize()
    }

    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        switch state {
        case .blake3(var hasher):
            hasher.update(bytes)
            state = .blake3(hasher)
        case .sha256(var hasher):
            hasher.update(bytes)
            state = .sha256(hasher)
        }
    }

    /// The digest; the hasher is spent.
    public mutating func finalize() -> FileDigest {
        switch state {
        case .blake3(var hasher): FileDigest(.blake3, hex: hasher.finalizeHex())
        case .sha256(var hasher): FileDigest(.sha256, hex: hasher.finalizeHex())
        }
    }
}
