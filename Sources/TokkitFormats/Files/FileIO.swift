import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and crash-safe writes.
public enum FileIO {
    /// The bytes of a file, or `VocabularyFileError.unreadable` naming it.
    public static func read(_ path: String) throws(VocabularyFileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
    /// sees the old file or the whole new one, never a partial file that looks complete.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(VocabularyFileError) {
        try writeAtomically(to: path) { write in try write(bytes) }
    }

    /// Streams bytes into a temporary file beside `path` through the `write` function given to
    /// `produce`, then renames it over `path` (see `writeAtomically(_:to:)`); on any error the
    /// temporary file is removed and `path` is untouched.
    public static func writeAtomically(to path: String,
                                       _ produce: (_ write: ([UInt8]) throws -> Void) throws -> Void) throws(VocabularyFileError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw VocabularyFileError.unwritable(path: path, reason: "cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try produce { bytes in try handle.write(contentsOf: bytes) }
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? VocabularyFileError { throw error }
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
        // rename(2) replaces the target in one step; Foundation's replaceItemAt is not reliable on Linux.
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .unwritable(path: path, reason: reason)
        }
    }
}
