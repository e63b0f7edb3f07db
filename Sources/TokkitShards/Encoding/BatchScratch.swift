import Synchronization
import TokkitCore

/// What the workers of `Tokenizer.encodeDocuments` keep from one batch to the next: warm mergers and
/// their id arrays.
///
/// Why: a `BytePairMerger` carries a piece cache that makes the next call on similar text cheaper.
/// Left to its default, the batch loop starts a fresh merger for every batch, so each batch of a corpus
/// began with an empty cache, while one text keeps one warm merger for the whole file. And with several
/// workers, each filled a fresh id array per batch: fresh pages the kernel must clear.
///
/// Safe to share (copies of a `CorpusEncoder` share one): a merger or a set of arrays is moved out
/// under the lock and moved back after use, so two callers never hold the same one; when none is
/// idle (more concurrent callers than ever before) a fresh one is made, and it stays afterwards.
final class BatchScratch: Sendable {
    private let mergers = Mutex<[BytePairMerger]>([])
    private let workerIDs = Mutex<[[[TokenID]]]>([])

    init() {}

    /// Runs `body` with a merger no one else holds, and keeps it for the next caller.
    func lend(_ body: (inout BytePairMerger) -> Void) {
        var merger = mergers.withLock { $0.popLast() } ?? BytePairMerger()
        body(&merger)
        mergers.withLock { $0.append(merger) }
    }

    /// Runs `body` with the workers' id arrays of an earlier batch (none at first), and keeps them.
    func withWorkerIDs<Failure: Error>(_ body: (inout [[TokenID]]) throws(Failure) -> Void) throws(Failure) {
        var arrays = workerIDs.withLock { $0.popLast() } ?? []
        defer { workerIDs.withLock { $0.append(arrays) } }
        try body(&arrays)
    }
}
