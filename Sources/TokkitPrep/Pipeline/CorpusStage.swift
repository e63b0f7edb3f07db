import Foundation
import TokkitCorpus

/// A curation stage that decides on a document by looking at the others (dedup, decontamination,
/// relevance selection), so it reads the whole corpus instead of one document at a time like a
/// ``Stage``.
///
/// One value is the whole stage: `tokkit dedup minhash` builds a ``MinHashRun`` from its flags, a
/// `tokkit prep` configuration listing `minhash_dedup` builds the same value from its YAML
/// parameters, and both call the same code, so the two routes write the same bytes. A prep run
/// fills in ``input`` and ``outputDirectory`` when the stage's turn comes (the previous stage's
/// files, and the stage's directory under `steps/`).
public protocol CorpusStage: Sendable {
    /// The stage's name in prep configurations, statistics and `steps/` directories.
    var name: String { get }
    var input: CorpusInput { get set }
    var outputDirectory: String { get set }
    var compression: OutputCompression { get set }
    var writeRemoved: Bool { get set }
    var threads: Int { get set }
    var resume: Bool { get set }
    /// Runs the stage; its statistics in the shape of prep's table (documents and text bytes in and
    /// out, the removed by reason, the stage's own counters, seconds of wall time).
    func runStage() throws -> StageStatistics
    /// Told before it runs in a pipeline which of the run's input files each of its input files
    /// descends from (same index): a `mix` source may name its documents by their input file.
    mutating func follow(origins: [String])
    /// The origins of the files the stage writes, given its input's: the same, unless it adds files
    /// (`synthetic_ingest` adds one per batch output file).
    func origins(after origins: [String]) throws -> [String]
}

extension CorpusStage {
    public mutating func follow(origins: [String]) {}
    public func origins(after origins: [String]) throws -> [String] { origins }
}

/// Documents and text bytes that went into a curation stage and came out kept.
public struct CurationFlow: Sendable, Equatable {
    public var documentsIn = 0
    public var documentsOut = 0
    public var bytesIn = 0
    public var bytesOut = 0

    public init() {}

    /// The flow as prep's per-stage statistics; every removed document is counted under `reason`
    /// unless `drops` says otherwise.
    public func statistics(name: String, seconds: Double, reason: String, drops: [(String, Int)]? = nil,
                           counters: [(String, Int)] = []) -> StageStatistics {
        var statistics = StageStatistics(name: name)
        statistics.documentsIn = documentsIn
        statistics.documentsOut = documentsOut
        statistics.bytesIn = bytesIn
        statistics.bytesOut = bytesOut
        statistics.seconds = seconds
        for (name, count) in drops ?? [(reason, documentsIn - documentsOut)] where count > 0 { statistics.drops.add(name, count) }
        for (name, count) in counters where count > 0 { statistics.counters.add(name, count) }
        return statistics
    }
}
