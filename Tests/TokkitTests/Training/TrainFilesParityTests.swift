import Foundation
import Testing
import TokkitCore
import TokkitFormats
import TokkitIO
import TokkitText

/// `tokkit train --docs lines --keep-newlines` against Hugging Face's quick-tour call,
/// `tokenizer.train(files)`, which reads each line *with* its `\n` or `\r\n` (Rust's `read_line`):
/// merges pair for pair, on real text with LF and with CRLF line ends, run through the command line
/// as a user runs it. Fails (never skips) without python3 and `tokenizers`.
@Suite("HF tokenizer.train(files) parity: --keep-newlines (runs python3)", .serialized)
struct TrainFilesParityTests {
    let cli = CLITests()

    struct Case: Sendable, CustomTestStringConvertible {
        var lineEnd: String
        var pattern: String
        var vocabularySize: Int
        var testDescription: String { "\(lineEnd == "\r\n" ? "CRLF" : "LF") text, \(pattern) pattern, vocab \(vocabularySize)" }
    }

    /// 300 KB of English documentation, then lines that end in spaces or are blank (whose pieces the
    /// terminator changes under the GPT-2 pattern), with `lineEnd` after every line.
    static func text(lineEnd: String) throws -> [UInt8] {
        var lines = try Repository.corpusPrefix("public_en.txt", bytes: 300_000).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()
        for k in 0..<400 {
            lines.append(ArraySlice("item \(k) ends in spaces  ".utf8))
            lines.append([])
        }
        return Array(lines.map { Array($0) + Array(lineEnd.utf8) }.joined())
    }

    @Test("merges equal HF's train(files), and differ from training on stripped lines", arguments: [
        Case(lineEnd: "\n", pattern: "gpt2", vocabularySize: 2000),
        Case(lineEnd: "\r\n", pattern: "gpt2", vocabularySize: 2000),
        Case(lineEnd: "\n", pattern: "qwen2", vocabularySize: 2000),
    ])
    func parity(_ testCase: Case) throws {
        let scratch = Scratch()
        let input = scratch.file("corpus.txt")
        try FileIO.writeAtomically(try Self.text(lineEnd: testCase.lineEnd), to: input)
        let pattern = try #require(SplitPattern(name: testCase.pattern))

        let hf = scratch.file("hf.json")
        let python = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/hf_train.py"), input,
                                                         "--vocab", String(testCase.vocabularySize), "--from-files",
                                                         "--pattern", pattern.regex, "--output", hf])
        #expect(python.status == 0, "hf_train.py failed (needs python3 with tokenizers): \(python.stderr)")
        let theirs = try JSONDecoder().decode([[String]].self, from: Data(try FileIO.read(hf)))

        let kept = try merges(trainedOn: input, pattern: testCase.pattern, keepNewlines: true, vocabularySize: testCase.vocabularySize, in: scratch)
        let stripped = try merges(trainedOn: input, pattern: testCase.pattern, keepNewlines: false, vocabularySize: testCase.vocabularySize, in: scratch)
        #expect(theirs.count > 1000)
        #expect(kept.count == theirs.count)
        let first = zip(kept, theirs).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(first == nil, "first mismatch at merge \(first?.offset ?? -1): tokkit \(first?.element.0 ?? []) vs HF \(first?.element.1 ?? [])")
        // The planted difference: the same text as stripped lines gives other merges, so the comparison can fail.
        #expect(stripped != theirs, "training on stripped lines gave HF train(files)'s merges: the comparison could not tell")
    }

    @Test("--keep-newlines needs documents that are lines")
    func needsLines() throws {
        let scratch = Scratch()
        let result = try cli.tokkit(["train", Repository.path("fixtures/english-prose.txt"), "--docs", "paragraphs", "--keep-newlines",
                                     "--vocab-size", "300", "-o", scratch.file("out")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--keep-newlines needs documents that are lines"))
    }

    /// Runs `tokkit train` and reads the merges back from its tokenizer.json, as hex byte pairs.
    func merges(trainedOn input: String, pattern: String, keepNewlines: Bool, vocabularySize: Int, in scratch: Scratch) throws -> [[String]] {
        let folder = scratch.file(keepNewlines ? "kept" : "stripped")
        let result = try cli.tokkit(["train", input, "--docs", "lines", "--pattern", pattern, "--vocab-size", String(vocabularySize),
                                     "-o", folder, "--quiet", "--force"] + (keepNewlines ? ["--keep-newlines"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        let root = try JSONSerialization.jsonObject(with: Data(try FileIO.read(folder + "/tokenizer.json"))) as? [String: Any]
        guard let model = root?["model"] as? [String: Any], let merges = model["merges"] as? [[String]] else {
            throw TestSetupError("\(folder)/tokenizer.json has no model.merges list")
        }
        return try merges.map { pair in
            try pair.map { side in
                guard let bytes = ByteLevelAlphabet.decode(side) else { throw TestSetupError("merge side \(side) is not byte-level text") }
                return Self.hex(bytes)
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
