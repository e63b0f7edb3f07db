import Foundation
import Testing
import TokkitCore
import TokkitIO
@testable import TokkitPrep

/// Tokkit's line de-duplication against the real datatrove (PyPI) sentence dedup run on lines
/// (`split_sentences=False`, one task) and on sentences (`split_sentences=True`), live on real text with planted repeated paragraphs: the same
/// duplicate spans found, the same documents kept with the same text, the same removed. Fails
/// (never skips) when Python, datatrove, spaCy, xxhash or the corpus are missing.
@Suite("Line dedup parity with datatrove's sentence dedup on lines", .serialized)
struct LineDedupParityTests {
    struct Reference {
        var version: String
        var duplicates: [[Int]]
        var kept: [String: String]
        var removed: Set<String>
    }

    /// Documents of 8–60 consecutive corpus lines (English and multilingual), then paragraphs of
    /// 3–6 lines copied from one document into another at a random line, and two whole documents
    /// repeated: every planted copy is a repeated span datatrove must find.
    /// For sentence spans the planted paragraphs are longer (12–30 lines: this corpus wraps its
    /// sentences over several lines, so a short paragraph holds too few whole sentences).
    static func documents(seed: UInt64 = 7, plantedLines: ClosedRange<Int> = 3...6) throws -> [String] {
        var random = SplitMix64(seed: seed)
        var lines: [Substring] = []
        for (name, bytes) in [("public_en.txt", 1_500_000), ("public_multi.txt", 600_000)] {
            let text = String(decoding: try Repository.corpusPrefix(name, bytes: bytes), as: UTF8.self)
            lines += text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        }
        var documents: [[Substring]] = []
        var start = 0
        while start < lines.count, documents.count < 450 {
            let count = 8 + Int(random.next() % 53)
            documents.append(Array(lines[start..<min(lines.count, start + count)]))
            start += count
        }
        for _ in 0..<110 {
            let from = documents[Int(random.next() % UInt64(documents.count))]
            let to = Int(random.next() % UInt64(documents.count))
            let first = Int(random.next() % UInt64(max(1, from.count - 4)))
            let length = plantedLines.lowerBound + Int(random.next() % UInt64(plantedLines.count))
            let paragraph = from[first..<min(from.count, first + length)]
            documents[to].insert(contentsOf: paragraph, at: Int(random.next() % UInt64(documents[to].count + 1)))
        }
        documents += [documents[5], documents[17]]
        return documents.map { $0.joined(separator: "\n") }
    }

    static func runDatatrove(_ path: String, scratch: Scratch, arguments: [String]) throws -> Reference {
        let output = scratch.file("datatrove-\(arguments.joined(separator: "_")).json")
        let result = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/datatrove_linededup.py"),
                                                         "--input", path, "--work", scratch.file("work-\(arguments.joined())"),
                                                         "--output", output] + arguments)
        guard result.status == 0 else {
            throw TestSetupError("datatrove failed (is `pip install -r scripts/reference/requirements.txt` done?): \(result.stderr.suffix(2000))")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let version = root["datatrove"] as? String,
              let duplicates = root["duplicates"] as? [[Int]], let kept = root["kept"] as? [String: String],
              let removed = root["removed"] as? [String] else {
            throw TestSetupError("unexpected datatrove_linededup.py output")
        }
        return Reference(version: version, duplicates: duplicates, kept: kept, removed: Set(removed))
    }

    /// Tokkit's run on the same file: (duplicate spans as [document, line], kept id → text, removed ids).
    static func runTokkit(_ path: String, scratch: Scratch, configuration: LineDedupConfiguration, threads: Int)
        throws -> (duplicates: [[Int]], kept: [String: String], removed: Set<String>) {
        let deduplicator = try LineDeduplicator(configuration: configuration)
        var index = LineDedupIndex()
        var duplicates: [[Int]] = []
        var documentIndex = 0
        let input = CorpusInput(inputs: [path])
        try input.forEachBatch { _, documents in
            for document in documents {
                duplicates += index.duplicates(deduplicator.spanKeys(document.text)).map { [documentIndex, $0] }
                documentIndex += 1
            }
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
        let directory = scratch.file("tokkit-\(folder)-\(configuration.spanLines)-\(configuration.hash)-\(configuration.precision)-\(configuration.split)-\(configuration.minWordsToRemoveSpan)-\(threads)")
        var run = LineDedupRun(input: input, configuration: configuration, outputDirectory: directory)
        run.writeRemoved = true
        run.threads = threads
        _ = try run.run()
        var kept: [String: String] = [:]
        var removed: Set<String> = []
        for (file, isKept) in [("00000.jsonl", true), ("removed/00000.jsonl", false)] {
            try CorpusInput(inputs: [directory + "/" + file]).forEachBatch { _, documents in
                for document in documents {
                    if isKept { kept[document.id] = document.text } else { removed.insert(document.id) }
                }
            }
        }
        return (duplicates.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }, kept, removed)
    }

    static func differences(_ ours: [String: String], _ theirs: [String: String]) -> [String] {
        Set(ours.keys).union(theirs.keys).filter { ours[$0] != theirs[$0] }.sorted()
    }

    @Test("duplicate spans, kept texts and removed documents equal datatrove's, for xxhash 64 and sha1 32 keys and for sentence spans, on real text with planted paragraphs")
    func parity() throws {
        let scratch = Scratch()
        func write(_ texts: [String], _ name: String) throws -> String {
            let path = scratch.file(name)
            var jsonl = Data()
            for (index, text) in texts.enumerated() {
                jsonl.append(try JSONSerialization.data(withJSONObject: ["id": String(format: "doc-%04d", index), "text": text], options: [.sortedKeys]))
                jsonl.append(0x0A)
            }
            try jsonl.write(to: URL(fileURLWithPath: path))
            return path
        }
        let texts = try Self.documents()
        let path = try write(texts, "docs.jsonl")
        // Its own folder: datatrove's reader globs its input's folder, and would read both files.
        try FileManager.default.createDirectory(atPath: scratch.file("sentences"), withIntermediateDirectories: true)
        let sentenceTexts = try Self.documents(seed: 11, plantedLines: 12...30)
        let sentencePath = try write(sentenceTexts, "sentences/docs.jsonl")

        var defaultReference: Reference?
        for (configuration, arguments, threads) in [
            (LineDedupConfiguration(), [String](), 2),
            (LineDedupConfiguration(minDocumentWords: 80, minSentences: 5, minWordsToRemoveSpan: 6, hash: .sha1, precision: 32),
             ["--hash", "sha1", "--precision", "32", "--min-doc-words", "80", "--min-sentences", "5", "--min-words-to-remove-span", "6"], 1),
            (Self.sentences(LineDedupConfiguration(minWordsToRemoveSpan: 4)), ["--split-sentences", "--min-words-to-remove-span", "4"], 2),
        ] {
            let input = configuration.split == .sentences ? sentencePath : path
            let reference = try Self.runDatatrove(input, scratch: scratch, arguments: arguments)
            if arguments.isEmpty { defaultReference = reference }
            let ours = try Self.runTokkit(input, scratch: scratch, configuration: configuration, threads: threads)
            let differing = Self.differences(ours.kept, reference.kept)
            let sameSpans = Set(ours.duplicates).intersection(reference.duplicates).count
            let originals = configuration.split == .sentences ? sentenceTexts : texts
            let changed = ours.kept.filter { id, text in Int(id.dropFirst(4)).map { originals[$0] != text } ?? true }.count
            print("Line dedup parity vs datatrove \(reference.version) (split \(configuration.split.rawValue), \(configuration.hash.rawValue) \(configuration.precision)-bit, "
                + "min words \(configuration.minDocumentWords), min sentences \(configuration.minSentences), "
                + "min words to remove \(configuration.minWordsToRemoveSpan)): \(texts.count) documents; "
                + "duplicate spans \(sameSpans) common, Tokkit \(ours.duplicates.count), datatrove \(reference.duplicates.count); "
                + "kept \(ours.kept.count - differing.count)/\(reference.kept.count) identical texts (\(changed) of them changed); "
                + "removed: Tokkit \(ours.removed.count), datatrove \(reference.removed.count), \(ours.removed.intersection(reference.removed).count) common")
            for id in differing.prefix(3) {
                print("  differs: \(id): Tokkit \(ours.kept[id]?.prefix(120).debugDescription ?? "removed") datatrove \(reference.kept[id]?.prefix(120).debugDescription ?? "removed")")
            }
            #expect(ours.duplicates == reference.duplicates)
            #expect(differing.isEmpty)
            #expect(ours.removed == reference.removed)
            #expect(reference.duplicates.count > 200 && !reference.removed.isEmpty, "\(reference.duplicates.count) spans")

            // The comparison can fail: one changed character in one kept text is one difference.
            var planted = ours.kept
            if let id = planted.keys.sorted().first { planted[id]! += "x" }
            #expect(Self.differences(planted, reference.kept).count == 1)
        }

        // Sentence spans are not line spans: the same documents cut by lines find other duplicates.
        let sentenceReference = try Self.runDatatrove(sentencePath, scratch: scratch, arguments: ["--split-sentences", "--min-words-to-remove-span", "4"])
        let byLines = try Self.runTokkit(sentencePath, scratch: scratch, configuration: LineDedupConfiguration(minWordsToRemoveSpan: 4), threads: 2)
        #expect(byLines.duplicates != sentenceReference.duplicates)

        // And a different rule is caught: 2-line spans find other duplicates and keep other texts.
        let reference = try #require(defaultReference)
        let twoLines = try Self.runTokkit(path, scratch: scratch, configuration: LineDedupConfiguration(spanLines: 2), threads: 2)
        #expect(twoLines.duplicates != reference.duplicates)
        #expect(!Self.differences(twoLines.kept, reference.kept).isEmpty)
    }

    static func sentences(_ configuration: LineDedupConfiguration) -> LineDedupConfiguration {
        var sentences = configuration
        sentences.split = .sentences
        return sentences
    }
}
