import Foundation

/// The marker that says a folder's vocabulary files are not a finished set.
///
/// `tokkit train` writes four files (tokenizer.json, NAME.tiktoken, encoder.json, vocab.bpe), each
/// atomically, but four renames are not one: a run killed or out of disk between them used to leave a
/// folder whose first files looked complete. So train creates this marker before it writes the first
/// file and removes it after the last; on failure it removes what it wrote. A file loaded from a
/// folder that holds the marker is refused, so a set cut short by `kill -9` or a power loss is never
/// used as if it were whole.
public enum IncompleteVocabularySet {
    public static let fileName = ".tokkit-train-incomplete"

    /// The marker's path in `folder`.
    public static func marker(in folder: String) -> String { folder + "/" + fileName }

    /// Throws when the folder of `file` holds the marker.
    public static func check(_ file: String) throws(VocabularyFileError) {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: marker(in: folder)) else { return }
        throw .invalidContent(path: file, reason: "its folder holds \(fileName): the tokkit train that wrote it did not finish, "
            + "so the vocabulary files there may be an incomplete set; train again")
    }
}
