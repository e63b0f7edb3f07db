import Foundation
import Testing
import Tokkit

/// The shards read back by the consumers' own loading code (numpy, as nanoGPT, llm.c and Megatron-LM
/// read them: `scripts/reference/read_shards.py`) and compared with ids from the real tiktoken on the
/// same documents, and every file's digest recomputed by the reference library of the algorithm the manifest names
/// (Python's `blake3`, `hashlib.sha256`). Fails, never skips, when numpy, tiktoken, blake3 or the real-text corpus is
/// missing.
@Suite("Shards read by numpy as the training code reads them, against the real tiktoken")
struct ShardLiveTests {
    /// Paragraphs of real English and multilingual text as JSONL, from the public corpus.
    static func corpusDocuments(_ scratch: Scratch) throws -> String {
        var documents: [String] = []
        for (name, bytes) in [("public_en.txt", 150_000), ("public_multi.txt", 250_000)] {
            let text = String(decoding: try Repository.corpusPrefix(name, bytes: bytes), as: UTF8.self)
            // See Sharding.fixtureDocuments: the JSONL reader drops a raw U+FEFF that opens a string.
            documents += text.components(separatedBy: "\n\n").filter { !$0.hasPrefix("\u{FEFF}") }
        }
        let path = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(documents, to: path)
        return path
    }

    @Test("numpy loaders read tiktoken's ids, delimited and cut as each layout says; Python's blake3 / hashlib give the digests recorded",
          arguments: [("gpt2", ShardFormat.llmc, DigestAlgorithm.blake3), ("gpt2", .nanogpt, .sha256), ("gpt2", .megatron, .blake3),
                      ("cl100k_base", .llmc, .blake3), ("cl100k_base", .nanogpt, .blake3), ("cl100k_base", .megatron, .sha256)])
    func live(vocabulary: String, format: ShardFormat, digest: DigestAlgorithm) throws {
        let scratch = Scratch()
        let documents = try Self.corpusDocuments(scratch)
        let output = try Self.write(documents, vocabulary: vocabulary, format: format, digest: digest, scratch)
        let read = try Self.readBack(output, vocabulary: vocabulary, documents: documents)
        #expect(read.status == 0, "read_shards.py failed (is `pip install -r scripts/reference/requirements.txt` done?): \(read.stderr)")
        #expect(read.stdout.hasPrefix("OK \(format.rawValue) "), "\(read.stdout)")
        let manifest = try ShardManifest.read(directory: output)
        #expect(manifest.shards.count >= 2)
        #expect(read.stdout.contains(" \(manifest.totalTokens) tokens "))
        let files = manifest.shards.count * (format == .megatron ? 2 : 1)
        #expect(read.stdout.hasSuffix("digests equal: \(files) \(digest.rawValue)\n"), "\(read.stdout)")
        print("shards \(vocabulary) \(format.rawValue): \(read.stdout)", terminator: "")
    }

    @Test("the digest comparison can fail: one hex digit changed in the manifest is named by the reference library")
    func plantedDigest() throws {
        let scratch = Scratch()
        let documents = try Self.corpusDocuments(scratch)
        let output = try Self.write(documents, vocabulary: "gpt2", format: .llmc, digest: .blake3, scratch)
        var manifest = try ShardManifest.read(directory: output)
        var record = manifest.shards[1].tokenFile
        let hex = Array(record.digest.hex)
        record.digest.hex = String(hex.dropLast()) + (hex.last == "0" ? "1" : "0")
        manifest.shards[1].tokenFile = record
        try manifest.write(directory: output)
        let read = try Self.readBack(output, vocabulary: "gpt2", documents: documents)
        #expect(read.status != 0 && read.stderr.contains("\(record.file): blake3 is "), "\(read.stdout)\(read.stderr)")
    }

    @Test("the committed BLAKE3 golden file (BLAKE3Tests) is what Python's blake3 computes today; a stale one is caught")
    func blake3Golden() throws {
        let script = Repository.path("scripts/reference/make_blake3_golden.py")
        let check = try Subprocess.run("/usr/bin/env", ["python3", script, "--check"], directory: Repository.path("."))
        #expect(check.status == 0 && check.stdout.contains("is current"), "\(check.stdout)\(check.stderr)")
        // The same check on a copy of the repository's inputs whose golden file has one digit changed.
        let scratch = Scratch()
        let copy = scratch.file("repo")
        for folder in ["fixtures", "Tests/TokkitTests/Golden"] {
            try FileManager.default.createDirectory(atPath: copy + "/" + folder, withIntermediateDirectories: true)
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: Repository.path("fixtures")) where name.hasSuffix(".txt") {
            try FileManager.default.copyItem(atPath: Repository.path("fixtures/" + name), toPath: copy + "/fixtures/" + name)
        }
        var golden = try String(contentsOfFile: Repository.path("Tests/TokkitTests/Golden/blake3.json"), encoding: .utf8)
        let digit = try #require(golden.range(of: "\"blake3\": \"")?.upperBound)
        golden.replaceSubrange(digit...digit, with: golden[digit] == "0" ? "1" : "0")
        try golden.write(toFile: copy + "/Tests/TokkitTests/Golden/blake3.json", atomically: true, encoding: .utf8)
        let stale = try Subprocess.run("/usr/bin/env", ["python3", script, "--check"], directory: copy)
        #expect(stale.status != 0 && stale.stderr.contains("is stale"), "\(stale.stdout)\(stale.stderr)")
    }

    /// `tokkit shard` of `documents` into `scratch`'s `out`.
    static func write(_ documents: String, vocabulary: String, format: ShardFormat, digest: DigestAlgorithm, _ scratch: Scratch) throws -> String {
        let output = scratch.file("out")
        var arguments = ["shard", documents, "--jsonl-field", "text", "-o", output, "--vocab", vocabulary,
                         "--format", format.rawValue, "--shard-tokens", "30000", "--val-tokens", "12000", "--digest", digest.rawValue]
        if vocabulary == "cl100k_base" && format == .nanogpt { arguments += ["--token-width", "uint32"] }
        let written = try TokkitCommand.run(arguments)
        try #require(written.status == 0, "\(written.stderr)")
        return output
    }

    /// `scripts/reference/read_shards.py` on the shards in `output`.
    static func readBack(_ output: String, vocabulary: String, documents: String) throws -> Subprocess.Result {
        guard let named = NamedVocabulary.named(vocabulary), let directory = VocabularyDirectory.locate() else {
            throw TestSetupError("no bundled \(vocabulary)")
        }
        var reference = [Repository.path("scripts/reference/read_shards.py"), output,
                         "--vocab", directory + "/" + named.fileName, "--pattern", named.pattern.regex, "--documents", documents]
        for special in named.specialTokens { reference += ["--special", "\(special.text)=\(special.id)"] }
        return try Subprocess.run("/usr/bin/env", ["python3"] + reference)
    }
}
