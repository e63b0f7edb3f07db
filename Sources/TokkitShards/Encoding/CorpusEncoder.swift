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
                                                  specials: specials, checkUTF8: false, threads: threads, into: &result)
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
        var next = 0
        var batch = DocumentReader.FlatBatch()
        var encoded = EncodedDocuments()
        while true {
            do { guard try reader.nextFlatBatch(into: &batch) else { return } } catch { throw CorpusEncodingError.input(error) }
            try encode(batch, into: &encoded)
            try body(next, encoded)
            next += batch.count
        }
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
