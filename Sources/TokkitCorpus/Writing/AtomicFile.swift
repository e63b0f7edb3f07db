import TokkitIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an output file could not be written.
public enum OutputError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    /// The final name exists and is not a regular file (a directory, device, FIFO or symlink).
    case notRegularFile(path: String)
    case compression(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        case .notRegularFile(let path): return "\(path): exists and is not a regular file; refusing to replace it"
        case .compression(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// A file written under a temporary name in its final directory and renamed into place when
/// complete, so a reader never sees half a file under the final name, whatever interrupts the run.
///
/// The temporary name is `.<name>.tmp-<pid>`, hidden from directory walks (``DocumentReader`` skips
/// dot files), and registered with ``PartialFiles`` so that SIGINT/SIGTERM remove it (it used not to
/// be: an interrupted `prep` or `dedup` left its temporaries behind). ``commit()`` renames, refusing to replace anything but a regular file: renaming over
/// a symlink would replace the link, over a FIFO or device would surprise whoever made it.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    private var descriptor: Int32
    private var committed = false

    /// Creates the temporary file.
    ///
    /// - Parameter replacingStale: this process is the one writer of `path` in its run (a rank's own
    ///   output, marker or statistics file, rewritten by a resumed run): first remove the temporaries of
    ///   `path` left by processes no longer running here, which a kill -9 while writing it left behind
    ///   and nothing else would ever remove. Those of live processes are kept, whoever they are.
    public init(path: String, replacingStale: Bool = false) throws(OutputError) {
        self.path = path
        if replacingStale { Self.removeStaleTemporaries(of: path, keepingLiveProcesses: true) }
        temporaryPath = Self.temporaryPrefix(of: path) + "\(getpid())"
        guard PartialFiles.register(temporaryPath) else { throw .cannotWrite(path: path, reason: "the process is being interrupted") }
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            PartialFiles.unregister(temporaryPath)
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(temporaryPath) }
        PartialFiles.unregister(temporaryPath)
    }

    /// `.<name>.tmp-` in the directory of `path`: the temporaries of `path` are this and a process id.
    static func temporaryPrefix(of path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return directory + "." + name + ".tmp-"
    }

    /// Removes what an interrupted process (kill -9, power loss) left of `path`: its temporaries of
    /// any process id. Only for a path no other live process writes (a resumed run's own files).
    ///
    /// With `keepingLiveProcesses`, a temporary whose process id is still running on this machine is kept:
    /// for a file that several processes may be writing at once (a run's `run.json`, which every rank writes).
    public static func removeStaleTemporaries(of path: String, keepingLiveProcesses: Bool = false) {
        let prefix = temporaryPrefix(of: path)
        let slash = prefix.lastIndex(of: "/")
        let directory = slash.map { String(prefix[..<$0]) } ?? "."
        let namePrefix = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        guard let folder = opendir(directory) else { return }
        defer { closedir(folder) }
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let processID = name.dropFirst(namePrefix.count)
            guard name.hasPrefix(namePrefix), !processID.isEmpty, processID.allSatisfy(\.isNumber) else { continue }
            if keepingLiveProcesses, let id = pid_t(processID), kill(id, 0) == 0 || errno != ESRCH { continue }
            unlink(directory + "/" + name)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Flushes the file to disk and renames it to its final name.
    public func commit() throws(OutputError) {
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG { throw .notRegularFile(path: path) }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            descriptor = -1
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        committed = true
        PartialFiles.unregister(temporaryPath)
    }

    /// Writes `bytes` as the whole content of `path`, atomically (`replacingStale` as in ``init(path:replacingStale:)``).
    public static func write(_ bytes: [UInt8], to path: String, replacingStale: Bool = false) throws(OutputError) {
        let file = try AtomicFile(path: path, replacingStale: replacingStale)
        try file.write(bytes)
        try file.commit()
    }
}
