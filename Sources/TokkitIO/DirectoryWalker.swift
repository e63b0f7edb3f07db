import Foundation

/// The one walk of a directory tree every stage shares (corpus inputs, compared files).
public enum DirectoryWalker {
    /// The regular files below `directory`, recursively, as paths relative to it, sorted; names
    /// starting with `.` (and everything inside such folders) are skipped, as `ls` and `git` do.
    ///
    /// - Throws: `FileError.unreadable` when `directory` cannot be listed.
    public static func files(under directory: String) throws(FileError) -> [String] {
        let fileManager = FileManager.default
        guard let walker = fileManager.enumerator(atPath: directory) else {
            throw .unreadable(path: directory, reason: "cannot list the directory")
        }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(relative)
            }
        }
        return found.sorted()
    }
}
