import Foundation
import Testing
import Tokkit
import TokkitTestSupport

/// `Tokenizer.encodeDocuments` (one flat buffer with boundaries in, one flat id array with offsets
/// out: the path of `tokkit encode --docs`, `tokkit shard` and `tk_encode_batch`) against the
/// reference it must equal: each document encoded alone.
@Suite("A flat batch of documents encodes each document as if it were alone")
struct DocumentBatchTests {
    /// Documents whose boundaries are where a batch loop could go wrong: empty ones (first, middle,
    /// consecutive, last), special tokens at either edge and one cut in two by a boundary, trailing
    /// whitespace (`\s++$` ends at each document's end, not the batch's), digits and letters that
    /// would join across a boundary, CJK, a long piece past the cache's limit.
    static let tricky: [String] = [
        "", "<|endoftext|>hello", "world<|endoftext|>", "", "", "x  ", "\n  ", "12", "34", "abc", "def",
        "<|endof", "text|>", "<|fim_prefix|><|endoftext|>", "日本語のテキスト", "。", "don't", "'s",
        String(repeating: "a", count: 3000), " \u{00A0}\u{3000}", "\r\n", "",
    ]

    static func flat(_ documents: [[UInt8]]) -> (text: [UInt8], boundaries: [Int]) {
        var text: [UInt8] = [], boundaries = [0]
        for document in documents {
            text += document
            boundaries.append(text.count)
        }
        return (text, boundaries)
    }

    static func alone(_ tokenizer: Tokenizer, _ documents: [[UInt8]], allowed: SpecialTokenSet,
                      disallowed: SpecialTokenSet) throws -> [[TokenID]] {
        try documents.map { try tokenizer.encode(bytes: $0, allowedSpecial: allowed, disallowedSpecial: disallowed) }
    }

    @Test("tricky boundaries: the same ids as each document alone, on 1, 2, 3 and 7 threads",
          arguments: ["gpt2", "cl100k_base", "o200k_base"])
    func trickyBoundaries(_ name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let documents = Self.tricky.map { Array($0.utf8) }
        let (text, boundaries) = Self.flat(documents)
        for (allowed, disallowed) in [(SpecialTokenSet.all, SpecialTokenSet.none), (.none, .none),
                                      (.only(["<|endoftext|>"]), .none)] {
            let expected = try Self.alone(tokenizer, documents, allowed: allowed, disallowed: disallowed)
            for threads in [1, 2, 3, 7] {
                let encoded = try tokenizer.encodeDocuments(text, boundaries: boundaries, allowedSpecial: allowed,
                                                            disallowedSpecial: disallowed, threads: threads)
                #expect(encoded.count == documents.count)
                #expect(encoded.documents == expected, "\(name) \(allowed) threads \(threads)")
                #expect(encoded.offsets.last == encoded.ids.count)
            }
        }
    }

    /// Random short documents of special tokens, fragments of them (cut by a boundary or not) and text.
    static func specialHeavyDocuments(seed: UInt64, count: Int) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        let parts = ["<|endoftext|>", "<|fim_prefix|>", "<|endof", "text|>", "<", "|>", "<|", "a", " b", "12", "日本",
                     "\n", "  ", "x<|endoftext|>y", "<<|endoftext|>", "<|fim_prefix|><|endoftext|>"]
        return (0..<count).map { _ in
            // Most documents plain (the fast path), some with a token or a fragment in them.
            let plain = random.next() % 3 != 0
            let pieces = (0..<Int(random.next() % 6)).map { _ in parts[Int(random.next() % UInt64(plain ? 4 : parts.count)) + (plain ? 7 : 0)] }
            return Array(pieces.joined().utf8)
        }
    }

    @Test("special tokens looked for once per block: documents with tokens, fragments and none give the ids and errors of each alone",
          arguments: ["gpt2", "cl100k_base"])
    func specialsOncePerBlock(_ name: String) throws {
        let tokenizer = try Loaded.tokenizer(name)
        let documents = Self.specialHeavyDocuments(seed: 0x5EC1A1, count: 3_000)
        let (text, boundaries) = Self.flat(documents)
        let withToken = documents.filter { String(decoding: $0, as: UTF8.self).contains("<|endoftext|>") }.count
        #expect(withToken > 200 && documents.count - withToken > 2_000, "\(withToken) documents with a token")
        var mismatched = 0
        for (allowed, disallowed) in [(SpecialTokenSet.all, SpecialTokenSet.none), (.only(["<|endoftext|>"]), .none),
                                      (.none, .none), (.only(["<|fim_prefix|>"]), .only(["<|endoftext|>"]))] {
            let expected = Result { try Self.alone(tokenizer, documents, allowed: allowed, disallowed: disallowed) }
            for threads in [1, 3] {
                let encoded = Result { try tokenizer.encodeDocuments(text, boundaries: boundaries, allowedSpecial: allowed,
                                                                      disallowedSpecial: disallowed, threads: threads) }
                switch (expected, encoded) {
                case (.success(let expected), .success(let encoded)):
                    let differing = zip(expected, encoded.documents).filter { $0 != $1 }.count
                    mismatched += differing
                    #expect(differing == 0, "\(name) \(allowed) \(disallowed) threads \(threads): \(differing) documents differ")
                case (.failure, .failure(let error)):
                    // The first document that fails alone is the one the batch names.
                    let first = documents.firstIndex { document in
                        (try? tokenizer.encode(bytes: document, allowedSpecial: allowed, disallowedSpecial: disallowed)) == nil
                    }
                    guard case .inDocument(let index, _)? = error as? EncodingError, index == first else {
                        Issue.record("\(name) \(allowed) \(disallowed): \(error), expected document \(first ?? -1)")
                        continue
                    }
                default:
                    Issue.record("\(name) \(allowed) \(disallowed) threads \(threads): \(expected) against \(encoded)")
                }
            }
        }
        #expect(mismatched == 0)
    }

    @Test("the comparison can fail: the same bytes encoded as one text give other ids")
    func boundariesMatter() throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        let documents = Self.tricky.map { Array($0.utf8) }
        let (text, boundaries) = Self.flat(documents)
        let batch = try tokenizer.encodeDocuments(text, boundaries: boundaries, allowedSpecial: .all, disallowedSpecial: .none)
        let whole = try tokenizer.encode(bytes: text, allowedSpecial: .all, disallowedSpecial: .none)
        #expect(batch.ids != whole)
        // A batch loop that ignored the boundaries would produce exactly the whole-text ids.
        #expect(EncodedDocuments([whole]).ids == whole)
    }

    @Test("random cuts of the fixtures into many documents: the same ids as each alone, any thread count")
    func randomCuts() throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        var random = SplitMix64(seed: 0xD0C5)
        var documents: [[UInt8]] = []
        for name in Repository.fixtureNames {
            let scalars = Array(String(decoding: try Repository.fixture(name), as: UTF8.self).unicodeScalars)
            var start = 0
            while start < scalars.count {
                // Mostly short documents (lines of a corpus), some empty, some long.
                let length = Int(random.next() % 10) == 0 ? Int(random.next() % 2000) : Int(random.next() % 80)
                let end = min(scalars.count, start + length)
                var document = String.UnicodeScalarView()
                document.append(contentsOf: scalars[start..<end])
                documents.append(Array(String(document).utf8))
                start = end
            }
        }
        #expect(documents.count > 400)
        let (text, boundaries) = Self.flat(documents)
        let expected = try Self.alone(tokenizer, documents, allowed: .none, disallowed: .none)
        for threads in [1, 2, 5] {
            let encoded = try tokenizer.encodeDocuments(text, boundaries: boundaries, disallowedSpecial: .none, threads: threads)
            #expect(encoded.documents == expected, "threads \(threads)")
        }
        #expect(try tokenizer.encodeBatch(documents, disallowedSpecial: .none, threads: 3) == expected)
    }

    @Test("invalid UTF-8 and a disallowed special token name the first such document, offsets from its start")
    func errorsNameTheDocument() throws {
        let tokenizer = try Loaded.tokenizer("gpt2")
        // Many documents so the two bad ones fall in different blocks of different workers.
        var documents = (0..<5000).map { Array("line \($0)".utf8) }
        documents[4100] = Array("ok".utf8) + [0xC3]
        documents[1234] = Array("abc".utf8) + [0xFF] + Array("d".utf8)
        let (text, boundaries) = Self.flat(documents)
        for threads in [1, 2, 4] {
            #expect(throws: EncodingError.inDocument(index: 1234, .invalidUTF8(offset: 3))) {
                _ = try tokenizer.encodeDocuments(text, boundaries: boundaries, threads: threads)
            }
        }
        let special = [Array("fine".utf8), Array("x <|endoftext|>".utf8), []]
        let (specialText, specialBoundaries) = Self.flat(special)
        #expect(throws: EncodingError.inDocument(index: 1, .disallowedSpecialToken(text: "<|endoftext|>", offset: 2))) {
            _ = try tokenizer.encodeDocuments(specialText, boundaries: specialBoundaries, threads: 2)
        }
        // encode-ordinary style: the same text is plain text, no error.
        #expect(try tokenizer.encodeDocuments(specialText, boundaries: specialBoundaries, disallowedSpecial: .none).count == 3)
    }

    @Test("a character cut between two documents is invalid in both, though their bytes together are valid UTF-8 (the batch checks a block at once, then its cuts)")
    func characterCutBetweenDocuments() throws {
        let tokenizer = try Loaded.tokenizer("cl100k_base")
        let cut = Array("日本語".utf8)  // E6 97 A5 E6 9C AC E8 AA 9E
        // (document, bytes of "日本語" it ends with, how many of them begin the character cut short)
        for (index, split, cutShort) in [(300, 2, 2), (301, 1, 1), (2, 4, 1), (0, 8, 2)] {
            // Long documents of Japanese and ASCII, so that blocks pass the vector check's 32 bytes; empty ones beside.
            var documents = (0..<400).map { $0 % 7 == 0 ? [] : Array("テキスト \($0) の行".utf8) }
            documents[index] = documents[index] + cut[..<split]
            documents[index + 1] = Array(cut[split...]) + documents[index + 1]
            let (text, boundaries) = Self.flat(documents)
            // A check of the whole text alone would take it.
            #expect(UTF8Validation.firstInvalidOffset(text) == nil)
            for threads in [1, 2] {
                #expect(throws: EncodingError.inDocument(index: index, .invalidUTF8(offset: documents[index].count - cutShort))) {
                    _ = try tokenizer.encodeDocuments(text, boundaries: boundaries, threads: threads)
                }
            }
            // With an empty document between the two halves, the continuation byte still starts a document.
            documents.insert([], at: index + 1)
            let (spaced, spacedBoundaries) = Self.flat(documents)
            #expect(throws: EncodingError.inDocument(index: index, .invalidUTF8(offset: documents[index].count - cutShort))) {
                _ = try tokenizer.encodeDocuments(spaced, boundaries: spacedBoundaries, threads: 1)
            }
        }
    }

    @Test("a byte the vocabulary lacks, inside a run of plain documents, names its document and the offset from its start; the first bad document wins whatever it is",
          arguments: [(SplitPattern.gpt2, RegexEngine.auto), (.cl100k, .auto), (.o200k, .auto), (.qwen2, .auto), (.gpt2, .icu)])
    func unknownByteInARun(pattern: SplitPattern, engine: RegexEngine) throws {
        // Every byte but `z`: documents go to the scanner in runs, and a failure inside one must still name
        // the document of the whole batch, not its place in the run.
        let tokens = (0...255).filter { $0 != 0x7A }.map { [UInt8($0)] }
        let tokenizer = try Tokenizer(vocabulary: try Vocabulary(tokens: tokens), pattern: pattern, engine: engine)
        func batch(_ bad: [Int: [UInt8]]) -> (text: [UInt8], boundaries: [Int]) {
            Self.flat((0..<200).map { bad[$0] ?? Array("ab q \($0)  ".utf8) })
        }
        let plain = batch([:])
        for threads in [1, 2, 3] {
            let encoded = try tokenizer.encodeDocuments(plain.text, boundaries: plain.boundaries, threads: threads)
            #expect(encoded.documents == (0..<200).map { Array("ab q \($0)  ".utf8).map(TokenID.init) }, "threads \(threads)")
            // Documents 40 and 45 share a block (and a run): the earlier one is named, whichever its error.
            let unknownFirst = batch([40: Array("ab q z".utf8), 45: [0x61, 0xFF], 120: Array("z".utf8)])
            #expect(throws: EncodingError.inDocument(index: 40, .byteNotInVocabulary(byte: 0x7A, offset: 5))) {
                _ = try tokenizer.encodeDocuments(unknownFirst.text, boundaries: unknownFirst.boundaries, threads: threads)
            }
            let invalidFirst = batch([40: [0x61, 0xFF], 45: Array("ab q z".utf8)])
            #expect(throws: EncodingError.inDocument(index: 40, .invalidUTF8(offset: 1))) {
                _ = try tokenizer.encodeDocuments(invalidFirst.text, boundaries: invalidFirst.boundaries, threads: threads)
            }
        }
    }

    @Test("boundaries that do not start at 0, go backwards or pass the end are refused; none is no document")
    func badBoundaries() throws {
        let tokenizer = try Loaded.tokenizer("gpt2")
        let text = Array("hello world".utf8)
        #expect(throws: EncodingError.invalidDocumentBoundaries(index: 0)) { _ = try tokenizer.encodeDocuments(text, boundaries: [1, 5]) }
        #expect(throws: EncodingError.invalidDocumentBoundaries(index: 0)) { _ = try tokenizer.encodeDocuments(text, boundaries: []) }
        #expect(throws: EncodingError.invalidDocumentBoundaries(index: 2)) { _ = try tokenizer.encodeDocuments(text, boundaries: [0, 6, 3]) }
        #expect(throws: EncodingError.invalidDocumentBoundaries(index: 1)) { _ = try tokenizer.encodeDocuments(text, boundaries: [0, 12]) }
        let none = try tokenizer.encodeDocuments(text, boundaries: [0])
        #expect(none.count == 0 && none.ids.isEmpty && none.offsets == [0])
        // A prefix of the text is fine: the rest belongs to no document.
        #expect(try tokenizer.encodeDocuments(text, boundaries: [0, 5]).documents == [try tokenizer.encode("hello")])
    }

    @Test("a reader's flat batches hold the same documents as its per-document batches",
          arguments: [DocumentFormat.text(.lines), .text(.paragraphs), .text(.file), .jsonl(field: "text")])
    func flatReaderBatches(_ format: DocumentFormat) throws {
        let scratch = Scratch()
        let plain = scratch.file("corpus.txt"), records = scratch.file("corpus.jsonl")
        let lines = ["first line", "", "  ", "second\tparagraph, 日本", "", "", "third\r", "last without newline"]
        try FileIO.writeAtomically(Array(lines.joined(separator: "\n").utf8), to: plain)
        let json = lines.map { "{\"text\": \"\($0.replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\r", with: "\\r"))\"}" }
        try FileIO.writeAtomically(Array((json + ["", "{\"text\": \"\"}"]).joined(separator: "\n").utf8), to: records)
        let inputs = format == .jsonl(field: "text") ? [records, records] : [plain, plain]
        for keep in [false, true] {
            let perDocument = try DocumentReader(inputs: inputs, format: format, keepLineTerminators: keep)
            let flat = try DocumentReader(inputs: inputs, format: format, keepLineTerminators: keep)
            var expected: [[UInt8]] = [], expectedOrigins: [DocumentOrigin] = []
            while let batch = try perDocument.nextBatch(targetBytes: 16) {
                expected += batch.documents
                expectedOrigins += batch.origins
            }
            var got: [[UInt8]] = [], origins: [DocumentOrigin] = []
            while let batch = try flat.nextFlatBatch(targetBytes: 16) {
                #expect(batch.boundaries.count == batch.count + 1)
                got += (0..<batch.count).map { Array(batch[$0]) }
                origins += batch.origins
            }
            #expect(expected.count > 1)
            #expect(got == expected, "\(format) keep \(keep)")
            #expect(origins == expectedOrigins)
            #expect(flat.statistics == perDocument.statistics)
        }
    }

    @Test("a flat batch names each document's file and line as the per-document batches do, across files, one of them giving no document",
          arguments: [DocumentFormat.text(.lines), .jsonl(field: "text")])
    func flatBatchOrigins(_ format: DocumentFormat) throws {
        let scratch = Scratch()
        let lines = format == .text(.lines) ? ["a", "bb", "", "ccc"] : [#"{"text": "a"}"#, #"{"text": "bb"}"#, "", #"{"text": "ccc"}"#]
        var inputs: [String] = []
        // The second file gives no document (JSONL: only a blank line), so the third file's first
        // document comes right after the first file's last, and a batch may cross both.
        for (index, contents) in [lines, format == .text(.lines) ? [] : [""], lines.reversed()].enumerated() {
            let path = scratch.file("part\(index)")
            try FileIO.writeAtomically(Array(contents.joined(separator: "\n").utf8), to: path)
            inputs.append(path)
        }
        for target in [1, 3, 5, 1 << 20] {
            let expected = try Self.cutBatches(inputs, format, targetBytes: target, flat: false)
            let flat = try Self.cutBatches(inputs, format, targetBytes: target, flat: true)
            #expect(expected.error == nil && flat.error == nil)
            #expect(Set(expected.batches.flatMap(\.origins).map(\.path)).count == 2)
            #expect(flat.batches.flatMap(\.origins) == expected.batches.flatMap(\.origins), "target \(target)")
            #expect(flat.batches.flatMap(\.documents) == expected.batches.flatMap(\.documents))
        }
    }

    /// One batch as the reader cut it: its documents, their origins and the bytes read for it.
    struct CutBatch: Equatable {
        var documents: [[UInt8]]
        var origins: [DocumentOrigin]
        var bytesRead: Int
    }

    /// Every batch of `inputs` read per document (`nextBatch`, a `next()` per piece) or flat (lines and
    /// records appended in runs), and the error that stopped the reading, if any.
    static func cutBatches(_ inputs: [String], _ format: DocumentFormat, targetBytes: Int, flat: Bool, skipBadLines: Bool = false,
                           lossy: Bool = false, keepLineTerminators: Bool = false) throws -> (batches: [CutBatch], error: CorpusError?, statistics: ReadStatistics) {
        let reader = try DocumentReader(inputs: inputs, format: format, skipBadLines: skipBadLines, lossy: lossy,
                                        keepLineTerminators: keepLineTerminators)
        var batches: [CutBatch] = []
        do {
            if flat {
                var batch = DocumentReader.FlatBatch()
                while try reader.nextFlatBatch(into: &batch, targetBytes: targetBytes) {
                    batches.append(CutBatch(documents: (0..<batch.count).map { Array(batch[$0]) }, origins: batch.origins, bytesRead: batch.bytesRead))
                }
            } else {
                while let batch = try reader.nextBatch(targetBytes: targetBytes) {
                    batches.append(CutBatch(documents: batch.documents, origins: batch.origins, bytesRead: batch.bytesRead))
                }
            }
        } catch {
            return (batches, error, reader.statistics)
        }
        return (batches, nil, reader.statistics)
    }

    @Test("flat batches of lines and JSONL records end where per-document batches end: at blank and bad lines, empty files, CRLF, every target size")
    func flatBatchEdges() throws {
        let scratch = Scratch()
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = scratch.file(name)
            try FileIO.writeAtomically(bytes, to: path)
            return path
        }
        let empty = try write("empty.txt", [])
        let crlf = try write("crlf.txt", Array("one\r\n\r\ntwo\r\n  \r\nthree\n\nfour\r".utf8))
        let plain = try write("plain.txt", Array("alpha\nbeta\n\n".utf8) + [0xC3] + Array("\nomega".utf8))
        let records = try write("records.jsonl", Array(("{\"text\": \"a\"}\n\n  \n{\"text\": \"b\\u00e9\"}\r\nnot json\n{\"id\": 1}\n"
            + "{\"text\": 7}\n[1]\n{\"text\": \"c\"}\n\n\n").utf8) + [0x22, 0xFF, 0x22, 0x0A] + Array("{\"text\": \"last\"}".utf8))
        let blanks = try write("blanks.jsonl", Array("\n \t\n\r\n".utf8))
        let good = try write("good.jsonl", Array("{\"text\": \"x\"}\r\n{\"text\": \"\"}\n\n{\"text\": \"yz\"}\n".utf8))
        let cases: [(inputs: [String], format: DocumentFormat, skip: Bool, lossy: Bool)] = [
            ([crlf, empty, plain, crlf], .text(.lines), false, true),
            ([empty, crlf, empty, empty, crlf], .text(.lines), false, false),
            ([plain, crlf], .text(.lines), false, false),
            ([records, blanks, empty, good, blanks, records], .jsonl(field: "text"), true, true),
            ([good, blanks, records], .jsonl(field: "text"), true, false),
            ([good, records, good], .jsonl(field: "text"), false, false),
            ([blanks, empty, blanks], .jsonl(field: "text"), false, false),
        ]
        var documents = 0, errors = 0
        for (inputs, format, skip, lossy) in cases {
            for target in 1...72 {
                let expected = try Self.cutBatches(inputs, format, targetBytes: target, flat: false, skipBadLines: skip, lossy: lossy)
                let got = try Self.cutBatches(inputs, format, targetBytes: target, flat: true, skipBadLines: skip, lossy: lossy)
                #expect(got.batches == expected.batches, "\(inputs.map { ($0 as NSString).lastPathComponent }) target \(target)")
                #expect(got.error == expected.error)
                #expect(got.statistics == expected.statistics)
                documents += expected.batches.reduce(0) { $0 + $1.documents.count }
                if expected.error != nil { errors += 1 }
            }
        }
        #expect(documents > 1_000 && errors > 0)
        // The comparison sees batch boundaries: the same documents cut for another target differ.
        let sixteen = try Self.cutBatches([records, blanks, good], .jsonl(field: "text"), targetBytes: 16, flat: true, skipBadLines: true)
        let seventeen = try Self.cutBatches([records, blanks, good], .jsonl(field: "text"), targetBytes: 40, flat: false, skipBadLines: true)
        #expect(sixteen.batches != seventeen.batches)
        #expect(sixteen.batches.flatMap(\.documents) == seventeen.batches.flatMap(\.documents))
        // Errors keep their file and line: the bad records of `records.jsonl` without --skip-bad-lines.
        #expect(try Self.cutBatches([good, records], .jsonl(field: "text"), targetBytes: 8, flat: true).error
                == .notJSON(path: records, line: 5, reason: "invalid literal at byte 0"))
        #expect(try Self.cutBatches([plain], .text(.lines), targetBytes: 8, flat: true).error
                == .invalidUTF8(path: plain, line: 4, byteOffset: 12))
    }

    @Test("runs of lines across read blocks: the same batches, lines, statistics and errors as reading line by line",
          arguments: [false, true])
    func lineRunsAcrossBlocks(_ keepLineTerminators: Bool) throws {
        // Over 2 MiB, so that lines cross the reader's 1 MiB blocks: short, empty, CRLF, non-ASCII and
        // one line longer than a block; bad bytes go near a block's end, in a run's middle and last.
        var generator = SplitMix64(seed: 20)
        var lines: [[UInt8]] = []
        var total = 0
        while total < (2 << 20) + 300_000 {
            var line: [UInt8]
            switch generator.next() % 10 {
            case 0: line = []
            case 1: line = Array("ça va, 日本語 \r".utf8) + [0x0D]
            case 2: line = Array("x".utf8) + [0x0D]
            default: line = Array(repeating: UInt8(ascii: "a") + UInt8(generator.next() % 26), count: Int(generator.next() % 120))
            }
            if lines.count == 7_000 { line = Array(repeating: UInt8(ascii: "L"), count: 1_200_000) }
            lines.append(line)
            total += line.count + 1
        }
        let scratch = Scratch()
        func write(_ name: String, _ lines: [[UInt8]], end: [UInt8] = Array("\nlast without newline".utf8)) throws -> String {
            let path = scratch.file(name)
            try FileIO.writeAtomically(Array(lines.joined(separator: [UInt8(ascii: "\n")])) + end, to: path)
            return path
        }
        let good = try write("good.txt", lines)
        var bad = lines
        bad[bad.count - 40] += [0xE6, 0x97]
        let badNearEnd = try write("bad-end.txt", bad, end: [])
        bad = lines
        // Near the end of the first 1 MiB block, and twice in one run further on.
        var offset = 0, index = 0
        while offset < (1 << 20) - 200 { offset += bad[index].count + 1; index += 1 }
        bad[index] += [0xFF]
        bad[index + 300] = [0xC3] + bad[index + 300]
        let badInside = try write("bad-inside.txt", bad)
        var compared = 0
        for (inputs, lossy) in [([good, good], false), ([badNearEnd], false), ([badInside], false), ([badInside, good], true)] {
            for target in [1, 4_000, 65_536, 1 << 20] {
                let expected = try Self.cutBatches(inputs, .text(.lines), targetBytes: target, flat: false, lossy: lossy,
                                                   keepLineTerminators: keepLineTerminators)
                let got = try Self.cutBatches(inputs, .text(.lines), targetBytes: target, flat: true, lossy: lossy,
                                              keepLineTerminators: keepLineTerminators)
                let same = got.batches == expected.batches
                #expect(same, "\(inputs.map { ($0 as NSString).lastPathComponent }) target \(target)")
                #expect(got.error == expected.error)
                #expect(got.statistics == expected.statistics)
                compared += expected.batches.reduce(0) { $0 + $1.documents.count }
            }
        }
        #expect(compared > 100_000)
        #expect(try Self.cutBatches([badInside], .text(.lines), targetBytes: 1 << 20, flat: true).error != nil)
    }

    @Test("runs of JSONL records across read blocks: the texts the full parser reads, and the same batches, statistics and errors as record by record")
    func recordRunsAcrossBlocks() throws {
        // Over 2 MiB of records, so that runs cross the reader's 1 MiB blocks: `json.dumps`' spelling with
        // every escape (`\uXXXX` and surrogate pairs included), raw UTF-8, the compact spelling, other members
        // before and after, nested values, spaces around the structure, blank lines, CRLF, a record longer
        // than a block; the run path must stop at every record it does not take and read it as before.
        var generator = SplitMix64(seed: 21)
        func words(_ count: UInt64) -> String {
            (0..<Int(generator.next() % count)).map { _ in String(repeating: "abcdefghij".randomElement(using: &generator) ?? "a", count: Int(generator.next() % 9)) }
                .joined(separator: " ")
        }
        var lines: [String] = []
        var total = 0
        while total < (2 << 20) + 300_000 {
            let text = words(12)
            let line: String
            switch generator.next() % 16 {
            case 0: line = ""
            case 1: line = "{\"text\": \"\(text) \\\"quoted\\\" back\\\\slash\\/ tab\\t nl\\n \\u00e9\\u65e5 \\ud83d\\ude00 \\u0000\"}"
            case 2: line = "{\"text\": \"ça va, 日本語 \(text) 😀\"}"
            case 3: line = "{\"text\":\"\(text)\"}"
            case 4: line = "{\"id\": \(generator.next() % 1000), \"text\": \"\(text)\"}"
            case 5: line = "{\"text\": \"\(text)\", \"meta\": {\"tags\": [1, \"x\", null, true], \"score\": -1.5e3}}"
            case 6: line = "  { \"text\" : \"\(text)\" }  "
            case 7: line = "{\"text\": \"\(text)\"}\r"
            case 8: line = " \t"
            case 9: line = "{\"text\": \"\(text)\", \"text\": \"duplicate wins \(text)\"}"
            default: line = "{\"text\": \"\(text)\"}"
            }
            let entry = lines.count == 9_000 ? "{\"text\": \"" + String(repeating: "L\\u00e9", count: 200_000) + "\"}" : line
            lines.append(entry)
            total += entry.utf8.count + 1
        }
        // What the full parser reads from each record (the reference does not share the run path's reading).
        var expected: [[UInt8]] = []
        for line in lines where !line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            guard case .object(let record) = try JSONParser.parse(Array(line.utf8)), case .string(let text) = record["text"] else {
                Issue.record("not a record: \(line.prefix(80))")
                continue
            }
            expected.append(Array(text.utf8))
        }
        let scratch = Scratch()
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = scratch.file(name)
            try FileIO.writeAtomically(bytes, to: path)
            return path
        }
        let body = Array(lines.joined(separator: "\n").utf8)
        let good = try write("good.jsonl", body + Array("\n{\"text\": \"last without newline\"}".utf8))
        expected.append(Array("last without newline".utf8))
        // Invalid UTF-8 inside a common record near the first block's end; a line that is not JSON further on.
        var offset = 0, index = 0
        while offset < (1 << 20) - 300 { offset += lines[index].utf8.count + 1; index += 1 }
        var bad = lines.map { Array($0.utf8) }
        bad[index] = Array("{\"text\": \"bad ".utf8) + [0xE6, 0x97] + Array(" byte\"}".utf8)
        bad[index + 500] = Array("{\"text\": not json}".utf8)
        let badInside = try write("bad.jsonl", Array(bad.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")])
        for target in [1, 4_000, 65_536, 1 << 20] {
            let runs = try Self.cutBatches([good], .jsonl(field: "text"), targetBytes: target, flat: true)
            let texts = runs.batches.flatMap(\.documents)
            let sameTexts = texts == expected
            #expect(sameTexts, "target \(target): \(texts.count) texts, \(expected.count) expected")
            #expect(runs.error == nil)
            for (inputs, skip, lossy) in [([good, good], false, false), ([badInside], false, false), ([badInside, good], true, false),
                                          ([badInside, good], true, true), ([good, badInside], false, true)] {
                let perRecord = try Self.cutBatches(inputs, .jsonl(field: "text"), targetBytes: target, flat: false, skipBadLines: skip, lossy: lossy)
                let flat = try Self.cutBatches(inputs, .jsonl(field: "text"), targetBytes: target, flat: true, skipBadLines: skip, lossy: lossy)
                let same = flat.batches == perRecord.batches
                #expect(same, "\(inputs.map { ($0 as NSString).lastPathComponent }) target \(target) skip \(skip) lossy \(lossy)")
                #expect(flat.error == perRecord.error)
                #expect(flat.statistics == perRecord.statistics)
            }
        }
        #expect(expected.count > 10_000)
        #expect(try Self.cutBatches([badInside], .jsonl(field: "text"), targetBytes: 1 << 20, flat: true).error
                == .invalidUTF8(path: badInside, line: index + 1, byteOffset: offset + 14))
    }

    @Test("a flat batch with invalid UTF-8 stops at the same file, line and byte, or is repaired the same way under lossy")
    func flatReaderInvalidUTF8() throws {
        let scratch = Scratch()
        let path = scratch.file("bad.txt")
        try FileIO.writeAtomically(Array("good\nbad ".utf8) + [0xFF] + Array("\nafter\n".utf8), to: path)
        #expect(throws: CorpusError.invalidUTF8(path: path, line: 2, byteOffset: 9)) {
            _ = try DocumentReader(inputs: [path], format: .text(.lines)).nextFlatBatch()
        }
        let repaired = try #require(try DocumentReader(inputs: [path], format: .text(.lines), lossy: true).nextFlatBatch())
        #expect((0..<repaired.count).map { Array(repaired[$0]) } == [Array("good".utf8), Array("bad \u{FFFD}".utf8), Array("after".utf8)])
    }
}
