import Foundation
import Testing
import Tokkit

/// `tokkit compare` and `tokkit roundtrip`, run as a user runs them.
@Suite("Command line: compare and roundtrip")
struct CompareCLITests {
    func tokkit(_ arguments: [String]) throws -> Subprocess.Result { try CLITests().tokkit(arguments) }

    static let threeVocabularies = ["--vocab", "gpt2", "--vocab", "cl100k_base",
                                    "--vocab", Repository.path("vocabularies/gpt2.tiktoken") + ",pattern=o200k"]

    /// Regenerate after a change to the fixtures or the report with:
    /// `swift run tokkit compare --vocab gpt2 --vocab cl100k_base --vocab vocabularies/gpt2.tiktoken,pattern=o200k
    ///  --no-speed --format markdown fixtures > Tests/TokkitTests/Golden/compare-fixtures.md`
    @Test("the Markdown table of three tokenizers on the fixtures matches the committed golden file")
    func golden() throws {
        let result = try tokkit(["compare"] + Self.threeVocabularies + ["--no-speed", "--format", "markdown", Repository.path("fixtures")])
        #expect(result.status == 0, "\(result.stderr)")
        let golden = String(decoding: try FileSystem.read(Repository.path("Tests/TokkitTests/Golden/compare-fixtures.md")), as: UTF8.self)
        #expect(result.stdout == golden)
    }

    @Test("the default table shows speed and the ranking; CSV, JSON and HTML are written as asked")
    func formats() throws {
        let fixture = Repository.path("fixtures/english-prose.txt")
        let text = try tokkit(["compare", fixture, "--timing-ms", "1"])
        #expect(text.status == 0, "\(text.stderr)")
        for expected in ["Per file", "encode MB/s", "Totals over 1 files", "gpt2", "cl100k_base", "o200k_base", "qwen2",
                         "words: whitespace-separated", "encoded all 1 files", "for at least 1 ms", " in "] {
            #expect(text.stdout.contains(expected), "missing \(expected)")
        }
        let csv = try tokkit(["compare", fixture, "--format", "csv", "--no-speed"])
        // A header, then per file and in total one row for each of the four default tokenizers.
        #expect(csv.stdout.split(separator: "\r\n").count == 1 + 4 + 4)
        let scratch = Scratch()
        let json = try tokkit(["compare", fixture, "--format", "json", "--no-speed", "-o", scratch.file("r.json"),
                               "--html", scratch.file("r.html"), "--vocab", "gpt2,label=GPT-2"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(try FileSystem.read(scratch.file("r.json")))) as? [String: Any]
        #expect(object?["ranking"] as? [String] == ["GPT-2"])
        let html = String(decoding: try FileSystem.read(scratch.file("r.html")), as: UTF8.self)
        #expect(html.contains("<svg class=\"chart\"") && html.contains("<pre class=\"tokens\">"))
    }

    @Test("each --vocab carries its own pattern, label or regex; unknown, doubled or separate ones are errors")
    func patternPairing() throws {
        let fixture = Repository.path("fixtures/contractions.txt")
        let paired = try tokkit(["compare", fixture, "--no-speed", "--format", "csv", "--vocab", "gpt2",
                                 "--vocab=" + Repository.path("vocabularies/gpt2.tiktoken") + ",pattern=o200k",
                                 "--vocab", "gpt2,label=mine, with a comma,pattern-regex=\\p{L}{1,3}|\\s+|."])
        #expect(paired.status == 0, "\(paired.stderr)")
        #expect(paired.stdout.contains("gpt2.tiktoken+o200k") && paired.stdout.contains(",gpt2,"))
        #expect(paired.stdout.contains("\"mine, with a comma\""), "\(paired.stdout)")
        let separate = try tokkit(["compare", fixture, "--vocab", "gpt2", "--pattern", "o200k"])
        #expect(separate.status != 0 && separate.stderr.contains("Unknown option '--pattern'"))
        let doubled = try tokkit(["compare", fixture, "--vocab", "gpt2,label=a,label=b"])
        #expect(doubled.status != 0 && doubled.stderr.contains("gpt2,label=a,label=b"))
        let unknown = try tokkit(["compare", fixture, "--vocab", "gpt2,pattern=nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown pattern \"nope\""))
        let needed = try tokkit(["compare", fixture, "--vocab", Repository.path("fixtures/emoji.txt")])
        #expect(needed.status != 0 && needed.stderr.contains("emoji.txt"))
    }

    @Test("a vocabulary from tokkit train compares the same in its three file formats, and round-trips")
    func trainedVocabulary() throws {
        let scratch = Scratch()
        let fixtures = Repository.path("fixtures")
        let trained = try tokkit(["train", fixtures, "--vocab-size", "600", "--output", scratch.directory])
        #expect(trained.status == 0, "\(trained.stderr)")
        let vocabularies = ["--vocab", scratch.file("tokenizer.json"), "--vocab", scratch.file("encoder.json"),
                            "--vocab", scratch.file("vocab.tiktoken") + ",pattern=gpt2"]
        let result = try tokkit(["compare", "--no-speed", "--format", "csv"] + vocabularies + [fixtures])
        #expect(result.status == 0, "\(result.stderr)")
        let totals = result.stdout.split(separator: "\r\n").filter { $0.hasPrefix("*,") }
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(3).joined(separator: ",") }
        #expect(totals.count == 3 && Set(totals).count == 1, "\(totals)")
        let roundTrip = try tokkit(["roundtrip"] + vocabularies + ["--random", "100", fixtures])
        #expect(roundTrip.status == 0, "\(roundTrip.stdout)")
    }

    @Test("roundtrip passes on the fixtures and random text for three tokenizers")
    func roundTripPasses() throws {
        let result = try tokkit(["roundtrip"] + Self.threeVocabularies + ["--random", "100", "--seed", "5", Repository.path("fixtures")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // Every file under fixtures/, the text fixtures and prep's example lists alike.
        let files = try ComparedFile.collect([Repository.path("fixtures")])
        #expect(result.stdout.contains("PASS gpt2: \(files.count + 100) inputs"))
        #expect(result.stdout.contains("PASS cl100k_base:") && result.stdout.contains("PASS gpt2.tiktoken+o200k:"))
    }

    @Test("roundtrip exits 1 and prints the shrunk input with its ids when a vocabulary cannot encode a byte")
    func roundTripFails() throws {
        let scratch = Scratch()
        // Tokens "a", "b", "ab" only: "c" has no token.
        try FileSystem.write("YQ== 0\nYg== 1\nYWI= 2\n", to: scratch.file("tiny.tiktoken"))
        try FileSystem.write("ababcab", to: scratch.file("input.txt"))
        let result = try tokkit(["roundtrip", "--vocab", scratch.file("tiny.tiktoken") + ",pattern=gpt2",
                                 "--random", "0", scratch.file("input.txt")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL tiny.tiktoken+gpt2"))
        #expect(result.stdout.contains("cannot encode \(scratch.file("input.txt")): byte 0x63"))
        #expect(result.stdout.contains("shrunk from 7 bytes to 1 byte"))
        #expect(result.stdout.contains("input      \"c\" (1 byte: 63)"))
    }

    @Test("compare and roundtrip have complete help")
    func help() throws {
        for command in ["compare", "roundtrip"] {
            let result = try tokkit([command, "--help"])
            #expect(result.status == 0)
            for expected in ["OVERVIEW", "--vocab", ",pattern=", ",label=", ",pattern-regex=", "fixtures/"] {
                #expect(result.stdout.contains(expected), "\(command) --help lacks \(expected)")
            }
        }
    }
}
