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

extension RankedTask {
    /// Runs `body` unless the task is already complete (then says so on stderr unless `quiet`);
    /// returns whether it ran.
    func run(quiet: Bool, _ body: () throws -> Void) throws -> Bool {
        let ran = try run(body)
        if !ran && !quiet {
            try log("rank \(partition.label) of \(partition.worldSize): already complete (\(CompletionMarker.path(forOutput: outputs[0]))); skipped")
        }
        return ran
    }
}
