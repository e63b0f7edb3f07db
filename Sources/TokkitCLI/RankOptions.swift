import ArgumentParser
import Foundation
import Tokkit

/// `--rank R --world-size W`: run one task of a job split over many processes or machines.
struct RankOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "This task's rank, 0…W-1: it reads sorted(files)[R::W] and names its outputs with R zero-padded (datatrove's convention).",
        valueName: "R"))
    var rank: Int?

    @Option(name: .customLong("world-size"), help: ArgumentHelp(
        "How many tasks share the input files (Slurm: --rank $SLURM_ARRAY_TASK_ID --world-size $SLURM_ARRAY_TASK_COUNT).",
        valueName: "W"))
    var worldSize: Int?

    /// Whether the run is a task of a partitioned job (either option given).
    var isPartitioned: Bool { rank != nil || worldSize != nil }

    func partition() throws -> RankPartition {
        guard isPartitioned else { return .whole }
        guard let rank, let worldSize else { throw ValidationError("give --rank and --world-size together") }
        do { return try RankPartition(rank: rank, worldSize: worldSize) } catch { throw ValidationError(error.description) }
    }

    /// This rank's input files, and how many files the whole job has.
    func files(of input: InputOptions) throws -> (mine: [String], run: Int) {
        let all = try DocumentReader.expand(input.sources)
        return (try partition().files(all), all.count)
    }
}

/// One rank's task, run at most once: skipped when its completion marker shows the same task already
/// finished and its outputs are still the recorded bytes; the marker is written after the outputs.
struct RankedTask {
    /// The command and the settings that decide its output bytes.
    var task: String
    var partition: RankPartition
    var inputs: [String]
    /// Output files; the marker sits beside the first (`DIR/completions/NAME`).
    var outputs: [String]

    var marker: CompletionMarker { CompletionMarker(task: task, partition: partition, inputs: inputs, outputs: []) }

    /// Whether a finished run of this task left every output as it recorded it.
    func isComplete() -> Bool {
        guard let found = CompletionMarker.read(forOutput: outputs[0]), found.describesSameTask(as: marker),
              found.outputs.map(\.path) == outputs else { return false }
        return found.outputs.allSatisfy { recorded in
            (try? Self.describe(recorded.path)) == recorded
        }
    }

    /// Removes an old marker before the work starts, so a crash part-way never leaves one behind, and
    /// creates the outputs' folders (ranks usually write into one fresh folder on shared storage).
    func begin() throws {
        CompletionMarker.remove(forOutput: outputs[0])
        for folder in Set(outputs.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw CLIError("\(folder): cannot create the output folder: \(error.localizedDescription)")
            }
        }
    }

    /// Leaves the marker, recording each output's size and sha256.
    func finish() throws {
        var done = marker
        done.outputs = try outputs.map(Self.describe)
        try done.write(forOutput: outputs[0])
    }

    /// Runs `body` unless the task is already complete; returns whether it ran. Logs the skip.
    func run(quiet: Bool, _ body: () throws -> Void) throws -> Bool {
        if isComplete() {
            if !quiet {
                try log("rank \(partition.label) of \(partition.worldSize): already complete (\(CompletionMarker.path(forOutput: outputs[0]))); skipped")
            }
            return false
        }
        try begin()
        try body()
        try finish()
        return true
    }

    /// Size and sha256 of one output, streamed.
    static func describe(_ path: String) throws -> CompletionMarker.Output {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("\(path): cannot read the output back") }
        defer { try? handle.close() }
        var digest = SHA256()
        var bytes = 0
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { throw CLIError("\(path): cannot read the output back: \(error)") }
            guard let chunk, !chunk.isEmpty else { break }
            digest.update(chunk)
            bytes += chunk.count
        }
        return CompletionMarker.Output(path: path, bytes: bytes, sha256: digest.finalizeHex())
    }
}
