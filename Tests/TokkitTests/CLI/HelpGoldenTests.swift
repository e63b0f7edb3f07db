import Foundation
import Testing
import Tokkit

/// Every command's `--help` is part of the interface: a change to an option, its wording or its
/// default shows up here as a diff of a committed file, reviewed like code.
///
/// Regenerate after an intended change with `bash scripts/regenerate-help-golden` (it runs this suite
/// with `TOKKIT_UPDATE_GOLDEN=1`, which writes the files instead of comparing).
@Suite("Command line: golden --help")
struct HelpGoldenTests {
    static let folder = Repository.path("Tests/TokkitTests/Golden/help")

    /// Help at a fixed width, whatever the terminal of the person running the tests.
    static func help(_ path: [String]) throws -> Subprocess.Result {
        try Subprocess.run(TokkitCommand.executable, path + ["--help"], environment: ["COLUMNS": "100"])
    }

    /// Every command path (`[]`, `["shard"]`, `["shard", "merge"]`, …) from Argument Parser's own dump
    /// of the command tree, so a new subcommand without a golden file fails the test.
    static func commandPaths() throws -> [[String]] {
        let dump = try TokkitCommand.run(["--experimental-dump-help"])
        guard dump.status == 0, let root = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any],
              let command = root["command"] as? [String: Any] else {
            throw TestSetupError("tokkit --experimental-dump-help failed: \(dump.stderr)")
        }
        var paths: [[String]] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            paths.append(path)
            for case let sub as [String: Any] in command["subcommands"] as? [Any] ?? [] {
                guard let name = sub["commandName"] as? String, name != "help" else { continue }
                walk(sub, path + [name])
            }
        }
        walk(command, [])
        return paths
    }

    static func fileName(_ path: [String]) -> String { (["tokkit"] + path).joined(separator: "-") + ".txt" }

    @Test("every command's --help matches its committed golden file, and every golden file is a command")
    func goldenHelp() throws {
        let paths = try Self.commandPaths()
        #expect(paths.count > 20, "the command tree looks incomplete: \(paths)")
        let update = ProcessInfo.processInfo.environment["TOKKIT_UPDATE_GOLDEN"] == "1"
        for path in paths {
            let result = try Self.help(path)
            #expect(result.status == 0, "\(path): \(result.stderr)")
            let file = Self.folder + "/" + Self.fileName(path)
            if update {
                try FileSystem.write(result.stdout, to: file)
                continue
            }
            let golden = String(decoding: try FileSystem.read(file), as: UTF8.self)
            #expect(result.stdout == golden, "tokkit \(path.joined(separator: " ")) --help differs from \(file); if intended, run bash scripts/regenerate-help-golden")
        }
        let committed = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder))
        #expect(committed == Set(paths.map(Self.fileName)), "golden files without a command, or commands without one")
    }

    /// Completion is the other place an option's closed set of values shows (`--format` completes to text, json,
    /// uint16, uint32): the bash script pins every command's options and value lists as the shells see them.
    /// Regenerate with `TOKKIT_UPDATE_GOLDEN=1 swift test --skip-build --filter 'TokkitTests.HelpGoldenTests/completionScript'`.
    @Test("the bash completion script matches its committed golden file")
    func completionScript() throws {
        let result = try TokkitCommand.run(["--generate-completion-script", "bash"])
        #expect(result.status == 0, "\(result.stderr)")
        let file = Repository.path("Tests/TokkitTests/Golden/completion/tokkit-bash.txt")
        if ProcessInfo.processInfo.environment["TOKKIT_UPDATE_GOLDEN"] == "1" {
            try FileSystem.write(result.stdout, to: file)
            return
        }
        let golden = String(decoding: try FileSystem.read(file), as: UTF8.self)
        #expect(result.stdout.contains("'text'$'\\n''json'$'\\n''uint16'$'\\n''uint32'"), "encode --format completes to its four formats")
        #expect(result.stdout == golden, "tokkit --generate-completion-script bash differs from \(file); if intended, regenerate it")
    }

    @Test("the comparison catches a changed help text")
    func plantedDifference() throws {
        let result = try Self.help(["encode"])
        let golden = String(decoding: try FileSystem.read(Self.folder + "/" + Self.fileName(["encode"])), as: UTF8.self)
        let planted = golden.replacingOccurrences(of: "--threads", with: "--thread")
        #expect(planted != golden && result.stdout != planted)
    }
}
