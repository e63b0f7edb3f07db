import Foundation

/// `completions/<%05d>` files in an output directory, one per finished input, so that a rerun with
/// `--resume` skips the inputs already done (datatrove's `logging_dir/completions/{rank:05d}`, per
/// input file instead of per rank, because one rank's many files finish one by one).
///
/// A marker is written only after the input's output file has been renamed into place, and holds
/// the input's path and the run's fingerprint: a marker from a run with another configuration is
/// not a completion of this one.
public struct CompletionMarkers: Sendable {
    public let directory: String
    public let fingerprint: String

    public init(outputDirectory: String, fingerprint: String) {
        directory = outputDirectory + "/completions"
        self.fingerprint = fingerprint
    }

    private func markerPath(_ index: Int) -> String { directory + "/" + RankPartition.name(index) }

    /// Whether input `index` (`path`) was finished by a run with this fingerprint.
    public func isComplete(_ index: Int, path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: markerPath(index)) else { return false }
        return String(decoding: data, as: UTF8.self) == Self.content(path: path, fingerprint: fingerprint)
    }

    /// Records that input `index` (`path`) is finished. One process marks an input, so the temporaries
    /// of its marker that a killed run left are removed (``AtomicFile/init(path:replacingStale:)``).
    public func markComplete(_ index: Int, path: String) throws(OutputError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: directory, reason: "\(error.localizedDescription)")
        }
        try AtomicFile.write(Array(Self.content(path: path, fingerprint: fingerprint).utf8), to: markerPath(index), replacingStale: true)
    }

    private static func content(path: String, fingerprint: String) -> String {
        "input \(path)\nrun \(fingerprint)\n"
    }
}
