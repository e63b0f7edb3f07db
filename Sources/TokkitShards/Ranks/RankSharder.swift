import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO
import TokkitText

/// The first step of a many-machine shard run: encodes one rank's files into a `ShardPart`.
///
/// Documents are encoded by the `CorpusEncoder` that `CorpusSharder` uses (all cores, input order
/// whatever the thread count, `encode_ordinary`), so the ids are the ones a single run puts in its shards. Both data files stream to temporary names and are renamed when complete; the part
/// manifest is written last, so a part without its manifest is unfinished.
public enum RankSharder {
    /// Encodes `files` (this rank's share, in sorted order) into `directory/parts/`.
    ///
    /// - Parameters:
    ///   - runFiles: how many files the whole run has, all ranks together.
    /// - Returns: the part manifest, already written.
    /// - Throws: `ShardError` naming the file (and line) at fault.
    public static func run(directory: String, settings: ShardSettings, partition: RankPartition, files: [String], runFiles: Int,
                           reader: DocumentReader, tokenizer: Tokenizer, threads: Int) throws(ShardError) -> ShardPart {
        let folder = directory + "/" + ShardPart.folder
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw .unwritable(path: folder, reason: "cannot create the parts folder: \(FileIO.reason(for: error))")
        }
        let base = folder + "/" + ShardPart.baseName(prefix: settings.prefix, partition: partition)
        let ids = try DigestingWriter(path: base + ".ids", digest: settings.digest)
        let lengths = try DigestingWriter(path: base + ".lengths", digest: settings.digest)
        var parts: [ShardPart.File] = []
        for path in files {
            let input = try InputFile.fingerprint(of: path)
            parts.append(ShardPart.File(path: path, bytes: input.bytes, documents: 0, tokens: 0, realPath: input.realPath,
                                        modifiedNanoseconds: input.modifiedNanoseconds, sampleDigest: input.sampleDigest))
        }
        var current = 0
        var scratch: [UInt8] = []
        var totalTokens = 0
        var totalDocuments = 0
        let encoder = CorpusEncoder(tokenizer: tokenizer, allowedSpecial: .none, disallowedSpecial: .none, threads: max(1, threads))
        var batch = DocumentReader.FlatBatch()
        var encoded = EncodedDocuments()
        while try nextBatch(reader, into: &batch) {
            do { try encoder.encode(batch, into: &encoded) } catch { throw ShardError(error) }
            scratch.removeAll(keepingCapacity: true)
            var lengthBytes: [UInt8] = []
            lengthBytes.reserveCapacity(encoded.count * 8)
            for offset in 0..<encoded.count {
                let document = encoded[offset]
                // Documents arrive file by file in `files` order; a file without documents is passed over.
                let path = batch.origin(of: offset).path
                while current < parts.count, parts[current].path != path { current += 1 }
                guard current < parts.count else {
                    throw .invalidSetting("document from \(path) is not among this rank's files")
                }
                parts[current].documents += 1
                parts[current].tokens += document.count
                let bad = document.withUnsafeBufferPointer { settings.tokenWidth.append($0, limit: settings.largestID, to: &scratch) }
                if let bad {
                    throw .idOutOfRange(path: base + ".ids", offset: (totalTokens + bad) * settings.tokenWidth.byteCount,
                                        id: document[document.startIndex + bad], vocabularySize: settings.vocabulary.size)
                }
                LittleEndianIDs.appendInteger(UInt64(document.count), to: &lengthBytes)
                totalTokens += document.count
                totalDocuments += 1
            }
            try ids.write(scratch)
            try lengths.write(lengthBytes)
        }
        let part = ShardPart(
            rank: partition.rank, worldSize: partition.worldSize, runFiles: runFiles, settings: settings, files: parts,
            tokenFile: try ids.commit(), lengthsFile: try lengths.commit(),
            totalTokens: totalTokens, totalDocuments: totalDocuments,
            statistics: ShardPart.Statistics(bytes: reader.statistics.bytes, skippedLines: reader.statistics.skippedLines,
                                             repairedDocuments: reader.statistics.repaired))
        try part.write(path: base + ".json")
        return part
    }

    /// The next batch into `batch` (its buffers reused); `false` at the end of the inputs.
    private static func nextBatch(_ reader: DocumentReader, into batch: inout DocumentReader.FlatBatch) throws(ShardError) -> Bool {
        do { return try reader.nextFlatBatch(into: &batch) } catch { throw .input(error) }
    }
}

/// An `AtomicFileWriter` that hashes what it writes, so the part manifest records each file's digest
/// without reading it back.
final class DigestingWriter {
    private let file: AtomicFileWriter
    private var digest: ContentHasher
    private let path: String

    init(path: String, digest: DigestAlgorithm) throws(ShardError) {
        self.path = path
        self.digest = ContentHasher(digest)
        do { file = try AtomicFileWriter(path: path) } catch { throw ShardError(error, path: path) }
    }

    func write(_ bytes: [UInt8]) throws(ShardError) {
        digest.update(bytes)
        do { try file.write(bytes) } catch { throw ShardError(error, path: path) }
    }

    /// Renames the file into place and describes it by its name in the parts folder.
    func commit() throws(ShardError) -> FileRecord {
        do { try file.commit() } catch { throw ShardError(error, path: path) }
        return FileRecord(file: URL(fileURLWithPath: path).lastPathComponent, bytes: file.bytesWritten, digest: digest.finalize())
    }
}
