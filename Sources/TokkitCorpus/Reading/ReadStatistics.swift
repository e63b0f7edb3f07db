/// What a document reader (``DocumentReader`` or ``DocumentFileReader``) read so far.
public struct ReadStatistics: Sendable, Equatable {
    /// Files opened (``DocumentReader`` reads many; a ``DocumentFileReader`` one).
    public var files = 0
    /// Lines read, blank ones included (0 for whole-file documents).
    public var lines = 0
    public var documents = 0
    /// Texts that were the empty string and were skipped, as datatrove skips them
    /// (``DocumentFileReader``; ``DocumentReader`` hands empty documents on).
    public var emptyDocuments = 0
    /// Uncompressed bytes read, line terminators included.
    public var bytes = 0
    /// Lines skipped under `skipBadLines` (not JSON, lacking the field, or not UTF-8), with the
    /// first few places.
    public var skipped = SkippedLines()
    /// How many lines `skipBadLines` skipped.
    public var skippedLines: Int { skipped.count }
    /// Documents (JSONL: lines) in which `lossy` replaced invalid UTF-8 with U+FFFD.
    public var repaired = 0

    public init() {}

    /// Adds the counts of `other` (another file's) to these.
    public mutating func add(_ other: ReadStatistics) {
        files += other.files
        lines += other.lines
        documents += other.documents
        emptyDocuments += other.emptyDocuments
        bytes += other.bytes
        skipped.add(other.skipped)
        repaired += other.repaired
    }
}
