import Foundation
import Synchronization
import TokkitCore
import TokkitCorpus

/// Runs a pipeline's stages over documents and keeps per-stage statistics.
///
/// The stages before the first sequential one (all filters) run on any thread, document by
/// document, independently; the sequential tail (PII) runs afterwards in input order. Each
/// worker keeps its own statistics, added together at the end: addition does not depend on
/// order, so counts are the same for any thread count, and so is the output.
public struct DocumentProcessor: Sendable {
    public let stages: [Stage]
    /// `stages[..<parallelCount]` may run in parallel.
    public let parallelCount: Int

    public init(stages: [Stage]) {
        self.stages = stages
        parallelCount = stages.firstIndex(where: \.isSequential) ?? stages.count
    }

    /// The result of the parallel stages for one document.
    public struct Result: Sendable {
        public var document: Document
        /// The stage index and reason of the drop, or `nil` when the document reached the end.
        public var drop: (stage: Int, reason: String)?
        /// Why the run must stop at this document (a stage could not decide), if it must.
        public var failure: String?
    }

    public func emptyStatistics() -> [StageStatistics] { stages.map { StageStatistics(name: $0.name) } }

    /// Runs the parallel stages on `document`, updating `statistics` (one entry per stage).
    /// `explain`, when given, hears every stage's name, measurements and outcome in order.
    public func runParallelStages(_ document: Document, _ statistics: inout [StageStatistics],
                                  explain: ((_ stage: String, _ measured: Measurements, _ outcome: Stage.Outcome) -> Void)? = nil) -> Result {
        var document = document
        var view = TextView(document.text)
        for index in 0..<parallelCount {
            let started = DispatchTime.now().uptimeNanoseconds
            let bytesIn = document.text.utf8.count
            statistics[index].documentsIn += 1
            statistics[index].bytesIn += bytesIn
            var measured: Measurements = []
            let outcome = stages[index].apply(&document, &view, &measured)
            explain?(stages[index].name, measured, outcome)
            statistics[index].seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            switch outcome {
            case .drop(let reason):
                statistics[index].drops.add(reason)
                return Result(document: document, drop: (index, reason))
            case .passWithout(let counter):
                statistics[index].counters.add(counter)
            case .fail(let message):
                return Result(document: document, drop: nil, failure: "\(stages[index].name): \(message)")
            case .keep:
                break
            }
            statistics[index].documentsOut += 1
            statistics[index].bytesOut += document.text.utf8.count
        }
        return Result(document: document, drop: nil)
    }

    /// Runs the sequential tail on a document that passed the parallel stages, in input order.
    /// - Returns: why the run must stop at this document (`"pii: …"`, as ``Result/failure``), or `nil`.
    public func runSequentialStages(_ document: inout Document, _ statistics: inout [StageStatistics]) -> String? {
        for index in parallelCount..<stages.count {
            let started = DispatchTime.now().uptimeNanoseconds
            statistics[index].documentsIn += 1
            statistics[index].bytesIn += document.text.utf8.count
            if case .pii(let formatter) = stages[index] {
                var counts = (emails: 0, ips: 0)
                do {
                    document.text = try formatter.format(document.text, counts: &counts)
                } catch {
                    return "\(stages[index].name): \(error.description)"
                }
                if counts.emails > 0 { statistics[index].counters.add("emails_replaced", counts.emails) }
                if counts.ips > 0 { statistics[index].counters.add("ips_replaced", counts.ips) }
            }
            statistics[index].documentsOut += 1
            statistics[index].bytesOut += document.text.utf8.count
            statistics[index].seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        }
        return nil
    }

    /// Runs the parallel stages over `documents` on `threads` threads; results in input order.
    public func runBatch(_ documents: [Document], threads: Int, statistics: inout [StageStatistics]) -> [Result] {
        let count = documents.count
        guard threads > 1, count > 1 else {
            return documents.map { runParallelStages($0, &statistics) }
        }
        let workers = min(threads, count)
        let results = BatchSlots<Result>(count: count)
        let perWorker = BatchSlots<[StageStatistics]>(count: workers)
        // Documents are handed out in small interleaved chunks so one slow document does not hold a
        // whole stripe; each index is claimed by exactly one worker.
        let chunk = 16
        let next = Atomic<Int>(0)
        Parallelism.run(workers: workers) { worker in
            var mine = emptyStatistics()
            while true {
                let start = next.add(chunk, ordering: .relaxed).oldValue
                guard start < count else { break }
                for index in start..<min(start + chunk, count) {
                    results.set(index, runParallelStages(documents[index], &mine))
                }
            }
            perWorker.set(worker, mine)
        }
        for worker in 0..<workers {
            guard let stages = perWorker.take(worker) else { continue }
            for (index, stage) in stages.enumerated() { statistics[index].merge(stage) }
        }
        return (0..<count).compactMap { results.take($0) }
    }
}
