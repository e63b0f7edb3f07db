import TokkitCore
import TokkitText

/// Cuts a stream of encoded documents into shards, in order, and writes each one safely.
///
/// Every document becomes its delimited sequence (`[eot] + ids` for llm.c, `ids + [eot]` otherwise).
/// llm.c shards are filled to exactly their capacity, the remainder of a document starting the next
/// shard (as llm.c's `fineweb.py`). nanoGPT and Megatron shards hold whole documents: a document that
/// would overflow a non-empty shard starts the next one, so a shard exceeds its capacity only when a
/// single document does. Shard 0 is the validation split, of `valTokens`; the rest are train.
///
/// ```swift
/// let writer = ShardWriter(settings: settings, directory: "out") { record in try save(record) }
/// try writer.append(ids, document: 0)
/// try writer.finish()
/// ```
public final class ShardWriter {
    public let settings: ShardSettings
    public let directory: String
    private let onCommit: (ShardRecord) throws(ShardError) -> Void

    private var shardIndex: Int
    private var file: TokenFileWriter?
    private var indexFile: String?
    private var shardStart: StreamPosition
    private var documentsInShard = 0
    private var documentLengths: [Int32] = []
    private var sequence: [TokenID] = []
    /// Documents seen so far, including those skipped on resume.
    public private(set) var documentCount: Int

    /// - Parameters:
    ///   - startingShard: the first shard to write (0, or the first one a resumed run still needs).
    ///   - at: where in the document stream that shard starts.
    ///   - onCommit: called once per shard after its files have their final names.
    public init(settings: ShardSettings, directory: String, startingShard: Int = 0,
                at position: StreamPosition = .start,
                onCommit: @escaping (ShardRecord) throws(ShardError) -> Void) {
        self.settings = settings
        self.directory = directory
        self.onCommit = onCommit
        self.shardIndex = startingShard
        self.shardStart = position
        self.documentCount = position.document
    }

    /// Adds document `document` (its ids without the end token). On a resumed run, the first
    /// `skipping` tokens of its delimited sequence are already in an earlier shard.
    ///
    /// - Complexity: O(`ids.count`), plus a read-back of each shard this completes.
    public func append<IDs: Collection<TokenID>>(_ ids: IDs, document: Int, skipping: Int = 0) throws(ShardError) {
        precondition(document == documentCount, "documents arrive in order")
        sequence.removeAll(keepingCapacity: true)
        if settings.delimiter == .before { sequence.append(settings.vocabulary.endTokenID) }
        sequence += ids
        if settings.delimiter == .after { sequence.append(settings.vocabulary.endTokenID) }
        documentCount += 1
        if settings.format.splitsDocuments {
            var offset = skipping
            while offset < sequence.count {
                let file = try openFile()
                let take = min(settings.capacity(ofShard: shardIndex) - file.tokenCount, sequence.count - offset)
                if offset == 0 { documentsInShard += 1 }
                try file.append(sequence[offset..<(offset + take)])
                offset += take
                if file.tokenCount == settings.capacity(ofShard: shardIndex) {
                    try closeShard(end: offset == sequence.count ? StreamPosition(document: document + 1, token: 0)
                                                                 : StreamPosition(document: document, token: offset))
                }
            }
        } else {
            guard sequence.count <= Int(Int32.max) else {
                throw .invalidSetting("document \(document) has \(sequence.count) tokens; Megatron stores lengths as int32")
            }
            if let file, file.tokenCount > 0, file.tokenCount + sequence.count > settings.capacity(ofShard: shardIndex) {
                try closeShard(end: StreamPosition(document: document, token: 0))
            }
            let file = try openFile()
            try file.append(sequence[...])
            documentsInShard += 1
            documentLengths.append(Int32(sequence.count))
            if file.tokenCount >= settings.capacity(ofShard: shardIndex) {
                try closeShard(end: StreamPosition(document: document + 1, token: 0))
            }
        }
    }

    /// Adds a batch of encoded documents, `encoded[0]` being document `document` (the next one); on a
    /// resumed run the first `skipping` tokens of that first document's sequence are already written.
    /// Writes the same bytes as `append(encoded[i], document: document + i)` for every `i`.
    ///
    /// A run of documents that all fit in the open shard without filling it is converted and written in
    /// one call, straight from the flat ids: per document that spares the copy into a delimited sequence,
    /// two calls and the access checks on this class's state, which were measurable against one text.
    /// A document that opens, fills or crosses a shard goes through `append` alone.
    ///
    /// - Complexity: O(`encoded.ids.count`), plus a read-back of each shard this completes.
    public func append(_ encoded: EncodedDocuments, document: Int, skipping: Int = 0) throws(ShardError) {
        precondition(document == documentCount, "documents arrive in order")
        let endToken = settings.vocabulary.endTokenID
        let delimiterFirst = settings.delimiter == .before
        let keepsLengths = !settings.format.splitsDocuments
        var index = 0
        while index < encoded.count {
            if index == 0 && skipping > 0 {
                try append(encoded[0], document: document, skipping: skipping)
                index = 1
                continue
            }
            // The open file and how many whole documents after `index` fit in it without filling it.
            if let file {
                let end = Self.wholeDocuments(of: encoded, from: index, under: settings.capacity(ofShard: shardIndex) - file.tokenCount)
                if end > index {
                    try file.appendDocuments(encoded.ids, offsets: encoded.offsets[index...end], endToken: endToken,
                                             delimiterFirst: delimiterFirst)
                    if keepsLengths {
                        for position in index..<end {
                            documentLengths.append(Int32(encoded.offsets[position + 1] - encoded.offsets[position] + 1))
                        }
                    }
                    documentsInShard += end - index
                    documentCount += end - index
                    index = end
                    continue
                }
            }
            try append(encoded[index], document: document + index)
            index += 1
        }
    }

    /// The end of the run of documents of `encoded` from `index` whose delimited sequences (a delimiter
    /// each) add fewer than `room` tokens, each at most `Int32.max` long: the same run as adding them one
    /// by one while they fit.
    ///
    /// Why bisection (`TokenFileWriter.documentCount`): a loop over the documents cost about 20 instructions
    /// each (callgrind, `tokkit shard` of 10 MB of public_en lines: 5.9 M).
    /// - Complexity: O(log `encoded.count`), unless the run holds more than `Int32.max` tokens.
    static func wholeDocuments(of encoded: EncodedDocuments, from index: Int, under room: Int) -> Int {
        let offsets = encoded.offsets
        let low = index + TokenFileWriter.documentCount(offsets[index...encoded.count], within: room - 1)
        guard offsets[low] - offsets[index] + low - index > Int(Int32.max) else { return low }
        return (index..<low).first { offsets[$0 + 1] - offsets[$0] + 1 > Int(Int32.max) } ?? low
    }

    /// Closes the last shard, if it holds anything.
    public func finish() throws(ShardError) {
        if let file, file.tokenCount > 0 {
            try closeShard(end: StreamPosition(document: documentCount, token: 0))
        }
    }

    private func openFile() throws(ShardError) -> TokenFileWriter {
        if let file { return file }
        let split = settings.split(ofShard: shardIndex)
        let name = settings.format.tokenFileName(prefix: settings.prefix, split: split, index: shardIndex)
        let opened = try TokenFileWriter(path: directory + "/" + name, format: settings.format, width: settings.tokenWidth,
                                         largestID: settings.largestID)
        file = opened
        return opened
    }

    private func closeShard(end: StreamPosition) throws(ShardError) {
        guard let file else { return }
        let split = settings.split(ofShard: shardIndex)
        let format = settings.format
        var endPositions: [Int]?
        if format == .megatron {
            var running = 0
            endPositions = documentLengths.map { running += Int($0); return running - 1 }
        }
        let scanner = TokenFileScanner(format: format, width: settings.tokenWidth, vocabularySize: settings.vocabulary.size,
                                       endTokenID: settings.vocabulary.endTokenID, endPositions: endPositions, digest: settings.digest)
        let summary = try file.finish(scanner: scanner, expectedEndTokens: documentsInShard)
        let tokenName = format.tokenFileName(prefix: settings.prefix, split: split, index: shardIndex)
        var indexRecord: FileRecord?
        if let indexName = format.indexFileName(prefix: settings.prefix, split: split, index: shardIndex) {
            let index = MegatronIndex(width: settings.tokenWidth, documentLengths: documentLengths)
            let bytes = index.bytes
            let digest = try CheckedFile.write(bytes, to: directory + "/" + indexName, digest: settings.digest) { back throws(ShardError) in
                let parsed = try MegatronIndex.parse(back, path: directory + "/" + indexName)
                guard parsed.tokenCount == summary.tokens else {
                    throw .countMismatch(path: directory + "/" + indexName, what: "tokens in the index", expected: summary.tokens, found: parsed.tokenCount)
                }
            }
            indexRecord = FileRecord(file: indexName, bytes: bytes.count, digest: digest)
        }
        let record = ShardRecord(index: shardIndex, split: split,
                                 tokenFile: FileRecord(file: tokenName, bytes: summary.bytes, digest: summary.digest),
                                 indexFile: indexRecord, tokens: summary.tokens, documents: documentsInShard,
                                 start: shardStart, end: end)
        self.file = nil
        shardIndex += 1
        shardStart = end
        documentsInShard = 0
        documentLengths.removeAll()
        try onCommit(record)
    }
}
