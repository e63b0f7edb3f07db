import Foundation
import Testing
import Tokkit

/// The shards read back by the consumers' own loading code (numpy, as nanoGPT, llm.c and Megatron-LM
/// read them: `scripts/reference/read_shards.py`) and compared with ids from the real tiktoken on the
/// same documents. Fails, never skips, when numpy, tiktoken or the real-text corpus is missing.
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

    @Test("numpy loaders read tiktoken's ids, delimited and cut as each layout says",
          arguments: [("gpt2", ShardFormat.llmc), ("gpt2", .nanogpt), ("gpt2", .megatron),
                      ("cl100k_base", .llmc), ("cl100k_base", .nanogpt), ("cl100k_base", .megatron)])
    func live(vocabulary: String, format: ShardFormat) throws {
        let scratch = Scratch()
        let documents = try Self.corpusDocuments(scratch)
        let output = scratch.file("out")
        var arguments = ["shard", documents, "--jsonl-field", "text", "-o", output, "--vocab", vocabulary,
                         "--format", format.rawValue, "--shard-tokens", "30000", "--val-tokens", "12000"]
        if vocabulary == "cl100k_base" && format == .nanogpt { arguments += ["--token-width", "uint32"] }
        let written = try TokkitCommand.run(arguments)
        try #require(written.status == 0, "\(written.stderr)")
        guard let named = NamedVocabulary.named(vocabulary), let directory = VocabularyDirectory.locate() else {
            throw TestSetupError("no bundled \(vocabulary)")
        }
        var reference = [Repository.path("scripts/reference/read_shards.py"), output,
                         "--vocab", directory + "/" + named.fileName, "--pattern", named.pattern.regex, "--documents", documents]
        for special in named.specialTokens { reference += ["--special", "\(special.text)=\(special.id)"] }
        let read = try Subprocess.run("/usr/bin/env", ["python3"] + reference)
        #expect(read.status == 0, "read_shards.py failed (is `pip install -r scripts/reference/requirements.txt` done?): \(read.stderr)")
        #expect(read.stdout.hasPrefix("OK \(format.rawValue) "), "\(read.stdout)")
        let manifest = try ShardManifest.read(directory: output)
        #expect(manifest.shards.count >= 2)
        #expect(read.stdout.contains(" \(manifest.totalTokens) tokens "))
    }
}
