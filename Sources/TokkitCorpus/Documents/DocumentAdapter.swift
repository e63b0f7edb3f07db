import TokkitIO

/// Turns a JSONL record into a ``Document`` with datatrove's default adapter rules
/// (`readers/base.py::_default_adapter`):
///
/// - the text is the string under ``textKey``;
/// - the id is the value under ``idKey``, or `"<path>/<line index>"` (0-based, every line counted)
///   when the record has none;
/// - `metadata` is the record's `metadata` object with every remaining key merged over it
///   (`data.pop("metadata", {}) | data`: remaining keys overwrite in place and otherwise go last);
///   a `metadata` value that is not an object is kept under the key `metadata`;
/// - `media` is dropped, as datatrove keeps it outside the metadata;
/// - a record whose text is the empty string is skipped and counted, as datatrove skips it.
///
/// Where datatrove is lenient and Tokkit is not: a record with no text key, or whose text is not a
/// string, is bad input (datatrove would skip it silently as "empty"); the reader reports it with
/// its file and line, or counts and skips it under `skipBadLines`.
public struct DocumentAdapter: Sendable, Hashable {
    public var textKey: String
    public var idKey: String
    /// Merged under each document's metadata (`default_metadata | metadata`): the document's keys win.
    public var defaultMetadata: JSONObject

    public init(textKey: String = "text", idKey: String = "id", defaultMetadata: JSONObject = JSONObject()) {
        self.textKey = textKey
        self.idKey = idKey
        self.defaultMetadata = defaultMetadata
    }

    /// What the adapter made of one record.
    public enum Outcome: Sendable, Hashable {
        case document(Document)
        /// The text is the empty string: skipped, as datatrove does.
        case empty
        /// No value under the text key.
        case missingText
        /// The text key holds a JSON value of this kind instead of a string.
        case nonStringText(kind: String)
    }

    /// The document for `record`, read from line `lineIndex` (0-based) of `path`.
    public func adapt(_ record: JSONObject, path: String, lineIndex: Int) -> Outcome {
        var data = record
        guard let textValue = data.removeValue(forKey: textKey) else { return .missingText }
        guard case .string(let text) = textValue else { return .nonStringText(kind: Self.kind(of: textValue)) }
        guard !text.isEmpty else { return .empty }
        let id: String
        switch data.removeValue(forKey: idKey) {
        case .string(let value)?: id = value
        case .number(let literal)?: id = literal
        case let other?: id = String(decoding: JSONWriter.bytes(other), as: UTF8.self)
        case nil: id = "\(path)/\(lineIndex)"
        }
        data.removeValue(forKey: "media")
        var metadata = JSONObject()
        switch data.removeValue(forKey: "metadata") {
        case .object(let object)?: metadata = object
        case let other?: metadata["metadata"] = other
        case nil: break
        }
        metadata = defaultMetadata.merging(metadata.merging(data))
        return .document(Document(id: id, text: text, metadata: metadata))
    }

    /// The JSON kind of `value`, for error messages.
    public static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
