import Foundation
import Synchronization
import Testing
import Tokkit
import TokkitTestSupport

/// `CorpusEncoder.encodeAll`, the loop of `tokkit encode --docs` and `tokkit shard`: with two or more
/// threads it reads the next batch and writes the one before while the workers encode, so these tests
/// check what that must not change against one thread (one step after another) and against each
/// document encoded alone: the order of the batches, the ids, which batches `body` sees before a
/// failure, and the error itself.
@Suite("Encoding a corpus batch by batch: read, encode and write overlap, and nothing else changes")
struct CorpusEncoderTests {
    /// Every fixture line, numbered so that no two documents are equal, with blank lines between some.
    static func corpus() throws -> [String] {
        var lines: [String] = []
        // Documents with a line break of their own (CRLF fixtures: "\r\n" is one Character) are left out.
        for (index, document) in try Sharding.fixtureDocuments().enumerated()
        where !document.contains("<|") && !document.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            lines.append("\(index) \(document)")
            if index % 7 == 0 { lines.append("") }
        }
        return lines
    }

    /// `corpus()` written to a file in `scratch`, one document a line, with each line's ids encoded alone.
    static func corpusFile(in scratch: Scratch) throws -> (lines: [String], path: String, tokenizer: Tokenizer, alone: [[TokenID]]) {
        let lines = try corpus()
        let path = scratch.file("corpus.txt")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        return (lines, path, tokenizer, try lines.map { try tokenizer.encode(bytes: Array($0.utf8)) })
    }

    /// What `body` saw: the first document of each batch and its ids, in call order.
    struct Seen: Equatable {
        var firsts: [Int] = []
        var documents: [[TokenID]] = []
    }

    static func encodeAll(_ path: String, format: DocumentFormat = .text(.lines), threads: Int, batchBytes: Int,
                          skipping: Int = 0, failingAt failing: Int? = nil) -> (seen: Seen, read: Int?, error: String?) {
        var seen = Seen()
        do {
            let tokenizer = try Loaded.tokenizer("cl100k_base")
            var encoder = CorpusEncoder(tokenizer: tokenizer, threads: threads)
            encoder.batchBytes = batchBytes
            let reader = try DocumentReader(inputs: [path], format: format)
            let read = try encoder.encodeAll(reader, skipping: skipping) { first, encoded in
                if seen.firsts.count == failing { throw BodyFailure(batch: seen.firsts.count) }
                seen.firsts.append(first)
                seen.documents += encoded.documents
            }
            return (seen, read, nil)
        } catch {
            return (seen, nil, "\(error)")
        }
    }

    struct BodyFailure: Error, CustomStringConvertible {
        var batch: Int
        var description: String { "body failed at batch \(batch)" }
    }

    @Test("batch after batch on 1, 2 and 3 threads: each document's ids as alone, in input order, batches contiguous",
          arguments: [1, 2, 3])
    func orderAndIDs(_ threads: Int) throws {
        let scratch = Scratch()
        let (lines, path, _, alone) = try Self.corpusFile(in: scratch)
        for batchBytes in [1, 700, 4096, 1 << 20] {
            let (seen, read, error) = Self.encodeAll(path, threads: threads, batchBytes: batchBytes)
            #expect(error == nil)
            #expect(read == lines.count)
            let same = seen.documents == alone
            #expect(same, "batchBytes \(batchBytes)")
            // Each batch starts where the one before ended: no batch lost, repeated or reordered.
            #expect(seen.firsts.first == 0)
            #expect(seen.firsts == seen.firsts.sorted() && Set(seen.firsts).count == seen.firsts.count)
            if batchBytes == 1 { #expect(seen.firsts == Array(0..<lines.count)) }
        }
    }

    @Test("ids left where the workers wrote them (tokkit encode's binary writer): runs, documents, gathering and == agree with the gathered ids",
          arguments: [2, 3])
    func scatteredIDs(_ threads: Int) throws {
        let scratch = Scratch()
        let (_, path, tokenizer, alone) = try Self.corpusFile(in: scratch)
        var encoder = CorpusEncoder(tokenizer: tokenizer, threads: threads)
        encoder.batchBytes = 4096
        let reader = try DocumentReader(inputs: [path], format: .text(.lines))
        var documents: [[TokenID]] = [], scatteredBatches = 0, runs = 0
        try encoder.encodeAll(reader, skipping: 0, assembling: false) { first, encoded in
            var gathered = encoded
            gathered.assemble()
            #expect(!gathered.isScattered)
            var fromRuns: [TokenID] = []
            encoded.forEachRun { fromRuns += $0 }
            #expect(fromRuns == gathered.ids)
            #expect(gathered.ids.count == encoded.offsets.last)
            #expect(encoded == gathered)
            if encoded.isScattered {
                scatteredBatches += 1
                #expect(encoded.ids.isEmpty)
                encoded.forEachRun { _ in runs += 1 }
                // Planted: one id changed in the gathered copy is a different value.
                var planted = gathered
                if !planted.ids.isEmpty {
                    planted.ids[planted.ids.count / 2] &+= 1
                    #expect(encoded != planted)
                }
            }
            for index in 0..<encoded.count { #expect(Array(encoded[index]) == Array(gathered[index])) }
            #expect(first == documents.count)
            documents += encoded.documents
        }
        #expect(documents == alone)
        #expect(scatteredBatches > 5, "batches left scattered: \(scatteredBatches)")
        #expect(runs > scatteredBatches, "runs: \(runs)")
    }

    @Test("skipping the first documents (a resumed shard run): the same ids from there on, on 1 and 2 threads")
    func skipping() throws {
        let scratch = Scratch()
        let lines = try Self.corpus()
        let path = scratch.file("corpus.txt")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let all = Self.encodeAll(path, threads: 1, batchBytes: 1 << 20).seen.documents
        for skip in [0, 1, 57, lines.count - 1, lines.count] {
            for threads in [1, 2] {
                let (seen, read, error) = Self.encodeAll(path, threads: threads, batchBytes: 900, skipping: skip)
                #expect(error == nil && read == lines.count)
                let same = seen.documents == Array(all[skip...])
                #expect(same, "skip \(skip), \(threads) threads")
                #expect(seen.firsts.first == (skip < lines.count ? skip : nil))
            }
        }
    }

    /// A bad document in a later batch: with overlap, the batch before is being written (`body`) while
    /// the bad one is encoded or read. What `body` saw and what is thrown must equal one thread's.
    @Test("an encoding error (a disallowed special token) or a read error (invalid UTF-8) in batch N + 1: body saw batches 0…N, the same error as on one thread",
          arguments: ["special", "utf8", "jsonl"])
    func failureInLaterBatch(_ kind: String) throws {
        let scratch = Scratch()
        var lines = try Self.corpus()
        let bad = lines.count * 2 / 3
        var format = DocumentFormat.text(.lines)
        var bytes: [UInt8]
        switch kind {
        case "special":
            lines[bad] = "text with <|endoftext|> in it"
            bytes = Array(lines.joined(separator: "\n").utf8)
        case "utf8":
            bytes = Array(lines[..<bad].joined(separator: "\n").utf8) + [0x0A, 0x61, 0xFF, 0x62, 0x0A]
                + Array(lines[(bad + 1)...].joined(separator: "\n").utf8)
        default:
            format = .jsonl(field: "text")
            var records = try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self) }
            records[bad] = "{\"text\": 5}"
            bytes = Array(records.joined(separator: "\n").utf8)
        }
        let path = scratch.file(kind == "jsonl" ? "corpus.jsonl" : "corpus.txt")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let one = Self.encodeAll(path, format: format, threads: 1, batchBytes: 2000)
        #expect(one.error?.contains("corpus.\(kind == "jsonl" ? "jsonl" : "txt"):\(bad + 1)") == true, "\(one.error ?? "no error")")
        #expect(one.seen.firsts.count >= 3, "the bad document is in a later batch")
        #expect(one.seen.documents.count <= bad)
        for threads in [2, 3] {
            let many = Self.encodeAll(path, format: format, threads: threads, batchBytes: 2000)
            #expect(many.error == one.error)
            let same = many.seen == one.seen
            #expect(same, "\(threads) threads")
            #expect(many.read == nil)
        }
    }

    @Test("body failing at batch K: that error, body never called again, on 1 and 2 threads")
    func bodyFailure() throws {
        let scratch = Scratch()
        let path = scratch.file("corpus.txt")
        try Data(try Self.corpus().joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        for failing in [0, 1, 4] {
            let one = Self.encodeAll(path, threads: 1, batchBytes: 1500, failingAt: failing)
            #expect(one.error == "body failed at batch \(failing)")
            #expect(one.seen.firsts.count == failing)
            let two = Self.encodeAll(path, threads: 2, batchBytes: 1500, failingAt: failing)
            #expect(two.error == one.error)
            let same = two.seen == one.seen
            #expect(same)
        }
    }

    @Test("one encoder shared by four threads at once (its warm mergers are lent, never shared): each gets the same ids")
    func sharedEncoder() async throws {
        let scratch = Scratch()
        let path = scratch.file("corpus.txt")
        try Data(try Self.corpus().joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        var encoder = CorpusEncoder(tokenizer: try Loaded.tokenizer("cl100k_base"), threads: 2)
        encoder.batchBytes = 3000
        let shared = encoder
        let expected = Self.encodeAll(path, threads: 1, batchBytes: 1 << 20).seen.documents
        let results = try await withThrowingTaskGroup(of: [[TokenID]].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let reader = try DocumentReader(inputs: [path], format: .text(.lines))
                    var documents: [[TokenID]] = []
                    try shared.encodeAll(reader) { _, encoded in documents += encoded.documents }
                    return documents
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        for documents in results {
            let same = documents == expected
            #expect(same)
        }
    }

    /// The command as a user runs it: 1 MiB batches, so the input is a little over one batch.
    @Test("tokkit encode --docs lines on 2 threads: the same output as on 1; failing in the second batch, the same error and no output file")
    func commandLine() throws {
        let scratch = Scratch()
        let lines = try Self.corpus()
        var text: [String] = []
        var bytes = 0
        while bytes < (1 << 20) + 150_000 {
            let line = "\(text.count) " + lines[text.count % lines.count]
            text.append(line)
            bytes += line.utf8.count + 1
        }
        let good = scratch.file("good.txt"), bad = scratch.file("bad.txt")
        try Data(text.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: good))
        var broken = text
        broken[broken.count - 40] = "the end token <|endoftext|> in a late line"
        try Data(broken.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: bad))
        var outputs: [[UInt8]] = []
        for threads in ["1", "2"] {
            let output = scratch.file("good-\(threads).u32")
            let run = try TokkitCommand.run(["encode", good, "--docs", "lines", "--vocab", "cl100k_base", "--format", "uint32",
                                             "--threads", threads, "-o", output])
            #expect(run.status == 0, "\(run.stderr)")
            outputs.append(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        }
        #expect(outputs[0].count > 4 && outputs[0] == outputs[1])
        var failures: [Subprocess.Result] = []
        for threads in ["1", "2"] {
            let output = scratch.file("bad-\(threads).u32")
            failures.append(try TokkitCommand.run(["encode", bad, "--docs", "lines", "--vocab", "cl100k_base", "--format", "uint32",
                                                   "--threads", threads, "-o", output]))
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        #expect(failures[0].status != 0 && failures[0].stderr.contains("bad.txt:\(broken.count - 39)"), "\(failures[0].stderr)")
        #expect(failures[1].status == failures[0].status && failures[1].stderr == failures[0].stderr)
        // Nothing under any name but the inputs and the good outputs: no temporary left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.directory).sorted()
        #expect(names == ["bad.txt", "good-1.u32", "good-2.u32", "good.txt"])
    }
}
