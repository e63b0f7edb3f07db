import Foundation
import Testing
import TokkitIO
import TokkitTestSupport
import TokkitCorpus
import TokkitPrep

/// `tokkit prep`'s filters against the real datatrove (and spaCy `blank("en")`), on a few thousand
/// real documents from the public corpus plus seeded degraded variants made so every rule fires.
/// Fails, never skips, when Python, datatrove, spaCy or the corpus are missing.
@Suite("Live parity with the real datatrove filters", .serialized)
struct PrepParityTests {
    /// The document set and datatrove's verdicts on it, built once per test run.
    struct Fixture: Sendable {
        var documents: [Document]
        var kinds: [String: String]
        var reference: [String: JSONObject]
        var directory: String
    }

    static let fixture: Result<Fixture, TestSetupError> = {
        do { return .success(try build()) } catch let error as TestSetupError { return .failure(error) } catch {
            return .failure(TestSetupError("\(error)"))
        }
    }()

    static func build() throws -> Fixture {
        // While developing, TOKKIT_PREP_PARITY_DIR may name a directory where a previous run left
        // testset.jsonl and reference.jsonl, to iterate on the Swift side without rerunning datatrove.
        if let cached = ProcessInfo.processInfo.environment["TOKKIT_PREP_PARITY_DIR"], !cached.isEmpty {
            return try load(testset: cached + "/testset.jsonl", reference: cached + "/reference.jsonl", directory: cached)
        }
        let directory = NSTemporaryDirectory() + "tokkit-prep-parity-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let corpus = (try Repository.corpusFile("public_en.txt") as NSString).deletingLastPathComponent
        let testset = directory + "/testset.jsonl"
        let reference = directory + "/reference.jsonl"
        let build = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/prep_testset.py"),
                                                        "--corpus", corpus, "--output", testset])
        guard build.status == 0 else { throw TestSetupError("building the test set failed: \(build.stderr)") }
        let run = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/prep_datatrove.py"),
                                                      "--input", testset, "--output", reference,
                                                      "--blocklists", Repository.path("fixtures/prep/blocklists"),
                                                      "--bad-words", Repository.path("fixtures/prep/bad_words.txt")])
        guard run.status == 0 else {
            throw TestSetupError("datatrove failed (is `pip install datatrove spacy tldextract pyahocorasick fasteners` done?): \(run.stderr)")
        }
        print("prep parity: reference \(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
        return try load(testset: testset, reference: reference, directory: directory)
    }

    static func load(testset: String, reference: String, directory: String) throws -> Fixture {
        var documents: [Document] = []
        var kinds: [String: String] = [:]
        let reader = try DocumentFileReader(path: testset, format: .jsonl(DocumentAdapter()))
        while let document = try reader.next() {
            documents.append(document)
            kinds[document.id] = document.metadata["kind"]?.stringValue ?? "?"
        }
        var verdicts: [String: JSONObject] = [:]
        let lines = try InputReader.contents(of: reference).split(separator: 0x0A)
        for line in lines {
            guard case .object(let object) = try JSONParser.parse(Array(line)), let id = object["id"]?.stringValue else { continue }
            verdicts[id] = object
        }
        return Fixture(documents: documents, kinds: kinds, reference: verdicts, directory: directory)
    }

    /// The filters compared one by one, with the parameters `prep_datatrove.py` gives datatrove's.
    static func parityFilters(goperMinWords: Int = 50) throws -> [(name: String, stage: Stage)] {
        var configuration = PrepConfiguration(preset: "fineweb-datatrove")
        configuration.blocklists = Repository.path("fixtures/prep/blocklists")
        let url = try configuration.stages()[0]
        var quality = GopherQualityFilter(version: .current)
        quality.maxDocWords = 1000
        quality.minDocWords = goperMinWords
        var c4Fineweb = C4QualityFilter()
        c4Fineweb.filterNoTerminalPunct = false
        return [
            ("url_filter", url),
            ("gopher_repetition", .gopherRepetition(GopherRepetitionFilter(version: .current))),
            ("gopher_quality", .gopherQuality(quality)),
            ("c4_quality", .c4Quality(C4QualityFilter())),
            ("c4_quality_fineweb", .c4Quality(c4Fineweb)),
            ("c4_paragraph", .c4Paragraph(C4ParagraphFilter())),
            ("bad_words", .badWords(try BannedWordsFilter(path: Repository.path("fixtures/prep/bad_words.txt")))),
            ("fineweb_quality", .fineWebQuality(FineWebQualityFilter(version: .current))),
        ]
    }

    /// Every rule that must fire at least 20 times in datatrove's verdicts (a test of the test set).
    static let rules: [String: [String]] = [
        "url_filter": URLFilter.reasons,
        // "empty" cannot fire: a reader never yields a document with empty text.
        "gopher_repetition": GopherRepetitionFilter(version: .current).reasons.filter { $0 != "empty" },
        "gopher_quality": GopherQualityFilter.reasons,
        "c4_quality": C4QualityFilter.reasons,
        "c4_paragraph": [C4ParagraphFilter().reason],
        "bad_words": [BannedWordsFilter.reason],
        "fineweb_quality": FineWebQualityFilter.reasons,
    ]

    struct Comparison {
        var total = 0
        var sameKeep = 0
        var sameReason = 0
        var sameText = 0
        var textCompared = 0
        var disagreements: [String] = []
        var keepAgreement: Double { Double(sameKeep) / Double(max(total, 1)) }
        var reasonAgreement: Double { Double(sameReason) / Double(max(total, 1)) }
    }

    /// Runs every filter on every document (one word split per document, shared by the filters,
    /// as datatrove's cache shares it) and compares with datatrove's verdicts, filter by filter.
    static func compare(_ filters: [(name: String, stage: Stage)], _ fixture: Fixture) -> [String: Comparison] {
        var comparisons: [String: Comparison] = [:]
        for document in fixture.documents {
            guard let verdict = fixture.reference[document.id], case .object(let reference)? = verdict["filters"] else { continue }
            let shared = TextView(document.text)
            for (name, stage) in filters {
                var comparison = comparisons[name] ?? Comparison()
                defer { comparisons[name] = comparison }
                let theirs = reference[name]?.stringValue
                var copy = document
                var view = shared
                var measured: Measurements = []
                let ours: String?
                switch stage.apply(&copy, &view, &measured) {
                case .drop(let reason): ours = reason
                case .passWithout(let counter): ours = counter
                case .fail(let message): ours = "stopped: \(message)"
                case .keep: ours = nil
                }
                comparison.total += 1
                if (ours == nil) == (theirs == nil) { comparison.sameKeep += 1 }
                var agrees = ours == theirs
                if agrees, ours == nil, name.hasPrefix("c4_quality"), let text = verdict[name + "_text"]?.stringValue {
                    comparison.textCompared += 1
                    if Array(text.utf8) == Array(copy.text.utf8) { comparison.sameText += 1 } else { agrees = false }
                }
                if agrees {
                    comparison.sameReason += 1
                } else {
                    let words = shared.words.count
                    let theirWords = verdict["words"]?.doubleValue.map { Int($0) } ?? -1
                    let cause = words != theirWords ? "word split differs (tokkit \(words) words, spaCy \(theirWords))"
                        : (ours == theirs ? "rewritten text differs"
                           : "same words; measured " + measured.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
                    comparison.disagreements.append("\(name) \(document.id) [\(fixture.kinds[document.id] ?? "?")]: tokkit \(ours ?? "keep"), "
                                                    + "datatrove \(theirs ?? "keep"); \(cause)")
                }
            }
        }
        return comparisons
    }

    @Test("every filter makes datatrove's keep/drop decision and first reason on ≥ 99.5% of documents")
    func perFilterParity() throws {
        let fixture = try Self.fixture.get()
        #expect(fixture.documents.count >= 3000, "several thousand documents")
        #expect(fixture.reference.count == fixture.documents.count, "datatrove judged every document")
        let filters = try Self.parityFilters()
        let comparisons = Self.compare(filters, fixture)
        for (name, _) in filters {
            let comparison = comparisons[name] ?? Comparison()
            print("prep parity \(name): keep/drop \(comparison.sameKeep)/\(comparison.total) (\(percent(comparison.keepAgreement))), "
                  + "reason\(name.hasPrefix("c4_quality") ? "+text" : "") \(comparison.sameReason)/\(comparison.total) (\(percent(comparison.reasonAgreement)))"
                  + (comparison.textCompared > 0 ? ", rewritten text identical \(comparison.sameText)/\(comparison.textCompared)" : ""))
            for line in comparison.disagreements { print("  disagreement: \(line)") }
            #expect(comparison.total == fixture.documents.count)
            #expect(comparison.keepAgreement >= 0.995, "\(name): keep/drop agreement \(percent(comparison.keepAgreement))")
            #expect(comparison.reasonAgreement >= 0.995, "\(name): reason agreement \(percent(comparison.reasonAgreement))")
        }
    }

    @Test("every rule of every filter fired at least 20 times in datatrove's verdicts")
    func everyRuleFires() throws {
        let fixture = try Self.fixture.get()
        var counts: [String: [String: Int]] = [:]
        for verdict in fixture.reference.values {
            guard case .object(let filters)? = verdict["filters"] else { continue }
            for (name, value) in filters {
                if let reason = value.stringValue { counts[name, default: [:]][reason, default: 0] += 1 }
            }
        }
        for (filter, reasons) in Self.rules.sorted(by: { $0.key < $1.key }) {
            let fired = reasons.map { "\($0) \(counts[filter]?[$0] ?? 0)" }.joined(separator: ", ")
            print("prep parity rules \(filter): \(fired)")
            for reason in reasons {
                #expect((counts[filter]?[reason] ?? 0) >= 20, "\(filter): rule \(reason) fired \(counts[filter]?[reason] ?? 0) times")
            }
        }
    }

    @Test("the fineweb-datatrove preset drops the same documents at the same stage and keeps the same text")
    func presetChain() throws {
        let fixture = try Self.fixture.get()
        var configuration = PrepConfiguration(preset: "fineweb-datatrove")
        configuration.blocklists = Repository.path("fixtures/prep/blocklists")
        let processor = DocumentProcessor(stages: try configuration.stages())
        var statistics = processor.emptyStatistics()
        let results = processor.runBatch(fixture.documents, threads: 2, statistics: &statistics)
        var sameDecision = 0
        var keptByBoth = 0
        var sameText = 0
        var disagreements: [String] = []
        // PII inside the chain: datatrove's kept texts before PII, through tokkit's formatter in
        // order, must give datatrove's final texts byte for byte (the round-robin state included).
        let formatter = try PIIFormatter(version: .current)
        var piiIdentical = 0
        var piiCompared = 0
        for (document, result) in zip(fixture.documents, results) {
            guard case .object(let chain)? = fixture.reference[document.id]?["chain"] else { continue }
            let theirStage = chain["stage"]?.stringValue
            let theirReason = chain["reason"]?.stringValue
            let ourStage = result.drop.map { processor.stages[$0.stage].name }
            if let before = chain["text_before_pii"]?.stringValue, let final = chain["text"]?.stringValue {
                var counts = (emails: 0, ips: 0)
                piiCompared += 1
                if Array(try formatter.format(before, counts: &counts).utf8) == Array(final.utf8) { piiIdentical += 1 }
            }
            guard ourStage == theirStage, result.drop?.reason == theirReason else {
                disagreements.append("\(document.id) [\(fixture.kinds[document.id] ?? "?")]: tokkit \(ourStage ?? "kept") "
                                     + "\(result.drop?.reason ?? ""), datatrove \(theirStage ?? "kept") \(theirReason ?? "")")
                continue
            }
            sameDecision += 1
            if ourStage == nil {
                keptByBoth += 1
                if Array(result.document.text.utf8) == Array((chain["text_before_pii"]?.stringValue ?? "").utf8) {
                    sameText += 1
                } else {
                    disagreements.append("\(document.id): kept by both, text before PII differs")
                }
            }
        }
        let agreement = Double(sameDecision) / Double(fixture.documents.count)
        print("prep parity chain fineweb-datatrove: same stage and reason \(sameDecision)/\(fixture.documents.count) (\(percent(agreement))); "
              + "kept by both \(keptByBoth), text identical \(sameText); PII on datatrove's kept texts identical \(piiIdentical)/\(piiCompared)")
        for line in disagreements { print("  disagreement: \(line)") }
        for stage in statistics { print("  tokkit \(stage.name): in \(stage.documentsIn), dropped \(stage.dropped)") }
        #expect(agreement >= 0.995)
        #expect(sameText == keptByBoth)
        #expect(piiCompared > 100 && piiIdentical == piiCompared)
    }

    @Test("PII replacement is byte-identical to datatrove's, documents in order")
    func piiBytes() throws {
        let fixture = try Self.fixture.get()
        let formatter = try PIIFormatter(version: .current)
        var identical = 0
        var replaced = 0
        for document in fixture.documents {
            var counts = (emails: 0, ips: 0)
            let ours = try formatter.format(document.text, counts: &counts)
            replaced += counts.emails + counts.ips
            let theirs = fixture.reference[document.id]?["pii"]?.stringValue ?? ""
            if Array(ours.utf8) == Array(theirs.utf8) { identical += 1 } else { print("  pii disagreement: \(document.id)") }
        }
        print("prep parity pii: identical \(identical)/\(fixture.documents.count), \(replaced) replacements")
        #expect(replaced >= 200)
        #expect(identical == fixture.documents.count)
    }

    @Test("a planted difference (Gopher's minimum of 50 words raised to 51) is caught by the comparison")
    func plantedDifference() throws {
        let fixture = try Self.fixture.get()
        let honest = try #require(try Self.parityFilters().first { $0.name == "gopher_quality" })
        let planted = try #require(try Self.parityFilters(goperMinWords: 51).first { $0.name == "gopher_quality" })
        let baseline = Self.compare([honest], fixture)["gopher_quality"] ?? Comparison()
        let comparison = Self.compare([planted], fixture)["gopher_quality"] ?? Comparison()
        let caught = comparison.disagreements.filter { $0.contains("tokkit gopher_short_doc") && !$0.contains("datatrove gopher_short_doc") }
        print("prep parity planted: gopher_quality with min_doc_words=51 agrees on \(percent(comparison.reasonAgreement)) "
              + "(honest \(percent(baseline.reasonAgreement))); \(caught.count) documents with 50 words reported")
        #expect(comparison.disagreements.count > baseline.disagreements.count)
        #expect(!caught.isEmpty)
    }
}

private func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
