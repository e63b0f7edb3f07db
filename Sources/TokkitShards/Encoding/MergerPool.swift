import Synchronization
import TokkitCore

/// Mergers kept warm from one batch to the next, lent to the workers of `Tokenizer.encodeDocuments`.
///
/// Why: a `BytePairMerger` carries a piece cache that makes the next call on similar text cheaper.
/// Left to its default, the batch loop starts a fresh merger for every batch, so each batch of a corpus
/// began with an empty cache, while one text keeps one warm merger for the whole file.
///
/// Safe to share (copies of a `CorpusEncoder` share one): a merger is moved out under the lock and
/// moved back after use, so two callers never hold the same one; when none is idle (more concurrent
/// workers than ever before) a fresh one is made, and it stays afterwards.
final class MergerPool: Sendable {
    private let idle = Mutex<[BytePairMerger]>([])

    init() {}

    /// Runs `body` with a merger no one else holds, and keeps it for the next caller.
    func lend(_ body: (inout BytePairMerger) -> Void) {
        var merger = idle.withLock { $0.popLast() } ?? BytePairMerger()
        body(&merger)
        idle.withLock { $0.append(merger) }
    }
}
