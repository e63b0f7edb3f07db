import Foundation
import Tokkit

/// Coverage-guided fuzz targets for every loader and for encode/decode (libFuzzer).
///
/// Each target takes arbitrary bytes and must either succeed or throw a typed error: a trap (a
/// failed precondition, an out-of-bounds index, a force-unwrap) is a crash that libFuzzer reports and
/// minimises. Targets whose reader takes a path get the bytes through a file in a private temporary
/// folder. The round-trip target also checks a property: decode(encode(x)) == x for valid UTF-8.
///
/// Built with `-sanitize=fuzzer` (see Tests/Fuzz/README.md), libFuzzer drives `LLVMFuzzerTestOneInput`
/// and `TOKKIT_FUZZ_TARGET` names the target. Built normally, the same executable replays files:
/// `tokkit-fuzz TARGET FILE…`, which is how the seed corpus is checked without libFuzzer.
enum FuzzTarget: String, CaseIterable {
    case tiktoken, tokenizerJSON = "tokenizer-json", gpt2, countFile = "count-file", llmcHeader = "llmc-header",
         megatronIndex = "megatron-index", manifest, jsonl, encode, decode, stream

    /// Runs the target on `data`. Errors are expected outcomes; only traps are findings.
    func run(_ data: [UInt8]) {
        switch self {
        case .tiktoken:
            _ = try? TiktokenFile.parse(data, path: "fuzz.tiktoken")
        case .tokenizerJSON:
            _ = try? HuggingFaceTokenizerFile.parse(data, path: "tokenizer.json")
        case .gpt2:
            // encoder.json and vocab.bpe, separated by the first NUL byte.
            let cut = data.firstIndex(of: 0) ?? data.count
            let encoder = Scratch.write(Array(data[..<cut]), name: "encoder.json")
            let merges = Scratch.write(cut < data.count ? Array(data[(cut + 1)...]) : [], name: "vocab.bpe")
            _ = try? GPT2Files.read(encoderPath: encoder, mergesPath: merges)
        case .countFile:
            var settings: [(key: String, value: String)] = []
            if let counts = try? WordCounts(deserializing: data, source: "fuzz.counts", settings: &settings) {
                // What was read must write back to a file that reads back the same.
                let again = try? WordCounts(deserializing: counts.serialized(settings: settings), source: "again")
                precondition(again?.serialized() == counts.serialized(), "count file does not survive a write and read")
            }
        case .llmcHeader:
            _ = try? LLMCHeader.parse(data, fileSize: data.count, path: "fuzz.bin")
        case .megatronIndex:
            _ = try? MegatronIndex.parse(data, path: "fuzz.idx")
        case .manifest:
            let folder = Scratch.folder("manifest")
            _ = Scratch.write(data, name: "manifest/" + ShardManifest.fileName)
            _ = try? ShardManifest.read(directory: folder)
        case .jsonl:
            let path = Scratch.write(data, name: "fuzz.jsonl")
            for skip in [false, true] {
                guard let reader = try? DocumentReader(inputs: [path], format: .jsonl(field: "text"), skipBadLines: skip, lossy: skip)
                else { continue }
                while (try? reader.nextBatch()) != nil {}
            }
        case .encode:
            let tokenizer = Shared.gpt2
            if let ids = try? tokenizer.encode(bytes: data, allowedSpecial: .all) {
                let back = try? tokenizer.decodeBytes(ids)
                precondition(back == data, "decode(encode(x)) != x for \(data)")
            }
        case .stream:
            // The first byte picks the vocabulary (pattern) and the block size; streamed ids must equal
            // whole-text ids, and a streamed error the whole-text error.
            guard let first = data.first else { return }
            let tokenizer = Shared.named[Int(first) % Shared.named.count]
            let text = Array(data.dropFirst())
            let whole = Result { () throws(EncodingError) in try tokenizer.encode(bytes: text, allowedSpecial: .all) }
            let stream = StreamingEncoder(tokenizer: tokenizer, allowedSpecial: .all, chunkSize: 64, threads: 1)
            let block = 1 + Int(first >> 2)
            let streamed = Result { () throws(EncodingError) -> [TokenID] in
                var ids: [TokenID] = []
                var offset = 0
                while offset < text.count {
                    let end = min(text.count, offset + block)
                    ids += try stream.feed(Array(text[offset..<end]))
                    offset = end
                }
                return ids + (try stream.finish())
            }
            switch (whole, streamed) {
            case (.success(let a), .success(let b)): precondition(a == b, "streamed ids differ from whole-text ids for \(data)")
            case (.failure(let a), .failure(let b)): precondition(a == b, "streamed error \(b) differs from \(a) for \(data)")
            default: preconditionFailure("streamed and whole-text encoding disagree on success for \(data): \(whole) \(streamed)")
            }
        case .decode:
            let ids = stride(from: 0, to: data.count - data.count % 4, by: 4).map {
                UInt32(data[$0]) | UInt32(data[$0 + 1]) << 8 | UInt32(data[$0 + 2]) << 16 | UInt32(data[$0 + 3]) << 24 & 0x0001_FFFF
            }
            _ = try? Shared.gpt2.decodeBytes(ids)
        }
    }
}

/// The tokenizer the encode and decode targets share (loading it per input would dominate the run).
enum Shared {
    nonisolated(unsafe) static let gpt2: Tokenizer = {
        do { return try Tokenizer(named: .gpt2) } catch {
            FileHandle.standardError.write(Data("cannot load the bundled gpt2 vocabulary: \(error)\n".utf8))
            exit(70)
        }
    }()
}

extension Shared {
    /// One tokenizer per named pattern, for the streaming target.
    static let named: [Tokenizer] = [NamedVocabulary.gpt2, .cl100k_base, .o200k_base, .qwen2].map { name in
        do { return try Tokenizer(named: name) } catch {
            FileHandle.standardError.write(Data("cannot load the bundled \(name) vocabulary: \(error)\n".utf8))
            exit(70)
        }
    }
}

/// A private temporary folder for the targets whose readers take paths.
///
/// In memory (`/dev/shm`) where there is one, and written with plain `write(2)`: `FileManager.createFile`
/// writes atomically with an `fsync`, which was nine tenths of the time of the file-based targets
/// (gpt2, jsonl and manifest ran at 100–200 executions per second in an optimised build).
enum Scratch {
    static let root: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : NSTemporaryDirectory()
        let path = base + "tokkit-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func folder(_ name: String) -> String {
        let path = root + "/" + name
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ bytes: [UInt8], name: String) -> String {
        let path = root + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return path }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            written += count
        }
        return path
    }
}

/// The target named by `TOKKIT_FUZZ_TARGET`, read once.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["TOKKIT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set TOKKIT_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(64)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selectedTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if TOKKIT_LIBFUZZER
/// libFuzzer's entry for programs with their own `main` (SwiftPM always links the module's `@main`).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@main
enum Fuzz {
    static func main() {
        // The bundled vocabulary is loaded (and sha256-checked) before libFuzzer's clock starts: under load
        // an instrumented debug build took longer than -timeout for it, reported as a timeout of input 1.
        if [.encode, .decode].contains(selectedTarget) { _ = Shared.gpt2 }
        if selectedTarget == .stream { _ = Shared.named }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}
#else
/// Replays files through a target: `tokkit-fuzz TARGET FILE…` (the seed corpus check, without libFuzzer).
@main
enum Replay {    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: tokkit-fuzz TARGET FILE…; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
            exit(64)
        }
        for file in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("\(file): cannot read\n".utf8))
                exit(1)
            }
            target.run([UInt8](data))
        }
        print("\(name): \(arguments.count - 1) inputs, no crash")
    }
}
#endif
