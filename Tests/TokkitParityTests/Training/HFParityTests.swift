import Foundation
import Testing
import Tokkit

/// Live parity with Hugging Face `tokenizers`: the reference scripts pre-split the documents with
/// the GPT-2 pattern (Python `regex`) into a count file and train HF's `BpeTrainer` on the same
/// documents; we train on the count file and compare the merge lists as bytes.
///
/// These tests fail (never skip) when `python3`, `tokenizers` or `regex` is missing: parity is
/// the trainer's contract. Real text comes from the public corpus (`Repository.corpusFile`).
@Suite("HF BpeTrainer parity (runs python3)", .serialized)
struct HFParityTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let scripts = root.appendingPathComponent("scripts/reference")
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/parity_small.txt")

    struct Case: Sendable, CustomTestStringConvertible {
        var vocabularySize: Int
        var minFrequency: UInt64 = 0
        var specials: [String] = []
        var maxTokenLength: Int? = nil
        var testDescription: String {
            "vocab \(vocabularySize), min \(minFrequency), specials \(specials), max \(maxTokenLength.map(String.init) ?? "-")"
        }
    }

    @Test("matches HF merge for merge on the committed small text", arguments: [
        Case(vocabularySize: 600),
        Case(vocabularySize: 2000),
        Case(vocabularySize: 700, minFrequency: 2),
        Case(vocabularySize: 700, specials: ["<|endoftext|>", "<pad>"]),
        Case(vocabularySize: 700, maxTokenLength: 4),
    ])
    func smallText(_ testCase: Case) throws {
        try checkParity(document: Self.fixture, lines: nil, testCase)
    }

    @Test("matches HF merge for merge on 20 000 lines of real text at vocabulary 4096")
    func realText() throws {
        try checkParity(document: URL(fileURLWithPath: Repository.corpusFile("public_en.txt")), lines: 20_000,
                        Case(vocabularySize: 4096))
    }

    func checkParity(document: URL, lines: Int?, _ testCase: Case) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("tokkit-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let countsPath = work.appendingPathComponent("words.counts").path
        let mergesPath = work.appendingPathComponent("hf.json").path
        let lineArguments = lines.map { ["--lines", String($0)] } ?? []

        try runPython(["split_count.py", document.path, countsPath] + lineArguments)
        var hfArguments = ["hf_train.py", document.path, "--vocab", String(testCase.vocabularySize),
                           "--min-frequency", String(testCase.minFrequency), "--output", mergesPath] + lineArguments
        for special in testCase.specials { hfArguments += ["--special", special] }
        if let length = testCase.maxTokenLength { hfArguments += ["--max-token-length", String(length + 1)] }
        try runPython(hfArguments)

        let counts = try WordCounts(deserializing: Array(try Data(contentsOf: URL(fileURLWithPath: countsPath))),
                                    source: countsPath)
        let configuration = TrainerConfiguration(
            vocabularySize: testCase.vocabularySize, minFrequency: testCase.minFrequency,
            specialTokens: testCase.specials.map { Array($0.utf8) }, maxTokenLength: testCase.maxTokenLength)
        let ours = try BPETrainer(configuration).train(counts).mergedBytes.map { [hex($0.left), hex($0.right)] }
        let theirs = try JSONDecoder().decode([[String]].self, from: Data(contentsOf: URL(fileURLWithPath: mergesPath)))

        #expect(ours.count == theirs.count)
        let first = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(first == nil, "first mismatch at merge \(first?.offset ?? -1): tokkit \(first?.element.0 ?? []) vs HF \(first?.element.1 ?? [])")
        #expect(theirs.count > 100)
    }

    func runPython(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scripts.appendingPathComponent(arguments[0]).path] + arguments.dropFirst()
        process.currentDirectoryURL = Self.scripts
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0,
                "python3 \(arguments[0]) failed (needs python3 with `tokenizers` and `regex`): \(String(decoding: message, as: UTF8.self))")
        if process.terminationStatus != 0 { throw ParityError.pythonFailed(arguments[0]) }
    }

    enum ParityError: Error { case pythonFailed(String) }

    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
