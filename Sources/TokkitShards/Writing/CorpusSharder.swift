import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO
import TokkitText

/// What one shard run should do.
public struct ShardJob: Sendable {
    /// What to do when the output directory already holds shards or a manifest.
    public enum ExistingOutput: Sendable {
        /// Stop with an error (the default: never overwrite a finished output by accident).
        case refuse
        /// Keep the leading shards whose files still match the manifest's digests, write the rest.
        case resume
        /// Delete the manifest and this run's shard names first, then write everything.
        case replace
    }

    public var directory: String
    public var settings: ShardSettings
    public var command: [String]
    public var threads: Int
    public var existing: ExistingOutput

    public init(directory: String, settings: ShardSettings, command: [String], threads: Int, existing: ExistingOutput) {
        self.directory = directory
        self.settings = settings
        self.command = command
        self.threads = threads
        self.existing = existing
    }
}

/// The outcome of a shard run.
public struct ShardRunResult: Sendable {
    public var manifest: ShardManifest
    /// Shards kept from an earlier run because their digests still matched.
    public var keptShards: Int
}

/// Reads documents, encodes them on all cores, and writes shards with a manifest.
///
/// Batches from `DocumentReader` are encoded by `CorpusEncoder` (on all cores, in input order
/// whatever the thread count) and handed to one `ShardWriter`: the shard bytes depend only on
/// the inputs and the settings. Memory holds one batch of documents and their ids; shards stream to
/// disk. Documents are encoded as tiktoken's `encode_ordinary` (as llm.c and nanoGPT do): special-token
/// text inside a document is plain text, so the end token marks document boundaries and nothing else.
public enum CorpusSharder {
    /// Runs `job`.
    ///
    /// - Parameter progress: called after each shard is renamed into place.
    /// - Throws: `ShardError`; the manifest then says `complete: false`, and no file under a final name is partial.
    public static func run(_ job: ShardJob, reader: DocumentReader, tokenizer: Tokenizer,
                           progress: @escaping (ShardRecord) -> Void = { _ in }) throws(ShardError) -> ShardRunResult {
        let directory = job.directory
        let settings = job.settings
        try prepare(directory)
        let inputs = try describeInputs(reader.files)
        var kept: [ShardRecord] = []
        var previous: ShardManifest?
        let existing = existingOutputs(in: directory, settings: settings)
        if !existing.isEmpty {
            switch job.existing {
            case .refuse:
                throw .outputExists(directory: directory, found: existing)
            case .replace:
                // The manifest goes first: from then on nothing claims the old shards are valid.
                for name in [ShardManifest.fileName] + existing.filter({ $0 != ShardManifest.fileName }) {
                    do { try FileManager.default.removeItem(atPath: directory + "/" + name) } catch {
                        throw .unwritable(path: directory + "/" + name, reason: "cannot remove it for --force: \(FileIO.reason(for: error))")
                    }
                }
            case .resume:
                if existing.contains(ShardManifest.fileName) {
                    let manifest = try ShardManifest.read(directory: directory)
                    try checkResumable(manifest, settings: settings, inputs: inputs, directory: directory)
                    kept = verifiedPrefix(of: manifest, directory: directory)
                    previous = manifest
                }
            }
        }
        if let previous, previous.complete, kept.count == previous.shards.count {
            return ShardRunResult(manifest: previous, keptShards: kept.count)
        }

        var manifest = ShardManifest(settings: settings, inputs: inputs, command: job.command)
        manifest.shards = kept
        manifest.totalTokens = kept.reduce(0) { $0 + $1.tokens }
        // Written before any encoding: an unwritable directory fails now, not after an hour of work.
        try manifest.write(directory: directory)
        let start = kept.last?.end ?? StreamPosition(document: 0, token: 0)
        // The manifest is rewritten when at least a second, and ten times the last rewrite's cost, has
        // passed: rewriting it after every shard made a run quadratic in its shard count (each rewrite
        // serialises every record). A shard missing from the manifest after a kill is only written again
        // by --resume, which recomputes it byte for byte.
        let clock = ContinuousClock()
        var lastRewrite = clock.now
        var rewriteCost = Duration.zero
        var unsynced: [String] = []
        let writer = ShardWriter(settings: settings, directory: directory, startingShard: kept.count, at: start) { record throws(ShardError) in
            manifest.shards.append(record)
            manifest.totalTokens += record.tokens
            unsynced += [record.tokenFile.file] + (record.indexFile.map { [$0.file] } ?? [])
            let now = clock.now
            if now - lastRewrite >= max(.seconds(1), rewriteCost * 10) {
                try synchronize(unsynced.map { directory + "/" + $0 }, in: directory)
                try manifest.write(directory: directory)
                unsynced = []
                lastRewrite = clock.now
                rewriteCost = lastRewrite - now
            }
            progress(record)
        }
        do throws(ShardError) {
            let encoder = CorpusEncoder(tokenizer: tokenizer, allowedSpecial: .none, disallowedSpecial: .none, threads: job.threads)
            // Documents wholly inside kept shards are read (the reader cannot seek) but not encoded.
            let documentIndex = try encoder.encodeAll(reader, skipping: start.document, failing: ShardError.init) { first, encoded throws(ShardError) in
                try writer.append(encoded, document: first, skipping: first == start.document ? start.token : 0)
            }
            guard documentIndex >= start.document else {
                throw .resumeMismatch(path: directory + "/" + ShardManifest.fileName,
                                      differences: ["the inputs hold \(documentIndex) documents, the kept shards end at document \(start.document)"])
            }
            try writer.finish()
            guard !manifest.shards.isEmpty else {
                throw .invalidSetting("the inputs hold no documents: nothing to shard")
            }
            manifest.totalDocuments = writer.documentCount
            manifest.complete = true
            try synchronize(unsynced.map { directory + "/" + $0 }, in: directory)
            try manifest.write(directory: directory)
        } catch {
            // Shards finished since the last manifest rewrite are not listed in it: remove them, so that no
            // file under a final name looks like part of a run (a full disk must not leave an unlisted shard).
            // --resume writes them again, byte for byte.
            for name in unsynced { unlink(directory + "/" + name) }
            throw error
        }
        return ShardRunResult(manifest: manifest, keptShards: kept.count)
    }

    /// The names in `directory` that a run with `settings` would write: the manifest and the shard files.
    static func existingOutputs(in directory: String, settings: ShardSettings) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            if name == ShardManifest.fileName { return true }
            switch settings.format {
            case .nanogpt:
                return name == "train.bin" || name == "val.bin"
            case .llmc, .megatron:
                // PREFIX_val_000000.bin, PREFIX_train_000001.idx, …
                guard name.hasPrefix(settings.prefix + "_") else { return false }
                let rest = name.dropFirst(settings.prefix.count + 1)
                let parts = rest.split(separator: "_")
                guard parts.count == 2, ["val", "train"].contains(String(parts[0])) else { return false }
                let tail = parts[1]
                guard tail.hasSuffix(".bin") || tail.hasSuffix(".idx") else { return false }
                let digits = tail.dropLast(4)
                return digits.count >= 6 && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            }
        }.sorted { $0 == ShardManifest.fileName || ($1 != ShardManifest.fileName && $0 < $1) }
    }

    private static func prepare(_ directory: String) throws(ShardError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .unwritable(path: directory, reason: "it exists and is not a directory") }
        } else {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw .unwritable(path: directory, reason: "cannot create the output directory: \(FileIO.reason(for: error))")
            }
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw .unwritable(path: directory, reason: "the output directory is not writable")
        }
    }

    /// Flushes `files` and then the directory (their renames) to disk. Shards are written without an
    /// fsync each and synced here in a batch, before a manifest that records their digests: the first
    /// fsync commits the file system's journal for all of them, so the rest cost little.
    private static func synchronize(_ files: [String], in directory: String) throws(ShardError) {
        for path in files + [directory] {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
            defer { close(descriptor) }
            guard fsync(descriptor) == 0 else { throw .unwritable(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
        }
    }

    private static func describeInputs(_ files: [String]) throws(ShardError) -> [InputFile] {
        var inputs: [InputFile] = []
        for file in files { inputs.append(try InputFile.fingerprint(of: file)) }
        return inputs
    }

    private static func checkResumable(_ manifest: ShardManifest, settings: ShardSettings, inputs: [InputFile],
                                       directory: String) throws(ShardError) {
        var differences = settings.differences(from: manifest.settings)
        if inputs.contains(where: { $0.bytes == nil }) {
            differences.append("standard input cannot be compared with the earlier run; give the input as files")
        } else if manifest.inputs.count != inputs.count {
            differences.append("inputs: \(manifest.inputs.count) files then, \(inputs.count) now")
        } else {
            for (then, now) in zip(manifest.inputs, inputs) where !then.sameContent(as: now) {
                let what = then.realPath != now.realPath ? "is another file (\(then.realPath ?? then.path) then, \(now.realPath ?? now.path) now)"
                    : then.bytes != now.bytes ? "changed size (\(then.bytes.map(String.init) ?? "?") bytes then, \(now.bytes.map(String.init) ?? "?") now)"
                    : "changed content (modification time or sampled sha256 differ)"
                differences.append("input \(now.path) \(what)")
            }
        }
        guard differences.isEmpty else {
            throw .resumeMismatch(path: directory + "/" + ShardManifest.fileName, differences: differences)
        }
    }

    /// The leading shards of `manifest` whose files are present and read back to the recorded digests.
    private static func verifiedPrefix(of manifest: ShardManifest, directory: String) -> [ShardRecord] {
        var kept: [ShardRecord] = []
        for record in manifest.shards {
            guard record.index == kept.count, (try? ShardVerifier.check(record, settings: manifest.settings, directory: directory)) != nil else { break }
            kept.append(record)
        }
        return kept
    }
}

extension ShardError {
    /// An encoding failure, named by the document's file and line.
    init(_ error: CorpusEncodingError) {
        switch error {
        case .input(let error): self = .input(error)
        case .encoding(let origin, let error): self = .encoding(origin: origin ?? "input", reason: error.description)
        }
    }
}
