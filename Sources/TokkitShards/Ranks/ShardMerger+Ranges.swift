import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO

/// The merge split over ranks: shard boundaries follow from the document lengths alone, so merge rank
/// `R` of `W` writes shards `R, R + W, …` from their computed starting positions (what a resumed
/// `CorpusSharder` run does for its first shard), and `finalize` assembles `manifest.json` from the
/// ranks' shard records. The shards and manifest equal the serial merge's, and a single run's.
extension ShardMerger {
    /// The folder of the output directory where merge ranks leave their shard records.
    public static let recordsFolder = "merge"

    /// Where each shard starts in the stream of delimited documents, cutting exactly as `ShardWriter`
    /// does: llm.c shards hold exactly their capacity, the others whole documents.
    ///
    /// - Parameter lengths: every document's token count without the end token, in stream order.
    /// - Complexity: O(documents + shards).
    static func shardStarts(lengths: [Int], settings: ShardSettings) -> [StreamPosition] {
        var starts = [StreamPosition.start]
        var shard = 0
        var filled = 0
        for (document, length) in lengths.enumerated() {
            let sequence = length + 1
            if settings.format.splitsDocuments {
                var offset = 0
                while offset < sequence {
                    let take = min(settings.capacity(ofShard: shard) - filled, sequence - offset)
                    filled += take
                    offset += take
                    if filled == settings.capacity(ofShard: shard) {
                        shard += 1
                        filled = 0
                        starts.append(offset == sequence ? StreamPosition(document: document + 1, token: 0)
                                                         : StreamPosition(document: document, token: offset))
                    }
                }
            } else {
                if filled > 0, filled + sequence > settings.capacity(ofShard: shard) {
                    shard += 1
                    filled = 0
                    starts.append(StreamPosition(document: document, token: 0))
                }
                filled += sequence
                if filled >= settings.capacity(ofShard: shard) {
                    shard += 1
                    filled = 0
                    starts.append(StreamPosition(document: document + 1, token: 0))
                }
            }
        }
        if filled == 0 { starts.removeLast() }
        return starts
    }

    /// Merge rank `partition.rank`: writes shards `rank, rank + worldSize, …` and their records to
    /// `directory/merge/RRRRR.json`. Run every rank, then ``finalize(directory:command:)``.
    ///
    /// - Returns: the records of the shards written.
    /// - Complexity: O(documents) to plan, plus O(tokens of this rank's shards) to write them.
    public static func runRange(directory: String, partition: RankPartition,
                                progress: @escaping (ShardRecord) -> Void = { _ in }) throws(ShardError) -> [ShardRecord] {
        let parts = try readParts(directory: directory)
        let settings = parts[0].settings
        let order = try runOrder(parts, directory: directory)
        let folder = directory + "/" + ShardPart.folder
        var readers: [PartRandomReader] = []
        for part in parts { readers.append(try PartRandomReader(part: part, folder: folder)) }
        // The stream: which rank and which of its documents each global document is.
        var documents: [(rank: Int, index: Int)] = []
        var lengths: [Int] = []
        var next = [Int](repeating: 0, count: parts.count)
        for (fileIndex, file) in order.enumerated() {
            let rank = fileIndex % parts.count
            for _ in 0..<file.documents {
                let index = next[rank]
                guard index < readers[rank].lengths.count else {
                    throw .countMismatch(path: readers[rank].lengthsPath, what: "documents", expected: parts[rank].totalDocuments, found: index)
                }
                documents.append((rank, index))
                lengths.append(readers[rank].lengths[index])
                next[rank] += 1
            }
        }
        // Each merge rank hashes its share of the parts in full, so together they check every part file
        // once, as the serial merge does while it streams.
        for part in stride(from: partition.rank, to: parts.count, by: partition.worldSize) {
            for record in [parts[part].tokenFile, parts[part].lengthsFile] {
                try checkDigest(folder + "/" + record.file, against: record)
            }
        }
        let starts = shardStarts(lengths: lengths, settings: settings)
        var records: [ShardRecord] = []
        for shard in stride(from: partition.rank, to: starts.count, by: partition.worldSize) {
            let start = starts[shard]
            let end = shard + 1 < starts.count ? starts[shard + 1] : StreamPosition(document: documents.count, token: 0)
            var written: ShardRecord?
            let writer = ShardWriter(settings: settings, directory: directory, startingShard: shard, at: start) { record throws(ShardError) in
                if written == nil { written = record }
            }
            var document = start.document
            while document < documents.count, document < end.document || (document == end.document && end.token > 0) {
                var ids = try readers[documents[document].rank].document(documents[document].index)
                // The document the next shard starts inside: only the tokens that belong to this shard
                // (its end token counts as the first of its delimited sequence).
                if document == end.document { ids = Array(ids.prefix(end.token - 1)) }
                try writer.append(ids, document: document, skipping: document == start.document ? start.token : 0)
                document += 1
            }
            if written == nil { try writer.finish() }
            guard var record = written else {
                throw .invalidSetting("merge rank \(partition.rank): shard \(shard) received no tokens")
            }
            record.end = end
            records.append(record)
            progress(record)
        }
        let path = directory + "/" + recordsFolder + "/" + partition.label + ".json"
        do {
            try FileManager.default.createDirectory(atPath: directory + "/" + recordsFolder, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let record = MergeRecord(worldSize: partition.worldSize, rank: partition.rank, shards: starts.count, records: records)
            try FileIO.writeAtomically([UInt8](try encoder.encode(record)), to: path)
        } catch let error as FileError {
            throw ShardError(error, path: path)
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
        return records
    }

    /// Assembles `manifest.json` from every merge rank's records, after checking they cover the
    /// shards once each and join up (each shard starts where the previous one ended).
    public static func finalize(directory: String, command: [String]) throws(ShardError) -> ShardManifest {
        let parts = try readParts(directory: directory)
        let order = try runOrder(parts, directory: directory)
        let folder = directory + "/" + recordsFolder
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var merged: [MergeRecord] = []
        for name in names {
            do { merged.append(try decoder.decode(MergeRecord.self, from: Data(try FileIO.read(folder + "/" + name)))) } catch {
                throw .manifest(path: folder + "/" + name, reason: "not a merge record (\(error))")
            }
        }
        guard let first = merged.first else { throw .unreadable(path: folder, reason: "no merge records; run tokkit shard merge --rank R --world-size W for every rank") }
        let ranks = merged.map(\.rank).sorted()
        guard merged.allSatisfy({ $0.worldSize == first.worldSize && $0.shards == first.shards }), ranks == Array(0..<first.worldSize) else {
            throw .manifest(path: folder, reason: "merge records of ranks \(ranks) do not make one run of world size \(first.worldSize)")
        }
        let records = merged.flatMap(\.records).sorted { $0.index < $1.index }
        guard records.map(\.index) == Array(0..<first.shards) else {
            throw .manifest(path: folder, reason: "shards \(records.map(\.index)) recorded, expected 0…\(first.shards - 1)")
        }
        for (previous, next) in zip(records, records.dropFirst()) where previous.end != next.start {
            throw .manifest(path: folder, reason: "shard \(previous.index) ends at \(previous.end), shard \(next.index) starts at \(next.start)")
        }
        var manifest = ShardManifest(settings: parts[0].settings, inputs: order.map(\.input), command: command)
        manifest.shards = records
        manifest.totalTokens = records.reduce(0) { $0 + $1.tokens }
        manifest.totalDocuments = parts.reduce(0) { $0 + $1.totalDocuments }
        manifest.complete = true
        try manifest.write(directory: directory)
        return manifest
    }
}

/// Hashes a whole part file and compares it with its record in the part manifest.
private func checkDigest(_ path: String, against record: FileRecord) throws(ShardError) {
    let bytes: Int, digest: FileDigest
    do { (bytes, digest) = try FileIO.digest(path, algorithm: record.digest.algorithm) } catch { throw .unreadable(path: path, reason: error.reason) }
    guard bytes == record.bytes else { throw .sizeMismatch(path: path, size: bytes, expected: "\(record.bytes) bytes, as the part manifest records") }
    guard digest == record.digest else { throw .checksumMismatch(path: path, expected: record.digest, actual: digest) }
}

/// What one merge rank wrote.
struct MergeRecord: Codable {
    var worldSize: Int
    var rank: Int
    /// Shards in the whole run.
    var shards: Int
    var records: [ShardRecord]
}

/// One part read at any document: its lengths in memory (8 bytes per document), ids read where they lie.
final class PartRandomReader {
    let lengths: [Int]
    let lengthsPath: String
    private let offsets: [Int]
    private let handle: FileHandle
    private let path: String
    private let width: TokenWidth

    init(part: ShardPart, folder: String) throws(ShardError) {
        lengthsPath = folder + "/" + part.lengthsFile.file
        path = folder + "/" + part.tokenFile.file
        width = part.settings.tokenWidth
        let bytes: [UInt8]
        do { bytes = try FileIO.read(lengthsPath) } catch { throw .unreadable(path: lengthsPath, reason: error.description) }
        guard bytes.count == part.totalDocuments * 8 else {
            throw .sizeMismatch(path: lengthsPath, size: bytes.count, expected: "\(part.totalDocuments * 8) bytes, 8 per document")
        }
        var lengths: [Int] = []
        var offsets: [Int] = []
        var running = 0
        for index in 0..<part.totalDocuments {
            let length = Int(truncatingIfNeeded: LittleEndianIDs.readInteger(bytes, at: index * 8, size: 8))
            guard length >= 0, length <= part.totalTokens else {
                throw .unexpected(path: lengthsPath, offset: index * 8, expected: "a document length of at most \(part.totalTokens) tokens", found: "\(length)")
            }
            lengths.append(length)
            offsets.append(running)
            running += length
        }
        guard running == part.totalTokens else {
            throw .countMismatch(path: lengthsPath, what: "tokens in the document lengths", expected: part.totalTokens, found: running)
        }
        self.lengths = lengths
        self.offsets = offsets
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, reason: "missing or not readable") }
        self.handle = handle
    }

    /// The ids of document `index` of this part.
    func document(_ index: Int) throws(ShardError) -> [TokenID] {
        let count = lengths[index] * width.byteCount
        let data: Data
        do {
            try handle.seek(toOffset: UInt64(offsets[index] * width.byteCount))
            data = try handle.read(upToCount: count) ?? Data()
        } catch {
            throw .unreadable(path: path, reason: FileIO.reason(for: error))
        }
        guard data.count == count else {
            throw .truncated(path: path, size: offsets[index] * width.byteCount + data.count, expected: "\(count) bytes of document \(index)")
        }
        let lidWidth: LittleEndianIDs.Width = width == .uint16 ? .uint16 : .uint32
        return LittleEndianIDs.read([UInt8](data), width: lidWidth) ?? []
    }

    deinit { try? handle.close() }
}
