import CWriteback
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams bytes into `.NAME.partial` beside the destination and renames it into place on `commit()`.
///
/// Until `commit()` succeeds the destination is untouched, so an interrupted or failed run never
/// leaves a file under the final name that looks complete. Dropping an uncommitted writer removes
/// the partial file, and so does the CLI's SIGINT/SIGTERM handler (``PartialFiles``).
///
/// Atomic replacement is for regular files only. The destination decides:
/// - missing or a regular file: written to the partial name and renamed over it;
/// - a symbolic link: followed (every link in the chain), and its final target is treated as below;
///   a dangling link or a loop is an error, because renaming over the link would replace the link;
/// - a character device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe): written directly, since
///   renaming over it would replace the device node with a regular file;
/// - a directory, socket or block device: an error.
public final class AtomicFileWriter {
    public let path: String
    /// Where the bytes go until `commit()`; the destination itself when it is written directly.
    public let temporaryPath: String
    /// True when the destination is a device or FIFO written in place (nothing to rename).
    public let writesInPlace: Bool
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    public private(set) var bytesWritten = 0
    /// Bytes in the file (what left `buffer`), and how many of them the kernel was asked to start writing
    /// to disk (see `startWriteback`).
    private var bytesInFile = 0
    package private(set) var writebackStarted = 0
    /// Whether `synchronize()` and `commit()` fsync the file (the default). A writer of many files that
    /// syncs them in one call before it records them elsewhere (`CorpusSharder`, with syncfs before each
    /// manifest rewrite) turns this off: one fsync per small file made a run of thousands of shards
    /// wait on the disk for most of its time.
    public var durable = true
    /// Whether a large output may bypass the page cache (`DirectFileStream`): set for the CLI's outputs
    /// and for shards. Takes effect at the first write of 64 KiB or more into an empty file, so
    /// a small output never opens a second descriptor or maps a staging buffer.
    public var writesDirectly = false
    private var direct: DirectFileStream?
    /// How many bytes reached the file by direct writes (known once direct writing has ended: at
    /// `synchronize()`, `commit()` or an `overwrite`).
    package private(set) var bytesWrittenDirectly = 0
    /// How many data syncs the direct writes started as they went (known when `bytesWrittenDirectly` is).
    package private(set) var dataSyncsStarted = 0

    /// - Throws: `FileError.unwritable` naming `path` when its folder cannot take a file or the
    ///   destination is a kind of file that cannot be replaced.
    public init(path: String) throws(FileError) {
        self.path = path
        let target = try Self.destination(of: path)
        if let special = target.special {
            guard let handle = FileHandle(forWritingAtPath: target.path) else {
                throw .unwritable(path: path, reason: "cannot open the \(special) for writing: \(String(cString: strerror(errno)))")
            }
            self.handle = handle
            temporaryPath = target.path
            writesInPlace = true
            return
        }
        let url = URL(fileURLWithPath: target.path)
        temporaryPath = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial").path
        writesInPlace = false
        guard PartialFiles.register(temporaryPath) else {
            throw .unwritable(path: path, reason: "the process is being interrupted")
        }
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            PartialFiles.unregister(temporaryPath)
            throw .unwritable(path: path, reason: "cannot create \(temporaryPath): \(reason)")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Where `path` really is and whether it is a file to write in place (its kind, for messages).
    private static func destination(of path: String) throws(FileError) -> (path: String, special: String?) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return (path, nil) }  // missing: created
        var resolved = path
        if status.st_mode & S_IFMT == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw .unwritable(path: path, reason: "it is a symbolic link that cannot be followed (\(String(cString: strerror(errno))))")
            }
            resolved = String(cString: real)
            free(real)
            guard stat(resolved, &status) == 0 else { return (resolved, nil) }
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return (resolved, nil)
        case S_IFCHR: return (resolved, "character device")
        case S_IFIFO: return (resolved, "FIFO")
        case S_IFDIR: throw .unwritable(path: path, reason: "it is a directory")
        default: throw .unwritable(path: path, reason: "it is not a regular file, a character device or a FIFO")
        }
    }

    public func write<Bytes: Collection>(_ bytes: Bytes) throws(FileError) where Bytes.Element == UInt8 {
        if direct != nil {
            try Array(bytes).withUnsafeBufferPointer { bytes throws(FileError) in try write(UnsafeRawBufferPointer(bytes)) }
            return
        }
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// As the generic ``write(_:)``, but 64 KiB or more goes to the file as it is, after what is
    /// buffered, instead of through the buffer: `tokkit encode` and `tokkit shard` hand over a batch's
    /// ids at a time, and copying them was a memmove and fresh pages for every batch. (From a megabyte
    /// on, as before, missed the batches of JSONL records: a 1 MiB batch of `{"text": …}` lines is
    /// about 0.9 MB of uint32 ids, all of which went through the buffer.)
    public func write(_ bytes: [UInt8]) throws(FileError) {
        try bytes.withUnsafeBufferPointer { bytes throws(FileError) in try write(UnsafeRawBufferPointer(bytes)) }
    }

    /// As the array's `write`, for bytes that are not an array: `tokkit encode --format uint32` writes a
    /// batch's ids as they lie in memory, with no copy into an array of bytes first.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if let direct {
            try appendDirectly(bytes, to: direct)
            return
        }
        if bytes.count >= 1 << 16, writesDirectly, !writesInPlace, bytesInFile == 0, let handle,
           let stream = DirectFileStream(path: temporaryPath, ordinary: handle.fileDescriptor) {
            direct = stream
            let buffered = buffer
            buffer.removeAll()
            // Already counted in `bytesWritten` when they were buffered.
            try buffered.withUnsafeBufferPointer { buffered throws(FileError) in
                try appendDirectly(UnsafeRawBufferPointer(buffered), to: stream, counted: true)
            }
            try appendDirectly(bytes, to: stream)
            return
        }
        guard bytes.count >= 1 << 16 else {
            buffer.append(contentsOf: bytes)
            bytesWritten += bytes.count
            if buffer.count >= 1 << 20 { try flush() }
            return
        }
        try flush()
        try writeOut(bytes)
        bytesWritten += bytes.count
    }

    /// Lets `body` store bytes straight into the staging buffer of a file written directly (see
    /// `DirectFileStream.fillInPlace`: `body` gets the buffer's free room, may overwrite
    /// ``stagingSlack`` bytes past it, and returns how many it stored). Returns `false`, without calling
    /// `body`, while the file is not written directly: the caller then hands its bytes to `write`.
    package func fillInPlace(_ body: (UnsafeMutableRawBufferPointer) -> Int) throws(FileError) -> Bool {
        guard let direct else { return false }
        var stored = 0
        do throws(DirectWriteFailure) {
            try direct.fillInPlace { room in
                stored = body(room)
                return stored
            }
        } catch {
            throw directFailure(error)
        }
        bytesWritten += stored
        return true
    }

    /// How many bytes past the room it gets `fillInPlace`'s body may overwrite.
    package static var stagingSlack: Int { DirectFileStream.slack }

    private func appendDirectly(_ bytes: UnsafeRawBufferPointer, to stream: DirectFileStream, counted: Bool = false) throws(FileError) {
        do throws(DirectWriteFailure) {
            try stream.append(bytes)
        } catch {
            throw directFailure(error)
        }
        if !counted { bytesWritten += bytes.count }
    }

    /// Ends direct writing: everything staged reaches the file, and the ordinary descriptor continues
    /// at its end.
    private func stopWritingDirectly(_ stream: DirectFileStream) throws(FileError) {
        direct = nil
        do throws(DirectWriteFailure) {
            try stream.finish()
        } catch {
            throw directFailure(error)
        }
        bytesInFile = stream.byteCount
        bytesWrittenDirectly = stream.directBytes
        dataSyncsStarted = stream.syncsStarted
        do {
            try handle?.seekToEnd()
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
    }

    private func directFailure(_ failure: DirectWriteFailure) -> FileError {
        .unwritable(path: path, reason: String(cString: strerror(failure.code)))
    }

    private func flush() throws(FileError) {
        if let direct { try stopWritingDirectly(direct) }
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { buffer throws(FileError) in try writeOut(UnsafeRawBufferPointer(buffer)) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        guard let handle else { return }
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
        bytesInFile += bytes.count
        startWriteback(handle)
    }

    /// Once a megabyte or more is in the file and not yet on its way to disk, asks the kernel to start
    /// writing it, without waiting. Why: the fsync at the end (`commit()`, or a caller's such as
    /// `CorpusSharder`'s) otherwise writes the whole file while the process waits, serially after all the
    /// work: 10 MB of ids made it 6–8 ms of a ~100 ms `tokkit encode --threads 2`; started early, the disk
    /// writes while the encoder works and that fsync takes 1–1.6 ms. Only a hint: a failure here is the
    /// fsync's to report, and a file never synced reaches the disk as it would have, only sooner.
    private func startWriteback(_ handle: FileHandle) {
        guard !writesInPlace, bytesInFile - writebackStarted >= 1 << 20 else { return }
        _ = tk_start_writeback(handle.fileDescriptor, Int64(writebackStarted), Int64(bytesInFile - writebackStarted))
        writebackStarted = bytesInFile
    }

    /// Replaces bytes already written, at `offset` from the start of the file: for headers that
    /// record a count known only at the end (llm.c's token count).
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(FileError) {
        precondition(offset >= 0 && offset + bytes.count <= bytesWritten, "overwrite only bytes already written")
        guard !writesInPlace else { throw .unwritable(path: path, reason: "a device or FIFO cannot be rewritten in place") }
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
        guard !writesInPlace, durable else { return }
        do {
            try handle?.synchronize()
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
    }

    /// Flushes, syncs and renames the file into place (a device or FIFO: flushes and closes).
    public func commit() throws(FileError) {
        try flush()
        guard let handle else { return }
        do {
            if !writesInPlace, durable { try handle.synchronize() }
            try handle.close()
        } catch {
            throw .unwritable(path: path, reason: FileIO.reason(for: error))
        }
        self.handle = nil
        guard !writesInPlace else { return }
        defer { PartialFiles.unregister(temporaryPath) }
        // The destination may have changed kind since `init` (someone made a FIFO there): never rename over
        // anything but a regular file or nothing.
        let target = try Self.destination(of: path)
        guard target.special == nil else {
            unlink(temporaryPath)
            throw .unwritable(path: path, reason: "it became a \(target.special ?? "special file") while being written")
        }
        guard rename(temporaryPath, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw .unwritable(path: path, reason: reason)
        }
    }

    deinit {
        if let handle {
            try? handle.close()
            if !writesInPlace {
                unlink(temporaryPath)
                PartialFiles.unregister(temporaryPath)
            }
        }
    }
}
