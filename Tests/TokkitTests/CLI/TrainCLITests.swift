import Foundation
import Testing
import Tokkit

/// `tokkit train` and `tokkit count` as a user runs them, including every bad input of the trainer issue.
@Suite("Command line: train and count")
struct TrainCLITests {
    let cli = CLITests()

    @Test("train on the fixtures, then encode with each written file")
    func trainThenEncode() throws {
        let scratch = Scratch()
        let result = try cli.tokkit(["train", Repository.path("fixtures"), "--vocab-size", "600", "--special", "<|endoftext|>",
                                     "-o", scratch.directory, "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("trained 343 merges, 600 ids"))
        let text = Array("The quick brown fox — 日本語 🙂".utf8)
        let viaJSON = try cli.tokkit(["encode", "--vocab", scratch.file("tokenizer.json")], stdin: text)
        let viaTiktoken = try cli.tokkit(["encode", "--vocab", scratch.file("vocab.tiktoken"), "--pattern", "gpt2"], stdin: text)
        let viaGPT2 = try cli.tokkit(["encode", "--vocab", scratch.file("encoder.json")], stdin: text)
        #expect(viaJSON.status == 0 && !viaJSON.stdout.isEmpty)
        #expect(viaJSON.stdout == viaTiktoken.stdout)
        #expect(viaJSON.stdout == viaGPT2.stdout)
        let special = try cli.tokkit(["encode", "--vocab", scratch.file("tokenizer.json"), "--allow-special", "all"],
                                     stdin: Array("<|endoftext|>".utf8))
        #expect(special.stdout == "599\n")
    }

    @Test("count files merge into the same vocabulary as training on the text directly")
    func countFiles() throws {
        let scratch = Scratch()
        let fixtures = Repository.fixtureNames.map { Repository.path("fixtures/\($0)") }
        let half = fixtures.count / 2
        #expect(try cli.tokkit(["count"] + fixtures[..<half] + ["-o", scratch.file("a.counts")]).status == 0)
        #expect(try cli.tokkit(["count"] + fixtures[half...] + ["-o", scratch.file("b.counts")]).status == 0)
        #expect(try cli.tokkit(["train", "--counts", scratch.file("a.counts"), scratch.file("b.counts"), "--vocab-size", "500",
                                "-o", scratch.file("from-counts")]).status == 0)
        #expect(try cli.tokkit(["train"] + fixtures + ["--vocab-size", "500", "-o", scratch.file("direct")]).status == 0)
        #expect(try FileIO.read(scratch.file("from-counts/tokenizer.json")) == FileIO.read(scratch.file("direct/tokenizer.json")))
    }

    @Test("bad input: each gets a clear error and no vocabulary file is left behind")
    func badInput() throws {
        let scratch = Scratch()
        let out = scratch.file("out")
        func train(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Subprocess.Result {
            try cli.tokkit(["train"] + arguments + ["-o", out, "--force"], stdin: stdin)
        }
        let empty = scratch.file("empty.txt")
        try FileIO.writeAtomically([], to: empty)
        let cases: [(arguments: [String], stdin: [UInt8]?, message: String)] = [
            ([empty, "--vocab-size", "300"], nil, "empty"),
            ([Repository.path("fixtures"), "--vocab-size", "200"], nil, "vocabulary size"),
            ([Repository.path("fixtures"), "--vocab-size", "300", "--special", "<a>", "--special", "<a>"], nil, "<a>"),
            ([scratch.file("missing.txt"), "--vocab-size", "300"], nil, "missing.txt"),
            (["-", "--jsonl-field", "text", "--vocab-size", "300"], Array("{\"text\": \"a\"}\nnot json\n".utf8), "<stdin>:2"),
            (["-", "--jsonl-field", "text", "--vocab-size", "300"], Array("{\"body\": \"a\"}\n".utf8), "no string field \"text\""),
            (["-", "--vocab-size", "300"], Array("ok\nbad \u{FF}".utf8).map { $0 == 0xC3 ? 0xFF : $0 }, "invalid UTF-8"),
        ]
        for (arguments, stdin, message) in cases {
            let result = try train(arguments, stdin: stdin)
            #expect(result.status != 0, "\(arguments) should fail")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out + "/tokenizer.json"), "\(arguments) left a vocabulary behind")
        }
        let skipped = try train(["-", "--jsonl-field", "text", "--vocab-size", "258", "--skip-bad-lines"],
                                stdin: Array("{\"text\": \"ab ab\"}\nnot json\n".utf8))
        #expect(skipped.status == 0, "\(skipped.stderr)")
        let lossy = try train(["-", "--vocab-size", "258", "--lossy"], stdin: [0x61, 0xFF, 0x62])
        #expect(lossy.status == 0, "\(lossy.stderr)")
    }

    @Test("an existing vocabulary is not overwritten without --force")
    func noOverwrite() throws {
        let scratch = Scratch()
        #expect(try cli.tokkit(["train", Repository.path("fixtures/english-prose.txt"), "--vocab-size", "300", "-o", scratch.directory]).status == 0)
        let again = try cli.tokkit(["train", Repository.path("fixtures/english-prose.txt"), "--vocab-size", "300", "-o", scratch.directory])
        #expect(again.status != 0 && again.stderr.contains("--force"))
    }
}
