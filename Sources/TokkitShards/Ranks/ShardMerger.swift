import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO

/// The second step of a many-machine shard run: assembles the ranks' parts into the shards and the
/// `manifest.json` that a single `tokkit shard` over the same files writes.
///
/// The parts must come from one run: the same settings and world size, every rank present once, and
/// each rank holding exactly `sorted(all files)[rank::worldSize]`. Documents are then taken file by
/// file in sorted order (file `i` is the next file of rank `i % worldSize`) and handed to a
/// `ShardWriter`, which cuts, writes, reads back and renames each shard. Every part file is hashed as
/// it streams and must match its part manifest, so a damaged part is an error, not a silent difference.
public enum ShardMerger {
    /// The outcome of a merge.
    public struct Result: Sendable {
        public var manifest: ShardManifest
        public var parts: [ShardPart]
    }

    /// Merges the parts in `directory/parts/` into shards and `manifest.json` in `directory`.
    ///
    /// - Parameters:
    ///   - replace: delete shards and a manifest already in `directory` first (otherwise they are an error).
    /// - Complexity: O(total tokens); memory holds one read block per rank and one shard's Megatron index.
    public static func run(directory: String, command: [String], replace: Bool,
                           progress: @escaping (ShardRecord) -> Void = { _ in }) throws(ShardError) -> Result {
        let parts = try readParts(directory: directory)
        let settings = parts[0].settings
        let order = try runOrder(parts, directory: directory)

        let existing = CorpusSharder.existingOutputs(in: directory, settings: settings)
        if !existing.isEmpty {
            guard replace else { throw .outputExists(directory: directory, found: existing) }
            for name in [ShardManifest.fileName] + existing.filter({ $0 != ShardManifest.fileName }) {
                do { try FileManager.default.removeItem(atPath: directory + "/" + name) } catch {
                    throw .unwritable(path: directory + "/" + name, reason: "cannot remove it for --force: \(FileIO.reason(for: error))")
                }
            }
        }

        var manifest = ShardManifest(settings: settings, inputs: order.map(\.input), command: command)
        try manifest.write(directory: directory)
        let writer = ShardWriter(settings: settings, directory: directory) { record throws(ShardError) in
            manifest.shards.append(record)
            manifest.totalTokens += record.tokens
            try manifest.write(directory: directory)
            progress(record)
        }
        let folder = directory + "/" + ShardPart.folder
        var streams: [PartStream] = []
        for part in parts { streams.append(try PartStream(part: part, folder: folder)) }
        var document = 0
        for (index, file) in order.enumerated() {
            let stream = streams[index % parts.count]
            for _ in 0..<file.documents {
                let ids = try stream.nextDocument()
                try writer.append(ids, document: document)
                document += 1
            }
        }
        for stream in streams { try stream.finish() }
        try writer.finish()
        guard !manifest.shards.isEmpty else { throw .invalidSetting("the parts hold no documents: nothing to shard") }
        manifest.totalDocuments = writer.documentCount
        manifest.complete = true
        try manifest.write(directory: directory)
        return Result(manifest: manifest, parts: parts)
    }

    /// Every part manifest in `directory/parts/`, ordered by rank.
    static func readParts(directory: String) throws(ShardError) -> [ShardPart] {
        let folder = directory + "/" + ShardPart.folder
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw .unreadable(path: folder, reason: "no parts folder; run tokkit shard --rank R --world-size W -o \(directory) for every rank first")
        }
        var parts: [ShardPart] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            parts.append(try ShardPart.read(path: folder + "/" + name))
        }
        guard let first = parts.first else {
            throw .unreadable(path: folder, reason: "holds no part manifests (PREFIX-RRRRR.json)")
        }
        for part in parts {
            let differences = part.settings.differences(from: first.settings)
            guard differences.isEmpty else {
                throw .manifest(path: folder + "/" + ShardPart.baseName(prefix: part.settings.prefix, partition: partition(part)) + ".json",
                                reason: "made with other settings than rank \(first.rank)'s: \(differences.joined(separator: "; "))")
            }
            guard part.worldSize == first.worldSize, part.runFiles == first.runFiles else {
                throw .manifest(path: folder, reason: "parts of different runs: rank \(first.rank) has world size \(first.worldSize) over \(first.runFiles) files, "
                                + "rank \(part.rank) has world size \(part.worldSize) over \(part.runFiles) files")
            }
        }
        let ranks = parts.map(\.rank).sorted()
        guard ranks == Array(0..<first.worldSize) else {
            let missing = Set(0..<first.worldSize).subtracting(ranks).sorted()
            throw .manifest(path: folder, reason: missing.isEmpty
                            ? "ranks \(ranks) do not match world size \(first.worldSize)"
                            : "world size \(first.worldSize) but no part for rank(s) \(missing.map(String.init).joined(separator: ", ")); run them first")
        }
        return parts.sorted { $0.rank < $1.rank }
    }

    /// The run's files in sorted order, checking that rank `r` holds exactly `sorted(files)[r::W]`.
    static func runOrder(_ parts: [ShardPart], directory: String) throws(ShardError) -> [ShardPart.File] {
        let all = parts.flatMap(\.files)
        let sortedPaths = RankPartition.sorted(all.map(\.path))
        let folder = directory + "/" + ShardPart.folder
        guard all.count == parts[0].runFiles else {
            throw .manifest(path: folder, reason: "the parts list \(all.count) files, the run had \(parts[0].runFiles)")
        }
        var order: [ShardPart.File] = []
        for (index, path) in sortedPaths.enumerated() {
            let part = parts[index % parts.count]
            let position = index / parts.count
            guard position < part.files.count, part.files[position].path == path else {
                throw .manifest(path: folder, reason: "rank \(part.rank) does not hold \(path) at position \(position), as sorted(files)[rank::world_size] requires")
            }
            order.append(part.files[position])
        }
        return order
    }

    private static func partition(_ part: ShardPart) -> RankPartition {
        (try? RankPartition(rank: part.rank, worldSize: part.worldSize)) ?? .whole
    }
}

/// Reads one part's documents in order, hashing both files as they stream.
final class PartStream {
    private let ids: BlockReader
    private let lengths: BlockReader
    private let part: ShardPart
    private let width: TokenWidth
    private var documentsRead = 0

    init(part: ShardPart, folder: String) throws(ShardError) {
        self.part = part
        self.width = part.settings.tokenWidth
        ids = try BlockReader(path: folder + "/" + part.tokenFile.file, digest: part.tokenFile.digest.algorithm)
        lengths = try BlockReader(path: folder + "/" + part.lengthsFile.file, digest: part.lengthsFile.digest.algorithm)
    }

    /// The next document's ids.
    func nextDocument() throws(ShardError) -> [TokenID] {
        guard documentsRead < part.totalDocuments else {
            throw .countMismatch(path: lengths.path, what: "documents the merge needs from this part", expected: part.totalDocuments, found: documentsRead + 1)
        }
        let lengthBytes = try lengths.take(8)
        var length: UInt64 = 0
        for (shift, byte) in lengthBytes.enumerated() { length |= UInt64(byte) << (8 * UInt64(shift)) }
        guard length <= UInt64(part.totalTokens) else {
            throw .unexpected(path: lengths.path, offset: documentsRead * 8, expected: "a document length of at most \(part.totalTokens) tokens",
                              found: "\(length)")
        }
        let slice = try ids.take(Int(length) * width.byteCount)
        documentsRead += 1
        var document = [TokenID](repeating: 0, count: Int(length))
        slice.withUnsafeBufferPointer { bytes in
            switch width {
            case .uint16:
                for index in 0..<document.count { document[index] = TokenID(bytes[2 * index]) | TokenID(bytes[2 * index + 1]) << 8 }
            case .uint32:
                for index in 0..<document.count {
                    let at = 4 * index
                    document[index] = TokenID(bytes[at]) | TokenID(bytes[at + 1]) << 8 | TokenID(bytes[at + 2]) << 16 | TokenID(bytes[at + 3]) << 24
                }
            }
        }
        return document
    }

    /// Checks that every byte was consumed and both files hash to what the part manifest records.
    func finish() throws(ShardError) {
        for (reader, record) in [(ids, part.tokenFile), (lengths, part.lengthsFile)] {
            let total = try reader.finish()
            guard total.bytes == record.bytes else {
                throw .sizeMismatch(path: reader.path, size: total.bytes, expected: "\(record.bytes) bytes, as the part manifest records")
            }
            guard total.digest == record.digest else { throw .checksumMismatch(path: reader.path, expected: record.digest, actual: total.digest) }
        }
    }
}

/// Sequential reads of exact byte counts from a file through a 1 MiB buffer, hashing everything read.
final class BlockReader {
    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var consumed = 0
    private var digest: ContentHasher

    /// Hashes what it reads with `digest`, the algorithm the part manifest recorded.
    init(path: String, digest: DigestAlgorithm) throws(ShardError) {
        self.path = path
        self.digest = ContentHasher(digest)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, reason: "missing or not readable") }
        self.handle = handle
    }

    /// The next `count` bytes; fewer left in the file is an error naming the offset.
    func take(_ count: Int) throws(ShardError) -> ArraySlice<UInt8> {
        while buffer.count - position < count {
            buffer.removeFirst(position)
            position = 0
            let chunk: Data?
            do { chunk = try handle.read(upToCount: max(1 << 20, count)) } catch {
                throw .unreadable(path: path, reason: FileIO.reason(for: error))
            }
            guard let chunk, !chunk.isEmpty else {
                throw .truncated(path: path, size: consumed + buffer.count, expected: "\(count) more bytes at offset \(consumed)")
            }
            digest.update(chunk)
            buffer.append(contentsOf: chunk)
        }
        defer {
            position += count
            consumed += count
        }
        return buffer[position..<(position + count)]
    }

    /// Reads what is left (to hash it) and returns the file's size and digest; left-over bytes are an error.
    func finish() throws(ShardError) -> (bytes: Int, digest: FileDigest) {
        let rest: Data
        do { rest = try handle.readToEnd() ?? Data() } catch { throw .unreadable(path: path, reason: FileIO.reason(for: error)) }
        digest.update(rest)
        let leftOver = buffer.count - position + rest.count
        guard leftOver == 0 else {
            throw .sizeMismatch(path: path, size: consumed + leftOver, expected: "\(consumed) bytes: every document the part manifest lists, and nothing after")
        }
        try? handle.close()
        return (consumed, digest.finalize())
    }
}
