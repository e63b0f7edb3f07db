import Foundation
import TokkitCorpus
import TokkitIO

/// `tokkit mix` and the `mix` stage of `tokkit prep`: sources mixed by weight or to a token
/// budget, with deterministic sampling.
///
/// Read 1, per source: documents, bytes and tokens (counted with the vocabulary the caller gives,
/// in parallel) of everything read and of what passes Dolma's include/exclude rules (``AttributeRule``). Then each
/// source's target: `budget × weight / Σ weights` with a budget, `tokens × weight` without one, or
/// the source's own `targetTokens`. Its rate `r = target / tokens` says how often each document is
/// written: `⌊r⌋` times, plus once more when `u(document) < r − ⌊r⌋`, where
/// `u = sha1_64("seed|source|id") / 2⁶⁴` — so the choice depends only on the seed, the source and
/// the document id: the same for any thread count, batch size or rerun (Dolma's sampler seeds by
/// process id and is not reproducible, reference §8). Rates above 1 up-sample (epochs), below 1
/// down-sample. Read 2 writes the documents with `metadata.mix_source`, and `mix-report.json`.
///
/// Two layouts, one decision: ``Layout/bySource`` (`tokkit mix`) reads each source's own files and
/// writes `<output>/<source>/<NNNNN>.jsonl`; ``Layout/stream`` (the prep stage) reads one stream of
/// documents, finds each one's source by its input file (``origins``) or its metadata field
/// ``sourceKey``, and writes `<output>/<NNNNN>.jsonl` per input file in input order, so the next
/// stage reads it as it reads any step. A document is written the same number of times either way.
public struct MixRun: CorpusStage {
    public struct Source: Sendable {
        public var name: String
        /// `bySource`: the source's files. `stream`: which of the run's input files belong to it
        /// (none: the documents whose metadata ``MixRun/sourceKey`` is the source's name).
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

    public enum Layout: Sendable {
        /// Each source reads its own files and writes its own folder (`tokkit mix`).
        case bySource
        /// One stream of documents in, one file per input file out (a prep pipeline's step).
        case stream
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
        /// Eligible documents written no time (a rate below 1 drew them out).
        public var sampledOut = 0
    }

    public var name: String { "mix" }
    public var sources: [Source]
    public var budgetTokens: Int?
    public var seed: UInt64 = 0
    public var layout = Layout.bySource
    /// `stream`: the documents to mix.
    public var input = CorpusInput(inputs: [])
    /// `stream`: the metadata field that names a document's source, for sources without files.
    public var sourceKey = "source"
    /// `stream`: the run's input file each of ``input``'s files descends from (same index).
    public var origins: [String] = []
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    /// `stream`: also write the documents not written (no source, excluded, sampled out) to `removed/`.
    public var writeRemoved = false
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Continue an interrupted run into the same directory: inputs already written are not written
    /// again (every count and rate is computed again; they decide every file).
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

    public mutating func follow(origins: [String]) { self.origins = origins }

    public func run() throws -> [SourceReport] {
        try mix().reports
    }

    public func runStage() throws -> StageStatistics {
        let start = Date()
        let (reports, unassigned) = try mix()
        var statistics = StageStatistics(name: name)
        statistics.documentsIn = reports.reduce(unassigned.documents) { $0 + $1.read.documents }
        statistics.bytesIn = reports.reduce(unassigned.bytes) { $0 + $1.read.bytes }
        statistics.documentsOut = reports.reduce(0) { $0 + $1.written.documents }
        statistics.bytesOut = reports.reduce(0) { $0 + $1.written.bytes }
        statistics.seconds = Date().timeIntervalSince(start)
        let sampledOut = reports.reduce(0) { $0 + $1.sampledOut }
        for (reason, count) in [("no_source", unassigned.documents), ("excluded", reports.reduce(0) { $0 + $1.read.documents - $1.eligible.documents }),
                                ("not_sampled", sampledOut)] where count > 0 {
            statistics.drops.add(reason, count)
        }
        for report in reports {
            statistics.counters.add("tokens_in_\(report.name)", report.eligible.tokens)
            statistics.counters.add("tokens_out_\(report.name)", report.written.tokens)
        }
        return statistics
    }

    /// Where each document of the stream belongs: by its input file when a source names it, else by metadata.
    private func streamSources() throws -> (byFile: [Int?], byName: [String: Int]) {
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        let known = Set(origins.map(canonical))
        var owner: [String: Int] = [:]
        for (index, source) in sources.enumerated() where !source.input.inputs.isEmpty {
            let files = try DocumentReader.expand(source.input.inputs).map(canonical)
            if let stray = files.first(where: { !known.contains($0) }) {
                throw PrepError.invalidConfiguration("mix source \(source.name.debugDescription): \(stray) is not one of the run's input files")
            }
            for file in files where owner[file] == nil { owner[file] = index }
        }
        let byFile = origins.map { owner[canonical($0)] }
        var byName: [String: Int] = [:]
        for (index, source) in sources.enumerated() where source.input.inputs.isEmpty { byName[source.name] = index }
        return (byFile, byName)
    }

    /// Both reads of the mix; the reports and the documents that belong to no source (stream only).
    private func mix() throws -> (reports: [SourceReport], unassigned: Tally) {
        guard !sources.isEmpty else { throw PrepError.invalidConfiguration("a mix needs at least one source") }
        guard Set(sources.map(\.name)).count == sources.count else { throw PrepError.invalidConfiguration("source names must be unique") }
        for source in sources where !(source.weight >= 0) || source.name.isEmpty || source.name.contains("/") {
            throw PrepError.invalidConfiguration("source \(source.name.debugDescription): needs a name without / and a weight ≥ 0")
        }
        if let budgetTokens, budgetTokens <= 0 { throw PrepError.invalidConfiguration("the token budget must be > 0, got \(budgetTokens)") }
        let assignment: (byFile: [Int?], byName: [String: Int]) = try layout == .stream ? streamSources() : ([], [:])
        let sourceKey = sourceKey
        /// One read: batches of (file index, documents with their source index, or nil for none).
        func read(_ body: (_ source: Int?, _ fileIndex: Int, _ documents: [Document]) throws -> Void) throws {
            switch layout {
            case .bySource:
                for (index, source) in sources.enumerated() { try source.input.forEachBatch(batchSize: 2048) { try body(index, $0, $1) } }
            case .stream:
                try input.forEachBatch(batchSize: 2048) { fileIndex, documents in
                    if let owner = fileIndex < assignment.byFile.count ? assignment.byFile[fileIndex] : nil { return try body(owner, fileIndex, documents) }
                    // Runs of documents with the same source keep their order within the file.
                    var start = 0
                    let owners = documents.map { $0.metadata[sourceKey]?.stringValue.flatMap { assignment.byName[$0] } }
                    for end in 1...documents.count where end == documents.count || owners[end] != owners[start] {
                        try body(owners[start], fileIndex, Array(documents[start..<end]))
                        start = end
                    }
                }
            }
        }

        let fingerprint = settings + ["budget \(budgetTokens ?? -1) seed \(seed) by \(sourceKey)"]
            + sources.map { "source \($0.name) weight \($0.weight) tokens \($0.targetTokens ?? -1) include \($0.include) exclude \($0.exclude) inputs \((try? $0.input.files()) ?? [])" }
        var outputs: [CuratedOutput] = []
        var marker: String?
        switch layout {
        case .bySource:
            _ = try RunDirectory.check(outputDirectory, fingerprint: nil, resume: resume)
            // The whole mix is incomplete until its report is written (each source's folder also has its own marker).
            do { try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
                throw PrepError.invalidConfiguration("\(outputDirectory): cannot create the output directory: \(error.localizedDescription)")
            }
            marker = outputDirectory + "/" + DocumentReader.incompleteMarker
            try AtomicFile.write(Array("written by a tokkit mix run that has not finished\n".utf8), to: outputDirectory + "/" + DocumentReader.incompleteMarker,
                                 replacingStale: resume)
            for source in sources {
                outputs.append(try CuratedOutput.resumable(directory: outputDirectory + "/" + source.name, input: source.input, stage: "mix",
                                                           settings: fingerprint, compression: compression, resume: resume))
            }
        case .stream:
            outputs.append(try CuratedOutput.resumable(directory: outputDirectory, input: input, stage: "mix",
                                                       settings: fingerprint + ["origins \(origins)"], compression: compression,
                                                       writeRemoved: writeRemoved, resume: resume))
        }
        var reports = sources.map { SourceReport(name: $0.name) }
        var unassigned = Tally()
        var tokenCounts = [[Int32]](repeating: [], count: sources.count)
        try read { owner, _, documents in
            guard let owner else {
                unassigned.documents += documents.count
                unassigned.bytes += documents.reduce(0) { $0 + $1.text.utf8.count }
                return
            }
            let source = sources[owner]
            // Every document read is counted in tokens, so the report's "before" is the whole source.
            for (document, count) in zip(documents, tokensOf(documents.map(\.text))) {
                reports[owner].read.documents += 1
                reports[owner].read.bytes += document.text.utf8.count
                reports[owner].read.tokens += count
                guard AttributeRule.keeps(document, include: source.include, exclude: source.exclude) else { continue }
                reports[owner].eligible.documents += 1
                reports[owner].eligible.bytes += document.text.utf8.count
                reports[owner].eligible.tokens += count
                tokenCounts[owner].append(Int32(clamping: count))
            }
        }
        try decideRates(&reports)

        var eligibleIndex = [Int](repeating: 0, count: sources.count)
        try read { owner, fileIndex, documents in
            let output = outputs[layout == .bySource ? owner ?? 0 : 0]
            guard let owner else {
                for document in documents { try output.write(document, fileIndex: fileIndex, keep: false) }
                return
            }
            let source = sources[owner]
            let rate = reports[owner].rate
            for var document in documents {
                guard AttributeRule.keeps(document, include: source.include, exclude: source.exclude) else {
                    if layout == .stream { try output.write(document, fileIndex: fileIndex, keep: false) }
                    continue
                }
                let tokens = Int(tokenCounts[owner][eligibleIndex[owner]])
                eligibleIndex[owner] += 1
                let copies = Self.copies(rate: rate, draw: Self.draw(seed: seed, source: source.name, id: document.id))
                guard copies > 0 else {
                    reports[owner].sampledOut += 1
                    if layout == .stream { try output.write(document, fileIndex: fileIndex, keep: false) }
                    continue
                }
                document.metadata["mix_source"] = .string(source.name)
                for _ in 0..<copies {
                    try output.write(document, fileIndex: fileIndex, keep: true)
                    reports[owner].written.documents += 1
                    reports[owner].written.bytes += document.text.utf8.count
                    reports[owner].written.tokens += tokens
                }
            }
        }
        try writeReport(reports)
        switch layout {
        case .bySource:
            for (source, output) in zip(sources, outputs) { try output.finish(fileCount: try source.input.files().count) }
        case .stream:
            try outputs[0].finish(fileCount: try input.files().count)
        }
        if let marker { try FileManager.default.removeItem(atPath: marker) }
        return (reports, unassigned)
    }

    /// Each source's target and rate from what passed its rules.
    private func decideRates(_ reports: inout [SourceReport]) throws {
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
    }

    /// `mix-report.json`: per source, documents, bytes and tokens read, eligible and written.
    private func writeReport(_ reports: [SourceReport]) throws {
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
        try AtomicFile.write(json, to: outputDirectory + "/mix-report.json", replacingStale: resume)
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
