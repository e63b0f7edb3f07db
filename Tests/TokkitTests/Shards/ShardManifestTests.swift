import Foundation
import Testing
import Tokkit

@Suite("manifest.json: the bytes JSONEncoder wrote, without JSONEncoder")
struct ShardManifestTests {
    /// Text with everything a JSON writer may escape or not: quotes, backslashes, slashes, control
    /// characters, DEL, non-ASCII, line and paragraph separators, a character outside the BMP.
    static func text(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "/", "\"", "\\", "\n", "\t", "\r", "\u{8}", "\u{C}", "\u{1}", "\u{1F}", "\u{0}", "\u{7F}", "é", "\u{2028}",
                      "\u{2029}", "😀", "data/x.jsonl", " ", "<|endoftext|>"]
        return (0..<Int(random.next() % 12)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    /// A random manifest: every format and width, inputs with and without their fingerprint (standard
    /// input), shards with and without an index file, none at all.
    /// A file record's digest under either name (manifests before BLAKE3 recorded `sha256`).
    static func digestKey(_ random: inout SplitMix64) -> String { random.next() % 2 == 0 ? "blake3" : "sha256" }

    static func manifest(_ random: inout SplitMix64) throws -> ShardManifest {
        let format = ShardFormat.allCases[Int(random.next() % 3)]
        let width: TokenWidth = random.next() % 2 == 0 ? .uint16 : .uint32
        let settings = try ShardSettings(
            format: format, tokenWidth: width,
            vocabulary: VocabularyRecord(source: text(&random), sha256: text(&random), size: Int(random.next() % 300_000),
                                         endToken: text(&random), endTokenID: TokenID(truncatingIfNeeded: random.next())),
            shardTokens: 1 + Int(random.next() % 1_000_000_000), valTokens: 1 + Int(random.next() % 1_000), prefix: "p" + text(&random).replacingOccurrences(of: "/", with: ""),
            documents: text(&random), lossy: random.next() % 2 == 0, skipBadLines: random.next() % 2 == 0,
            digest: random.next() % 2 == 0 ? .blake3 : .sha256)
        let inputs: [InputFile] = (0..<Int(random.next() % 3)).map { _ in
            random.next() % 3 == 0 ? InputFile(path: "<stdin>", bytes: nil)
                : InputFile(path: text(&random), bytes: Int(random.next() % (1 << 40)), realPath: text(&random),
                            modifiedNanoseconds: Int64(bitPattern: random.next()), sampleDigest: text(&random))
        }
        var manifest = ShardManifest(settings: settings, inputs: inputs, command: (0..<Int(random.next() % 4)).map { _ in text(&random) })
        manifest.complete = random.next() % 2 == 0
        manifest.totalTokens = Int(random.next() % (1 << 50))
        manifest.totalDocuments = Int(random.next() % (1 << 30))
        // Records have no public initialiser: they come from JSON, as `--resume` reads them.
        let records: [[String: Any]] = (0..<Int(random.next() % 4)).map { index in
            var record: [String: Any] = [
                "index": index, "split": index == 0 ? "val" : "train", "tokens": Int(random.next() % 100_000_000),
                "documents": Int(random.next() % 1_000_000),
                "start": ["document": Int(random.next() % 1_000), "token": Int(random.next() % 1_000)],
                "end": ["document": Int(random.next() % 1_000), "token": 0],
                "token_file": ["file": text(&random), "bytes": Int(random.next() % (1 << 33)), digestKey(&random): text(&random)],
            ]
            if random.next() % 2 == 0 {
                record["index_file"] = ["file": text(&random), "bytes": Int(random.next() % 1_000), digestKey(&random): text(&random)]
            }
            return record
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        manifest.shards = try decoder.decode([ShardRecord].self, from: JSONSerialization.data(withJSONObject: records))
        return manifest
    }

    @Test("a written manifest is byte for byte JSONEncoder's (pretty, sorted snake_case keys, slashes unescaped, a newline), and reads back equal, for 300 random manifests")
    func sameBytesAsJSONEncoder() throws {
        let scratch = Scratch()
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var random = SplitMix64(seed: 0x3A1F)
        var differing = 0
        for round in 0..<300 {
            let manifest = try Self.manifest(&random)
            let directory = scratch.file("m\(round)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try manifest.write(directory: directory)
            let written = try FileIO.read(directory + "/" + ShardManifest.fileName)
            let expected = [UInt8](try encoder.encode(manifest)) + [UInt8(ascii: "\n")]
            if written != expected {
                differing += 1
                if differing <= 2 {
                    Issue.record("round \(round):\n\(String(decoding: written, as: UTF8.self))\nexpected\n\(String(decoding: expected, as: UTF8.self))")
                }
            }
            #expect(try ShardManifest.read(directory: directory) == manifest, "round \(round)")
        }
        #expect(differing == 0)
    }
}
