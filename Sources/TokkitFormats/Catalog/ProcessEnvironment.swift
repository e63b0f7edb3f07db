#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One variable of the process's environment.
///
/// Why not `ProcessInfo.processInfo.environment[key]`: that builds a dictionary of every variable on
/// each call, 0.35 M instructions, and loading a bundled vocabulary asked twice (its folder, the
/// cache folder) at every start of a process.
enum ProcessEnvironment {
    static func value(_ key: String) -> String? {
        getenv(key).map { String(cString: $0) }
    }
}
