import Foundation
import Tokkit

/// Paths inside the checkout the tests run from.
enum Repository {
    /// The package root: this file is Tests/TokkitTests/Support/Repository.swift.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static var fixtureNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path("fixtures"))) ?? [])
            .filter { $0.hasSuffix(".txt") }.sorted()
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        try FileIO.read(path("fixtures/\(name)"))
    }

    /// Real text nobody on the project wrote, for parity runs: the public corpus that
    /// `scripts/corpus/build-public-corpus.sh` builds. `$TOKKIT_CORPUS`, else `.corpus/` in the checkout.
    /// Missing corpus is a failure, never a skip: `scripts/test` builds it first.
    static func corpusFile(_ name: String) throws -> String {
        let directory = ProcessInfo.processInfo.environment["TOKKIT_CORPUS"].flatMap { $0.isEmpty ? nil : $0 } ?? path(".corpus")
        let file = directory + "/" + name
        guard FileManager.default.fileExists(atPath: file) else {
            throw TestSetupError("real-text corpus missing at \(file): run `bash scripts/test` (it builds it) or set TOKKIT_CORPUS")
        }
        return file
    }

    /// The first `limit` bytes of a corpus file, cut after the last complete line.
    static func corpusPrefix(_ name: String, bytes limit: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: corpusFile(name)))
        defer { try? handle.close() }
        let data = [UInt8](handle.readData(ofLength: limit))
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return data }
        return Array(data[...lastNewline])
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Tokenizers loaded once per test process (loading cl100k takes a moment in debug builds).
enum Loaded {
    private static let cache = TokenizerCache()

    static func tokenizer(_ name: String, pattern: SplitPattern? = nil) throws -> Tokenizer {
        try cache.get(name, pattern: pattern)
    }
}

private final class TokenizerCache: @unchecked Sendable {
    // `@unchecked Sendable`: every access to `loaded` holds `lock`.
    private let lock = NSLock()
    private var loaded: [String: Tokenizer] = [:]

    func get(_ name: String, pattern: SplitPattern?) throws -> Tokenizer {
        let key = "\(name)|\(pattern.map { $0.regex } ?? "")"
        lock.lock()
        defer { lock.unlock() }
        if let tokenizer = loaded[key] { return tokenizer }
        let tokenizer = try TokenizerLoader.load(name, pattern: pattern)
        loaded[key] = tokenizer
        return tokenizer
    }
}

/// Calls the real tiktoken and Hugging Face tokenizers through `scripts/reference/reference_ids.py`.
enum Reference {
    static func tiktokenIDs(vocabularyFile: String, pattern: SplitPattern, specials: [SpecialToken] = [],
                            allowSpecial: Bool = false, text: [UInt8]) throws -> [TokenID] {
        var arguments = ["tiktoken", "--vocab", vocabularyFile, "--pattern", pattern.regex,
                         "--allowed", allowSpecial ? "all" : "none"]
        for special in specials { arguments += ["--special", "\(special.text)=\(special.id)"] }
        return try run(arguments, text: text)
    }

    static func huggingFaceIDs(tokenizerFile: String, text: [UInt8]) throws -> [TokenID] {
        try run(["hf", "--tokenizer", tokenizerFile], text: text)
    }

    /// Runs a Python snippet and returns its standard output.
    static func python(_ script: String, arguments: [String] = []) throws -> String {
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
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        return stride(from: 0, to: bytes.count, by: 4).map {
            TokenID(bytes[$0]) | TokenID(bytes[$0 + 1]) << 8 | TokenID(bytes[$0 + 2]) << 16 | TokenID(bytes[$0 + 3]) << 24
        }
    }
}

/// A temporary directory removed when the value goes away.
final class Scratch {
    let directory: String

    init() {
        directory = NSTemporaryDirectory() + "tokkit-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { directory + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// Runs a program to completion, collecting its output.
enum Subprocess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: [UInt8]
    }

    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                    environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
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
