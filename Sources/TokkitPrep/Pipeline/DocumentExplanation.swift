import TokkitCorpus

/// What the per-document stages decided on one document and why: `tokkit prep --explain`'s record of
/// it. The library reads and runs; the command line only prints these.
public struct DocumentExplanation {
    /// One stage the document reached: its measurements and its decision.
    public struct Step {
        public var stage: String
        public var measured: Measurements
        public var outcome: Stage.Outcome
    }

    /// The document as read, before any stage rewrote it.
    public var document: Document
    public var path: String
    /// The line of `path` the document ended on.
    public var line: Int
    public var steps: [Step]
    /// The stage that dropped the document and its reason; `nil` when every stage kept it.
    public var drop: (stage: String, reason: String)?
    /// The stages after the parallel ones (PII) that would rewrite a kept document's text; not run
    /// here, since their output depends on the documents before it.
    public var rewriting: [String]
}

extension DocumentProcessor {
    /// Reads every document of `inputs` and hands `body` what the parallel stages decide on it, in
    /// input order. Writes nothing.
    public func explain(inputs: [String], format: DocumentFileReader.Format, _ body: (DocumentExplanation) throws -> Void) throws {
        for path in try DocumentReader.expand(inputs) {
            let reader = try DocumentFileReader(path: path, format: format)
            while let document = try reader.next() {
                var statistics = emptyStatistics()
                var steps: [DocumentExplanation.Step] = []
                let result = runParallelStages(document, &statistics) { steps.append(.init(stage: $0, measured: $1, outcome: $2)) }
                try body(DocumentExplanation(document: document, path: path, line: reader.lastLine, steps: steps,
                                             drop: result.drop.map { (stages[$0.stage].name, $0.reason) },
                                             rewriting: result.drop == nil ? stages[parallelCount...].map(\.name) : []))
            }
        }
    }
}
