import Foundation
import Testing
import Tokkit
import TokkitTestSupport

/// What the readers say about the input: duplicate JSON keys, corrupt compressed data, the lines
/// `--skip-bad-lines` dropped, and where `roundtrip` finds its default fixtures.
@Suite("Failure: what the readers report")
struct InputReportTests {
    @Test("a duplicate JSON key takes the last value, as Python's json does, for the text key in every reader")
    func duplicateTextKey() throws {
        let scratch = Scratch()
        let path = scratch.directory + "/dup.jsonl"
        try Data(#"{"text": "first", "id": "a", "text": "second", "id": "b", "metadata": {"k": 1}, "metadata": {"k": 2}, "x": 1, "x": 2}"#.utf8 + [0x0A])
            .write(to: URL(fileURLWithPath: path))
        let reader = try DocumentReader(inputs: [path], format: .jsonl(field: "text"))
        #expect(try reader.nextBatch()?.documents == [Array("second".utf8)])

        let documents = try DocumentFileReader(path: path, format: .jsonl(DocumentAdapter()))
        let document = try #require(try documents.next())
        #expect(document.text == "second")
        #expect(document.id == "b")
        #expect(document.metadata["k"] == .number("2"))
        #expect(document.metadata["x"] == .number("2"))
    }

    @Test("tokkit encode of a JSONL line with a duplicate text key encodes the last value")
    func duplicateKeyCommandLine() throws {
        let shell = FaultShell()
        let outcome = try shell.run(#"""
            printf '{"text": "first", "text": "hello world"}\n' > dup.jsonl
            "$TOKKIT" encode dup.jsonl --jsonl-field text; echo status=$?
            """#)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("31373 995"), "\(outcome.stdout)")
    }

    /// Made by `gzip.compress` (and `zstd -q`) of 20,000 JSONL lines with one byte of the compressed data
    /// XORed with 0x5A (gzip: the first position from a third of the file on where zlib reports only the CRC,
    /// and the bytes before it are not UTF-8; zstd: byte 120,000, which decodes to a line that is not JSON).
    /// The damaged data still decodes, to garbage, so the first error a line reader meets is about the text.
    @Test("a corrupt gzip or zstd block is a decompression error naming the file and the compressed offset, not bad text",
          arguments: ["encode F --jsonl-field text", "count F --jsonl-field text -o c.counts --quiet", "dedup exact F -o out", "encode F"],
          ["gz", "zst"])
    func corruptBlock(command: String, format: String) throws {
        let shell = FaultShell()
        let file = "corrupt-block.jsonl." + format
        let golden = Repository.path("Tests/TokkitTests/Golden/" + file)
        let outcome = try shell.run(#"cp "\#(golden)" . && "$TOKKIT" \#(command.replacingOccurrences(of: "F", with: file)) > /dev/null; echo status=$?"#)
        #expect(outcome.reported == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(file + ": cannot decompress " + (format == "gz" ? "gzip" : "zstd") + " data"), "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("compressed byte offset"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("UTF-8") && !outcome.stderr.contains("JSON"), "\(command): \(outcome.stderr)")
    }

    /// Three bad lines among good ones: not JSON (line 2), no text (line 4), a number for text (line 5).
    static let badLines = #"""
        printf '{"text": "one good line of text"}\nnot json\n{"text": "another good line"}\n{"other": 1}\n{"text": 5}\n{"text": "the last good line"}\n' > bad.jsonl
        printf 'stages:\n  - length\n' > prep.yaml
        printf '{"text": "an evaluation item of several words here"}\n' > eval.jsonl
        """#

    @Test("--skip-bad-lines says how many lines it skipped and where the first were, in every command that takes it",
          arguments: [
            "encode bad.jsonl --jsonl-field text --skip-bad-lines -o ids.txt",
            "count bad.jsonl --jsonl-field text --skip-bad-lines -o c.counts --quiet",
            "train bad.jsonl --jsonl-field text --skip-bad-lines --vocab-size 300 -o vocab --quiet",
            "shard bad.jsonl --jsonl-field text --skip-bad-lines -o shards --shard-tokens 100 --threads 1",
            "prep prep.yaml bad.jsonl -o prepped --skip-bad-lines --quiet",
            "dedup exact bad.jsonl -o exact --skip-bad-lines",
            "dedup minhash bad.jsonl -o minhash --skip-bad-lines",
            "decontaminate bad.jsonl --eval eval.jsonl -o clean --skip-bad-lines",
            "select score bad.jsonl -o selected --skip-bad-lines --keep-missing",
          ])
    func skippedLinesAreReported(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.badLines + "\n" + #""$TOKKIT" \#(command) > /dev/null; echo status=$?"#)
        #expect(outcome.reported == 0, "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("skipped 3 lines (--skip-bad-lines)"), "\(command): \(outcome.stderr)")
        #expect(outcome.stderr.contains("bad.jsonl:2 (not JSON") && outcome.stderr.contains("bad.jsonl:4 (no field \"text\")")
                && outcome.stderr.contains("bad.jsonl:5 (\"text\" is"), "\(command): \(outcome.stderr)")
    }

    @Test("roundtrip and compare without inputs find the repository's fixtures from any working directory")
    func defaultFixtures() throws {
        let shell = FaultShell()
        let outcome = try shell.run(#"""
            mkdir -p elsewhere && cd elsewhere && "$TOKKIT" roundtrip --vocab gpt2 --random 0; echo status=$?
            """#)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("PASS") || outcome.stdout.contains("inputs"), "\(outcome.stdout)")
        #expect(FixtureDirectory.locate() == Repository.path("fixtures"))
    }
}
