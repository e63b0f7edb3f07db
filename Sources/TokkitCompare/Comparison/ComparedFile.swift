import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO

/// A text the tokenizers are compared on.
public struct ComparedFile: Sendable {
    /// How the file is named in reports: its path below the directory it was found in, or the path
    /// as given.
    public var name: String
    /// The UTF-8 bytes that are encoded (after U+FFFD repair in lossy mode).
    public var bytes: [UInt8]
    public var measure: TextMeasure

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        self.measure = TextMeasure(utf8: bytes)
    }

    /// Reads files, and the files inside directories (recursively, sorted by path, hidden ones skipped)
    /// whose names end in one of `extensions`, or in one of them followed by `.gz`, `.zst` or `.zstd`.
    /// gzip and zstd files are decompressed (``InputReader``); the report names them as they are named.
    ///
    /// - Parameter lossy: replace ill-formed UTF-8 with U+FFFD instead of failing.
    /// - Throws: `CompareError` naming the file that is missing, unreadable, corrupt or not UTF-8.
    public static func collect(_ paths: [String], extensions: [String] = ["txt"],
                               lossy: Bool = false) throws(CompareError) -> [ComparedFile] {
        var found: [(name: String, path: String)] = []
        let fileManager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .unreadable(path: path, reason: "no such file or directory")
            }
            guard isDirectory.boolValue else {
                found.append((path, path))
                continue
            }
            let inside: [String]
            do { inside = try DirectoryWalker.files(under: path) } catch { throw .unreadable(path: path, reason: error.reason) }
            found += inside.filter { relative in
                extensions.contains { ext in ["", ".gz", ".zst", ".zstd"].contains { relative.hasSuffix("." + ext + $0) } }
            }.map { ($0, (path as NSString).appendingPathComponent($0)) }
        }
        guard !found.isEmpty else { throw .noInputFiles(paths: paths, extensions: extensions) }
        var files: [ComparedFile] = []
        for (name, path) in found {
            let bytes: [UInt8]
            do {
                bytes = try InputReader.contents(of: path)
            } catch {
                throw .input(error)
            }
            if let offset = UTF8Validation.firstInvalidOffset(bytes) {
                guard lossy else { throw .invalidUTF8(path: path, offset: offset) }
                files.append(ComparedFile(name: name, bytes: UTF8Validation.repaired(bytes)))
            } else {
                files.append(ComparedFile(name: name, bytes: bytes))
            }
        }
        return files
    }
}
