import Foundation

/// Reads a JSON document whose top level must be an object.
package enum JSONObject {
    package static func parse(_ bytes: [UInt8], path: String) throws(VocabularyFileError) -> [String: Any] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw .invalidJSON(path: path, reason: (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw .invalidContent(path: path, reason: "the top level is not a JSON object")
        }
        return dictionary
    }
}
