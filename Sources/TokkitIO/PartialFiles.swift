import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Every temporary file this process is writing, so that an interrupted run can remove them.
///
/// ``AtomicFileWriter`` registers its `.NAME.partial` file before creating it and unregisters it when
/// it is renamed into place or removed. A signal handler (the CLI's, on SIGINT/SIGTERM) calls
/// ``removeAll()``; from then on no new file is registered, so a writer racing with the handler fails
/// instead of leaving a file behind.
public enum PartialFiles {
    private struct State {
        var paths: Set<String> = []
        var closed = false
    }

    private static let state = Mutex(State())

    /// Records `path` as a file being written; `false` once ``removeAll()`` ran (the process is ending).
    public static func register(_ path: String) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.paths.insert(path)
            return true
        }
    }

    /// Forgets `path` (it was renamed into place or removed).
    public static func unregister(_ path: String) {
        _ = state.withLock { $0.paths.remove(path) }
    }

    /// Paths being written right now.
    public static var current: Set<String> { state.withLock { $0.paths } }

    /// Removes every registered file and refuses new ones.
    public static func removeAll() {
        let paths = state.withLock { state in
            state.closed = true
            defer { state.paths = [] }
            return state.paths
        }
        for path in paths { unlink(path) }
    }
}
