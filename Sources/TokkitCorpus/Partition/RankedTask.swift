import Foundation
import TokkitIO

/// One rank's task, run at most once: skipped when its completion marker shows the same task already
/// finished and its outputs are still the recorded bytes; the marker is written after the outputs.
///
/// ```swift
/// let task = RankedTask(task: "count pattern=…", partition: part, inputs: files, outputs: ["counts/00003.counts"])
/// let ran = try task.run { try countInto("counts/00003.counts") }   // false: already complete
/// ```
public struct RankedTask: Sendable {
    /// The command and the settings that decide its output bytes.
    public var task: String
    public var partition: RankPartition
    public var inputs: [String]
    /// Output files; the marker sits beside the first (`DIR/completions/NAME`).
    public var outputs: [String]

    public init(task: String, partition: RankPartition, inputs: [String], outputs: [String]) {
        (self.task, self.partition, self.inputs, self.outputs) = (task, partition, inputs, outputs)
    }

    var marker: CompletionMarker { CompletionMarker(task: task, partition: partition, inputs: inputs, outputs: []) }

    /// Whether a finished run of this task left every output as it recorded it.
    public func isComplete() -> Bool {
        guard let found = CompletionMarker.read(forOutput: outputs[0]), found.describesSameTask(as: marker),
              found.outputs.map(\.path) == outputs else { return false }
        return found.outputs.allSatisfy { recorded in
            (try? Self.describe(recorded.path)) == recorded
        }
    }

    /// Runs `body` unless the task is already complete; returns whether it ran. An old marker is
    /// removed before the work starts, so a crash part-way never leaves one behind, and the
    /// outputs' folders are created (ranks usually write into one fresh folder on shared storage).
    public func run(_ body: () throws -> Void) throws -> Bool {
        if isComplete() { return false }
        CompletionMarker.remove(forOutput: outputs[0])
        for folder in Set(outputs.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw PartitionError.unwritable(path: folder, reason: "cannot create the output folder: \(FileIO.reason(for: error))")
            }
        }
        try body()
        var done = marker
        done.outputs = try outputs.map(Self.describe)
        try done.write(forOutput: outputs[0])
        return true
    }

    /// Size and sha256 of one output, streamed.
    static func describe(_ path: String) throws(PartitionError) -> CompletionMarker.Output {
        do {
            let (bytes, digest) = try FileIO.digest(path, algorithm: .sha256)
            return CompletionMarker.Output(path: path, bytes: bytes, sha256: digest.hex)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
    }
}
