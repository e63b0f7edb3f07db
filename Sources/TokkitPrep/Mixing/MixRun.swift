import Foundation
import TokkitCorpus
import TokkitIO

/// `tokkit mix`: sources mixed by weight or to a token budget, with deterministic sampling.
///
/// Read 1, per source: Dolma's include/exclude rules (``AttributeRule``), then documents, bytes
/// and tokens (counted with the vocabulary the caller gives, in parallel) of what passed. Then each
/// source's target: `budget × weight / Σ weights` with a budget, `tokens × weight` without one, or
/// the source's own `targetTokens`. Its rate `r = target / tokens` says how often each document is
/// written: `⌊r⌋` times, plus once more when `u(document) < r − ⌊r⌋`, where
/// `u = sha1_64("seed|source|id") / 2⁶⁴` — so the choice depends only on the seed, the source and
/// the document id: the same for any thread count, batch size or rerun (Dolma's sampler seeds by
/// process id and is not reproducible, reference §8). Rates above 1 up-sample (epochs), below 1
/// down-sample. Read 2 writes `<output>/<source>/<NNNNN>.jsonl` with `metadata.mix_source`.
public struct MixRun {
    public struct Source: Sendable {
        public var name: String
        public var input: CorpusInput
        public var weight: Double
        public var targetTokens: Int?
        public var include: [AttributeRule]
        public var exclude: [AttributeRule]

        public init(name: String, input: CorpusInput, weight: Double = 1, targetTokens: Int? = nil,
                    include: [AttributeRule] = [], exclude: [AttributeRule] = []) {
            self.name = name
            self.input = input
            self.weight = weight
            self.targetTokens = targetTokens
            self.include = include
            self.exclude = exclude
        }
    }

    public struct Tally: Sendable, Equatable {
        public var documents = 0
        public var bytes = 0
        public var tokens = 0
    }

    /// Per source: what was read, what passed the rules, what was written, and the rate used.
    public struct SourceReport: Sendable {
        public var name: String
        public var read = Tally()
        public var eligible = Tally()
        public var written = Tally()
        public var targetTokens = 0
        public var rate = 0.0
    }

    public var sources: [Source]
    public var budgetTokens: Int?
    public var seed: UInt64 = 0
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Continue an interrupted run into the same directory: sources' inputs already written are
    /// not written again (every count and rate is computed again; they decide every file).
    public var resume = false
    /// What else decides the output (the vocabulary counting tokens), part of the resume fingerprint.
    public var settings: [String] = []
    /// Tokens of one text under the chosen vocabulary.
    public var countTokens: @Sendable (String) -> Int

    public init(sources: [Source], outputDirectory: String, countTokens: @escaping @Sendable (String) -> Int) {
        self.sources = sources
        self.outputDirectory = outputDirectory
        self.countTokens = countTokens
    }

    /// The sampling draw of one document: uniform in [0, 1), a function of seed, source and id only.
    public static func draw(seed: UInt64, source: String, id: String) -> Double {
        let key = Array("\(seed)|\(source)|\(id)".utf8)
        return Double(key.withUnsafeBytes { SHA1.hash64($0) } >> 11) / 9_007_199_254_740_992.0
    }

    /// How many times a document is written at `rate`.
    public static func copies(rate: Double, draw: Double) -> Int {
        let whole = rate.rounded(.down)
        return Int(whole) + (draw < rate - whole ? 1 : 0)
    }

    public func run() throws -> [SourceReport] {
        guard !sources.isEmpty else { throw PrepError.invalidConfiguration("a mix needs at least one source") }
        guard Set(sources.map(\.name)).count == sources.count else { throw PrepError.invalidConfiguration("source names must be unique") }
        for source in sources where !(source.weight >= 0) || source.name.isEmpty || source.name.contains("/") {
            throw PrepError.invalidConfiguration("source \(source.name.debugDescription): needs a name without / and a weight ≥ 0")
        }
        if let budgetTokens, budgetTokens <= 0 { throw PrepError.invalidConfiguration("the token budget must be > 0, got \(budgetTokens)") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []
        if entries.contains(DocumentReader.incompleteMarker) && !resume { throw PrepError.interruptedOutput(directory: outputDirectory) }
        guard entries.isEmpty || resume else { throw PrepError.outputNotEmpty(directory: outputDirectory) }
        // The whole mix is incomplete until its report is written (each source's folder also has its own marker).
        do { try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
            throw PrepError.invalidConfiguration("\(outputDirectory): cannot create the output directory: \(error.localizedDescription)")
        }
        let marker = outputDirectory + "/" + DocumentReader.incompleteMarker
        try AtomicFile.write(Array("written by a tokkit mix run that has not finished\n".utf8), to: marker)

        var reports: [SourceReport] = []
        var tokenCounts: [[Int32]] = []
        for source in sources {
            var report = SourceReport(name: source.name)
            var counts: [Int32] = []
            try source.input.forEachBatch(batchSize: 2048) { _, documents in
                let eligible = documents.filter { AttributeRule.keeps($0, include: source.include, exclude: source.exclude) }
                for document in documents {
                    report.read.documents += 1
                    report.read.bytes += document.text.utf8.count
                }
                let tokens = tokensOf(eligible.map(\.text))
                for (document, count) in zip(eligible, tokens) {
                    report.eligible.documents += 1
                    report.eligible.bytes += document.text.utf8.count
                    report.eligible.tokens += count
                    counts.append(Int32(clamping: count))
                }
            }
            reports.append(report)
            tokenCounts.append(counts)
        }
        let totalWeight = sources.map(\.weight).reduce(0, +)
        for index in sources.indices {
            let target: Double
            if let explicit = sources[index].targetTokens {
                target = Double(explicit)
            } else if let budgetTokens {
                guard totalWeight > 0 else { throw PrepError.invalidConfiguration("the weights sum to 0") }
                target = Double(budgetTokens) * sources[index].weight / totalWeight
            } else {
                target = Double(reports[index].eligible.tokens) * sources[index].weight
            }
            reports[index].targetTokens = Int(target.rounded())
            if target > 0, reports[index].eligible.tokens == 0 {
                throw PrepError.invalidConfiguration("source \(sources[index].name.debugDescription) has no tokens left after its rules, but a target of \(Int(target))")
            }
            reports[index].rate = reports[index].eligible.tokens > 0 ? target / Double(reports[index].eligible.tokens) : 0
        }
        for (index, source) in sources.enumerated() {
            let output = try CuratedOutput.resumable(directory: outputDirectory + "/" + source.name, input: source.input, stage: "mix",
                                                     settings: settings + ["budget \(budgetTokens ?? -1) seed \(seed)"]
                                                        + sources.map { "source \($0.name) weight \($0.weight) tokens \($0.targetTokens ?? -1) include \($0.include) exclude \($0.exclude) inputs \((try? $0.input.files()) ?? [])" },
                                                     compression: compression, resume: resume)
            var eligibleIndex = 0
            let rate = reports[index].rate
            try source.input.forEachBatch(batchSize: 2048) { fileIndex, documents in
                for var document in documents where AttributeRule.keeps(document, include: source.include, exclude: source.exclude) {
                    let tokens = Int(tokenCounts[index][eligibleIndex])
                    eligibleIndex += 1
                    let copies = Self.copies(rate: rate, draw: Self.draw(seed: seed, source: source.name, id: document.id))
                    guard copies > 0 else { continue }
                    document.metadata["mix_source"] = .string(source.name)
                    for _ in 0..<copies {
                        try output.write(document, fileIndex: fileIndex, keep: true)
                        reports[index].written.documents += 1
                        reports[index].written.bytes += document.text.utf8.count
                        reports[index].written.tokens += tokens
                    }
                }
            }
            try output.finish(fileCount: try source.input.files().count)
        }
        func tally(_ t: Tally) -> JSONValue {
            .object(JSONObject([("documents", .integer(t.documents)), ("bytes", .integer(t.bytes)), ("tokens", .integer(t.tokens))]))
        }
        let sourcesJSON: [JSONValue] = reports.map { report in
            .object(JSONObject([("name", .string(report.name)), ("read", tally(report.read)), ("eligible", tally(report.eligible)),
                                ("written", tally(report.written)), ("target_tokens", .integer(report.targetTokens)),
                                ("rate", .double(report.rate))]))
        }
        var json = JSONWriter.bytes(.object(JSONObject([("sources", .array(sourcesJSON)),
                                                         ("budget_tokens", budgetTokens.map { .integer($0) } ?? .null),
                                                         ("seed", .number(String(seed)))])))
        json.append(0x0A)
        try AtomicFile.write(json, to: outputDirectory + "/mix-report.json")
        try FileManager.default.removeItem(atPath: marker)
        return reports
    }

    private func tokensOf(_ texts: [String]) -> [Int] {
        var out = [Int](repeating: 0, count: texts.count)
        let workers = min(max(1, threads), max(1, texts.count / 32))
        let count = countTokens
        out.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes only its own contiguous slice.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in (texts.count * worker / workers)..<(texts.count * (worker + 1) / workers) { slots[index] = count(texts[index]) }
            }
        }
        return out
    }
}
