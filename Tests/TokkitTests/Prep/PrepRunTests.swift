import Foundation
import Testing
import TokkitTestSupport
import TokkitCorpus
import TokkitPrep
import TokkitIO

/// A whole `tokkit prep` run on hand-made JSONL: the same bytes for any thread count, another run's
/// directory refused, --resume, a stage that stops the run leaving nothing under a final name, the
/// configuration errors, and --explain on the command line.
@Suite("Prep runs: determinism, resume, failures and errors")
struct PrepRunTests {
    static let vocabulary = ("the of and to with that have be river mountain city people language music history garden winter "
        + "summer teacher student village market bridge forest ocean window letter morning evening story journey "
        + "question answer kitchen doctor farmer painter library station").split(separator: " ").map(String.init)

    /// A document the FineWeb chain keeps (ten lines of ordinary words in random order, so no n-gram
    /// repeats much), one too short for Gopher quality, or one of repeated lines.
    static func document(_ index: Int, _ rng: inout SeededGenerator) -> String {
        var record = JSONObject()
        record["id"] = .string("doc-\(index)")
        let lines = (0..<10).map { _ in
            "The " + (0..<12).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }.joined(separator: " ") + "."
        }
        switch index % 4 {
        case 0: record["text"] = .string(lines.joined(separator: "\n") + "\nWrite to someone\(index)@example.com or 8.8.\(index % 200).1 today.")
        case 1: record["text"] = .string(lines.prefix(3).joined(separator: "\n"))
        case 2: record["text"] = .string(Array(repeating: lines[0], count: 10).joined(separator: "\n"))
        default: record["text"] = .string(lines.joined(separator: "\n")); record["url"] = .string("https://www.example.com/page/\(index)")
        }
        return String(decoding: JSONWriter.bytes(.object(record)), as: UTF8.self)
    }

    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
    }

    static func inputs(_ scratch: Scratch) throws -> [String] {
        var rng = SeededGenerator(state: 16)
        let directory = scratch.file("in")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in 0..<3 {
            let lines = (0..<150).map { document(file * 1000 + $0, &rng) }
            try FileSystem.write(lines.joined(separator: "\n") + "\n", to: directory + "/part-\(file).jsonl")
        }
        return [directory]
    }

    static func run(_ inputs: [String], _ output: String, threads: Int, resume: Bool = false, fingerprint: String = "test",
                    stages: [Stage]? = nil) throws -> RunStatistics {
        var configuration = PrepConfiguration(preset: "fineweb-datatrove")
        configuration.blocklists = Repository.path("fixtures/prep/blocklists")
        var options = PrepRun.Options(inputs: inputs, outputDirectory: output, plan: try RankPartition(rank: 0, worldSize: 1), fingerprint: fingerprint)
        options.threads = threads
        options.resume = resume
        options.writeDropped = true
        options.batchSize = 37
        let run = PrepRun(options: options, processor: DocumentProcessor(stages: try stages ?? configuration.stages()))
        var reports = 0
        run.progress = { _, _, _, _ in reports += 1 }
        let statistics = try run.run()
        if !resume { #expect(reports > 0, "the progress callback is called after each batch") }
        return statistics
    }

    static func files(_ directory: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for sub in ["", "removed/"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/" + sub) where name.hasSuffix(".jsonl") {
                files[sub + name] = try FileSystem.read(directory + "/" + sub + name)
            }
        }
        return files
    }

    @Test("the FineWeb chain writes the same files and counts for 1 and 3 threads, and keeps, drops and redacts")
    func sameOutputForAnyThreadCount() throws {
        let scratch = Scratch()
        let inputs = try Self.inputs(scratch)
        let one = try Self.run(inputs, scratch.file("one"), threads: 1)
        let three = try Self.run(inputs, scratch.file("three"), threads: 3)
        let files = try Self.files(scratch.file("one"))
        #expect(files.count == 6)
        #expect(try Self.files(scratch.file("three")) == files)
        for (a, b) in zip(one.stages, three.stages) {
            #expect(a.name == b.name && a.documentsIn == b.documentsIn && a.documentsOut == b.documentsOut && a.bytesOut == b.bytesOut)
            #expect(a.drops.entries.map(\.name) == b.drops.entries.map(\.name) && a.drops.entries.map(\.count) == b.drops.entries.map(\.count))
        }
        let kept = String(decoding: files["00000.jsonl"] ?? [], as: UTF8.self)
        #expect(kept.contains("email@example.com") && !kept.contains("@example.com or 8.8."))
        let gopher = one.stages.first { $0.name == "gopher_quality" }
        #expect((gopher?.drops["gopher_short_doc"] ?? 0) >= 100)
        #expect((one.stages.last?.documentsOut ?? 0) >= 200, "the ordinary documents are kept")
        #expect((one.stages.first { $0.name == "gopher_repetition" }?.drops.total ?? 0) > 0)
        #expect((one.stages.first { $0.name == "url_filter" }?.counters["no_url"] ?? 0) > 0)
    }

    @Test("another run's directory is refused; --resume with the same configuration skips the finished inputs")
    func resumeAndRefuse() throws {
        let scratch = Scratch()
        let inputs = try Self.inputs(scratch)
        let output = scratch.file("out")
        _ = try Self.run(inputs, output, threads: 2)
        let before = try Self.files(output)
        #expect(throws: PrepError.outputNotEmpty(directory: output)) { try Self.run(inputs, output, threads: 2, fingerprint: "other") }
        #expect(throws: PrepError.outputNotEmpty(directory: output)) { try Self.run(inputs, output, threads: 2) }
        let resumed = try Self.run(inputs, output, threads: 2, resume: true)
        #expect(resumed.reader["files_skipped_complete"] == 3)
        #expect(try Self.files(output) == before)
    }

    @Test("a stage that cannot decide stops the run with file and document, leaving no file under a final name")
    func failureLeavesNothing() throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("lists"), withIntermediateDirectories: true)
        try FileSystem.write("kernel\n", to: scratch.file("lists/en"))
        try FileSystem.write("{\"text\":\"a kernel\",\"language\":\"en\"}\n{\"text\":\"x\",\"language\":\"pl\"}\n", to: scratch.file("in.jsonl"))
        let stages: [Stage] = [.badWords(try BannedWordsFilter(directory: scratch.file("lists")))]
        let error = #expect(throws: PrepError.self) {
            try Self.run([scratch.file("in.jsonl")], scratch.file("out"), threads: 1, stages: stages)
        }
        #expect(error == .stageFailed(path: scratch.file("in.jsonl"), document: scratch.file("in.jsonl") + "/1",
                                      message: "bad_words: bad_words has no list for language \"pl\" (lists: en); add one, or set fail_on_missing_language: false to let such documents pass"))
        let left = try FileManager.default.subpathsOfDirectory(atPath: scratch.file("out"))
        #expect(!left.contains { $0.hasSuffix(".jsonl") || $0.hasPrefix("completions/") && $0.count > "completions/".count })
    }

    @Test("configuration errors name the stage, parameter, preset or list, the YAML line and the valid choices")
    func configurationErrors() throws {
        let scratch = Scratch()
        func load(_ yaml: String) throws -> [Stage] {
            try FileSystem.write(yaml, to: scratch.file("c.yaml"))
            return try PrepConfiguration.load(path: scratch.file("c.yaml")).stages()
        }
        try expectUnknown(kind: "stage", name: "gopher", line: 3, valid: Stage.names + PrepConfiguration.corpusStageNames) {
            try load("stages:\n  - gopher_quality\n  - gopher\n")
        }
        try expectUnknown(kind: "preset", name: "finewebb", line: 1, valid: ["fineweb", "fineweb-datatrove"]) { try load("preset: finewebb\n") }
        try expectUnknown(kind: "bad_words parameter", name: "language", line: 3,
                          valid: ["list", "lists", "default_language", "fail_on_missing_language", "keep_fraction", "seed", "version"]) {
            try load("stages:\n  - bad_words:\n      language: en\n")
        }
        #expect(throws: PrepError.unreadableList(path: scratch.file("nowhere"), reason: "not a readable directory of per-language lists")) {
            try load("stages:\n  - bad_words: {lists: \(scratch.file("nowhere"))}\n")
        }
        #expect(throws: PrepError.unreadableList(path: scratch.file("nowhere"), reason: "not a directory of block lists")) {
            try load("preset: fineweb\nblocklists: \(scratch.file("nowhere"))\n")
        }
    }

    @Test("tokkit prep --explain prints every stage's measurements and the decision, script and bad words included")
    func explain() throws {
        let scratch = Scratch()
        try FileSystem.write("stages:\n  - script: {scripts: [Latn]}\n  - bad_words: {lists: \(Repository.path("fixtures/prep/badwords"))}\n",
                             to: scratch.file("c.yaml"))
        try FileSystem.write("{\"id\":\"ru\",\"text\":\"Этот файл пуст.\"}\n{\"id\":\"de\",\"text\":\"Die Datei ist leer.\",\"language\":\"de\"}\n",
                             to: scratch.file("d.jsonl"))
        let result = try TokkitCommand.run(["prep", scratch.file("c.yaml"), scratch.file("d.jsonl"), "--explain"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("DROP script_share") && result.stdout.contains("dominant_script=Cyrl"))
        #expect(result.stdout.contains("DROP document_removed_with_badwords") && result.stdout.contains("language=de"))
    }
}

/// Expects an unknown-name error with this kind, name and valid list, at `line` of the YAML (Yams counts
/// lines from 1 or 0 depending on the version, so either is accepted), and a message showing them.
func expectUnknown(kind: String, name: String, line: Int, valid: [String], sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () throws -> Any) throws {
    do {
        _ = try body()
        Issue.record("no error for the unknown \(kind) \(name)", sourceLocation: sourceLocation)
    } catch let error as PrepError {
        guard case .unknownName(let gotKind, let gotName, let gotLine, let gotValid) = error else {
            Issue.record("\(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(gotKind == kind && gotName == name && gotValid == valid, sourceLocation: sourceLocation)
        #expect(gotLine == line || gotLine == line - 1, "line \(gotLine.map(String.init) ?? "none")", sourceLocation: sourceLocation)
        #expect(error.description.contains("line ") && error.description.contains(valid.joined(separator: ", ")), sourceLocation: sourceLocation)
    }
}
