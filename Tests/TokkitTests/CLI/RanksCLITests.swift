import Foundation
import Testing
import Tokkit

/// `--rank/--world-size` on count, encode and shard, `count reduce` and `shard merge`: a job split over
/// ranks gives the bytes of one process over the same files.
@Suite("Command line: ranks, reduce and merge")
struct RanksCLITests {
    let cli = CLITests()

    /// The text fixtures copied into one folder: the corpus of these tests (20 files).
    static func corpus(_ scratch: Scratch) throws -> String {
        let folder = scratch.file("in")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in Repository.fixtureNames {
            try FileManager.default.copyItem(atPath: Repository.path("fixtures/\(name)"), toPath: folder + "/" + name)
        }
        return folder
    }

    func succeed(_ arguments: [String]) throws -> Subprocess.Result {
        let result = try cli.tokkit(arguments)
        #expect(result.status == 0, "tokkit \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    /// Files of `directory` (not its subfolders) that differ from `reference`'s, manifest command lines aside.
    static func differences(_ reference: String, _ directory: String) throws -> [String] {
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: reference).sorted() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: reference + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            guard FileManager.default.fileExists(atPath: directory + "/" + name) else {
                found.append("\(name) missing")
                continue
            }
            var mine = try FileIO.read(directory + "/" + name)
            var theirs = try FileIO.read(reference + "/" + name)
            if name == "manifest.json" {
                mine = try withoutCommand(mine)
                theirs = try withoutCommand(theirs)
            }
            if mine != theirs { found.append(name) }
        }
        return found
    }

    static func withoutCommand(_ manifest: [UInt8]) throws -> [UInt8] {
        guard var object = try JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any] else { return manifest }
        object["command"] = nil
        return [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    @Test("count on 4 ranks, reduced in two different trees, equals one count; train --counts equals train")
    func countReduceTrain() throws {
        let scratch = Scratch()
        let input = try Self.corpus(scratch)
        for rank in 0..<4 {
            _ = try succeed(["count", input, "--rank", "\(rank)", "--world-size", "4", "-o", scratch.file("c/{rank}.counts"), "--quiet"])
        }
        let ranks = (0..<4).map { scratch.file("c/0000\($0).counts") }
        _ = try succeed(["count", input, "-o", scratch.file("single.counts"), "--quiet"])
        _ = try succeed(["count", "reduce"] + ranks + ["-o", scratch.file("flat.counts"), "--quiet"])
        _ = try succeed(["count", "reduce", ranks[3], ranks[0], "-o", scratch.file("left.counts"), "--quiet"])
        _ = try succeed(["count", "reduce", ranks[2], ranks[1], "-o", scratch.file("right.counts"), "--quiet"])
        _ = try succeed(["count", "reduce", scratch.file("right.counts"), scratch.file("left.counts"), "-o", scratch.file("tree.counts"), "--quiet"])
        let single = try FileIO.read(scratch.file("single.counts"))
        #expect(try FileIO.read(scratch.file("flat.counts")) == single)
        #expect(try FileIO.read(scratch.file("tree.counts")) == single)
        // The comparison can fail: three ranks of four are not the corpus.
        _ = try succeed(["count", "reduce"] + ranks.dropLast() + ["-o", scratch.file("partial.counts"), "--quiet"])
        #expect(try FileIO.read(scratch.file("partial.counts")) != single)

        _ = try succeed(["train", "--counts", scratch.file("tree.counts"), "--vocab-size", "700", "--special", "<|endoftext|>",
                         "-o", scratch.file("from-ranks"), "--quiet"])
        _ = try succeed(["train", input, "--vocab-size", "700", "--special", "<|endoftext|>", "-o", scratch.file("direct"), "--quiet"])
        for name in ["tokenizer.json", "vocab.tiktoken", "encoder.json", "vocab.bpe"] {
            #expect(try FileIO.read(scratch.file("from-ranks/\(name)")) == FileIO.read(scratch.file("direct/\(name)")), "\(name)")
        }
    }

    @Test("a finished rank is skipped on rerun; a changed output or other inputs make it run again")
    func completionMarkers() throws {
        let scratch = Scratch()
        let input = try Self.corpus(scratch)
        let arguments = ["count", input, "--rank", "1", "--world-size", "3", "-o", scratch.file("c/{rank}.counts")]
        let first = try succeed(arguments)
        #expect(!first.stderr.contains("already complete"))
        #expect(FileManager.default.fileExists(atPath: scratch.file("c/completions/00001.counts")))
        let second = try succeed(arguments)
        #expect(second.stderr.contains("already complete"))
        try FileIO.writeAtomically([1, 2, 3], to: scratch.file("c/00001.counts"))
        let third = try succeed(arguments)
        #expect(!third.stderr.contains("already complete"))
        #expect(try FileIO.read(scratch.file("c/00001.counts")).count > 3)
        let fourth = try succeed(["count", input, "--rank", "1", "--world-size", "4", "-o", scratch.file("c/00001.counts")])
        #expect(!fourth.stderr.contains("already complete"))
    }

    @Test("shard on W ranks then merge (serial, or over merge ranks) writes the single run's shards and manifest", arguments: [
        ("llmc", 1), ("llmc", 3), ("llmc", 7), ("megatron", 3), ("megatron", 25), ("nanogpt", 4),
    ])
    func shardMerge(format: String, worldSize: Int) throws {
        let scratch = Scratch()
        let input = try Self.corpus(scratch)
        let settings = ["--vocab", "gpt2", "--format", format, "--shard-tokens", "3000", "--val-tokens", "1000", "--docs", "paragraphs"]
        _ = try succeed(["shard", input, "-o", scratch.file("single")] + settings)
        for rank in 0..<worldSize {
            _ = try succeed(["shard", input, "--rank", "\(rank)", "--world-size", "\(worldSize)", "-o", scratch.file("ranks")] + settings)
        }
        _ = try succeed(["shard", "merge", scratch.file("ranks")])
        #expect(try Self.differences(scratch.file("single"), scratch.file("ranks")) == [])
        let verified = try succeed(["shard", "verify", scratch.file("ranks")])
        #expect(verified.stdout.contains("verified"))

        // The merge split over 2 and 4 merge ranks, then --finalize: the same files again.
        for mergeWorld in [2, 4] {
            let copy = scratch.file("ranks-\(mergeWorld)")
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: scratch.file("ranks/parts"), toPath: copy + "/parts")
            for rank in 0..<mergeWorld {
                _ = try succeed(["shard", "merge", copy, "--rank", "\(rank)", "--world-size", "\(mergeWorld)"])
            }
            _ = try succeed(["shard", "merge", copy, "--finalize"])
            #expect(try Self.differences(scratch.file("single"), copy) == [], "merge over \(mergeWorld) ranks")
            #expect(try succeed(["shard", "verify", copy]).stdout.contains("verified"))
        }
        let shards = try FileManager.default.contentsOfDirectory(atPath: scratch.file("single")).filter { $0.hasSuffix(".bin") }
        #expect(shards.count >= (format == "nanogpt" ? 2 : 5), "the corpus should fill several shards")
    }

    @Test("merge refuses a missing rank and a damaged part, naming them")
    func mergeErrors() throws {
        let scratch = Scratch()
        let input = try Self.corpus(scratch)
        let settings = ["--vocab", "gpt2", "--shard-tokens", "3000", "--val-tokens", "1000"]
        for rank in [0, 2] {
            _ = try succeed(["shard", input, "--rank", "\(rank)", "--world-size", "3", "-o", scratch.file("out")] + settings)
        }
        let missing = try cli.tokkit(["shard", "merge", scratch.file("out")])
        #expect(missing.status != 0 && missing.stderr.contains("no part for rank(s) 1"), "\(missing.stderr)")
        _ = try succeed(["shard", input, "--rank", "1", "--world-size", "3", "-o", scratch.file("out")] + settings)
        var ids = try FileIO.read(scratch.file("out/parts/tokkit-00001.ids"))
        ids[ids.count / 2] ^= 1
        try FileIO.writeAtomically(ids, to: scratch.file("out/parts/tokkit-00001.ids"))
        let damaged = try cli.tokkit(["shard", "merge", scratch.file("out")])
        #expect(damaged.status != 0 && damaged.stderr.contains("tokkit-00001.ids") && damaged.stderr.contains("blake3 is"), "\(damaged.stderr)")
        let verify = try cli.tokkit(["shard", "verify", scratch.file("out")])
        #expect(verify.status != 0, "an unfinished merge must not verify")
        let splitDamaged = try cli.tokkit(["shard", "merge", scratch.file("out"), "--rank", "1", "--world-size", "2"])
        #expect(splitDamaged.status != 0 && splitDamaged.stderr.contains("tokkit-00001.ids"), "\(splitDamaged.stderr)")
        _ = try cli.tokkit(["shard", "merge", scratch.file("out"), "--rank", "0", "--world-size", "2"])
        let unfinished = try cli.tokkit(["shard", "merge", scratch.file("out"), "--finalize"])
        #expect(unfinished.status != 0 && unfinished.stderr.contains("merge records"), "\(unfinished.stderr)")
    }

    @Test("encode --rank writes each rank's files, as encode over those files does")
    func encodeRanks() throws {
        let scratch = Scratch()
        let input = try Self.corpus(scratch)
        let files = try FileManager.default.contentsOfDirectory(atPath: input).sorted().map { input + "/" + $0 }
        for rank in 0..<3 {
            _ = try succeed(["encode", input, "--vocab", "gpt2", "--ordinary", "--format", "uint16", "--rank", "\(rank)", "--world-size", "3",
                             "-o", scratch.file("ids/{rank}.bin")])
            let mine = stride(from: rank, to: files.count, by: 3).map { files[$0] }
            _ = try succeed(["encode"] + mine + ["--vocab", "gpt2", "--ordinary", "--format", "uint16", "-o", scratch.file("direct-\(rank).bin")])
            #expect(try FileIO.read(scratch.file("ids/0000\(rank).bin")) == FileIO.read(scratch.file("direct-\(rank).bin")))
        }
        let stdout = try cli.tokkit(["encode", input, "--rank", "0", "--world-size", "3"])
        #expect(stdout.status != 0 && stdout.stderr.contains("need -o"))
    }

    @Test("the Slurm array example, run as separate concurrent processes, gives the single run's counts and shards")
    func slurmArray() throws {
        let scratch = Scratch()
        let input = try Self.corpus(scratch)
        let work = scratch.file("work")
        let world = 5
        func array(step: String) throws {
            var processes: [Process] = []
            for task in 0..<world {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [Repository.path("scripts/slurm/tokkit-array.sbatch")]
                process.environment = ProcessInfo.processInfo.environment.merging([
                    "SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_COUNT": "\(world)", "SLURM_CPUS_PER_TASK": "1",
                    "STEP": step, "INPUTS": input, "WORK": work, "TOKKIT_BIN": CLITests.executable,
                    "VOCAB": "gpt2", "SHARD_ARGS": "--shard-tokens 3000 --val-tokens 1000",
                ]) { $1 }
                process.standardError = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                processes.append(process)
            }
            for (task, process) in processes.enumerated() {
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "array task \(task) of \(step)")
            }
        }
        try array(step: "count")
        let counts = (0..<world).map { "\(work)/counts/0000\($0).counts" }
        _ = try succeed(["count", "reduce"] + counts + ["-o", scratch.file("all.counts"), "--quiet"])
        _ = try succeed(["count", input, "-o", scratch.file("single.counts"), "--quiet"])
        #expect(try FileIO.read(scratch.file("all.counts")) == FileIO.read(scratch.file("single.counts")))

        try array(step: "shard")
        _ = try succeed(["shard", "merge", work + "/shards"])
        _ = try succeed(["shard", input, "--vocab", "gpt2", "--shard-tokens", "3000", "--val-tokens", "1000", "-o", scratch.file("single")])
        #expect(try Self.differences(scratch.file("single"), work + "/shards") == [])
    }
}
