import Foundation
import TokkitCore
import TokkitIO

/// `manifest.json`: what a shard run wrote, from what, and how to check it.
///
/// It is rewritten (atomically) as shards are finished (at most about once a second, so that a run of
/// thousands of small shards stays linear), with `complete: false` until the last one is renamed into place, so an interrupted run can be resumed and `tokkit shard verify` can tell a
/// finished output from an unfinished one.
public struct ShardManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    /// The manifest's own schema version.
    public static let currentSchema = 1

    public var schema = ShardManifest.currentSchema
    public var complete: Bool
    public var settings: ShardSettings
    public var inputs: [InputFile]
    /// The command line that made the shards.
    public var command: [String]
    public var totalTokens: Int
    public var totalDocuments: Int
    public var shards: [ShardRecord]

    public init(settings: ShardSettings, inputs: [InputFile], command: [String]) {
        self.complete = false
        self.settings = settings
        self.inputs = inputs
        self.command = command
        self.totalTokens = 0
        self.totalDocuments = 0
        self.shards = []
    }

    /// Reads `manifest.json` from `directory`.
    public static func read(directory: String) throws(ShardError) -> ShardManifest {
        let path = directory + "/" + fileName
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch { throw .unreadable(path: path, reason: error.description) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let manifest = try decoder.decode(ShardManifest.self, from: Data(bytes))
            guard manifest.schema == currentSchema else {
                throw ShardError.manifest(path: path, reason: "schema \(manifest.schema), this tokkit reads schema \(currentSchema)")
            }
            return manifest
        } catch let error as ShardError {
            throw error
        } catch {
            throw .manifest(path: path, reason: "not a tokkit shard manifest (\(Self.describe(error)))")
        }
    }

    /// Writes `manifest.json` into `directory` through a temporary file and a rename.
    public func write(directory: String) throws(ShardError) {
        let path = directory + "/" + Self.fileName
        var bytes: [UInt8] = []
        JSONWriter.writePretty(json, into: &bytes)
        bytes.append(0x0A)
        do { try FileIO.writeAtomically(bytes, to: path) } catch { throw .unwritable(path: path, reason: error.reason) }
    }

    /// The manifest as `JSONEncoder` encoded it, snake_case keys sorted (`.sortedKeys`) and absent optionals
    /// left out, for ``JSONWriter/writePretty(_:into:level:)``: the bytes of `manifest.json` did not change
    /// when the encoder was replaced, and `ShardManifestTests` holds them to `JSONEncoder`'s.
    var json: JSONValue {
        .object(entries: [
            ("command", .array(command.map(JSONValue.string))),
            ("complete", .bool(complete)),
            ("inputs", .array(inputs.map(\.json))),
            ("schema", .integer(schema)),
            ("settings", settings.json),
            ("shards", .array(shards.map(\.json))),
            ("total_documents", .integer(totalDocuments)),
            ("total_tokens", .integer(totalTokens)),
        ])
    }

    private static func describe(_ error: Error) -> String {
        switch error as? Swift.DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing \(context.codingPath.map(\.stringValue).joined(separator: ".")).\(key.stringValue)"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// Everything that decides the bytes of the shards. Resuming requires equal settings.
public struct ShardSettings: Codable, Sendable, Equatable {
    public var format: ShardFormat
    public var tokenWidth: TokenWidth
    /// The header or index layout in words, e.g. `llm.c magic 20240520 version 1`.
    public var layout: String
    public var delimiter: DelimiterPosition
    public var vocabulary: VocabularyRecord
    public var shardTokens: Int
    public var valTokens: Int
    public var prefix: String
    /// `lines`, `paragraphs`, `file`, or `jsonl:FIELD`.
    public var documents: String
    public var lossy: Bool
    public var skipBadLines: Bool
    /// The digest recorded for every file; a manifest without one is from before BLAKE3 and recorded SHA-256.
    public var digest: DigestAlgorithm {
        get { recordedDigest ?? .sha256 }
        set { recordedDigest = newValue }
    }
    private var recordedDigest: DigestAlgorithm?

    private enum CodingKeys: String, CodingKey {
        case format, tokenWidth, layout, delimiter, vocabulary, shardTokens, valTokens, prefix, documents, lossy, skipBadLines
        case recordedDigest = "digest"
    }

    public init(format: ShardFormat, tokenWidth: TokenWidth, vocabulary: VocabularyRecord, shardTokens: Int, valTokens: Int,
                prefix: String, documents: String, lossy: Bool, skipBadLines: Bool, digest: DigestAlgorithm = .blake3) throws(ShardError) {
        guard shardTokens > 0 else { throw .invalidSetting("--shard-tokens must be at least 1") }
        guard valTokens > 0 else { throw .invalidSetting("--val-tokens must be at least 1: shard 0 is the validation split") }
        if format == .llmc {
            // llm.c writes N into an int32 and asserts N < 2^31.
            guard max(shardTokens, valTokens) < Int(Int32.max) else {
                throw .invalidSetting("llm.c stores a shard's token count in an int32: --shard-tokens and --val-tokens must be below 2^31")
            }
        }
        guard !prefix.isEmpty, !prefix.contains("/") else { throw .invalidSetting("--prefix must be a non-empty file name prefix without '/'") }
        self.format = format
        self.tokenWidth = tokenWidth
        self.delimiter = format.delimiter
        self.vocabulary = vocabulary
        self.shardTokens = shardTokens
        self.valTokens = valTokens
        self.prefix = prefix
        self.documents = documents
        self.lossy = lossy
        self.skipBadLines = skipBadLines
        self.recordedDigest = digest
        switch format {
        case .llmc:
            let header = LLMCHeader(width: tokenWidth, tokenCount: 0)
            layout = "llm.c 1024-byte header, magic \(header.magic) version \(header.version), \(tokenWidth.rawValue) little-endian tokens"
        case .nanogpt:
            layout = "headerless \(tokenWidth.rawValue) little-endian tokens"
        case .megatron:
            let index = MegatronIndex(width: tokenWidth, documentLengths: [])
            layout = "Megatron MMIDIDX version 1, dtype code \(index.dtypeCode) (\(tokenWidth == .uint16 ? "uint16" : "int32")), one sequence per document"
        }
    }

    /// The settings as ``ShardManifest/json`` writes them.
    var json: JSONValue {
        .object(entries: [
            ("delimiter", .string(delimiter.rawValue)),
            ("digest", .string(digest.rawValue)),
            ("documents", .string(documents)),
            ("format", .string(format.rawValue)),
            ("layout", .string(layout)),
            ("lossy", .bool(lossy)),
            ("prefix", .string(prefix)),
            ("shard_tokens", .integer(shardTokens)),
            ("skip_bad_lines", .bool(skipBadLines)),
            ("token_width", .string(tokenWidth.rawValue)),
            ("val_tokens", .integer(valTokens)),
            ("vocabulary", .object(entries: [
                ("end_token", .string(vocabulary.endToken)),
                ("end_token_id", .number(String(vocabulary.endTokenID))),
                ("sha256", .string(vocabulary.sha256)),
                ("size", .integer(vocabulary.size)),
                ("source", .string(vocabulary.source)),
            ])),
        ])
    }

    /// The settings that differ from `other`, as `name: this vs other`.
    public func differences(from other: ShardSettings) -> [String] {
        var found: [String] = []
        func compare<Value: Equatable>(_ name: String, _ mine: Value, _ theirs: Value) {
            if mine != theirs { found.append("\(name): \(theirs) then, \(mine) now") }
        }
        compare("format", format.rawValue, other.format.rawValue)
        compare("token width", tokenWidth.rawValue, other.tokenWidth.rawValue)
        compare("vocabulary sha256", vocabulary.sha256, other.vocabulary.sha256)
        compare("vocabulary size", vocabulary.size, other.vocabulary.size)
        compare("end token", vocabulary.endTokenID, other.vocabulary.endTokenID)
        compare("shard tokens", shardTokens, other.shardTokens)
        compare("val tokens", valTokens, other.valTokens)
        compare("prefix", prefix, other.prefix)
        compare("documents", documents, other.documents)
        compare("lossy", lossy, other.lossy)
        compare("skip bad lines", skipBadLines, other.skipBadLines)
        compare("digest", digest.rawValue, other.digest.rawValue)
        return found
    }

    /// The largest id a shard may hold.
    var largestID: TokenID { TokenID(vocabulary.size - 1) }

    /// How many tokens shard `index` holds at most (nanoGPT's single train file has no limit).
    func capacity(ofShard index: Int) -> Int {
        if index == 0 { return valTokens }
        return format == .nanogpt ? Int.max : shardTokens
    }

    func split(ofShard index: Int) -> ShardSplit { index == 0 ? .val : .train }
}

/// The vocabulary the shards were encoded with.
public struct VocabularyRecord: Codable, Sendable, Equatable {
    /// What the user named: a bundled vocabulary or a path.
    public var source: String
    public var sha256: String
    /// Ids run from 0 to size - 1.
    public var size: Int
    public var endToken: String
    public var endTokenID: TokenID

    // The snake_case key strategies turn `endTokenID` into `end_token_id` but read that back as `endTokenId`.
    enum CodingKeys: String, CodingKey {
        case source, sha256, size, endToken
        case endTokenID = "endTokenId"
    }

    public init(source: String, sha256: String, size: Int, endToken: String, endTokenID: TokenID) {
        self.source = source
        self.sha256 = sha256
        self.size = size
        self.endToken = endToken
        self.endTokenID = endTokenID
    }
}

/// One input file; `bytes` is `nil` for standard input.
///
/// `--resume` trusts kept shards only when every input still has the same fingerprint: the file it
/// resolves to (`realPath`, so `data/a.txt` and `/abs/data/a.txt` are the same input), its size, its
/// modification time in nanoseconds, and `sampleDigest`: the SHA-256 of 16 samples of 4 KiB at evenly
/// spaced offsets from the first byte to the last (the whole file when it is under 64 KiB). Hashing
/// samples keeps the check to 64 KiB of reading per input however large it is; an edit that keeps the
/// size and the modification time (`touch -r`) and misses every sample is the one change it cannot see.
public struct InputFile: Codable, Sendable, Equatable {
    public var path: String
    public var bytes: Int?
    public var realPath: String?
    public var modifiedNanoseconds: Int64?
    public var sampleDigest: String?

    public init(path: String, bytes: Int?, realPath: String? = nil, modifiedNanoseconds: Int64? = nil, sampleDigest: String? = nil) {
        self.path = path
        self.bytes = bytes
        self.realPath = realPath
        self.modifiedNanoseconds = modifiedNanoseconds
        self.sampleDigest = sampleDigest
    }

    /// The fingerprint of the file at `path`; only the path, for standard input (`-`).
    /// - Throws: `ShardError.unreadable` when the file cannot be examined.
    public static func fingerprint(of path: String) throws(ShardError) -> InputFile {
        guard path != "-" else { return InputFile(path: "<stdin>", bytes: nil) }
        // In the words the corpus readers use, so one input reads the same whichever step fails on it.
        func reason(_ code: Int32) -> String {
            code == ENOENT ? "no such file" : code == EACCES ? "permission denied" : String(cString: strerror(code))
        }
        var status = stat()
        guard stat(path, &status) == 0, let real = realpath(path, nil) else {
            throw .unreadable(path: path, reason: reason(errno))
        }
        defer { free(real) }
        let size = Int(status.st_size)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: reason(errno)) }
        defer { close(descriptor) }
        var digest = SHA256()
        let sample = 4096, samples = 16
        var buffer = [UInt8](repeating: 0, count: sample)
        let offsets = size <= sample * samples ? stride(from: 0, to: size, by: sample).map { $0 }
            : (0..<samples).map { $0 * ((size - sample) / (samples - 1)) }
        for offset in offsets {
            let count = min(sample, size - offset)
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            guard got == count else {
                throw .unreadable(path: path, reason: got < 0 ? reason(errno) : "the file shrank while being read")
            }
            digest.update(buffer[0..<count])
        }
        let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        return InputFile(path: path, bytes: size, realPath: String(cString: real), modifiedNanoseconds: modified,
                         sampleDigest: digest.finalizeHex())
    }

    /// The fingerprint as ``ShardManifest/json`` writes it (standard input: the path alone).
    var json: JSONValue {
        var entries: [(String, JSONValue)] = []
        if let bytes { entries.append(("bytes", .integer(bytes))) }
        if let modifiedNanoseconds { entries.append(("modified_nanoseconds", .number(String(modifiedNanoseconds)))) }
        entries.append(("path", .string(path)))
        if let realPath { entries.append(("real_path", .string(realPath))) }
        if let sampleDigest { entries.append(("sample_digest", .string(sampleDigest))) }
        return .object(entries: entries)
    }

    /// Whether `other` is the same input with the same content, by fingerprint (the path as typed may differ).
    public func sameContent(as other: InputFile) -> Bool {
        realPath != nil && realPath == other.realPath && bytes == other.bytes
            && modifiedNanoseconds == other.modifiedNanoseconds && sampleDigest == other.sampleDigest
    }
}

/// One file as written: its name in the output directory, size and digest, recorded under the digest's name
/// (`"blake3"`, or `"sha256"` as every manifest before BLAKE3 did: those still read and verify).
public struct FileRecord: Codable, Sendable, Equatable {
    public var file: String
    public var bytes: Int
    public var digest: FileDigest

    public init(file: String, bytes: Int, digest: FileDigest) {
        self.file = file
        self.bytes = bytes
        self.digest = digest
    }

    private enum CodingKeys: String, CodingKey {
        case file, bytes, blake3, sha256

        /// The key a digest of `algorithm` is recorded under: its name.
        static func digest(_ algorithm: DigestAlgorithm) -> CodingKeys {
            switch algorithm {
            case .blake3: .blake3
            case .sha256: .sha256
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        bytes = try container.decode(Int.self, forKey: .bytes)
        let found = try DigestAlgorithm.allCases.compactMap { algorithm in
            try container.decodeIfPresent(String.self, forKey: .digest(algorithm)).map { FileDigest(algorithm, hex: $0) }
        }
        guard found.count == 1 else {
            throw Swift.DecodingError.dataCorrupted(.init(codingPath: container.codingPath,
                                                    debugDescription: "\(file) records \(found.isEmpty ? "no digest" : "more than one digest") (one of blake3, sha256)"))
        }
        digest = found[0]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(file, forKey: .file)
        try container.encode(digest.hex, forKey: .digest(digest.algorithm))
    }

    /// The record as ``ShardManifest/json`` writes it.
    var json: JSONValue {
        let entries: [(String, JSONValue)] = [("bytes", .integer(bytes)), ("file", .string(file)), (digest.algorithm.rawValue, .string(digest.hex))]
        return .object(entries: entries.sorted { $0.0 < $1.0 })
    }
}

/// A point in the stream of delimited documents: token `token` of document `document` (both 0-based,
/// counting the end token as part of its document).
public struct StreamPosition: Codable, Sendable, Equatable {
    public var document: Int
    public var token: Int

    public init(document: Int, token: Int) {
        self.document = document
        self.token = token
    }

    /// The first token of the first document.
    public static let start = StreamPosition(document: 0, token: 0)

    /// The position as ``ShardManifest/json`` writes it.
    var json: JSONValue { .object(entries: [("document", .integer(document)), ("token", .integer(token))]) }
}

/// One shard as written.
public struct ShardRecord: Codable, Sendable, Equatable {
    public var index: Int
    public var split: ShardSplit
    /// The token file (`.bin`).
    public var tokenFile: FileRecord
    /// Megatron's `.idx`.
    public var indexFile: FileRecord?
    public var tokens: Int
    /// Documents whose first token is in this shard.
    public var documents: Int
    /// Where the shard's first token comes from, and where the next shard starts.
    public var start: StreamPosition
    public var end: StreamPosition

    /// The record as ``ShardManifest/json`` writes it.
    var json: JSONValue {
        var entries: [(String, JSONValue)] = [("documents", .integer(documents)), ("end", end.json), ("index", .integer(index))]
        if let indexFile { entries.append(("index_file", indexFile.json)) }
        entries += [("split", .string(split.rawValue)), ("start", start.json), ("token_file", tokenFile.json), ("tokens", .integer(tokens))]
        return .object(entries: entries)
    }
}
