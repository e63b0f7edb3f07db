import TokkitIO

/// Checks a shard directory against its manifest: every header, size, token count, document count,
/// id range and digest (by the algorithm each file record names).
///
/// ```swift
/// let manifest = try ShardVerifier.verify(directory: "out")   // throws on the first problem
/// ```
public enum ShardVerifier {
    /// Verifies every shard the manifest lists, in order, and that the run finished.
    ///
    /// - Throws: the first problem, naming the file and byte offset and what was expected there.
    /// - Complexity: O(total size of the shards); memory O(one read chunk + one Megatron index).
    public static func verify(directory: String, progress: (ShardRecord) -> Void = { _ in }) throws(ShardError) -> ShardManifest {
        let manifest = try ShardManifest.read(directory: directory)
        let path = directory + "/" + ShardManifest.fileName
        guard manifest.complete else {
            throw .manifest(path: path, reason: "the run that wrote it did not finish (complete: false, \(manifest.shards.count) shards done); rerun it with --resume")
        }
        for (position, record) in manifest.shards.enumerated() {
            guard record.index == position else {
                throw .manifest(path: path, reason: "shard \(position) is recorded with index \(record.index)")
            }
            // llm.c fills every shard but the last to exactly its size; a short one means lost tokens.
            if manifest.settings.format == .llmc, position < manifest.shards.count - 1,
               record.tokens != manifest.settings.capacity(ofShard: position) {
                throw .manifest(path: path, reason: "shard \(position) (\(record.tokenFile.file)) holds \(record.tokens) tokens; "
                                + "llm.c shards before the last hold exactly \(manifest.settings.capacity(ofShard: position))")
            }
            try check(record, settings: manifest.settings, directory: directory)
            progress(record)
        }
        let total = manifest.shards.reduce(0) { $0 + $1.tokens }
        guard total == manifest.totalTokens else {
            throw .countMismatch(path: path, what: "tokens in its shards (total_tokens)", expected: manifest.totalTokens, found: total)
        }
        return manifest
    }

    /// Verifies one shard's files against its record.
    public static func check(_ record: ShardRecord, settings: ShardSettings, directory: String) throws(ShardError) {
        let tokenPath = directory + "/" + record.tokenFile.file
        var endPositions: [Int]?
        if settings.format == .megatron {
            guard let indexRecord = record.indexFile else {
                throw .manifest(path: directory + "/" + ShardManifest.fileName, reason: "Megatron shard \(record.index) has no index file recorded")
            }
            let indexPath = directory + "/" + indexRecord.file
            let bytes = try CheckedFile.read(indexPath)
            let index = try MegatronIndex.parse(bytes, path: indexPath)
            guard index.width == settings.tokenWidth else {
                throw .unexpected(path: indexPath, offset: 17, expected: "dtype code \(MegatronIndex(width: settings.tokenWidth, documentLengths: []).dtypeCode) as the manifest records",
                                  found: "\(index.dtypeCode)")
            }
            guard index.sequenceLengths.count == record.documents else {
                throw .countMismatch(path: indexPath, what: "sequences (byte offset 18)", expected: record.documents, found: index.sequenceLengths.count)
            }
            guard index.documentIndices == (0...index.sequenceLengths.count).map(Int64.init) else {
                throw .unexpected(path: indexPath, offset: 34 + 12 * index.sequenceLengths.count,
                                  expected: "document indices 0…\(index.sequenceLengths.count) (one sequence per document)", found: "other indices")
            }
            let digest = ContentHasher.digest(indexRecord.digest.algorithm, of: bytes)
            guard digest == indexRecord.digest else { throw .checksumMismatch(path: indexPath, expected: indexRecord.digest, actual: digest) }
            var running = 0
            endPositions = index.sequenceLengths.map { running += Int($0); return running - 1 }
        }
        let scanner = TokenFileScanner(format: settings.format, width: settings.tokenWidth, vocabularySize: settings.vocabulary.size,
                                       endTokenID: settings.vocabulary.endTokenID, endPositions: endPositions,
                                       digest: record.tokenFile.digest.algorithm)
        let summary = try scanner.scan(tokenPath)
        guard summary.bytes == record.tokenFile.bytes else {
            throw .sizeMismatch(path: tokenPath, size: summary.bytes, expected: "\(record.tokenFile.bytes) bytes, as the manifest records")
        }
        guard summary.tokens == record.tokens else {
            throw .countMismatch(path: tokenPath, what: "tokens", expected: record.tokens, found: summary.tokens)
        }
        guard summary.endTokens == record.documents else {
            throw .countMismatch(path: tokenPath, what: "end tokens (\(settings.vocabulary.endToken)), one per document", expected: record.documents,
                                 found: summary.endTokens)
        }
        guard summary.digest == record.tokenFile.digest else {
            throw .checksumMismatch(path: tokenPath, expected: record.tokenFile.digest, actual: summary.digest)
        }
    }
}
