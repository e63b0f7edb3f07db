import Foundation
import TokkitCorpus
import TokkitIO

/// Reads OpenAI Batch API output files back as documents, so generated text flows through the same
/// filters and dedup: `id` = the request's `custom_id`, `text` = the first choice's message,
/// `metadata` = `{source: "synthetic", prompt_id, model}`. A line whose request failed (`error` set or
/// a status other than 200) or that has no message is counted and skipped, never guessed.
public enum SyntheticIngest {
    public struct Summary: Sendable, Equatable {
        public var documents = 0
        public var failed = 0
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

    /// Converts batch output files into `<output>/<NNNNN>.jsonl` documents.
    public static func run(inputs: [String], outputDirectory: String) throws -> Summary {
        let output = try CuratedOutput(directory: outputDirectory)
        var summary = Summary()
        let files = try DocumentReader.expand(inputs)
        for (index, path) in files.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PrepError.invalidConfiguration("\(path): cannot read the batch output")
            }
            var lineNumber = 0
            for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) else { continue }
                if let document = try document(line: Array(line), path: path, lineNumber: lineNumber) {
                    try output.write(document, fileIndex: index, keep: true)
                    summary.documents += 1
                } else {
                    summary.failed += 1
                }
            }
        }
        try output.finish(fileCount: files.count)
        return summary
    }
}
