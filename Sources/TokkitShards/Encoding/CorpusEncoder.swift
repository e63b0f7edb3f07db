import Dispatch
import Synchronization
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
    /// the ids do not depend on it. 1 MiB: the batch's text, ids and rendering are a few megabytes
    /// touched again batch after batch, where the reader's default of 4 MiB was more fresh pages (10 MB
    /// of lines, one thread: 9,600 page faults against one text's 7,100; with 1 MiB 7,500), and small
    /// batches let reading and writing overlap the workers sooner and longer.
    public var batchBytes = 1 << 20
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
        let specials = tokenizer.prepareSpecials(allowed: allowedSpecial, disallowed: disallowedSpecial)
        do {
            // The reader checked (or repaired) every document's UTF-8.
            try batch.text.withUnsafeBufferPointer { text throws(EncodingError) in
                try batch.boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
                    try tokenizer.encodeDocuments(text, boundaries: UnsafeBufferPointer(rebasing: boundaries[min(first, batch.count)...]),
                                                  specials: specials, checkUTF8: false, threads: threads,
                                                  lend: { [mergers] body in mergers.lend(body) }, into: &result)
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
    /// With more than one thread, reading and `body` (which writes) run on the calling thread while
    /// the workers encode the batch before: read, encode and write overlap, where one after the other
    /// left the workers idle during each batch's reading (JSON parsing included) and writing. It is
    /// still one batch at a time in input order, and what is thrown is what the loop one step after
    /// another would throw first: an encoding error of batch N before a read error of batch N + 1, and
    /// `body` is never called for a batch after a failure.
    ///
    /// - Returns: the number of documents read.
    /// - Throws: `CorpusEncodingError`, or what `body` throws.
    @discardableResult
    public func encodeAll(_ reader: DocumentReader, skipping skipped: Int,
                          _ body: (_ firstDocument: Int, _ ids: EncodedDocuments) throws -> Void) throws -> Int {
        try encodeAll(reader, skipping: skipped, failing: { $0 }, body)
    }

    /// The loop of ``encodeAll(_:skipping:_:)``, throwing `body`'s error type: the encoder's own errors
    /// become `failing(error)`.
    func encodeAll<Failure: Error>(_ reader: DocumentReader, skipping skipped: Int, failing: (CorpusEncodingError) -> Failure,
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
        // Buffers go round: the batch read ahead, the batch being encoded (in `flight`) and the ids written.
        var spareIDs = EncodedDocuments()
        var spareBatch = DocumentReader.FlatBatch()
        // The batch being encoded on the workers, with the index of the document its ids start at.
        var flight: (job: BatchInFlight, first: Int)?
        // The batch read ahead (`false` at the end), or the read's failure, held until every earlier step is done.
        var ahead = Result { () throws(CorpusEncodingError) in try next(reader, into: &batch) }
        while true {
            // 1. The batch before: its encoding error comes before anything of the batch read ahead.
            var finished: (first: Int, ids: EncodedDocuments)?
            if let (job, first) = flight {
                flight = nil
                let outcome = job.wait()
                spareBatch = outcome.batch
                if let failure = outcome.failure { throw failing(failure) }
                finished = (first, outcome.ids)
            }
            // 2. The batch read ahead goes to the workers…
            if case .success(true) = ahead, let (first, skip) = wanted(batch) {
                let job = BatchInFlight(batch, into: spareIDs)
                // The job holds the only references before its thread starts (no copy-on-write there).
                batch = spareBatch
                spareBatch = DocumentReader.FlatBatch()
                spareIDs = EncodedDocuments()
                job.start(encoder: self, from: skip)
                flight = (job, first + skip)
            }
            // 3. …while the batch before is written here.
            if let (first, ids) = finished {
                do { try body(first, ids) } catch {
                    _ = flight?.job.wait()
                    throw error
                }
                spareIDs = ids
            }
            // 4. Only now the read's own outcome: a failure, or the end once nothing is in flight.
            switch ahead {
            case .failure(let error): throw failing(error)
            case .success(false) where flight == nil: return read
            case .success: break
            }
            // 5. The next batch is read while the workers encode.
            ahead = Result { () throws(CorpusEncodingError) in try next(reader, into: &batch) }
        }
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
            let ids: [TokenID]
            do { ids = try block.withUnsafeBufferPointer { buffer throws(EncodingError) in try stream.feed(buffer) } } catch {
                throw input.corruption().map(CorpusEncodingError.input) ?? CorpusEncodingError.encoding(origin: origin, error)
            }
            try body(ids)
        }
        let rest: [TokenID]
        do { rest = try stream.finish() } catch {
            throw input.corruption().map(CorpusEncodingError.input) ?? CorpusEncodingError.encoding(origin: origin, error)
        }
        try body(rest)
    }
}

/// One batch encoded on the workers while the calling thread reads the next one and writes the one before.
///
/// The batch and the ids buffer are handed over through the mutex, never captured by the closure, so
/// each has one owner at a time and comes back unshared: the caller reuses their memory for the next
/// batch instead of a copy-on-write duplicate.
private final class BatchInFlight: Sendable {
    private let state: Mutex<(batch: DocumentReader.FlatBatch, ids: EncodedDocuments, failure: CorpusEncodingError?)?>
    private let finished = DispatchSemaphore(value: 0)

    init(_ batch: DocumentReader.FlatBatch, into ids: EncodedDocuments) {
        state = Mutex((batch, ids, nil))
    }

    /// Encodes the batch from document `skip` on, on other threads; `wait()` collects it.
    func start(encoder: CorpusEncoder, from skip: Int) {
        DispatchQueue.global().async { [self] in
            if var work = state.withLock({ Self.take(&$0) }) {
                do throws(CorpusEncodingError) { try encoder.encode(work.batch, from: skip, into: &work.ids) } catch { work.failure = error }
                state.withLock { $0 = work }
            }
            finished.signal()
        }
    }

    /// Waits for the workers; the batch and the ids (or the encoding error) come back to the caller.
    func wait() -> (batch: DocumentReader.FlatBatch, ids: EncodedDocuments, failure: CorpusEncodingError?) {
        finished.wait()
        return state.withLock { Self.take(&$0) } ?? (DocumentReader.FlatBatch(), EncodedDocuments(), nil)
    }

    private static func take<Value>(_ value: inout Value?) -> Value? {
        let taken = value
        value = nil
        return taken
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
