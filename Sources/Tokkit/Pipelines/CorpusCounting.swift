import TokkitCore
import TokkitCorpus
import TokkitFormats
import TokkitIO
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
        public var statistics: ReadStatistics
        /// Bytes a custom pattern left between its matches (dropped from every piece), if any.
        public var uncovered: RegexPreTokenizer.UncoveredBytes?
    }

    /// Where counting is, after each batch.
    public struct Progress: Sendable {
        public var bytesRead: Int
        public var pieces: Int
        /// Distinct pieces so far in the largest worker's table (the exact number is known once the
        /// tables are merged at the end).
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
        // One table per worker for the whole corpus, merged once at the end: merging after every batch
        // would re-hash each batch's distinct pieces.
        var shares = [WordCounts](repeating: WordCounts(), count: threads)
        var pieces = 0
        var bytes = 0
        // One flat buffer reused from batch to batch (no array per line, no fresh pages per batch).
        var batch = DocumentReader.FlatBatch()
        while true {
            do { guard try reader.nextFlatBatch(into: &batch, targetBytes: batchBytes) else { break } } catch { throw .input(error) }
            do { pieces += try counter.count(batch.text, boundaries: batch.boundaries, into: &shares) } catch { throw .counting(error) }
            bytes += batch.bytesRead
            progress(Progress(bytesRead: bytes, pieces: pieces, distinctPieces: shares.map(\.distinctCount).max() ?? 0))
        }
        var counts = shares.isEmpty ? WordCounts() : shares.removeFirst()
        while let share = shares.popLast() {
            do { try counts.merge(share) } catch { throw .counting(.tooManyDistinctPieces(error)) }
        }
        return Result(counts: counts, pieces: pieces, statistics: reader.statistics,
                      uncovered: (counter.preTokenizer as? RegexPreTokenizer)?.uncovered)
    }
}

extension CorpusCounting {
    /// What a count file records about how counts were made (`WordCounts.serialized(settings:)`): the
    /// split pattern (its regex) and the reader's settings.
    public static func countFileSettings(pattern: SplitPattern, format: DocumentFormat, lossy: Bool,
                                         skipBadLines: Bool) -> [(key: String, value: String)] {
        let documents: String
        switch format {
        case .jsonl(let field): documents = "jsonl:\(field)"
        case .text(let split): documents = split.rawValue
        }
        return [("pattern", pattern.regex), ("documents", documents), ("lossy", String(lossy)), ("skip_bad_lines", String(skipBadLines))]
    }
}

extension CorpusCounting {
    /// Sums count files (the reduce step of map/reduce training), keeping the settings they record.
    ///
    /// Counts made with different settings (another pattern, another reader) do not describe one corpus,
    /// so files whose recorded settings differ from the first file's are refused rather than summed.
    /// The result serializes to the same bytes for any grouping of the same files, because sums are
    /// associative and a count file lists its pieces in sorted order.
    /// - Throws: ``PipelineError/countFile(path:reason:)`` naming the unreadable, full or mismatching file.
    public static func reduce(countFiles: [String]) throws(PipelineError) -> (counts: WordCounts, settings: [(key: String, value: String)]) {
        var total = WordCounts()
        var first: (path: String, settings: [(key: String, value: String)])?
        for path in countFiles {
            var settings: [(key: String, value: String)] = []
            do {
                let counts = try WordCounts(deserializing: try FileIO.read(path), source: path, settings: &settings)
                try total.merge(counts)
            } catch {
                throw .countFile(path: path, reason: "\(error)")
            }
            if let first {
                guard settings.map(\.key) == first.settings.map(\.key), settings.map(\.value) == first.settings.map(\.value) else {
                    let describe = { (s: [(key: String, value: String)]) in s.isEmpty ? "none" : s.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
                    throw .countFile(path: path, reason: "it records the settings \(describe(settings)), but \(first.path) records \(describe(first.settings)): counts made differently cannot be summed")
                }
            } else {
                first = (path, settings)
            }
        }
        return (total, first?.settings ?? [])
    }
}
