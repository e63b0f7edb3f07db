import Foundation

/// Whole-file reads and crash-safe writes.
public enum FileIO {
    /// The bytes of a file, or `FileError.unreadable` naming it.
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        return [UInt8](data)
    }

    /// The size and digest (`algorithm`) of the file at `path`, read in 1 MiB chunks: a file of any size,
    /// in constant memory. For checking an output against what a manifest or marker records.
    public static func digest(_ path: String, algorithm: DigestAlgorithm) throws(FileError) -> (bytes: Int, digest: FileDigest) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        var digest = ContentHasher(algorithm)
        var bytes = 0
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { throw .unreadable(path: path, reason: reason(for: error)) }
            guard let chunk, !chunk.isEmpty else { break }
            digest.update(chunk)
            bytes += chunk.count
        }
        return (bytes, digest.finalize())
    }

    /// What went wrong in a Foundation file operation, in the system's words ("File too large", "No space
    /// left on device"): Foundation wraps the errno in a generic "could not be completed" error.
    public static func reason(for error: Error) -> String {
        let wrapped = error as NSError
        let posix = wrapped.domain == NSPOSIXErrorDomain ? wrapped : wrapped.userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return wrapped.localizedDescription
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
    /// sees the old file or the whole new one, never a partial file that looks complete.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }
}
