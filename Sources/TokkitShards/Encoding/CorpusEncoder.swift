import TokkitCore
import TokkitCorpus
import TokkitText

/// Encodes a corpus to token ids: the one loop behind `tokkit encode`, `tokkit shard` and any
/// program that turns documents into ids.
///
/// Documents come from a `DocumentReader` one flat batch at a time (one buffer, with boundaries); each
/// batch is encoded on `threads` cores by `Tokenizer.encodeDocuments` into one flat id array, in input
/// order whatever the thread count, so the ids depend only on the inputs. Memory holds one batch and
/// its ids. A file read as one document
/// (`encodeFile`) streams instead: blocks go through a `StreamingEncoder`, so memory stays flat however
/// large the file is. A failure names where the document starts (file and line, or the file), not
/// the index of the document inside a batch.
public struct CorpusEncoder: Sendable {
    public let tokenizer: Tokenizer
    public var allowedSpecial: SpecialTokenSet
    public var disallowedSpecial: SpecialTokenSet
    /// Worker threads per batch (at least 1).
    public var threads: Int
    /// About how many bytes of text a batch holds (at least one document), whatever the thread count;
    /// the ids do not depend on it. 256 KiB: the batch's text, ids and rendering are megabytes touched
    /// again batch after batch, two of each on several threads (the batch encoded and the one read ahead,
    /// the ids made and those written), where larger batches were more fresh pages (the reader's default
    /// of 4 MiB: 10 MB of lines, one thread, 9,600 page faults against one text's 7,100; 1 MiB, 7,500), and
    /// small batches let reading and writing overlap the workers sooner and longer. 512 KiB against 1 MiB,
    /// whole `tokkit encode --docs lines` of 10 MB, CPU: public_en cl100k 0.961 on two threads, 0.966 on
    /// one (session 33). 256 KiB against 512, whole public_en, one thread, CPU, on a core with 1 MB of L2
    /// (session 50, `bench/RESULTS.md`): `shard --docs lines` cl100k 0.938, `--docs lines` o200k 0.957 and
    /// cl100k 0.986, JSONL cl100k 1.016 and 1.008 (no change); on session 33's machine, 256 KiB was no
    /// better than 512 (1.024).
    public var batchBytes = 1 << 18
    /// The workers' mergers, warm from batch to batch (shared by copies of this encoder, safely). Why: a
    /// merger's piece cache makes the next batch of similar text cheaper; left to its default, the batch loop
    /// would start every batch with a fresh merger, while one text keeps one warm merger for the whole file.
    private let mergers = IdlePool<BytePairMerger> { BytePairMerger() }

    /// - Parameters: the special-token policy is tiktoken's (`encode` defaults); pass `.none` for both to
    ///   encode special-token text as plain text, as `encode_ordinary` does.
    public init(tokenizer: Tokenizer, allowedSpecial: SpecialTokenSet = .none, disallowedSpecial: SpecialTokenSet = .all,
                threads: Int = Tokenizer.defaultThreadCount) {
        self.tokenizer = tokenizer
        self.allowedSpecial = allowedSpecial
        self.disallowedSpecial = disallowedSpecial
        self.threads = max(1, threads)
    }

    /// The ids of the documents of `batch` from index `first` on, in order (document `first` is
    /// document 0 of the result).
    ///
    /// - Throws: `CorpusEncodingError.encoding` naming the file and line where the failing document starts.
    public func encode(_ batch: DocumentReader.FlatBatch, from first: Int = 0) throws(CorpusEncodingError) -> EncodedDocuments {
        var result = EncodedDocuments()
        try encode(batch, from: first, into: &result)
        return result
    }

    /// As ``encode(_:from:)``, into `result`, whose buffers are emptied and reused (see
    /// `Tokenizer.encodeDocuments`): the loop for batch after batch.
    public func encode(_ batch: DocumentReader.FlatBatch, from first: Int = 0,
                       into result: inout EncodedDocuments) throws(CorpusEncodingError) {
        try encode(batch, from: first, into: &result, meanwhile: {})
    }

    /// As ``encode(_:from:into:)``, running `meanwhile` once on the calling thread while the other
    /// workers start, before it joins them (`Parallelism.run(workers:meanwhile:_:)`).
    /// With `assemble: false`, several workers' ids are left where they wrote them (`result.isScattered`).
    private func encode(_ batch: DocumentReader.FlatBatch, from first: Int, into result: inout EncodedDocuments,
                        assemble: Bool = true, meanwhile: () -> Void) throws(CorpusEncodingError) {
        let specials = tokenizer.prepareSpecials(allowed: allowedSpecial, disallowed: disallowedSpecial)
        do {
            // The reader checked (or repaired) every document's UTF-8.
            try batch.text.withUnsafeBufferPointer { text throws(EncodingError) in
                try batch.boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
                    try tokenizer.encodeDocuments(text, boundaries: UnsafeBufferPointer(rebasing: boundaries[min(first, batch.count)...]),
                                                  specials: specials, checkUTF8: false, threads: threads, assemble: assemble,
                                                  lend: { [mergers] body in mergers.lend(body) }, meanwhile: meanwhile, into: &result)
                }
            }
        } catch {
            throw CorpusEncodingError(error, origins: batch.origins[min(first, batch.count)...])
        }
    }

    /// Reads `reader` to the end and hands each batch's ids to `body`, with the index (from 0, across
    /// batches) of the batch's first document.
    ///
    /// - Throws: `CorpusEncodingError`, or what `body` throws.
    public func encodeAll(_ reader: DocumentReader, _ body: (_ firstDocument: Int, _ ids: EncodedDocuments) throws -> Void) throws {
        try encodeAll(reader, skipping: 0, body)
    }

    /// As ``encodeAll(_:_:)``, but the first `skipped` documents are read and not encoded (a resumed
    /// run): `body` gets the ids from document `skipped` on, with the index of the first document they
    /// belong to, and is not called for a batch wholly inside the skipped documents.
    ///
    /// With more than one thread, the calling thread writes batch N - 1 (`body`) and reads batch N + 1
    /// while the other workers start on batch N, then joins them: read, encode and write overlap, where
    /// one after the other left the workers idle during each batch's reading (JSON parsing included)
    /// and writing, and no more threads run than `threads` (a reading thread of its own beside them
    /// took turns with a worker on a core). It is still one batch at a time in input order, and what is
    /// thrown is the failure that one step after another (read N, encode N, `body` for N, read N + 1)
    /// would meet first; `body` is never called for a batch after a failure.
    ///
    /// With `assembling: false`, `body` may get the ids where the workers wrote them (`isScattered`, `ids`
    /// empty), to read with `forEachRun` or a document at a time; with `true` they are gathered into `ids`
    /// first. Either way the gathering, or writing, happens while the workers encode the next batch.
    ///
    /// - Returns: the number of documents read.
    /// - Throws: `CorpusEncodingError`, or what `body` throws.
    @discardableResult
    public func encodeAll(_ reader: DocumentReader, skipping skipped: Int, assembling: Bool = true,
                          _ body: (_ firstDocument: Int, _ ids: EncodedDocuments) throws -> Void) throws -> Int {
        try encodeAll(reader, skipping: skipped, assembling: assembling, failing: { $0 }, body)
    }

    /// The loop of ``encodeAll(_:skipping:assembling:_:)``, throwing `body`'s error type: the encoder's own
    /// errors become `failing(error)`.
    func encodeAll<Failure: Error>(_ reader: DocumentReader, skipping skipped: Int, assembling: Bool = true,
                                   failing: (CorpusEncodingError) -> Failure,
                                   _ body: (_ firstDocument: Int, _ ids: EncodedDocuments) throws(Failure) -> Void) throws(Failure) -> Int {
        var read = 0
        var batch = DocumentReader.FlatBatch()
        // Which documents of a batch are encoded: from `skip` on, where the batch starts at document `first`;
        // `nil` for a batch wholly inside the skipped documents.
        func wanted(_ batch: DocumentReader.FlatBatch) -> (first: Int, skip: Int)? {
            let first = read
            read += batch.count
            guard skipped == 0 || read > skipped else { return nil }
            return (first, max(0, skipped - first))
        }
        guard threads > 1 else {
            // One thread: one step after another (overlapping would take a second core).
            var encoded = EncodedDocuments()
            while true {
                let start: Int
                do throws(CorpusEncodingError) {
                    guard try next(reader, into: &batch) else { break }
                    guard let (first, skip) = wanted(batch) else { continue }
                    try encode(batch, from: skip, into: &encoded)
                    start = first + skip
                } catch {
                    throw failing(error)
                }
                try body(start, encoded)
            }
            return read
        }
        // Reads batches until one holds documents to encode; `nil` at the end of the inputs.
        func nextWanted(into batch: inout DocumentReader.FlatBatch) throws(CorpusEncodingError) -> (first: Int, skip: Int)? {
            while try next(reader, into: &batch) {
                if let wanted = wanted(batch) { return wanted }
            }
            return nil
        }
        // Two of each buffer go round: the batch being encoded and the one read ahead, the ids being
        // made and those being written.
        var ahead = DocumentReader.FlatBatch()
        var encoded = EncodedDocuments(), written = EncodedDocuments()
        // The workers leave their ids where they wrote them; they are gathered, if wanted, beside the next batch's
        // encoding: gathering them between two batches kept the other workers waiting.
        func write(_ first: Int) throws(Failure) {
            if assembling { written.assemble() }
            try body(first, written)
        }
        var current: (first: Int, skip: Int)?
        do { current = try nextWanted(into: &batch) } catch { throw failing(error) }
        // The index of the first document of `written`, while it waits for `body`.
        var unwritten: Int?
        while let (first, skip) = current {
            var bodyFailure: Failure?
            var following: Result<(first: Int, skip: Int)?, CorpusEncodingError> = .success(nil)
            do throws(CorpusEncodingError) {
                try encode(batch, from: skip, into: &encoded, assemble: false, meanwhile: {
                    if let unwritten {
                        do throws(Failure) { try write(unwritten) } catch {
                            bodyFailure = error
                            return
                        }
                    }
                    following = Result { () throws(CorpusEncodingError) in try nextWanted(into: &ahead) }
                })
            } catch {
                // The batch before was written (or failed to be) first.
                throw bodyFailure ?? failing(error)
            }
            if let bodyFailure { throw bodyFailure }
            swap(&batch, &ahead)
            swap(&encoded, &written)
            unwritten = first + skip
            do { current = try following.get() } catch {
                // One step after another, this batch would have been written before the next was read.
                try write(first + skip)
                throw failing(error)
            }
        }
        if let unwritten { try write(unwritten) }
        return read
    }

    /// The next batch into `batch`; `false` at the end of the inputs.
    private func next(_ reader: DocumentReader, into batch: inout DocumentReader.FlatBatch) throws(CorpusEncodingError) -> Bool {
        do { return try reader.nextFlatBatch(into: &batch, targetBytes: batchBytes) } catch { throw .input(error) }
    }

    /// Encodes the whole of one file (or standard input for `-`), decompressed if it is gzip or zstd,
    /// as one document, streaming: `body` gets the ids in order, in runs, as they are ready.
    ///
    /// - Parameter lossy: replace invalid UTF-8 with U+FFFD instead of stopping at its byte offset.
    /// - Throws: `CorpusEncodingError` naming the file, or what `body` throws.
    public func encodeFile(_ path: String, lossy: Bool = false, _ body: ([TokenID]) throws -> Void) throws {
        let origin = path == "-" ? "<stdin>" : path
        let input: InputReader
        do { input = try InputReader(path: path) } catch { throw CorpusEncodingError.input(error) }
        let stream = StreamingEncoder(tokenizer: tokenizer, allowedSpecial: allowedSpecial, disallowedSpecial: disallowedSpecial,
                                      lossy: lossy, threads: threads)
        var block: [UInt8] = []
        while true {
            block.removeAll(keepingCapacity: true)
            do {
                guard try input.read(appendingTo: &block) else { break }
            } catch {
                throw CorpusEncodingError.input(error)
            }
            // Chunk by chunk: the writer needs no joined copy of the ids (see `StreamingEncoder.feedChunks`).
            let chunks: [[TokenID]]
            do { chunks = try block.withUnsafeBufferPointer { buffer throws(EncodingError) in try stream.feedChunks(buffer) } } catch {
                throw input.corruption().map(CorpusEncodingError.input) ?? CorpusEncodingError.encoding(origin: origin, error)
            }
            for ids in chunks { try body(ids) }
        }
        let rest: [[TokenID]]
        do { rest = try stream.finishChunks() } catch {
            throw input.corruption().map(CorpusEncodingError.input) ?? CorpusEncodingError.encoding(origin: origin, error)
        }
        for ids in rest { try body(ids) }
    }
}

/// Why part of a corpus could not be encoded.
public enum CorpusEncodingError: Error, Sendable, CustomStringConvertible {
    /// The input could not be read (missing file, bad JSONL line, corrupt gzip…).
    case input(CorpusError)
    /// A document could not be encoded; `origin` is where it starts (`file:line`, or the file), `nil`
    /// when the error is about no one document (a pattern that does not compile).
    case encoding(origin: String?, EncodingError)

    /// Maps an error of `Tokenizer.encodeDocuments` to the origin of the document it names: the error says
    /// "document 3 of this batch", the user needs "corpus.jsonl:1207".
    public init(_ error: EncodingError, origins: ArraySlice<DocumentOrigin>) {
        guard case .inDocument(let index, let inner) = error, origins.indices.contains(origins.startIndex + index) else {
            self = .encoding(origin: nil, error)
            return
        }
        self = .encoding(origin: origins[origins.startIndex + index].description, inner)
    }

    public var description: String {
        switch self {
        case .input(let error): return error.description
        case .encoding(let origin, let error): return origin.map { "\($0): \(error.description)" } ?? error.description
        }
    }
}
