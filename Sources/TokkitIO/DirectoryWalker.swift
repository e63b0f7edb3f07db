#if canImport(Glibc)
import Glibc
#endif

/// The regular files under a directory, recursively, in sorted order: the one directory walk of every
/// command that takes a directory as input.
///
/// Only regular files are taken (symbolic links are followed to what they name). A FIFO, socket or
/// device inside an input directory is skipped and reported, never opened: opening a FIFO blocks until
/// something writes to it, which hung `encode` and `train` forever. A symbolic link back to a directory
/// already on the walk's path (a loop) is skipped and reported, as is a link that names nothing.
/// Names starting with `.` (hidden files, and tokkit's own `.NAME.partial` files) are left out silently.
///
/// ```swift
/// let walk = try DirectoryWalker(root: "corpus")
/// for file in walk.files { read(file) }
/// for skipped in walk.skipped { warn(skipped.description) }
/// ```
public struct DirectoryWalker: Sendable {
    /// An entry left out, and why.
    public struct Skipped: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): skipped: \(reason)" }
    }

    /// Regular files, as `root/relative/path`, sorted by relative path.
    public private(set) var files: [String] = []
    public private(set) var skipped: [Skipped] = []

    /// Walks `root`; `accept` filters files by their relative path (compare's `--ext`).
    /// - Throws: `FileError.unreadable` when `root` or a directory below it cannot be listed.
    public init(root: String, accept: (String) -> Bool = { _ in true }) throws(FileError) {
        var status = stat()
        guard stat(root, &status) == 0 else { throw .unreadable(path: root, reason: String(cString: strerror(errno))) }
        var found: [(relative: String, path: String)] = []
        try walk(root, relative: "", ancestors: [Identity(status)], accept: accept, into: &found)
        files = found.sorted { $0.relative.utf8.lexicographicallyPrecedes($1.relative.utf8) }.map(\.path)
        skipped.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// The regular files under `directory`, as paths relative to it, sorted (entries left out are dropped
    /// silently: callers that report them use ``init(root:accept:)``).
    public static func files(under directory: String) throws(FileError) -> [String] {
        try DirectoryWalker(root: directory).files.map { String($0.dropFirst(directory.count + 1)) }
    }

    /// A directory's device and inode: what a loop revisits.
    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    private mutating func walk(_ directory: String, relative: String, ancestors: [Identity], accept: (String) -> Bool,
                               into found: inout [(relative: String, path: String)]) throws(FileError) {
        guard let handle = opendir(directory) else {
            throw .unreadable(path: directory, reason: "cannot list the directory: \(String(cString: strerror(errno)))")
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        closedir(handle)
        for name in names {
            let path = directory + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            var status = stat()
            guard stat(path, &status) == 0 else {
                let code = errno
                skipped.append(Skipped(path: path, reason: code == ELOOP ? "a symbolic link loop"
                                       : "it names nothing that can be read (\(String(cString: strerror(code))))"))
                continue
            }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                let identity = Identity(status)
                guard !ancestors.contains(identity) else {
                    skipped.append(Skipped(path: path, reason: "a symbolic link loop (it leads back to a directory above it)"))
                    continue
                }
                try walk(path, relative: childRelative, ancestors: ancestors + [identity], accept: accept, into: &found)
            case S_IFREG:
                if accept(childRelative) { found.append((childRelative, path)) }
            case S_IFIFO:
                if accept(childRelative) { skipped.append(Skipped(path: path, reason: "a FIFO, not a regular file")) }
            default:
                if accept(childRelative) { skipped.append(Skipped(path: path, reason: "not a regular file (a device or socket)")) }
            }
        }
    }
}
