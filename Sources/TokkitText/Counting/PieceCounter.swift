import Dispatch
import TokkitCore

/// Pre-splits documents and counts the distinct pieces: the first phase of training.
///
/// Documents are cut into one contiguous share per worker; each worker counts into its own
/// `WordCounts` with its own pre-tokenizer state, and the shares are merged at the end. The merged
/// table holds the same (piece, count) pairs whatever the thread count, and training depends only on
/// those pairs, so the trained vocabulary is identical across thread counts.
///
/// Memory grows with the number of distinct pieces, not with the corpus: feed it batch by batch.
public struct PieceCounter: Sendable {
    public let preTokenizer: any PreTokenizer

    public init(preTokenizer: any PreTokenizer) {
        self.preTokenizer = preTokenizer
    }

    /// Counts with `engine`'s pre-tokenizer for `pattern` (by default the scanner of a named pattern).
    public init(pattern: SplitPattern, engine: RegexEngine = .auto) throws(PreTokenizerError) {
        self.preTokenizer = try engine.preTokenizer(for: pattern)
    }

    /// Adds the pieces of `documents` (valid UTF-8) to `counts`, on `threads` workers.
    ///
    /// One worker counts straight into `counts`; several count into tables of their own, merged into
    /// `counts` at the end. A caller that counts many batches should keep one table per worker across
    /// them (``count(_:boundaries:into:)``) and merge once: merging re-hashes every distinct piece of a share.
    /// - Returns: the number of pieces counted.
    @discardableResult
    public func count(_ documents: [[UInt8]], into counts: inout WordCounts, threads: Int) throws(CountingError) -> Int {
        let (text, boundaries) = Self.flattened(documents)
        let workers = max(1, min(threads, documents.count))
        if workers == 1 { return try count(text, boundaries: boundaries, into: &counts) }
        var shares = [WordCounts](repeating: WordCounts(), count: workers)
        let pieces = try count(text, boundaries: boundaries, into: &shares)
        for share in shares { do { try counts.merge(share) } catch { throw .tooManyDistinctPieces(error) } }
        return pieces
    }

    /// As ``count(_:boundaries:into:)``, for documents held one array each.
    @discardableResult
    public func count(_ documents: [[UInt8]], into shares: inout [WordCounts]) throws(CountingError) -> Int {
        let (text, boundaries) = Self.flattened(documents)
        return try count(text, boundaries: boundaries, into: &shares)
    }

    /// Adds the pieces of documents stored back to back (valid UTF-8; document `i` is
    /// `text[boundaries[i] ..< boundaries[i + 1]]`) to `shares`, one worker per share: worker `i`
    /// counts the `i`-th contiguous part of the documents into `shares[i]`. The union of the shares
    /// (``WordCounts/merge(_:)``) is the same whatever the number of shares.
    ///
    /// Why flat: a reader batch of short lines as one array per line cost a malloc, a copy and a free
    /// per line (a tenth of training public_en), as it did for encoding (``DocumentReader/FlatBatch``).
    /// - Returns: the number of pieces counted.
    @discardableResult
    public func count(_ text: [UInt8], boundaries: [Int], into shares: inout [WordCounts]) throws(CountingError) -> Int {
        let documents = max(0, boundaries.count - 1)
        let workers = shares.count
        guard workers > 1 else {
            guard workers == 1 else { return 0 }
            return try count(text, boundaries: boundaries, into: &shares[0])
        }
        // Each worker takes its share out of the array, so it is the table's only owner and adding to
        // it never copies the table.
        let inputs = BatchSlots<WordCounts>(count: workers)
        for worker in 0..<workers { inputs.set(worker, shares[worker]) }
        shares = []
        let outputs = BatchSlots<(WordCounts, Result<Int, CountingError>)>(count: workers)
        Parallelism.run(workers: workers) { worker in
            var local = inputs.take(worker) ?? WordCounts()
            let range = (documents * worker / workers)..<(documents * (worker + 1) / workers)
            do throws(CountingError) {
                let pieces = try countShare(text, boundaries, range, into: &local)
                outputs.set(worker, (local, .success(pieces)))
            } catch {
                outputs.set(worker, (local, .failure(error)))
            }
        }
        var total = 0
        var failure: CountingError?
        for worker in 0..<workers {
            guard let (local, result) = outputs.take(worker) else { continue }
            shares.append(local)
            switch result {
            case .success(let pieces): total += pieces
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return total
    }

    private func count(_ text: [UInt8], boundaries: [Int], into counts: inout WordCounts) throws(CountingError) -> Int {
        try countShare(text, boundaries, 0..<max(0, boundaries.count - 1), into: &counts)
    }

    private static func flattened(_ documents: [[UInt8]]) -> (text: [UInt8], boundaries: [Int]) {
        var text: [UInt8] = []
        text.reserveCapacity(documents.reduce(0) { $0 + $1.count })
        var boundaries = [0]
        boundaries.reserveCapacity(documents.count + 1)
        for document in documents {
            text += document
            boundaries.append(text.count)
        }
        return (text, boundaries)
    }

    private func countShare(_ text: [UInt8], _ boundaries: [Int], _ range: Range<Int>,
                            into counts: inout WordCounts) throws(CountingError) -> Int {
        var pieces = 0
        do {
            try text.withUnsafeBufferPointer { whole in
                for index in range {
                    let document = UnsafeBufferPointer(rebasing: whole[boundaries[index]..<boundaries[index + 1]])
                    try preTokenizer.forEachPiece(inBuffer: document) { pieceStart, pieceEnd in
                        try counts.add(UnsafeBufferPointer(rebasing: document[pieceStart..<pieceEnd]))
                        pieces += 1
                    }
                }
            }
        } catch let error as PreTokenizerError {
            throw .preTokenizer(error)
        } catch let error as WordCountsFull {
            throw .tooManyDistinctPieces(error)
        } catch {
            throw .preTokenizer(.matchingFailed(reason: "\(error)"))
        }
        return pieces
    }
}
