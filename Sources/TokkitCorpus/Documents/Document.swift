import TokkitIO

/// One document of a pre-training corpus: an id, its text, and everything else the record carried.
///
/// This is datatrove's `Document` without `media`: a JSONL record's other keys live in `metadata`,
/// in their input order, so `url`, `language_score` and any unknown field reach the stages that
/// read them and the output that keeps them.
public struct Document: Sendable, Hashable {
    public var id: String
    public var text: String
    public var metadata: JSONObject

    public init(id: String, text: String, metadata: JSONObject = JSONObject()) {
        self.id = id
        self.text = text
        self.metadata = metadata
    }

    /// The record datatrove's `JsonlWriter` writes for this document: `text`, `id`, then
    /// `metadata` when it is not empty (datatrove drops empty fields).
    public var record: JSONObject {
        var record = JSONObject([("text", .string(text)), ("id", .string(id))])
        if !metadata.isEmpty { record["metadata"] = .object(metadata) }
        return record
    }

    /// The JSONL line of ``record``, with its newline.
    public func jsonLine(into output: inout [UInt8]) {
        JSONWriter.write(record, into: &output)
        output.append(UInt8(ascii: "\n"))
    }
}
