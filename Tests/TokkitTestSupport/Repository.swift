import Foundation
import Synchronization
import Tokkit

/// Paths inside the checkout the tests run from.
public enum Repository {
    /// The package root: this file is Tests/TokkitTestSupport/Repository.swift.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    public static var fixtureNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path("fixtures"))) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
    }

    public static func fixture(_ name: String) throws -> [UInt8] {
        try FileIO.read(path("fixtures/\(name)"))
    }

    /// Real text nobody on the project wrote, for parity runs: the public corpus that
    /// `scripts/corpus/build-public-corpus.sh` builds. `$TOKKIT_CORPUS`, else `.corpus/` in the checkout.
    /// Missing corpus is a failure, never a skip: `scripts/test` builds it first.
    public static func corpusFile(_ name: String) throws -> String {
        let directory = ProcessInfo.processInfo.environment["TOKKIT_CORPUS"].flatMap { $0.isEmpty ? nil : $0 } ?? path(".corpus")
        let file = directory + "/" + name
        guard FileManager.default.fileExists(atPath: file) else {
            throw TestSetupError("real-text corpus missing at \(file): run `bash scripts/test` (it builds it) or set TOKKIT_CORPUS")
        }
        return file
    }

    /// The first `limit` bytes of a corpus file, cut after the last complete line.
    public static func corpusPrefix(_ name: String, bytes limit: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: corpusFile(name)))
        defer { try? handle.close() }
        let data = [UInt8](handle.readData(ofLength: limit))
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return data }
        return Array(data[...lastNewline])
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Tokenizers loaded once per test process (loading cl100k takes a moment in debug builds).
public enum Loaded {
    private static let cache = TokenizerCache()

    public static func tokenizer(_ name: String, pattern: SplitPattern? = nil) throws -> Tokenizer {
        try cache.get(name, pattern: pattern)
    }
}

private final class TokenizerCache: Sendable {
    private let loaded = Mutex<[String: Tokenizer]>([:])

    func get(_ name: String, pattern: SplitPattern?) throws -> Tokenizer {
        let key = "\(name)|\(pattern.map { $0.regex } ?? "")"
        if let tokenizer = loaded.withLock({ $0[key] }) { return tokenizer }
        // Loaded outside the lock (two tests may load the same one at once; the first stored wins).
        let tokenizer = try TokenizerLoader.load(name, pattern: pattern)
        return loaded.withLock { cache in
            if let earlier = cache[key] { return earlier }
            cache[key] = tokenizer
            return tokenizer
        }
    }
}

/// Calls the real tiktoken and Hugging Face tokenizers through `scripts/reference/reference_ids.py`.
public enum Reference {
    public static func tiktokenIDs(vocabularyFile: String, pattern: SplitPattern, specials: [SpecialToken] = [],
                            allowSpecial: Bool = false, text: [UInt8]) throws -> [TokenID] {
        var arguments = ["tiktoken", "--vocab", vocabularyFile, "--pattern", pattern.regex,
                         "--allowed", allowSpecial ? "all" : "none"]
        for special in specials { arguments += ["--special", "\(special.text)=\(special.id)"] }
        return try run(arguments, text: text)
    }

    public static func huggingFaceIDs(tokenizerFile: String, text: [UInt8]) throws -> [TokenID] {
        try run(["hf", "--tokenizer", tokenizerFile], text: text)
    }

    /// Runs a Python snippet and returns its standard output.
    public static func python(_ script: String, arguments: [String] = []) throws -> String {
        let result = try Subprocess.run("/usr/bin/env", ["python3", "-c", script] + arguments)
        guard result.status == 0 else {
            throw TestSetupError("python3 failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    private static func run(_ arguments: [String], text: [UInt8]) throws -> [TokenID] {
        let scratch = Scratch()
        let input = scratch.file("input.txt")
        let output = scratch.file("ids.bin")
        try Data(text).write(to: URL(fileURLWithPath: input))
        let result = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/reference_ids.py")]
                                        + arguments + ["--input", input, "--output", output])
        guard result.status == 0 else {
            throw TestSetupError("the reference library failed (is `pip install tiktoken tokenizers` done?): \(result.stderr)")
        }
        guard let ids = LittleEndianIDs.read(try FileIO.read(output), width: .uint32) else {
            throw TestSetupError("\(output): not a whole number of uint32 ids")
        }
        return ids
    }
}

/// A temporary directory removed when the value goes away.
public final class Scratch {
    public let directory: String

    public init() {
        directory = NSTemporaryDirectory() + "tokkit-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { directory + "/" + name }

    /// Runs `body` with the path of a tmpfs of `size` (mount's spelling: `32k`, `3m`) mounted in this directory, and
    /// unmounts it after: a disk that fills up, for the tests of what a full disk leaves behind. Needs root.
    public func withSmallDisk<T>(size: String, _ body: (_ mountPoint: String) throws -> T) throws -> T {
        let mountPoint = file("disk-" + size)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try Subprocess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=" + size, "tmpfs", mountPoint])
        guard mounted.status == 0 else { throw TestSetupError("mount failed: \(mounted.stderr)") }
        defer { _ = try? Subprocess.run("/bin/umount", [mountPoint]) }
        return try body(mountPoint)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// Runs a program to completion, collecting its output.
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`: with many tests spawning
/// programs at once, `Process.waitUntilExit()` on Linux can miss a child's exit and wait forever with
/// the child left a zombie (seen here with two `tokkit` runs ending together). `waitpid` on the child's
/// own pid cannot miss it.
public enum Subprocess {
    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutBytes: [UInt8]
    }

    /// - Parameter directory: the working directory (default: this process's).
    /// - Returns: the exit status, or the signal number when a signal ended the program (as `Process` reports it).
    public static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                           environment: [String: String]? = nil, directory: String? = nil) throws -> Result {
        // A child that exits before reading its input must not kill the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        var variables = ProcessInfo.processInfo.environment
        if let environment { variables.merge(environment) { $1 } }

        // Pipes are close-on-exec, so programs spawned by other tests do not hold them open; dup2 into
        // 0, 1, 2 clears the flag for this child. (`pipe2` is not visible to Swift here.)
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
            throw TestSetupError("pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        // posix_spawn_file_actions_addchdir_np is not visible to Swift here: coreutils' `env -C` changes directory.
        let command = directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]

        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        close(input[0]); close(output[1]); close(errors[1])
        guard spawned == 0 else {
            close(input[1]); close(output[0]); close(errors[0])
            throw TestSetupError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }

        // Read both pipes while the program runs, so that neither fills up and blocks it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outBytes: [UInt8] = []
        nonisolated(unsafe) var errBytes: [UInt8] = []
        let outFD = output[0], errFD = errors[0]
        DispatchQueue.global().async(group: group) { outBytes = readToEnd(outFD) }
        DispatchQueue.global().async(group: group) { errBytes = readToEnd(errFD) }
        if let stdin { writeAll(stdin, to: input[1]) }
        close(input[1])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        group.wait()
        close(outFD); close(errFD)
        let signalNumber = status & 0x7f
        let code = signalNumber == 0 ? (status >> 8) & 0xff : signalNumber
        return Result(status: code, stdout: String(decoding: outBytes, as: UTF8.self),
                      stderr: String(decoding: errBytes, as: UTF8.self), stdoutBytes: outBytes)
    }

    private static func readToEnd(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            return bytes
        }
    }

    /// Writes until done or until the program stops reading (EPIPE), as a pipe to a real program would.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}

/// The `tokkit` executable, run as a user runs it.
public enum TokkitCommand {
    /// `tokkit` is built next to the test bundle (`swift test` builds every product).
    public static var executable: String {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return bundle.appendingPathComponent("tokkit").path
    }

    public static func run(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Subprocess.Result {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSetupError("tokkit executable not found at \(executable); run `swift build` first")
        }
        return try Subprocess.run(executable, arguments, stdin: stdin)
    }
}

/// Where two id lists first differ, for failure messages.
public func firstDifference(_ actual: [TokenID], _ expected: [TokenID]) -> String {
    guard let index = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
        return actual.count == expected.count ? "equal" : "lengths \(actual.count) vs \(expected.count)"
    }
    return "first difference at \(index): \(Array(actual[index..<min(actual.count, index + 5)])) vs \(Array(expected[index..<min(expected.count, index + 5)]))"
}
