import Foundation
import Testing
import Tokkit

@Suite("Writing shards: round trip, uint32, determinism, resume")
struct ShardWriterTests {
    @Test("decoding the shards gives back every document, separated by the end token", arguments: ShardFormat.allCases)
    func roundTrip(format: ShardFormat) throws {
        let scratch = Scratch()
        let documents = try Sharding.fixtureDocuments()
        try Sharding.writeJSONL(documents, to: scratch.file("docs.jsonl"))
        let settings = try Sharding.settings(format, shardTokens: 3000, valTokens: 1000)
        let result = try Sharding.run(settings, input: scratch.file("docs.jsonl"), directory: scratch.file("out"))
        let tokenizer = try Loaded.tokenizer("gpt2")
        let read = try Sharding.documents(in: scratch.file("out"))
        #expect(read.count == documents.count)
        for (index, (ids, document)) in zip(read, documents).enumerated() {
            #expect(ids == (try tokenizer.encodeOrdinary(document)), "document \(index)")
            #expect(try tokenizer.decode(ids) == document, "document \(index)")
        }
        let manifest = result.manifest
        #expect(manifest.complete)
        #expect(manifest.totalDocuments == documents.count)
        #expect(manifest.shards.reduce(0) { $0 + $1.documents } == documents.count)
        #expect(manifest.shards.first?.split == .val && manifest.shards.dropFirst().allSatisfy { $0.split == .train })
        switch format {
        case .llmc:
            // Every shard but the last is exactly full; the long last document spans shards.
            #expect(manifest.shards.first?.tokens == 1000)
            #expect(manifest.shards.dropFirst().dropLast().allSatisfy { $0.tokens == 3000 })
            #expect(manifest.shards.contains { $0.end.token > 0 })
            #expect(manifest.shards.map(\.tokenFile.file).prefix(2) == ["test_val_000000.bin", "test_train_000001.bin"])
        case .nanogpt:
            #expect(manifest.shards.map(\.tokenFile.file) == ["val.bin", "train.bin"])
            #expect(manifest.shards[0].tokens <= 1000)
        case .megatron:
            #expect(manifest.shards.allSatisfy { $0.end.token == 0 })
            #expect(manifest.shards.dropLast().allSatisfy { $0.tokens <= 3000 || $0.documents == 1 })
            #expect(manifest.shards.allSatisfy { $0.indexFile != nil })
        }
        #expect(try ShardVerifier.verify(directory: scratch.file("out")) == manifest)
    }

    @Test("an id outside the vocabulary in a batch is refused at the same file and byte offset as written document by document",
          arguments: ShardFormat.allCases)
    func batchIDOutOfRange(format: ShardFormat) throws {
        let scratch = Scratch()
        // gpt2: 50,257 is one past the vocabulary; the batch's documents all fit in the open shard.
        let documents: [[TokenID]] = [[1, 2, 3], [], [4, 5], [6, 50_257, 7], [8]]
        for width in [TokenWidth.uint16, .uint32] {
            let settings = try Sharding.settings(format, shardTokens: 1000, valTokens: 1000, width: width)
            let (alone, batch) = try Self.errorEachWay(documents, settings: settings, in: scratch, "\(format)-\(width)")
            #expect(alone != nil)
            #expect(batch == alone, "\(format) \(width)")
            #expect(alone?.contains("token id 50257") == true, "\(alone ?? "")")
        }
    }

    @Test("a batch of documents writes the same bytes as the same documents appended one by one, at both widths",
          arguments: ShardFormat.allCases)
    func batchBytes(format: ShardFormat) throws {
        let scratch = Scratch()
        // Empty documents, one id, and runs that fill and cross shards of 7 tokens.
        let documents: [[TokenID]] = [[1, 2, 3], [], [4, 5], [50_255, 6, 7, 8, 9], [10], [], [11, 12, 13, 14, 15, 16, 17, 18], [19, 20]]
        for width in [TokenWidth.uint16, .uint32] {
            let settings = try Sharding.settings(format, shardTokens: 7, valTokens: 5, width: width)
            let (alone, batch) = try Self.aloneAndBatch(documents, settings: settings, in: scratch, "\(format)-\(width)") {
                writer, directory, write -> [String: [UInt8]] in
                try write()
                try writer.finish()
                return try Sharding.fileBytes(in: directory)
            }
            #expect(alone.count > 1)
            #expect(batch == alone, "\(format) \(width)")
        }
    }

    @Test("random batches (documents of 0 to 40 ids, ids up to the last one not the end token, the last documents at the very end of the ids) write the same bytes as document by document; an id out of range anywhere is named at the same offset",
          arguments: ShardFormat.allCases)
    func randomBatches(format: ShardFormat) throws {
        let scratch = Scratch()
        var random = SplitMix64(seed: 0x5AD3)
        for round in 0..<24 {
            // Short documents as lines are, some long, some empty; in the open shard, or filling and crossing shards.
            let documents: [[TokenID]] = (0..<Int(1 + random.next() % 40)).map { _ in
                let length = random.next() % 4 == 0 ? Int(random.next() % 41) : Int(random.next() % 13)
                return (0..<length).map { _ in random.next() % 9 == 0 ? 50_255 - TokenID(random.next() % 3) : TokenID(random.next() % 50_256) }
            }
            let capacity = round % 3 == 0 ? 17 : 100_000
            for width in [TokenWidth.uint16, .uint32] {
                let settings = try Sharding.settings(format, shardTokens: capacity, valTokens: capacity, width: width)
                let (alone, batch) = try Self.aloneAndBatch(documents, settings: settings, in: scratch, "\(round)-\(width)") {
                    writer, directory, write -> [String: [UInt8]] in
                    try write()
                    try writer.finish()
                    return try Sharding.fileBytes(in: directory)
                }
                #expect(batch == alone, "round \(round), \(format) \(width)")
                // One id out of range (just past gpt2, past uint16, the top bit set) at a random place.
                guard let victim = documents.indices.filter({ !documents[$0].isEmpty }).randomElement(using: &random) else { continue }
                var planted = documents
                let bad: [TokenID] = [50_257, 65_536, 0x8000_0000, .max]
                planted[victim][Int(random.next() % UInt64(planted[victim].count))] = bad[round % bad.count]
                let (aloneError, batchError) = try Self.errorEachWay(planted, settings: settings, in: scratch, "bad-\(round)-\(width)")
                #expect(aloneError != nil, "round \(round), \(format) \(width)")
                #expect(batchError == aloneError, "round \(round), \(format) \(width)")
            }
        }
    }

    /// What `outcome` makes of a writer fed `documents` one by one, and of another fed them as one batch, each
    /// writing into its own directory. `outcome` gets the writer, its directory and the feeding to run: a first
    /// document that opens the shard (so the batch takes the run path), then the documents one way or the other.
    static func aloneAndBatch<Outcome>(
        _ documents: [[TokenID]], settings: ShardSettings, in scratch: Scratch, _ name: String,
        outcome: (ShardWriter, String, () throws(ShardError) -> Void) throws -> Outcome
    ) throws -> (alone: Outcome, batch: Outcome) {
        func run(_ way: String, _ feed: @escaping (ShardWriter) throws(ShardError) -> Void) throws -> Outcome {
            let directory = scratch.file("\(way)-\(name)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let writer = ShardWriter(settings: settings, directory: directory) { _ throws(ShardError) in }
            return try outcome(writer, directory) { () throws(ShardError) in
                try writer.append([0], document: 0)
                try feed(writer)
            }
        }
        let alone = try run("one") { writer throws(ShardError) in
            for (index, ids) in documents.enumerated() { try writer.append(ids, document: index + 1) }
        }
        let batch = try run("batch") { writer throws(ShardError) in try writer.append(EncodedDocuments(documents), document: 1) }
        return (alone, batch)
    }

    /// The error each way of writing `documents` ends with (``aloneAndBatch(_:settings:in:_:outcome:)``), its
    /// directory written as `DIR` (the two ways write to two directories); `nil` where it ends without one.
    static func errorEachWay(_ documents: [[TokenID]], settings: ShardSettings, in scratch: Scratch,
                             _ name: String) throws -> (alone: String?, batch: String?) {
        try aloneAndBatch(documents, settings: settings, in: scratch, name) { _, directory, write -> String? in
            do throws(ShardError) {
                try write()
                return nil
            } catch {
                return error.description.replacingOccurrences(of: directory, with: "DIR")
            }
        }
    }

    @Test("cl100k ids above 65,535 go out as uint32 (llm.c version 7, Megatron int32), never truncated")
    func uint32() throws {
        let scratch = Scratch()
        let documents = try Sharding.fixtureDocuments()
        try Sharding.writeJSONL(documents, to: scratch.file("docs.jsonl"))
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        #expect(documents.contains { (try? tokenizer.encodeOrdinary($0))?.contains { $0 > 65_535 } == true })
        for format in ShardFormat.allCases {
            let settings = try Sharding.settings(format, vocabulary: "cl100k_base", shardTokens: 5000, width: format == .nanogpt ? .uint32 : nil)
            let directory = scratch.file("out-\(format)")
            try Sharding.run(settings, input: scratch.file("docs.jsonl"), directory: directory)
            let read = try Sharding.documents(in: directory)
            #expect(read.count == documents.count)
            #expect(zip(read, documents).allSatisfy { $0.0 == (try? tokenizer.encodeOrdinary($0.1)) }, "\(format)")
            _ = try ShardVerifier.verify(directory: directory)
        }
        let header = try FileIO.read(scratch.file("out-llmc/test_val_000000.bin")).prefix(8)
        #expect(Array(header) == [0xA1, 0xD9, 0x34, 0x01, 7, 0, 0, 0])
        #expect(try FileIO.read(scratch.file("out-megatron/test_val_000000.idx"))[17] == 4)
        #expect(throws: ShardError.vocabularyTooWide(size: 100277, width: .uint16, format: .nanogpt)) {
            try Sharding.settings(.nanogpt, vocabulary: "cl100k_base")
        }
    }

    @Test("the bytes of every shard are the same whatever the thread count", arguments: ShardFormat.allCases)
    func determinism(format: ShardFormat) throws {
        let scratch = Scratch()
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: scratch.file("docs.jsonl"))
        let settings = try Sharding.settings(format, shardTokens: 2500, valTokens: 700)
        var outputs: [[String: [UInt8]]] = []
        for threads in [1, 2, 5] {
            let directory = scratch.file("out-\(threads)")
            try Sharding.run(settings, input: scratch.file("docs.jsonl"), directory: directory, threads: threads)
            outputs.append(try Sharding.fileBytes(in: directory))
        }
        #expect(outputs[0].count >= 2)
        #expect(outputs[1] == outputs[0])
        #expect(outputs[2] == outputs[0])
    }

    @Test("resume keeps the shards whose sha256 matches, rewrites the rest, and ends with the bytes of a fresh run",
          arguments: ShardFormat.allCases)
    func resume(format: ShardFormat) throws {
        let scratch = Scratch()
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: scratch.file("docs.jsonl"))
        let settings = try Sharding.settings(format, shardTokens: 2000, valTokens: 900)
        let input = scratch.file("docs.jsonl")
        let fresh = scratch.file("fresh")
        let full = try Sharding.run(settings, input: input, directory: fresh).manifest
        let expected = try Sharding.fileBytes(in: fresh)
        // An interrupted run: two shards renamed into place, the manifest not complete, a temporary file left behind.
        let directory = scratch.file("out")
        try Sharding.run(settings, input: input, directory: directory)
        var interrupted = full
        let keep = min(2, full.shards.count - 1)
        interrupted.shards = Array(full.shards.prefix(keep))
        if format == .llmc {
            #expect(interrupted.shards.last?.end.token ?? 0 > 0, "the resumed llm.c run starts inside a document")
        }
        interrupted.complete = false
        for shard in full.shards.dropFirst(keep) {
            try FileManager.default.removeItem(atPath: directory + "/" + shard.tokenFile.file)
        }
        try interrupted.write(directory: directory)
        try FileIO.writeAtomically([1, 2, 3], to: directory + "/.\(full.shards[keep].tokenFile.file).partial")
        #expect(throws: ShardError.self) { try Sharding.run(settings, input: input, directory: directory) }
        let resumed = try Sharding.run(settings, input: input, directory: directory, existing: .resume)
        #expect(resumed.keptShards == keep)
        #expect(resumed.manifest.shards == full.shards)
        var after = try Sharding.fileBytes(in: directory)
        after = after.filter { !$0.key.hasSuffix(".partial") }
        #expect(after == expected)

        // A shard changed on disk: it and everything after it are rewritten.
        let victim = directory + "/" + full.shards[1].tokenFile.file
        var bytes = try FileIO.read(victim)
        bytes[bytes.count - 2] ^= 1
        try FileIO.writeAtomically(bytes, to: victim)
        let repaired = try Sharding.run(settings, input: input, directory: directory, existing: .resume)
        #expect(repaired.keptShards == 1)
        #expect(try FileIO.read(victim) == expected[full.shards[1].tokenFile.file])

        // Nothing to do when every shard still matches.
        #expect(try Sharding.run(settings, input: input, directory: directory, existing: .resume).keptShards == full.shards.count)
    }

    @Test("resume refuses a manifest made with other settings or inputs")
    func resumeMismatch() throws {
        let scratch = Scratch()
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: scratch.file("docs.jsonl"))
        try Sharding.run(try Sharding.settings(.llmc, shardTokens: 2000), input: scratch.file("docs.jsonl"), directory: scratch.file("out"))
        #expect {
            try Sharding.run(try Sharding.settings(.llmc, shardTokens: 3000), input: scratch.file("docs.jsonl"),
                             directory: scratch.file("out"), existing: .resume)
        } throws: { error in
            let text = (error as? ShardError)?.description ?? ""
            return text.contains("shard tokens: 2000 then, 3000 now") && text.contains("--force")
        }
        try Sharding.writeJSONL(try Sharding.fixtureDocuments() + ["one more"], to: scratch.file("docs.jsonl"))
        #expect {
            try Sharding.run(try Sharding.settings(.llmc, shardTokens: 2000), input: scratch.file("docs.jsonl"),
                             directory: scratch.file("out"), existing: .resume)
        } throws: { error in
            (error as? ShardError)?.description.contains("docs.jsonl changed size") == true
        }
    }

    @Test("an existing output is an error without resume or force; force replaces it, stale shards included")
    func existingOutput() throws {
        let scratch = Scratch()
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: scratch.file("docs.jsonl"))
        let small = try Sharding.settings(.llmc, shardTokens: 1000)
        let first = try Sharding.run(small, input: scratch.file("docs.jsonl"), directory: scratch.file("out")).manifest
        let before = try Sharding.fileBytes(in: scratch.file("out"))
        #expect {
            try Sharding.run(small, input: scratch.file("docs.jsonl"), directory: scratch.file("out"))
        } throws: { error in
            guard case .outputExists(_, let found)? = error as? ShardError else { return false }
            return found.first == "manifest.json" && found.contains("test_val_000000.bin")
        }
        #expect(try Sharding.fileBytes(in: scratch.file("out")) == before)
        let large = try Sharding.settings(.llmc, shardTokens: 4000)
        let second = try Sharding.run(large, input: scratch.file("docs.jsonl"), directory: scratch.file("out"), existing: .replace).manifest
        #expect(second.shards.count < first.shards.count)
        #expect(try Sharding.fileBytes(in: scratch.file("out")).keys.sorted() == second.shards.map(\.tokenFile.file).sorted())
    }
}
