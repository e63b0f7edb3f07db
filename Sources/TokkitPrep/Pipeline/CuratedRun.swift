import TokkitCorpus

/// A corpus-wide curation run (exact, MinHash and line dedup, decontamination): what every one of
/// them takes from the command line or a caller the same way — where it writes (compression, the
/// removed documents), whether it resumes — and the input whose skipped lines it reports.
public protocol CuratedRun {
    associatedtype Summary
    var input: CorpusInput { get }
    var compression: OutputCompression { get set }
    var writeRemoved: Bool { get set }
    var resume: Bool { get set }
    func run() throws -> Summary
}

extension ExactDedupRun: CuratedRun {}
extension MinHashRun: CuratedRun {}
extension LineDedupRun: CuratedRun {}
extension DecontaminationRun: CuratedRun {}
