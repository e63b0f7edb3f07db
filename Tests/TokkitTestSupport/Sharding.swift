import Foundation
import Tokkit

/// Shard runs in the test process, over documents written to a JSONL file.
public enum Sharding {
    /// Documents from every fixture (each non-empty line one document), plus the edge cases a shard
    /// writer must survive: an empty document, special-token text inside a document, a long document.
    public static func fixtureDocuments() throws -> [String] {
        var documents: [String] = []
        for name in Repository.fixtureNames {
            let text = String(decoding: try Repository.fixture(name), as: UTF8.self)
            // A raw U+FEFF opening a JSON string is dropped by Foundation's JSONSerialization (the
            // DocumentReader's JSONL parser), Python's json keeps it: such lines are left out here, the
            // shard writer only ever sees what the reader hands it.
            documents += text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { !$0.hasPrefix("\u{FEFF}") }
        }
        documents.insert("", at: 3)
        documents.insert("text that mentions <|endoftext|> is encoded as plain text", at: 5)
        documents.append(String(repeating: "a long document that crosses shards. ", count: 400))
        return documents
    }

    public static func writeJSONL(_ documents: [String], to path: String) throws {
        var lines: [UInt8] = []
        for document in documents {
            lines += [UInt8](try JSONSerialization.data(withJSONObject: ["text": document], options: [.withoutEscapingSlashes]))
            lines.append(UInt8(ascii: "\n"))
        }
        try FileIO.writeAtomically(lines, to: path)
    }

    public static func settings(_ format: ShardFormat, vocabulary name: String = "gpt2", shardTokens: Int = 4000, valTokens: Int? = nil,
                         width: TokenWidth? = nil, prefix: String = "test") throws -> ShardSettings {
        let tokenizer = try Loaded.tokenizer(name)
        let vocab = tokenizer.vocabulary
        guard let end = vocab.specialToken(named: "<|endoftext|>"), let named = NamedVocabulary.named(name) else {
            throw TestSetupError("\(name) has no <|endoftext|>")
        }
        return try ShardSettings(
            format: format, tokenWidth: try format.tokenWidth(forVocabularySize: vocab.size, requested: width),
            vocabulary: VocabularyRecord(source: name, sha256: named.sha256, size: vocab.size, endToken: "<|endoftext|>", endTokenID: end.id),
            shardTokens: shardTokens, valTokens: valTokens ?? shardTokens, prefix: prefix, documents: "jsonl:text",
            lossy: false, skipBadLines: false)
    }

    @discardableResult
    public static func run(_ settings: ShardSettings, input: String, directory: String, threads: Int = 2,
                    existing: ShardJob.ExistingOutput = .refuse) throws -> ShardRunResult {
        let reader = try DocumentReader(inputs: [input], format: .jsonl(field: "text"))
        let job = ShardJob(directory: directory, settings: settings, command: ["test"], threads: threads, existing: existing)
        return try CorpusSharder.run(job, reader: reader, tokenizer: try Loaded.tokenizer(settings.vocabulary.source))
    }

    /// The ids of one token file, read through the same scanner `verify` uses.
    public static func tokens(of file: String, settings: ShardSettings) throws -> [TokenID] {
        var ids: [TokenID] = []
        let scanner = TokenFileScanner(format: settings.format, width: settings.tokenWidth, vocabularySize: settings.vocabulary.size,
                                       endTokenID: settings.vocabulary.endTokenID, digest: settings.digest)
        _ = try scanner.scan(file) { chunk in ids += chunk; return true }
        return ids
    }

    /// Every shard's tokens in manifest order, concatenated, cut back into documents at the end token.
    public static func documents(in directory: String) throws -> [[TokenID]] {
        let manifest = try ShardManifest.read(directory: directory)
        var stream: [TokenID] = []
        for shard in manifest.shards {
            stream += try tokens(of: directory + "/" + shard.tokenFile.file, settings: manifest.settings)
        }
        let end = manifest.settings.vocabulary.endTokenID
        var documents = stream.split(separator: end, omittingEmptySubsequences: false).map(Array.init)
        // [eot] a [eot] b  splits into  [], a, b;   a [eot] b [eot]  into  a, b, [].
        if manifest.settings.delimiter == .before { documents.removeFirst() } else { documents.removeLast() }
        return documents
    }

    /// The bytes of every file in `directory` but the manifest, by name.
    public static func fileBytes(in directory: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != ShardManifest.fileName {
            files[name] = try FileIO.read(directory + "/" + name)
        }
        return files
    }
}
