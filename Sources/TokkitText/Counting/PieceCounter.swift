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
    /// - Returns: the number of pieces counted.
    @discardableResult
    public func count(_ documents: [[UInt8]], into counts: inout WordCounts, threads: Int) throws(CountingError) -> Int {
        let workers = max(1, min(threads, documents.count))
        let shares = BatchSlots<Result<(WordCounts, Int), CountingError>>(count: workers)
        let splitter = preTokenizer
        Parallelism.run(workers: workers) { worker in
            let start = documents.count * worker / workers
            let end = documents.count * (worker + 1) / workers
            var local = WordCounts()
            var pieces = 0
            do {
                for index in start..<end {
                    try documents[index].withUnsafeBufferPointer { text in
                        try splitter.forEachPiece(inBuffer: text) { pieceStart, pieceEnd in
                            try local.add(UnsafeBufferPointer(rebasing: text[pieceStart..<pieceEnd]))
                            pieces += 1
                        }
                    }
                }
                shares.set(worker, .success((local, pieces)))
            } catch let error as PreTokenizerError {
                shares.set(worker, .failure(.preTokenizer(error)))
            } catch let error as WordCountsFull {
                shares.set(worker, .failure(.tooManyDistinctPieces(error)))
            } catch {
                shares.set(worker, .failure(.preTokenizer(.matchingFailed(reason: "\(error)"))))
            }
        }
        var total = 0
        for worker in 0..<workers {
            guard let share = shares.take(worker) else { continue }
            let (local, pieces) = try share.get()
            do { try counts.merge(local) } catch { throw .tooManyDistinctPieces(error) }
            total += pieces
        }
        return total
    }
}
