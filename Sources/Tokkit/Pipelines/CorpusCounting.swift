import TokkitCore
import TokkitCorpus
import TokkitText

/// The first phase of training: read a corpus batch by batch and count its distinct pieces on all
/// cores. `tokkit count` writes the result as a count file; `TrainingPipeline` trains on it.
///
/// Memory grows with the number of distinct pieces, not with the corpus: the reader streams, and
/// each batch (8 MB of text) is pre-split and counted in parallel, then dropped.
public struct CorpusCounting: Sendable {
    /// What was counted.
    public struct Result: Sendable {
        public var counts: WordCounts
        /// Pieces seen (with repetition).
        public var pieces: Int
        public var statistics: DocumentReader.Statistics
    }

    /// Where counting is, after each batch.
    public struct Progress: Sendable {
        public var bytesRead: Int
        public var pieces: Int
        public var distinctPieces: Int
    }

    public let counter: PieceCounter
    public var threads: Int
    /// Text per batch; a batch is counted on all cores at once.
    public var batchBytes = 8 << 20

    public init(pattern: SplitPattern, engine: RegexEngine = .auto, threads: Int = Tokenizer.defaultThreadCount) throws(PipelineError) {
        do { counter = try PieceCounter(pattern: pattern, engine: engine) } catch { throw .pattern(error) }
        self.threads = max(1, threads)
    }

    /// Counts every document of `reader`.
    public func count(_ reader: DocumentReader, progress: (Progress) -> Void = { _ in }) throws(PipelineError) -> Result {
        var counts = WordCounts()
        var pieces = 0
        var bytes = 0
        while true {
            let batch: DocumentReader.Batch?
            do { batch = try reader.nextBatch(targetBytes: batchBytes) } catch { throw .input(error) }
            guard let batch else { break }
            do { pieces += try counter.count(batch.documents, into: &counts, threads: threads) } catch { throw .counting(error) }
            bytes += batch.bytesRead
            progress(Progress(bytesRead: bytes, pieces: pieces, distinctPieces: counts.distinctCount))
        }
        return Result(counts: counts, pieces: pieces, statistics: reader.statistics)
    }
}
