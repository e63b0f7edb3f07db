/// The digests a manifest may record for a file.
public enum DigestAlgorithm: String, Sendable, CaseIterable, Codable {
    /// The default for new shards: several times SHA-256's speed (see `BLAKE3`).
    case blake3
    /// What manifests recorded before BLAKE3, and what `sha256sum` prints.
    case sha256
}

/// A file's digest and the algorithm that made it.
public struct FileDigest: Sendable, Equatable, CustomStringConvertible {
    public var algorithm: DigestAlgorithm
    public var hex: String

    public init(_ algorithm: DigestAlgorithm, hex: String) {
        self.algorithm = algorithm
        self.hex = hex
    }

    /// `algorithm hex`, as in error messages.
    public var description: String { "\(algorithm.rawValue) \(hex)" }
}
