import ArgumentParser
import Tokkit

/// How a command runs, the same in every command that has workers: how many threads, and whether it
/// reports progress and a summary on stderr.
struct RunOptions: ParsableArguments {
    // `.unconditional`: `--threads -1` is a value to refuse with a reason, not a missing value. Optional, so
    // that `--help` says "all cores" instead of this machine's count.
    @Option(name: .customLong("threads"), parsing: .unconditional, help: ArgumentHelp(
        "Worker threads (default: all cores). The output does not depend on it.", valueName: "n"))
    var requestedThreads: Int?

    @Flag(name: .long, help: "No progress line and no summary on stderr (warnings and errors still appear).")
    var quiet = false

    func validate() throws {
        if let requestedThreads, requestedThreads < 1 {
            throw ValidationError("--threads must be at least 1, not \(requestedThreads)")
        }
    }

    var threads: Int { requestedThreads ?? Tokenizer.defaultThreadCount }

    /// Logs a summary line unless `--quiet`.
    func summary(_ text: @autoclosure () -> String) throws {
        if !quiet { try log(text()) }
    }
}

/// `--force`: replace outputs an earlier run left, in the commands that otherwise refuse to.
struct OverwriteOptions: ParsableArguments {
    @Flag(name: .long, help: "Replace outputs an earlier run left (otherwise an error).")
    var force = false
}
