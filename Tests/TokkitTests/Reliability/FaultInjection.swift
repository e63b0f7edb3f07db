import Foundation
import Testing

/// Runs `tokkit` under a shell, so that a test can do what a hostile user or a failing system does:
/// redirect to `/dev/full`, close a descriptor, lower `ulimit -f`, send a signal mid-run.
///
/// The script sees `$TOKKIT` (the executable), `$FIXTURES` (the repository's fixtures/) and runs in a
/// fresh scratch directory (`$PWD`). The last line it prints should be `status=$?` of the command under
/// test; `status` parses it, so a trap (132, 133, 134) or a signal death shows as such.
struct FaultShell {
    let scratch = Scratch()

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The status the script printed last as `status=N`, or nil when it printed none.
        var reported: Int? {
            stdout.split(separator: "\n").last { $0.hasPrefix("status=") }.flatMap { Int($0.dropFirst(7)) }
        }
        /// Signals that mean the process trapped rather than failed: SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS.
        var trapped: Bool { [132, 133, 134, 135, 139].contains(reported ?? 0) }
    }

    func run(_ script: String, shell: String = "/bin/bash") throws -> Outcome {
        // TOKKIT_UNDER_TEST runs the same cases against another build (an older commit, to see them fail).
        let executable = ProcessInfo.processInfo.environment["TOKKIT_UNDER_TEST"] ?? CLITests.executable
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSetupError("tokkit executable not found at \(executable); run `swift build` first")
        }
        let result = try Subprocess.run(shell, ["-c", "cd \"$SCRATCH\" && " + script], environment: [
            "TOKKIT": executable, "FIXTURES": Repository.path("fixtures"), "SCRATCH": scratch.directory,
        ])
        return Outcome(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// The names in the scratch directory, hidden ones included, recursively.
    func files() -> [String] {
        (FileManager.default.enumerator(atPath: scratch.directory)?.allObjects as? [String] ?? []).sorted()
    }
}
