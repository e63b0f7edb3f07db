import Synchronization
import TokkitCore

/// The ids of many documents in one flat array: document `i`'s ids are `ids[offsets[i] ..< offsets[i + 1]]`.
///
/// Why flat: a corpus is millions of short documents (lines, JSONL records). One array per document
/// made per-document encoding run at half the single-text rate, the difference being the allocator
/// (a malloc and free per document) and page faults on each fresh array. One array for the batch is
/// allocated once and written front to back.
public struct EncodedDocuments: Sendable, Equatable {
    /// Every document's ids, back to back; empty while the ids lie scattered in the workers' arrays
    /// (``isScattered``), which only a caller that asked for it sees (`CorpusEncoder.encodeAll(_:skipping:assembling:_:)`).
    public var ids: [TokenID]
    /// `count + 1` ascending positions in the document ids, from 0 to their total.
    public var offsets: [Int]
    /// With several workers, the arrays they filled, kept for the next batch encoded into this value:
    /// a fresh array per worker per batch was fresh pages for the kernel to clear (~1,800 page faults
    /// more on two threads than on one for 10 MB of lines). Not part of the value (`==` ignores it).
    package var workerIDs: [[TokenID]] = []
    /// While scattered: where each block of `scatteredBlock` documents lies, in input order: from `start`
    /// in `workerIDs[worker]`. Empty once the ids are in `ids`.
    package var scattered: [(worker: Int, start: Int)] = []
    package var scatteredBlock = 0

    public init() {
        ids = []
        offsets = [0]
    }

    /// Documents' ids, flattened. Used to keep one loop: the per-array API is built on this one.
    public init(_ documents: [[TokenID]]) {
        self.init()
        for document in documents {
            ids += document
            offsets.append(ids.count)
        }
    }

    /// The number of documents.
    public var count: Int { offsets.count - 1 }

    /// Whether the ids are still where the workers wrote them, `ids` empty: read them with
    /// ``forEachRun(_:)`` or a document at a time (the subscript), or ``assemble()`` them.
    public var isScattered: Bool { !scattered.isEmpty }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.offsets == rhs.offsets else { return false }
        guard lhs.isScattered || rhs.isScattered else { return lhs.ids == rhs.ids }
        var left = lhs, right = rhs
        left.assemble()
        right.assemble()
        return left.ids == right.ids
    }

    /// The ids of document `index`.
    public subscript(index: Int) -> ArraySlice<TokenID> {
        guard isScattered else { return ids[offsets[index]..<offsets[index + 1]] }
        let block = index / scatteredBlock, place = scattered[block]
        let start = place.start + offsets[index] - offsets[block * scatteredBlock]
        return workerIDs[place.worker][start..<start + offsets[index + 1] - offsets[index]]
    }

    /// One array per document, for callers that want them (each a copy).
    public var documents: [[TokenID]] { (0..<count).map { Array(self[$0]) } }

    /// Hands `body` all the ids in order, in runs: `ids` whole, or while scattered, each stretch a worker
    /// wrote in one piece (consecutive blocks one worker took back to back are one run).
    public func forEachRun<Failure: Error>(_ body: (UnsafeBufferPointer<TokenID>) throws(Failure) -> Void) throws(Failure) {
        guard isScattered else { return try ids.withUnsafeBufferPointer { ids throws(Failure) in try body(ids) } }
        var index = 0
        while index < scattered.count {
            let place = scattered[index]
            var end = index + 1, length = blockLength(index)
            while end < scattered.count, scattered[end].worker == place.worker, scattered[end].start == place.start + length {
                length += blockLength(end)
                end += 1
            }
            try workerIDs[place.worker].withUnsafeBufferPointer { ids throws(Failure) in
                try body(UnsafeBufferPointer(rebasing: ids[place.start..<place.start + length]))
            }
            index = end
        }
    }

    /// The ids gathered into `ids` in input order, if they were scattered; each copied once, into the
    /// capacity `ids` kept from earlier batches.
    public mutating func assemble() {
        guard isScattered else { return }
        var gathered = ids
        ids = []
        gathered.removeAll(keepingCapacity: true)
        gathered.reserveCapacity(offsets[count])
        forEachRun { gathered.append(contentsOf: $0) }
        ids = gathered
        scattered.removeAll(keepingCapacity: true)
    }

    /// How many ids block `index` of a scattered result holds.
    private func blockLength(_ index: Int) -> Int {
        let first = index * scatteredBlock
        return offsets[min(first + scatteredBlock, count)] - offsets[first]
    }
}

extension Tokenizer {
    /// Encodes many documents stored back to back in `text` (document `i` is
    /// `text[boundaries[i] ..< boundaries[i + 1]]`) on `threads` threads, into one flat id array.
    ///
    /// The ids of each document equal `encode(bytes:)` of that document alone (a special token or a
    /// piece never spans a boundary), and do not depend on the thread count.
    ///
    /// ```swift
    /// let text = Array("hello\nworld".utf8)
    /// let encoded = try tokenizer.encodeDocuments(text, boundaries: [0, 5, 6, 11])   // "hello", "\n", "world"
    /// encoded[2]                                                                    // the ids of "world"
    /// ```
    ///
    /// - Throws: `EncodingError.inDocument(index:_:)` for the first document (in input order) that is
    ///   not UTF-8 or cannot be encoded, its offsets counted from the document's start;
    ///   `.invalidDocumentBoundaries` when the boundaries do not ascend from 0 to within `text`.
    /// - Complexity: O(text.count) work shared by the threads, plus one copy of the ids when
    ///   `threads > 1`.
    public func encodeDocuments(_ text: [UInt8], boundaries: [Int], allowedSpecial: SpecialTokenSet = .none,
                                disallowedSpecial: SpecialTokenSet = .all,
                                threads: Int = defaultThreadCount) throws(EncodingError) -> EncodedDocuments {
        try Self.checkBoundaries(boundaries, length: text.count)
        let specials = prepareSpecials(allowed: allowedSpecial, disallowed: disallowedSpecial)
        return try text.withUnsafeBufferPointer { text throws(EncodingError) in
            try boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
                var result = EncodedDocuments()
                try encodeDocuments(text, boundaries: boundaries, specials: specials, checkUTF8: true, threads: threads, into: &result)
                return result
            }
        }
    }

    /// Boundaries start at 0 and ascend; the last one lies within the text. A programmer's or C
    /// caller's mistake, reported rather than trapped on.
    package static func checkBoundaries(_ boundaries: [Int], length: Int) throws(EncodingError) {
        guard let first = boundaries.first, first == 0 else { throw .invalidDocumentBoundaries(index: 0) }
        // Ascending to a last one within the text: all are within it. One pass without a branch per boundary (a
        // vector loop), the index of a bad one looked for only when there is one: per boundary, with the array's
        // bounds checks, the check was 0.4% of encoding public_en's lines (cl100k_base, session 47).
        let ascending = boundaries.withUnsafeBufferPointer { boundaries in
            var descents = 0
            for index in 1..<boundaries.count { descents |= boundaries[index] < boundaries[index &- 1] ? 1 : 0 }
            return descents == 0
        }
        if ascending, boundaries[boundaries.count - 1] <= length { return }
        for index in 1..<boundaries.count where boundaries[index] < boundaries[index - 1] || boundaries[index] > length {
            throw .invalidDocumentBoundaries(index: index)
        }
    }

    /// The batch loop behind `encodeDocuments`, `encodeBatch`, `CorpusEncoder` and `tk_encode_batch`.
    ///
    /// Workers claim blocks of documents from a shared counter, so one long document does not leave
    /// the other cores idle behind a fixed assignment. Each worker appends its blocks' ids to its own
    /// growing array and notes where each block went; the blocks are then copied into the output in
    /// input order. With one worker its array is the output: no copy.
    ///
    /// `result` is emptied and its buffers reused: a caller encoding batch after batch then touches
    /// the same pages each time instead of fresh ones the kernel must zero.
    ///
    /// - Parameters:
    ///   - boundaries: checked by the caller (`checkBoundaries`).
    ///   - checkUTF8: `false` when the caller has validated every document (a `DocumentReader` batch).
    ///   - lend: runs its argument with a merger (the C ABI lends warm ones from its pool).
    ///   - meanwhile: run once on the calling thread while the other workers start, before it joins
    ///     them (see `Parallelism.run(workers:meanwhile:_:)`): a caller's reading and writing.
    ///   - assemble: `false` leaves several workers' ids where they wrote them (`result.isScattered`), for a
    ///     caller that writes them out run by run or gathers them later, off the path between two batches
    ///     (`CorpusEncoder.encodeAll`): gathering them here kept the other workers waiting.
    package func encodeDocuments(_ text: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Int>,
                                 specials: PreparedSpecials, checkUTF8: Bool, threads: Int, assemble: Bool = true,
                                 lend: @Sendable ((inout BytePairMerger) -> Void) -> Void = { body in
                                     var merger = BytePairMerger()
                                     body(&merger)
                                 }, meanwhile: () -> Void = {}, into result: inout EncodedDocuments) throws(EncodingError) {
        let count = max(0, boundaries.count - 1)
        result.offsets.removeAll(keepingCapacity: true)
        result.offsets.append(0)
        result.ids.removeAll(keepingCapacity: true)
        result.scattered.removeAll(keepingCapacity: true)
        guard count > 0 else {
            meanwhile()
            return
        }
        let workers = max(1, min(threads, count))
        // Documents are claimed in blocks of about 32 KB of text (at least 64 documents), at least eight blocks a worker.
        // Why that large: each block is one call of the scanner loop, whose queue of pieces ahead is drained empty at
        // its end, plus a UTF-8 check and a special-token search; blocks of 64 lines of public_en (2.3 KB) cost 4% of
        // encoding them with cl100k_base (`TokkitBench encode-docs --batch-only`, A/B, session 46).
        let perBlock = max(64, 32_768 / max(1, text.count / count))
        let block = max(1, min(perBlock, count / (workers * 8)))
        let blocks = (count + block - 1) / block
        // Per document: its id count. Per block: the worker whose array holds it and where, or its error.
        let lengths = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        defer { lengths.deallocate() }
        let placed = BatchSlots<Result<(worker: Int, start: Int), EncodingError>>(count: blocks)
        let arrays = BatchSlots<[TokenID]>(count: workers)
        if workers == 1 {
            // The one worker appends to the result's own buffer.
            arrays.set(0, result.ids)
            result.ids = []
        } else {
            for worker in 0..<min(workers, result.workerIDs.count) { arrays.set(worker, result.workerIDs[worker]) }
            result.workerIDs = []
        }
        let next = Atomic<Int>(0)
        let shared = UncheckedSendableBuffer((text: text, boundaries: boundaries, lengths: lengths))
        let policy = specials.policy, anyToken = specials.anyToken
        vocabulary.noteWork(text.count)
        Parallelism.run(workers: workers, meanwhile: meanwhile) { worker in
            lend { merger in vocabulary.withRankLookup { lookup in
                let (text, boundaries, lengths) = shared.buffer
                var ids = arrays.take(worker) ?? []
                if workers > 1 { ids.removeAll(keepingCapacity: true) }
                // Half an id per byte, split among the workers, grown as needed, as `encode(validUTF8:)` reserves for
                // one text. A quarter was too little for public_multi (0.29 ids a byte with cl100k_base, 0.49 with
                // gpt2): the array grew once, a copy of every id so far and fresh pages (half: 1.057× on public_multi,
                // 1.025× on public_en; bench/RESULTS.md, "Session 36"). Not an id per byte (never regrown): a large
                // in-process batch's arrays then passed glibc's 32 MB mmap threshold and took fresh pages on every
                // call ("Session 33").
                ids.reserveCapacityInHugePages(text.count / (2 * workers) + 16)
                while true {
                    let first = next.add(1, ordering: .relaxed).oldValue * block
                    if first >= count { break }
                    let start = ids.count
                    var failure: EncodingError?
                    let last = min(first + block, count)
                    // Special tokens are looked for once over the block's text, not per document (a call
                    // and a search per document): a document in which no token starts is ordinary text;
                    // one in which one starts (or a match that runs past its end) takes the whole rule.
                    // Searching only up to the block's end keeps the searches linear in the batch.
                    let searched = UnsafeBufferPointer(rebasing: text[..<boundaries[last]])
                    var special = anyToken.firstMatch(in: searched, from: boundaries[first])?.start ?? Int.max
                    // The block's documents checked in one pass: valid UTF-8 cut where no continuation byte starts is
                    // valid UTF-8 on both sides, and valid documents make a valid whole. Only a block that fails is
                    // checked document by document, to name the document and the offset. Per document, the check
                    // was 6% of encoding the short lines of public_multi.
                    var checkEach = checkUTF8
                    if checkUTF8, UTF8Validation.isValid(UnsafeBufferPointer(rebasing: searched[boundaries[first]...])) {
                        let end = boundaries[last]
                        checkEach = (first + 1..<last).contains { boundaries[$0] < end && text[boundaries[$0]] & 0xC0 == 0x80 }
                    }
                    var index = first
                    while index < last {
                        // A run of documents with no token starting in them (and valid UTF-8, when checked) goes
                        // to the scanner in one call; the document that stops it takes the whole rule alone.
                        var stop = index, invalid: Int?
                        while stop < last, boundaries[stop + 1] <= special {
                            if checkEach, let bad = UTF8Validation.firstInvalidOffset(UnsafeBufferPointer(rebasing: text[boundaries[stop]..<boundaries[stop + 1]])) {
                                invalid = bad
                                break
                            }
                            stop += 1
                        }
                        do throws(EncodingError) {
                            if stop > index {
                                try encodeOrdinaryDocuments(text, boundaries: UnsafeBufferPointer(rebasing: boundaries[index...stop]),
                                                            lengths: lengths.baseAddress! + index, lookup: lookup, merger: &merger, into: &ids)
                            }
                        } catch .inDocument(let k, let error) {
                            failure = .inDocument(index: index + k, error)
                            break
                        } catch {
                            failure = .inDocument(index: index, error)
                            break
                        }
                        guard stop < last else { break }
                        let end = boundaries[stop + 1]
                        let document = UnsafeBufferPointer(rebasing: text[boundaries[stop]..<end])
                        let before = ids.count
                        do throws(EncodingError) {
                            if checkEach, let bad = invalid ?? UTF8Validation.firstInvalidOffset(document) { throw .invalidUTF8(offset: bad) }
                            try encode(validUTF8: document, policy: policy, base: 0, lookup: lookup, merger: &merger, into: &ids)
                            special = anyToken.firstMatch(in: searched, from: end)?.start ?? Int.max
                        } catch {
                            failure = .inDocument(index: stop, error)
                            break
                        }
                        lengths[stop] = ids.count - before
                        index = stop + 1
                    }
                    placed.set(first / block, failure.map { .failure($0) } ?? .success((worker, start)))
                }
                arrays.set(worker, ids)
            } }
        }
        var places: [(worker: Int, start: Int)] = []
        places.reserveCapacity(blocks)
        for index in 0..<blocks {
            // Every block below `blocks` was claimed by a worker, which filled its slot.
            guard let place = placed.take(index) else { continue }
            do { places.append(try place.get()) } catch {
                if workers == 1 { result.ids = arrays.take(0) ?? [] } else { result.workerIDs = (0..<workers).map { arrays.take($0) ?? [] } }
                throw error
            }
        }
        result.offsets.reserveCapacity(count + 1)
        var total = 0
        for length in lengths {
            total += length
            result.offsets.append(total)
        }
        if workers == 1 {
            result.ids = arrays.take(0) ?? []
            return
        }
        result.workerIDs = (0..<workers).map { arrays.take($0) ?? [] }
        result.scattered = places
        result.scatteredBlock = block
        if assemble { result.assemble() }
    }
}
