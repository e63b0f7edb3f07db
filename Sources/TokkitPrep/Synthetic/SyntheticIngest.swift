import Foundation
import TokkitCorpus
import TokkitIO

/// Reads OpenAI Batch API output files back as documents, so generated text flows through the same
/// filters and dedup: `id` = the request's `custom_id`, `text` = the first choice's message,
/// `metadata` = `{source: "synthetic", prompt_id, model}`. A line whose request failed (`error` set or
/// a status other than 200) or that has no message is counted and skipped, never guessed.
///
/// `tokkit synth ingest` runs it with no ``input``: each batch file becomes `<output>/<NNNNN>.jsonl`.
/// As the `synthetic_ingest` stage of `tokkit prep` it adds to a stream: the documents of ``input``
/// pass unchanged into the files of their index, and the batch files' documents follow as the next
/// files — so the stages after it (filters, dedup, a mix `by: source`) see both.
public struct SyntheticIngest: CorpusStage {
    public struct Summary: Sendable, Equatable {
        public var documents = 0
        public var failed = 0
        /// Documents of ``SyntheticIngest/input`` passed through.
        public var passed = 0
        public var bytesIn = 0
        public var bytesOut = 0
    }

    public var name: String { "synthetic_ingest" }
    /// Documents passed through before the generated ones (a pipeline's stream); none for `tokkit synth ingest`.
    public var input = CorpusInput(inputs: [])
    /// The OpenAI batch output files (paths, directories, globs).
    public var batchOutputs: [String]
    public var outputDirectory: String
    public var compression: OutputCompression = .none
    /// Nothing is removed; kept for the stage protocol.
    public var writeRemoved = false
    public var threads = 1
    public var resume = false

    public init(batchOutputs: [String], outputDirectory: String) {
        self.batchOutputs = batchOutputs
        self.outputDirectory = outputDirectory
    }

    /// The document of one output line, or nil for a failed request.
    /// - Throws: ``PrepError`` naming the line when it is not JSON.
    public static func document(line: [UInt8], path: String, lineNumber: Int) throws -> Document? {
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch {
            throw PrepError.invalidConfiguration("\(path):\(lineNumber): not a JSON object: \(error)")
        }
        guard case .object(let record) = value, let customID = record["custom_id"]?.stringValue else {
            throw PrepError.invalidConfiguration("\(path):\(lineNumber): no custom_id: not an OpenAI batch output line")
        }
        if let error = record["error"], error != .null { return nil }
        guard case .object(let response)? = record["response"], response["status_code"]?.doubleValue == 200,
              case .object(let body)? = response["body"], case .array(let choices)? = body["choices"],
              case .object(let choice)? = choices.first, case .object(let message)? = choice["message"],
              let content = message["content"]?.stringValue, !content.isEmpty else { return nil }
        var metadata = JSONObject([("source", .string("synthetic")), ("prompt_id", .string(customID))])
        if let model = body["model"]?.stringValue { metadata["model"] = .string(model) }
        return Document(id: customID, text: content, metadata: metadata)
    }

    /// The batch files, in the order their documents are written.
    public func batchFiles() throws -> [String] {
        let files = try DocumentReader.expand(batchOutputs)
        guard !files.isEmpty else { throw PrepError.invalidConfiguration("no batch output files in \(batchOutputs)") }
        return files
    }

    public func origins(after origins: [String]) throws -> [String] { origins + (try batchFiles()) }

    /// Passes ``input`` through, then converts the batch output files into documents.
    public func run() throws -> Summary {
        let passed = input.inputs.isEmpty ? [] : try input.files()
        let files = try batchFiles()
        let output = try CuratedOutput(directory: outputDirectory, compression: compression, inputs: passed + files,
                                       fingerprint: CuratedOutput.fingerprint(stage: "synth ingest", settings: ["compression \(compression)",
                                                                              "read \(input.format)"], inputs: passed + files),
                                       resume: resume)
        var summary = Summary()
        if !passed.isEmpty {
            try input.forEachBatch { fileIndex, documents in
                for document in documents {
                    try output.write(document, fileIndex: fileIndex, keep: true)
                    summary.passed += 1
                    summary.bytesIn += document.text.utf8.count
                }
            }
        }
        for (offset, path) in files.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PrepError.invalidConfiguration("\(path): cannot read the batch output")
            }
            var lineNumber = 0
            for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) else { continue }
                if let document = try Self.document(line: Array(line), path: path, lineNumber: lineNumber) {
                    try output.write(document, fileIndex: passed.count + offset, keep: true)
                    summary.documents += 1
                } else {
                    summary.failed += 1
                }
            }
        }
        try output.finish(fileCount: passed.count + files.count)
        summary.bytesOut = output.flow.bytesOut
        return summary
    }

    public func runStage() throws -> StageStatistics {
        let start = Date()
        let summary = try run()
        var statistics = StageStatistics(name: name)
        statistics.documentsIn = summary.passed
        statistics.documentsOut = summary.passed + summary.documents
        statistics.bytesIn = summary.bytesIn
        statistics.bytesOut = summary.bytesOut
        statistics.seconds = Date().timeIntervalSince(start)
        for (counter, count) in [("synthetic_documents", summary.documents), ("failed_requests", summary.failed)] where count > 0 {
            statistics.counters.add(counter, count)
        }
        return statistics
    }
}
