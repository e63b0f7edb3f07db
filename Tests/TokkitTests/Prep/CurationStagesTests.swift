import Foundation
import Testing
import Tokkit
import TokkitCorpus
@testable import TokkitPrep

@Suite("Relevance, mixing and synthetic-data stages")
struct CurationStagesTests {
    @Test("FineWeb-Edu's rule rounds halves to even, as Python does", arguments: [
        (2.49, false), (2.5, false), (2.51, true), (3.5, true), (7.0, true), (-1.0, false),
    ])
    func fineWebEdu(_ score: Double, _ kept: Bool) {
        let document = Document(id: "d", text: "x", metadata: JSONObject([("score", .double(score))]))
        if case .keep = ScoreThreshold().decide(document) { #expect(kept) } else { #expect(!kept) }
    }

    @Test("a document without the score is missing, not kept")
    func missingScore() {
        #expect(ScoreThreshold().decide(Document(id: "d", text: "x")) == .missing)
    }

    @Test("include/exclude rules follow Dolma's keep rule, including its JSONPath guard form")
    func attributeRules() throws {
        let duplicate = Document(id: "a", text: "t", metadata: JSONObject([
            ("language_score", .double(0.9)),
            ("attributes", .object(JSONObject([("bff_duplicate", .array([.array([.integer(0), .integer(5), .double(1.0)])]))]))),
        ]))
        let unique = Document(id: "b", text: "t", metadata: JSONObject([("language_score", .double(0.5))]))
        let include = [try AttributeRule(parsing: "metadata.language_score >= 0.65")]
        let exclude = [try AttributeRule(parsing: "$.attributes[?(@.bff_duplicate && @.bff_duplicate[0] && @.bff_duplicate[0][2] >= 1.0)]")]
        #expect(!AttributeRule.keeps(duplicate, include: include, exclude: exclude))  // included, then excluded
        #expect(!AttributeRule.keeps(unique, include: include, exclude: exclude))     // not included
        #expect(AttributeRule.keeps(unique, include: [], exclude: exclude))           // a missing attribute never excludes
        #expect(throws: PrepError.self) { try AttributeRule(parsing: "language_score > 1") }
    }

    @Test("hash sampling: copies follow the rate, and the draw depends only on seed, source and id")
    func sampling() {
        let draws = (0..<20_000).map { MixRun.draw(seed: 3, source: "web", id: "doc-\($0)") }
        #expect(draws == (0..<20_000).map { MixRun.draw(seed: 3, source: "web", id: "doc-\($0)") })
        let copies = draws.map { MixRun.copies(rate: 2.25, draw: $0) }
        #expect(Set(copies) == [2, 3])
        let mean = Double(copies.reduce(0, +)) / Double(copies.count)
        #expect(abs(mean - 2.25) < 0.02)
        #expect(draws.map { MixRun.copies(rate: 0.1, draw: $0) }.filter { $0 == 1 }.count > 1_800)
    }

    @Test("a mix to a token budget writes about the budget, split by weight, and the same output on rerun")
    func mixToBudget() throws {
        let scratch = Scratch()
        func source(_ name: String, _ count: Int, words: Int) throws -> String {
            let path = scratch.file("\(name).jsonl")
            var out = ""
            for index in 0..<count {
                let text = (0..<words).map { "\(name)\($0 + index)" }.joined(separator: " ")
                out += String(decoding: try JSONSerialization.data(withJSONObject: ["id": "\(name)-\(index)", "text": text]), as: UTF8.self) + "\n"
            }
            try out.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let sources = [MixRun.Source(name: "web", input: CorpusInput(inputs: [try source("web", 400, words: 20)]), weight: 0.6),
                       MixRun.Source(name: "code", input: CorpusInput(inputs: [try source("code", 50, words: 20)]), weight: 0.4)]
        func run(_ directory: String, threads: Int) throws -> [MixRun.SourceReport] {
            var mix = MixRun(sources: sources, outputDirectory: directory) { $0.split(separator: " ").count }
            mix.budgetTokens = 4_000
            mix.threads = threads
            return try mix.run()
        }
        let reports = try run(scratch.file("a"), threads: 1)
        #expect(reports[0].targetTokens == 2_400 && reports[1].targetTokens == 1_600)
        #expect(reports[1].rate > 1)  // code is up-sampled: 1,000 tokens to 1,600
        for report in reports { #expect(abs(Double(report.written.tokens - report.targetTokens)) < 0.2 * Double(report.targetTokens)) }
        _ = try run(scratch.file("b"), threads: 4)
        for name in ["web", "code"] {
            #expect(FileManager.default.contents(atPath: scratch.file("a/\(name)/00000.jsonl"))
                    == FileManager.default.contents(atPath: scratch.file("b/\(name)/00000.jsonl")))
        }
    }

    @Test("a synthetic template expands to distinct OpenAI batch requests, and outputs come back as tagged documents")
    func synthetic() throws {
        let scratch = Scratch()
        try """
        name: textbook
        model: gpt-4o-mini
        system: You are a teacher.
        prompt: "Write a {format} about {topic} for {audience}."
        topics: [photosynthesis, binary search, photosynthesis]
        audiences: [children, experts]
        formats: [story]
        max_tokens: 512
        """.write(toFile: scratch.file("t.yaml"), atomically: true, encoding: .utf8)
        let template = try SyntheticTemplate.load(path: scratch.file("t.yaml"))
        let requests = try template.requests()
        #expect(requests.count == 4)  // 3 topics × 2 audiences, the repeated topic removed
        let line = String(decoding: template.batchLine(requests[0]), as: UTF8.self)
        #expect(line.hasPrefix("{\"custom_id\":\"textbook-"))
        #expect(line.contains("\"url\":\"/v1/chat/completions\"") && line.contains("Write a story about photosynthesis for children."))
        try "prompt: x\nname: n\nmodel: m\ncolour: red\n".write(toFile: scratch.file("bad.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: PrepError.self) { try SyntheticTemplate.load(path: scratch.file("bad.yaml")) }

        let output = """
        {"id":"b1","custom_id":"\(requests[0].id)","response":{"status_code":200,"body":{"model":"gpt-4o-mini","choices":[{"message":{"role":"assistant","content":"Plants make food from light."}}]}},"error":null}
        {"id":"b2","custom_id":"\(requests[1].id)","response":null,"error":{"code":"rate_limit","message":"slow down"}}
        """
        try output.write(toFile: scratch.file("out.jsonl"), atomically: true, encoding: .utf8)
        let summary = try SyntheticIngest(batchOutputs: [scratch.file("out.jsonl")], outputDirectory: scratch.file("docs")).run()
        #expect(summary.documents == 1 && summary.failed == 1 && summary.passed == 0)
        let written = String(decoding: FileManager.default.contents(atPath: scratch.file("docs/00000.jsonl")) ?? Data(), as: UTF8.self)
        #expect(written.contains("\"source\":\"synthetic\"") && written.contains("\"prompt_id\":\"\(requests[0].id)\""))
    }

    @Test("a run killed between an input's empty output file and its completion marker is marked by the resumed run")
    func emptyFileWithoutMarkerIsMarkedOnResume() throws {
        let scratch = Scratch()
        let inputs = [scratch.file("in0.txt"), scratch.file("in1.txt")]
        for input in inputs { #expect(FileManager.default.createFile(atPath: input, contents: Data("text\n".utf8))) }
        let directory = scratch.file("out")
        let fingerprint = CuratedOutput.fingerprint(stage: "test", settings: [], inputs: inputs)
        // A first run writes nothing for either input: finish gives both an empty file and a marker.
        try CuratedOutput(directory: directory, inputs: inputs, fingerprint: fingerprint).finish(fileCount: 2)
        let marker = directory + "/completions/00001"
        #expect(FileManager.default.fileExists(atPath: marker))
        // The moment of the kill: input 1's empty file renamed, its marker not yet written, the run unfinished.
        try FileManager.default.removeItem(atPath: marker)
        #expect(FileManager.default.createFile(atPath: directory + "/" + DocumentReader.incompleteMarker, contents: Data()))
        let resumed = try CuratedOutput(directory: directory, inputs: inputs, fingerprint: fingerprint, resume: true)
        #expect(resumed.isComplete(0) && !resumed.isComplete(1))
        try resumed.finish(fileCount: 2)
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(!FileManager.default.fileExists(atPath: directory + "/" + DocumentReader.incompleteMarker))
        #expect(FileManager.default.contents(atPath: directory + "/00001.jsonl") == Data())
    }

    @Test("a run killed before it recorded run.json left no output: the rerun starts, with --resume or without")
    func killedBeforeRunFileIsStartedAgain() throws {
        let scratch = Scratch()
        let inputs = [scratch.file("in0.txt")]
        #expect(FileManager.default.createFile(atPath: inputs[0], contents: Data("text\n".utf8)))
        let fingerprint = CuratedOutput.fingerprint(stage: "test", settings: [], inputs: inputs)
        for resume in [true, false] {
            // The moment of the kill: the directory and its removed/ folder made, run.json still under its temporary name.
            let directory = scratch.file("out-\(resume)")
            try FileManager.default.createDirectory(atPath: directory + "/removed", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: directory + "/.run.json.tmp-4242", contents: Data(fingerprint.utf8)))
            // Another rank recording run.json right now: its temporary stays.
            let live = directory + "/.run.json.tmp-\(getppid())"
            #expect(FileManager.default.createFile(atPath: live, contents: Data(fingerprint.utf8)))
            let output = try CuratedOutput(directory: directory, writeRemoved: true, inputs: inputs, fingerprint: fingerprint, resume: resume)
            try output.finish(fileCount: 1)
            #expect(FileManager.default.contents(atPath: directory + "/run.json") == Data(fingerprint.utf8))
            #expect(FileManager.default.fileExists(atPath: directory + "/completions/00000"))
            // The killed run's temporary is gone (a killed prep run left it in CurationFailureTests' output).
            #expect(kill(4242, 0) == 0 || FileManager.default.fileExists(atPath: directory + "/.run.json.tmp-4242") == false)
            #expect(FileManager.default.fileExists(atPath: live))
        }
        // Anything else in the directory still makes it another run's, and a folder with files in it counts.
        let other = scratch.file("other")
        try FileManager.default.createDirectory(atPath: other + "/removed", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: other + "/removed/00000.jsonl", contents: Data("{}\n".utf8)))
        #expect(throws: PrepError.outputNotEmpty(directory: other)) {
            try CuratedOutput(directory: other, inputs: inputs, fingerprint: fingerprint)
        }
        #expect(throws: PrepError.invalidConfiguration("\(other): cannot resume: no run.json (not written by a resumable curation run)")) {
            try CuratedOutput(directory: other, inputs: inputs, fingerprint: fingerprint, resume: true)
        }
    }
}
