/// A progress report from ``BPETrainer/train(_:progress:)``, sent about every 1 % of the merges
/// and once at the end.
public struct TrainingProgress: Sendable, Equatable {
    /// Merges done so far (including merges whose result already existed).
    public var mergesDone: Int
    /// New tokens the vocabulary size allows (training may stop earlier).
    public var tokensTarget: Int
    /// New tokens created so far.
    public var tokensDone: Int
    /// The count of the most recent merge (falls as training proceeds; a cheap quality signal).
    public var lastMergeCount: UInt64
}
