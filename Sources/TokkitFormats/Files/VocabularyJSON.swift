import TokkitCore
import TokkitIO

/// The vocabulary files that are JSON (`tokenizer.json`, GPT-2's `encoder.json`), read with the
/// package's one parser (``JSONParser``): keys in file order, so an error about a file names the same
/// entry every run, and numbers as written, so an id is a whole number or refused.
package enum VocabularyJSON {
    /// The top-level object of `bytes`, the contents of the file at `path`.
    /// - Throws: `.invalidJSON` naming the byte offset of invalid UTF-8 or of the syntax error;
    ///   `.invalidContent` when the top level is not an object.
    package static func object(_ bytes: [UInt8], path: String) throws(VocabularyFileError) -> JSONObject {
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            throw .invalidJSON(path: path, reason: "invalid UTF-8 at byte \(bad)")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .invalidJSON(path: path, reason: error.description) }
        guard let object = value.objectValue else {
            throw .invalidContent(path: path, reason: "the top level is not a JSON object")
        }
        return object
    }

    /// `value` as a token id: a JSON number written as a whole number from 0 to 2^32 − 1 (`12`, not
    /// `12.0` or `-1`), else `nil`.
    package static func id(_ value: JSONValue?) -> TokenID? {
        guard case .number(let literal)? = value else { return nil }
        return TokenID(literal)
    }
}
