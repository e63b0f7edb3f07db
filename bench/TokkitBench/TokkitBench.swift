import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import Tokkit
import TokkitVerification

/// The Swift side of `bench/encode_bench.py`: each subcommand times one thing on a file already in
/// memory and prints one JSON object, so the script can compare it with the anchors measured in the
/// same run. Not a test: correctness is the test suite's job (and the script verifies ids).
@main
struct TokkitBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokkit-bench",
        abstract: "Time tokkit's encoder, pre-splitters and decoder for bench/encode_bench.py.",
        subcommands: [EncodeBench.self, EncodeDocumentsBench.self, EncodeWarmBench.self, CutBench.self, PresplitBench.self, DecodeBench.self, LoadBench.self, Differential.self, ExportHF.self])
}

struct Common: ParsableArguments {
    @Option(help: "Vocabulary name or file.") var vocab = "gpt2"
    @Option(help: "Input text file.") var file: String
    @Option(help: "auto | icu | scanner") var engine: RegexEngine = .auto
    @Option(help: "Best of this many runs.") var repeats = 3

    func text() throws -> [UInt8] { try FileIO.read(file) }
    func tokenizer() throws -> Tokenizer { try TokenizerLoader.load(vocab, engine: engine) }
}

extension RegexEngine: ExpressibleByArgument {}

/// Seconds of CPU the process has used: on a shared machine, the measure that other processes'
/// load does not inflate (for one thread; for several it sums their time).
func processCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// The best wall-clock and the best CPU time of `repeats` runs of `body` (`before` each, off the clock).
func bestTimes(_ repeats: Int, before: () -> Void = {}, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let runs = try timesOfRuns(repeats, before: before, body)
    return (runs.map(\.wall).min() ?? .infinity, runs.map(\.cpu).min() ?? .infinity)
}

/// The wall-clock and CPU time of each of `repeats` runs of `body` (at least one), in order. `before` runs
/// ahead of each, off the clock: it drops the previous run's result, as the Python benches free every
/// tool's result after its clock stops. Dropped inside the clock by the next run's assignment, tens of
/// megabytes of ids were unmapped there (a few ms), and they were still mapped while that run allocated its
/// own, so glibc mapped fresh pages again instead of reusing freed ones.
func timesOfRuns(_ repeats: Int, before: () -> Void = {}, _ body: () throws -> Void) rethrows -> [(wall: Double, cpu: Double)] {
    try (0..<max(1, repeats)).map { _ in
        before()
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = processCPUSeconds()
        try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, processCPUSeconds() - cpuStart)
    }
}

/// `--warm-up N`: runs before the timed ones, left out of the best. `bench/encode_bench.py --peers` times the run after k
/// of them in its round k, so that tokkit's call of round k is its process's call k + 1, as each in-process peer's is.
struct WarmUp: ParsableArguments {
    @Option(name: .customLong("warm-up"), help: "Untimed runs before the timed repeats, left out of the best (bench/encode_bench.py --peers: k in its round k).")
    var count = 0

    func validate() throws {
        if count < 0 { throw ValidationError("--warm-up must be 0 or more") }
    }

    /// Every run, the warm-up ones first (`timesOfRuns`), and the best wall and CPU time of the `repeats` after them.
    func times(repeats: Int, before: () -> Void = {}, _ body: () throws -> Void) rethrows
        -> (runs: [(wall: Double, cpu: Double)], wall: Double, cpu: Double) {
        let runs = try timesOfRuns(count + max(1, repeats), before: before, body)
        let timed = runs.dropFirst(count)
        return (runs, timed.map(\.wall).min() ?? .infinity, timed.map(\.cpu).min() ?? .infinity)
    }
}

/// The best wall-clock time of `repeats` runs of `body`.
func bestTime(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try bestTimes(repeats, body).wall
}

func printJSON(_ fields: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}

struct EncodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encode",
        abstract: "Encode the whole file as one text (encode_ordinary); threads > 1 cut it with StreamingEncoder.")
    @OptionGroup var common: Common
    @Option(help: "Worker threads.") var threads = 1
    @Flag(help: "Use StreamingEncoder even for one thread.") var streaming = false
    @Option(help: "Write the ids here as little-endian uint32, for the script to compare.") var ids: String?
    @Flag(help: "One thread: keep one merger, and so its piece cache, across the repeats (a warm encoder, as a long-lived process or a Python handle has).")
    var keepCache = false
    /// The first of all runs is still reported, as first_cpu_mbps.
    @OptionGroup var warmUp: WarmUp

    func validate() throws {
        if keepCache && (threads != 1 || streaming) { throw ValidationError("--keep-cache is for one thread without --streaming") }
    }

    func run() throws {
        let tokenizer = try common.tokenizer()
        let text = try common.text()
        // The stream's ids stay in the arrays `feed` and `finish` return until timing ends: appending
        // the few ids of `finish` to the tens of megabytes of `feed` reallocated and copied them all,
        // 20-30 ms of serial harness work inside the timed region.
        var parts: [[TokenID]] = []
        var merger = BytePairMerger()
        let specials = tokenizer.prepareSpecials(allowed: .none, disallowed: .none)
        // The stream's input, checked once here, before the clock (see below); the one-thread path needs none.
        var string = ""
        if threads > 1 || streaming {
            guard let checked = String(validating: text, as: UTF8.self) else { throw ValidationError("\(common.file) is not UTF-8") }
            string = checked
        }
        let (runs, seconds, cpu) = try warmUp.times(repeats: common.repeats, before: { parts = [] }) {
            if threads == 1 && !streaming && keepCache {
                // As `encode(validUTF8:)` reserves, so that the two differ only in the merger kept.
                var kept: [TokenID] = []
                kept.reserveCapacity(text.count / 2 + 1)
                try text.withUnsafeBufferPointer { try tokenizer.encode(validUTF8: $0, specials: specials, merger: &merger, into: &kept) }
                parts = [kept]
            } else if threads == 1 && !streaming {
                parts = [try text.withUnsafeBufferPointer { try tokenizer.encode(validUTF8: $0, disallowedSpecial: .none) }]
            } else {
                // Chunk by chunk, as `tokkit encode` takes them, and as the peers' batch calls return their cuts' ids; fed
                // as a string, checked once before the clock, as the one-thread path's `encode(validUTF8:)` and the
                // peers' `str` are.
                let stream = StreamingEncoder(tokenizer: tokenizer, disallowedSpecial: .none, threads: threads)
                parts = try stream.feedChunks(string) + stream.finishChunks()
            }
        }
        let result = Array(parts.joined())
        if let ids {
            let bytes = result.withUnsafeBytes { Array($0) }
            try FileIO.writeAtomically(bytes, to: ids)
        }
        printJSON(["bytes": text.count, "tokens": result.count, "seconds": seconds, "threads": threads,
                   "mbps": Double(text.count) / seconds / 1e6, "cpu_mbps": Double(text.count) / cpu / 1e6,
                   // The process' first encode: what a user's one call costs (no repeat has warmed anything yet).
                   "first_cpu_mbps": Double(text.count) / runs[0].cpu / 1e6, "keep_cache": keepCache,
                   // Every run's seconds, the warm-up ones first: what the best hides (a slow mode, a trend).
                   "wall_runs": runs.map(\.wall), "cpu_runs": runs.map(\.cpu)])
    }
}

struct EncodeDocumentsBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encode-docs",
        abstract: "Each line one document: the flat batch path against one text, interleaved, CPU time (ids checked equal).")
    @OptionGroup var common: Common
    @Option(help: "Worker threads of the batch.") var threads = 1
    @Flag(help: "Time the flat batch only, without checking (for perf record and the --peers per-document columns).") var batchOnly = false
    @Option(help: "With --batch-only: write the batch's ids here as little-endian uint32, for the script to compare.") var ids: String?
    @Option(help: "With --batch-only: write the batch's document offsets here as little-endian uint64.") var offsets: String?
    /// With --batch-only.
    @OptionGroup var warmUp: WarmUp

    func run() throws {
        let tokenizer = try common.tokenizer()
        let text = try common.text()
        // The documents of `tokkit encode --docs lines`: each line without its "\n", back to back.
        var flat: [UInt8] = [], boundaries = [0]
        flat.reserveCapacity(text.count)
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            flat += line
            boundaries.append(flat.count)
        }
        if text.last == UInt8(ascii: "\n") { boundaries.removeLast() }
        var single: [TokenID] = [], batch = EncodedDocuments(), arrays: [[TokenID]] = []
        var times = (single: Double.infinity, batch: Double.infinity, arrays: Double.infinity)
        let specials = tokenizer.prepareSpecials(allowed: .none, disallowed: .none)
        if batchOnly {
            // The documents are cut outside the clock, as a Python caller's list of lines is built
            // before its batch call; inside: checking each document's UTF-8, encoding, the flat ids.
            let (_, seconds, cpu) = try warmUp.times(repeats: common.repeats, before: { batch = EncodedDocuments() }) {
                batch = try tokenizer.encodeDocuments(flat, boundaries: boundaries, disallowedSpecial: .none, threads: threads)
            }
            if let ids { try FileIO.writeAtomically(batch.ids.withUnsafeBytes { Array($0) }, to: ids) }
            if let offsets {
                try FileIO.writeAtomically(batch.offsets.map { UInt64($0).littleEndian }.withUnsafeBytes { Array($0) }, to: offsets)
            }
            printJSON(["bytes": text.count, "document_bytes": flat.count, "documents": boundaries.count - 1, "threads": threads,
                       "batch_mbps": Double(flat.count) / seconds / 1e6, "batch_cpu_mbps": Double(flat.count) / cpu / 1e6,
                       "batch_seconds": seconds, "batch_cpu_seconds": cpu])
            return
        }
        // Interleaved, best CPU time of each: the machine's load moves between rounds, not within one. Both sides are the
        // public calls on bytes, each checking its UTF-8 (`encode(bytes:)`, `encodeDocuments`): until session 47 the one
        // text skipped the check (`encode(validUTF8:)`) and the batch did not, 1.4% of the batch's time (cl100k, public_en).
        for _ in 0..<max(1, common.repeats) {
            times.single = min(times.single, try bestTimes(1, before: { single = [] }) {
                single = try tokenizer.encode(bytes: text, disallowedSpecial: .none)
            }.cpu)
            times.batch = min(times.batch, try bestTimes(1, before: { batch = EncodedDocuments() }) {
                batch = try tokenizer.encodeDocuments(flat, boundaries: boundaries, disallowedSpecial: .none, threads: threads)
            }.cpu)
            // The way per-document encoding went before the flat path: one array per document in and out.
            times.arrays = min(times.arrays, try bestTimes(1, before: { arrays = [] }) {
                var merger = BytePairMerger()
                arrays = try (0..<boundaries.count - 1).map { index in
                    let document = Array(flat[boundaries[index]..<boundaries[index + 1]])
                    var ids: [TokenID] = []
                    ids.reserveCapacity(document.count / 3 + 1)
                    try document.withUnsafeBufferPointer {
                        try tokenizer.encode(validUTF8: $0, specials: specials, merger: &merger, into: &ids)
                    }
                    return ids
                }
            }.cpu)
        }
        guard batch.documents == arrays else { throw ValidationError("the flat batch's ids differ from per-document encoding") }
        printJSON(["bytes": text.count, "document_bytes": flat.count, "documents": boundaries.count - 1, "threads": threads,
                   "single_cpu_mbps": Double(text.count) / times.single / 1e6,
                   "batch_cpu_mbps": Double(flat.count) / times.batch / 1e6,
                   "arrays_cpu_mbps": Double(flat.count) / times.arrays / 1e6,
                   "single_tokens": single.count, "batch_tokens": batch.ids.count])
    }
}

struct PresplitBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presplit", abstract: "Pre-split only; count pieces.")
    @OptionGroup var common: Common
    @Option(help: "gpt2 | cl100k | o200k | qwen2") var pattern = "gpt2"

    func run() throws {
        guard let named = SplitPattern(name: pattern) else { throw ValidationError("unknown pattern \(pattern)") }
        let splitter = try common.engine.preTokenizer(for: named)
        let text = try common.text()
        var pieces = 0
        let seconds = try bestTime(common.repeats) {
            pieces = 0
            try splitter.forEachPiece(in: text.span) { _, _ in pieces += 1 }
        }
        printJSON(["bytes": text.count, "pieces": pieces, "seconds": seconds, "mbps": Double(text.count) / seconds / 1e6])
    }
}

struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Decode the file's ids to bytes; MB/s of output.")
    @OptionGroup var common: Common

    func run() throws {
        let tokenizer = try common.tokenizer()
        let text = try common.text()
        let ids = try text.withUnsafeBufferPointer { try tokenizer.encode(validUTF8: $0, disallowedSpecial: .none) }
        let threads = Parallelism.processorCount
        var bytes: [UInt8] = [], reused: [UInt8] = [], shared: [UInt8] = []
        // Interleaved: a fresh array per decode (all cores); one buffer reused on one thread (`appendBytes`,
        // one pass); and one buffer reused on all cores (`appendBytes(threads:)`, as `tokkit decode` does).
        var fresh = (wall: Double.infinity, cpu: Double.infinity), again = fresh, parallel = fresh
        for _ in 0..<max(1, common.repeats) {
            let one = try bestTimes(1, before: { bytes = [] }) { bytes = try tokenizer.decodeBytes(ids) }
            fresh = (min(fresh.wall, one.wall), min(fresh.cpu, one.cpu))
            let other = try bestTimes(1) {
                reused.removeAll(keepingCapacity: true)
                try tokenizer.vocabulary.appendBytes(of: ids, to: &reused)
            }
            again = (min(again.wall, other.wall), min(again.cpu, other.cpu))
            let all = try bestTimes(1) {
                shared.removeAll(keepingCapacity: true)
                try tokenizer.vocabulary.appendBytes(of: ids, to: &shared, threads: threads)
            }
            parallel = (min(parallel.wall, all.wall), min(parallel.cpu, all.cpu))
        }
        guard bytes == text, reused == text, shared == text else { throw ValidationError("decoded bytes differ from the input") }
        printJSON(["bytes": bytes.count, "tokens": ids.count, "seconds": fresh.wall, "mbps": Double(bytes.count) / fresh.wall / 1e6,
                   "cpu_mbps": Double(bytes.count) / fresh.cpu / 1e6, "threads": threads,
                   "reused_mbps": Double(bytes.count) / again.wall / 1e6, "reused_cpu_mbps": Double(bytes.count) / again.cpu / 1e6,
                   "parallel_reused_mbps": Double(bytes.count) / parallel.wall / 1e6,
                   "parallel_reused_cpu_mbps": Double(bytes.count) / parallel.cpu / 1e6])
    }
}

struct LoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load",
        abstract: "Load bundled vocabularies into a Tokenizer without the rank-table cache and from it; ms of wall and CPU.")
    @Option(help: "The rank-table cache folder to fill and read.") var cache: String
    @Option(help: "Best of this many runs.") var repeats = 5
    @Argument(help: "Bundled vocabulary names.") var names = ["gpt2", "cl100k_base", "o200k_base", "qwen2", "p50k_base"]

    func run() throws {
        guard let folder = VocabularyDirectory.locate() else { throw ValidationError("bundled vocabularies not found") }
        let cached = RankTableCache(directory: cache)
        var rows: [[String: Any]] = []
        for name in names {
            guard let named = NamedVocabulary.named(name) else { throw ValidationError("unknown vocabulary \(name)") }
            let cold = try bestTimes(repeats) { _ = try Tokenizer(vocabulary: named.load(cache: .disabled), pattern: named.pattern) }
            _ = try named.load(cache: cached)
            var outcome = RankTableCache.Outcome.hit
            let warm = try bestTimes(repeats) {
                let loaded = try cached.loadReporting(path: folder + "/" + named.fileName, sha256: named.sha256,
                                                      specialTokens: named.specialTokens)
                if loaded.outcome != .hit { outcome = loaded.outcome }
                _ = try Tokenizer(vocabulary: loaded.vocabulary, pattern: named.pattern)
            }
            guard outcome == .hit else { throw ValidationError("\(name): the cache was not used: \(outcome)") }
            rows.append(["name": name, "cold_ms": cold.wall * 1e3, "cold_cpu_ms": cold.cpu * 1e3,
                         "warm_ms": warm.wall * 1e3, "warm_cpu_ms": warm.cpu * 1e3])
        }
        printJSON(["vocabularies": rows])
    }
}

struct Differential: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "differential",
        abstract: "Compare each scanner with ICU on N seeded adversarial strings per pattern.")
    @Option(help: "Strings per pattern.") var count = 10_000_000
    @Option(help: "Worker threads.") var threads = Parallelism.processorCount
    @Option(help: "Seed.") var seed: UInt64 = 2026

    func run() throws {
        let alphabet = AdversarialText()
        var report: [String: Any] = [:]
        for pattern in [SplitPattern.gpt2, .cl100k, .o200k] {
            guard let scanner = pattern.scanner else { continue }
            let icu = try RegexPreTokenizer(pattern)
            let compared = Atomic<Int>(0)
            let mismatches = Mutex<[String]>([])
            let perWorker = (count + threads - 1) / threads
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                var random = SplitMix64(seed: seed &+ UInt64(worker) &* 1_000_003)
                for _ in 0..<min(perWorker, count - worker * perWorker) {
                    let text = alphabet.string(maxLength: 24, using: &random)
                    do {
                        if let mismatch = try SplitComparison.firstMismatch(scanner, icu, on: text) {
                            mismatches.withLock { $0.append(mismatch.description) }
                        }
                    } catch {
                        mismatches.withLock { $0.append("\(error)") }
                    }
                    compared.add(1, ordering: .relaxed)
                }
            }
            let found = mismatches.withLock { $0 }
            report[pattern.description] = ["compared": compared.load(ordering: .relaxed), "mismatches": found.count,
                                           "first": found.first ?? "",
                                           "seconds": Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9]
        }
        printJSON(report)
    }
}

struct ExportHF: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export-hf", abstract: "Write a bundled vocabulary as tokenizer.json.")
    @Option(help: "Vocabulary name.") var vocab = "gpt2"
    @Option(help: "Output path.") var output: String

    func run() throws {
        let tokenizer = try TokenizerLoader.load(vocab)
        try HuggingFaceTokenizerFile.write(tokenizer.vocabulary, pattern: tokenizer.pattern, to: output)
    }
}
