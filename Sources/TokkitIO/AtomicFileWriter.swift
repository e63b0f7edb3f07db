import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams bytes into `.NAME.partial` beside the destination and renames it into place on `commit()`.
///
/// Until `commit()` succeeds the destination is untouched, so an interrupted or failed run never
/// leaves a file under the final name that looks complete. Dropping an uncommitted writer removes
/// the partial file. The destination must be a regular file or absent: renaming over a device, a
/// FIFO, a directory or a symbolic link would replace the node itself (`-o /dev/null` would delete
/// `/dev/null`), so those are refused before anything is written.
public final class AtomicFileWriter {
    public let path: String
    public let temporaryPath: String
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    public private(set) var bytesWritten = 0

    /// - Throws: `FileError.unwritable` naming `path` when its folder cannot take a file, or when
    ///   `path` exists and is not a regular file.
    public init(path: String) throws(FileError) {
        self.path = path
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw .unwritable(path: path, reason: "it is not a regular file (a device, FIFO, directory or symbolic link is never replaced)")
        }
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial").path
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporaryPath) else {
            throw .unwritable(path: path, reason: "cannot create \(temporaryPath) (missing folder or no permission)")
        }
        self.handle = handle
    }

    public func write<Bytes: Collection>(_ bytes: Bytes) throws(FileError) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws(FileError) {
        guard !buffer.isEmpty, let handle else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Replaces bytes already written, at `offset` from the start of the file: for headers that
    /// record a count known only at the end (llm.c's token count).
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(FileError) {
        precondition(offset >= 0 && offset + bytes.count <= bytesWritten, "overwrite only bytes already written")
        try flush()
        guard let handle else { return }
        do {
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: bytes)
            try handle.seekToEnd()
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
    }

    /// Flushes and syncs the temporary file without renaming it, so it can be read back and checked
    /// at `temporaryPath` before `commit()`.
    public func synchronize() throws(FileError) {
        try flush()
        do {
            try handle?.synchronize()
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
    }

    /// Flushes, syncs and renames the file into place.
    public func commit() throws(FileError) {
        try flush()
        guard let handle else { return }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
        self.handle = nil
        guard rename(temporaryPath, path) == 0 else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        if let handle {
            try? handle.close()
            unlink(temporaryPath)
        }
    }
}
