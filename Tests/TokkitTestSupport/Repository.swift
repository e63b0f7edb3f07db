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

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// Runs a program to completion, collecting its output.
public enum Subprocess {
    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutBytes: [UInt8]
    }

    /// - Parameter directory: the working directory (default: this process's).
    public static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                           environment: [String: String]? = nil, directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        // Read both pipes while the process runs, so that neither fills up and blocks it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: [UInt8](outData))
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
