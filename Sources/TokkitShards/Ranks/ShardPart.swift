import Foundation
import TokkitCore
import TokkitCorpus
import TokkitIO

/// `parts/PREFIX-RRRRR.json`: what one rank of a partitioned shard run encoded.
///
/// A many-machine shard run has two steps. Each rank encodes its files (`sorted(files)[rank::worldSize]`)
/// into a part: its documents' ids back to back (`.ids`, little-endian at the run's token width, no
/// end tokens) and each document's length (`.lengths`, one little-endian `UInt64` per document),
/// described by this manifest. `ShardMerger` then reads the parts in the order of the sorted file
/// list and cuts shards exactly as a single `tokkit shard` over the same files does, so shard
/// numbering, shard bytes and the manifest do not depend on the number of ranks. Encoding, the
/// expensive step, runs everywhere at once; the merge only moves bytes.
public struct ShardPart: Codable, Sendable, Equatable {
    /// The part manifest's own schema version.
    public static let currentSchema = 1
    /// The folder of the output directory that holds the parts.
    public static let folder = "parts"

    /// One input file of the part.
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int?
        public var documents: Int
        public var tokens: Int
        /// The input's fingerprint when the rank read it (``InputFile/fingerprint(of:)``), so the merged
        /// manifest records what a single run records and `shard --resume` can check it.
        public var realPath: String?
        public var modifiedNanoseconds: Int64?
        public var sampleDigest: String?

        /// The manifest's entry for this input.
        var input: InputFile {
            InputFile(path: path, bytes: bytes, realPath: realPath, modifiedNanoseconds: modifiedNanoseconds, sampleDigest: sampleDigest)
        }
    }

    /// What the rank's reader saw (summed over ranks by the merge).
    public struct Statistics: Codable, Sendable, Equatable {
        public var bytes: Int
        public var skippedLines: Int
        public var repairedDocuments: Int
    }

    public var schema = ShardPart.currentSchema
    public var rank: Int
    public var worldSize: Int
    /// Input files of the whole run, all ranks together: lets the merge notice a missing file.
    public var runFiles: Int
    public var settings: ShardSettings
    /// This rank's files, in sorted order.
    public var files: [File]
    public var tokenFile: FileRecord
    public var lengthsFile: FileRecord
    public var totalTokens: Int
    public var totalDocuments: Int
    public var statistics: Statistics

    /// `PREFIX-RRRRR`, the base name of a rank's three part files.
    public static func baseName(prefix: String, partition: RankPartition) -> String {
        prefix + "-" + partition.label
    }

    /// The path of rank `partition`'s part manifest in the shard output `directory`.
    public static func manifestPath(directory: String, prefix: String, partition: RankPartition) -> String {
        directory + "/" + folder + "/" + baseName(prefix: prefix, partition: partition) + ".json"
    }

    /// Reads one part manifest.
    public static func read(path: String) throws(ShardError) -> ShardPart {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch { throw .unreadable(path: path, reason: error.description) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let part: ShardPart
        do {
            part = try decoder.decode(ShardPart.self, from: Data(bytes))
        } catch {
            throw .manifest(path: path, reason: "not a tokkit shard part manifest (\(error))")
        }
        guard part.schema == currentSchema else {
            throw .manifest(path: path, reason: "part schema \(part.schema), this tokkit reads schema \(currentSchema)")
        }
        return part
    }

    /// Writes the part manifest through a temporary file and a rename.
    func write(path: String) throws(ShardError) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(self)
            try FileIO.writeAtomically([UInt8](data) + [UInt8(ascii: "\n")], to: path)
        } catch let error as FileError {
            throw ShardError(error, path: path)
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
    }
}
