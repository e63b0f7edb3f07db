import Foundation
import Testing
import Tokkit
import TokkitTestSupport
import TokkitCorpus

@Suite("Documents: datatrove's JSONL adapter, JSONL writers, rank partitioning and statistics")
struct DocumentLayerTests {
    static func readAll(_ reader: DocumentFileReader) throws -> [Document] {
        var documents: [Document] = []
        while let document = try reader.next() { documents.append(document) }
        return documents
    }

    static func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path)
    }

    @Test("remaining keys become metadata after the record's own metadata, in order; the default id is path/line index")
    func adapterSemantics() throws {
        let scratch = Scratch()
        let path = scratch.file("in.jsonl")
        try Self.write("""
        {"text":"first","url":"http://a.example/x","metadata":{"language":"en","url":"old"},"score":0.50,"media":[1]}

        {"id":"doc-7","text":"third","z":null,"a":[1,{"b":true}]}
        {"text":"","url":"skipped"}
        {"body":"custom key","id":12}
        """, to: path)
        let reader = try DocumentFileReader(path: path, idPath: "in.jsonl", format: .jsonl(DocumentAdapter()), skipBadLines: true)
        let documents = try Self.readAll(reader)
        #expect(documents.count == 2)
        #expect(documents[0].id == "in.jsonl/0")
        #expect(documents[0].metadata.keys == ["language", "url", "score"])
        #expect(documents[0].metadata["url"] == .string("http://a.example/x"))
        #expect(documents[0].metadata["score"] == .number("0.50"))
        #expect(documents[1].id == "doc-7")
        #expect(documents[1].metadata.keys == ["z", "a"])
        #expect(reader.statistics.emptyDocuments == 1)
        #expect(reader.statistics.skippedLines == 1)
        var line: [UInt8] = []
        documents[1].jsonLine(into: &line)
        #expect(String(decoding: line, as: UTF8.self) == #"{"text":"third","id":"doc-7","metadata":{"z":null,"a":[1,{"b":true}]}}"# + "\n")

        let custom = try DocumentFileReader(path: path, format: .jsonl(DocumentAdapter(textKey: "body")), skipBadLines: true)
        let customDocuments = try Self.readAll(custom)
        #expect(customDocuments.map(\.id) == ["12"])
        #expect(customDocuments.map(\.text) == ["custom key"])
    }

    @Test("text is written as orjson writes it: raw UTF-8, escaped quotes, backslashes and C0 controls")
    func stringEscaping() {
        var output: [UInt8] = []
        JSONWriter.writeString("é\"\\\n\t\u{1}\u{7F}😀", into: &output)
        #expect(String(decoding: output, as: UTF8.self) == "\"é\\\"\\\\\\n\\t\\u0001\u{7F}😀\"")
    }

    @Test("the parser keeps escapes, surrogate pairs and number literals, and rejects what orjson rejects")
    func parser() throws {
        let value = try JSONParser.parse(Array(#" {"s":"a\u00e9\ud83d\ude00\/","n":-1.5e+3,"k":{}} "#.utf8))
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object["s"] == .string("aé😀/"))
        #expect(object["n"] == .number("-1.5e+3"))
        for bad in [#"{"a":1} x"#, #"{"a":"\ud800"}"#, "{\"a\":\"\t\"}", #"{"a":01}"#, #"{"a":NaN}"#, #"{"a":1,}"#] {
            #expect(throws: JSONSyntaxError.self) { _ = try JSONParser.parse(Array(bad.utf8)) }
        }
    }

    @Test("bad records name file and line; --skip-bad-lines counts them; invalid UTF-8 names its byte offset or is repaired")
    func badInput() throws {
        let scratch = Scratch()
        let path = scratch.file("bad.jsonl")
        try Self.write("{\"text\":\"ok\"}\n{\"text\": 5}\n{\"nope\":1}\n[1]\n{broken\n", to: path)
        #expect(throws: CorpusError.nonStringField(path: path, line: 2, field: "text", found: "a number")) {
            _ = try Self.readAll(DocumentFileReader(path: path, format: .jsonl(DocumentAdapter())))
        }
        let skipping = try DocumentFileReader(path: path, format: .jsonl(DocumentAdapter()), skipBadLines: true)
        #expect(try Self.readAll(skipping).map(\.text) == ["ok"])
        #expect(skipping.statistics.skippedLines == 4)

        let utf8 = scratch.file("utf8.jsonl")
        try AtomicFile.write(Array("{\"text\":\"fine\"}\n{\"text\":\"a".utf8) + [0xFF] + Array("b\"}\n".utf8), to: utf8)
        #expect(throws: CorpusError.invalidUTF8(path: utf8, line: 2, byteOffset: 26)) {
            _ = try Self.readAll(DocumentFileReader(path: utf8, format: .jsonl(DocumentAdapter())))
        }
        #expect(try Self.readAll(DocumentFileReader(path: utf8, format: .jsonl(DocumentAdapter()), lossy: true)).map(\.text)
                == ["fine", "a\u{FFFD}b"])
        // The same rule as DocumentReader's (one reading loop): under --skip-bad-lines the line is skipped and named.
        let skippingUTF8 = try DocumentFileReader(path: utf8, format: .jsonl(DocumentAdapter()), skipBadLines: true)
        #expect(try Self.readAll(skippingUTF8).map(\.text) == ["fine"])
        #expect(skippingUTF8.statistics.skipped.first.map(\.reason) == ["invalid UTF-8 at byte 26"])
    }

    @Test("JSONL written plain, gzip and zstd at a chosen level reads back the same documents", arguments: [
        OutputCompression.none, .gzip(level: 9), .zstd(level: 19), .zstd(level: nil),
    ])
    func writerRoundTrip(compression: OutputCompression) throws {
        let scratch = Scratch()
        let path = scratch.file("00000.jsonl" + compression.fileExtension)
        let documents = (0..<3000).map {
            Document(id: "d\($0)", text: "text \($0) é\n\"quoted\"", metadata: JSONObject([("url", .string("http://x/\($0)"))]))
        }
        let writer = try JSONLWriter(path: path, compression: compression)
        for document in documents { try writer.write(document) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing under the final name before finish()")
        try writer.finish()
        #expect(try Self.readAll(DocumentFileReader(path: path, format: .jsonl(DocumentAdapter()))) == documents)
        let entries = try FileManager.default.contentsOfDirectory(atPath: scratch.directory)
        #expect(entries == ["00000.jsonl" + compression.fileExtension], "no temporary file left behind")
    }

    @Test("an out-of-range compression level is refused before anything is written")
    func badLevel() {
        #expect(throws: OutputError.self) { _ = try JSONLWriter(path: Scratch().file("x.jsonl.gz"), compression: .gzip(level: 12)) }
    }

    @Test("--rank R --world-size W takes sorted(files)[R::W], keeping each file's index for its %05d name")
    func partition() throws {
        let files = ["d", "b", "a", "e", "c"]
        #expect(try RankPartition(rank: 0, worldSize: 2).assign(files).map(\.path) == ["a", "c", "e"])
        #expect(try RankPartition(rank: 1, worldSize: 2).assign(files).map(\.index) == [1, 3])
        #expect(RankPartition.name(7) == "00007")
        #expect(throws: PartitionError.self) { _ = try RankPartition(rank: 2, worldSize: 2) }
    }

    @Test("statistics merge across ranks by adding, stage by stage, and survive their JSON")
    func statistics() throws {
        var a = StageStatistics(name: "gopher_quality")
        a.documentsIn = 10; a.documentsOut = 7; a.drops.add("gopher_short_doc", 3); a.seconds = 0.5
        var b = StageStatistics(name: "gopher_quality")
        b.documentsIn = 5; b.documentsOut = 4; b.drops.add("gopher_enough_stop_words"); b.drops.add("gopher_short_doc", 0)
        var run = RunStatistics(stages: [a])
        run.merge(RunStatistics(stages: [b]))
        #expect(run.stages[0].documentsIn == 15)
        #expect(run.stages[0].drops["gopher_short_doc"] == 3)
        #expect(run.stages[0].dropped == 4)
        let reread = RunStatistics(json: try JSONParser.parse(JSONWriter.bytes(run.json)))
        #expect(reread == run)
    }

    @Test("a completion marker counts only for the same input and run fingerprint")
    func markers() throws {
        let scratch = Scratch()
        let markers = CompletionMarkers(outputDirectory: scratch.directory, fingerprint: "abc")
        #expect(!markers.isComplete(3, path: "in/x.jsonl"))
        try markers.markComplete(3, path: "in/x.jsonl")
        #expect(markers.isComplete(3, path: "in/x.jsonl"))
        #expect(!markers.isComplete(3, path: "in/y.jsonl"))
        #expect(!CompletionMarkers(outputDirectory: scratch.directory, fingerprint: "other").isComplete(3, path: "in/x.jsonl"))
    }
}
