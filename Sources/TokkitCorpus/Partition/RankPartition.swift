import Foundation

/// One task's share of a run split over many processes or machines: the files
/// `sorted(files)[rank::worldSize]`, as datatrove's `DataFolder.get_shard` assigns them.
///
/// Every rank sorts the same expanded file list the same way and takes every `worldSize`-th file
/// starting at its own rank, so ranks agree on the split without talking to each other, and the
/// union of all ranks is every file exactly once. Files are sorted by their UTF-8 bytes, which is
/// Python's code-point order (`sorted()` on `str`), not Swift's `String` order: two paths that are
/// canonically equivalent but spelled with different bytes are different files on disk and stay apart.
///
/// ```swift
/// let part = try RankPartition(rank: 1, worldSize: 3)
/// part.files(["d", "a", "c", "b", "e"])   // ["b", "e"]  (sorted: a b c d e; positions 1 and 4)
/// part.label                              // "00001"
/// part.outputPath("counts/{rank}.counts") // "counts/00001.counts"
/// ```
public struct RankPartition: Sendable, Equatable, Hashable {
    /// This task's rank, `0 ..< worldSize`.
    public let rank: Int
    /// How many tasks share the files.
    public let worldSize: Int

    /// The whole input as one task.
    public static let whole = RankPartition(checkedRank: 0, worldSize: 1)

    /// - Throws: `PartitionError.invalid` unless `worldSize ≥ 1` and `0 ≤ rank < worldSize`.
    public init(rank: Int, worldSize: Int) throws(PartitionError) {
        guard worldSize >= 1 else { throw .invalid("--world-size must be at least 1, not \(worldSize)") }
        guard rank >= 0, rank < worldSize else {
            throw .invalid("--rank must be in 0…\(worldSize - 1) for --world-size \(worldSize), not \(rank)")
        }
        self.init(checkedRank: rank, worldSize: worldSize)
    }

    private init(checkedRank rank: Int, worldSize: Int) {
        self.rank = rank
        self.worldSize = worldSize
    }

    /// Whether this is a share of a larger run (more than one rank).
    public var isPartial: Bool { worldSize > 1 }

    /// The rank zero-padded to five digits (more when the world is larger), as datatrove names
    /// per-rank files (`${rank}` → `00003`).
    public var label: String { Self.label(rank, worldSize: worldSize) }

    /// `rank` zero-padded to five digits, or to the digits of `worldSize - 1` when that is longer,
    /// so labels of one run always sort in rank order.
    public static func label(_ rank: Int, worldSize: Int) -> String {
        let width = max(5, String(max(worldSize - 1, 0)).count)
        let digits = String(rank)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// This rank's files: `sorted(files)[rank::worldSize]`. Standard input cannot be shared out and
    /// is an error in a partial run.
    ///
    /// - Complexity: O(n log n) for n files.
    public func files(_ files: [String]) throws(PartitionError) -> [String] {
        if isPartial, files.contains("-") {
            throw .invalid("standard input cannot be split with --rank/--world-size; give the inputs as files")
        }
        return assign(files).map(\.path)
    }

    /// This rank's files with their index in the sorted list of all files, in sorted order: the index
    /// names a per-input output (`tokkit prep` writes input `i` to `name(i).jsonl`), so the union of all
    /// ranks' outputs is the same set of files whatever the world size.
    public func assign(_ files: [String]) -> [(index: Int, path: String)] {
        Self.sorted(files).enumerated().filter { $0.offset % worldSize == rank }.map { ($0.offset, $0.element) }
    }

    /// `%05d` (more digits past 99,999): the name of per-input outputs and of per-rank files.
    public static func name(_ index: Int) -> String { label(index, worldSize: 1) }

    /// The rank of the task that reads `index` in the sorted file list.
    public func owner(ofSortedIndex index: Int) -> Int { index % worldSize }

    /// `files` in UTF-8 byte order (Python's `sorted` on code points), duplicates kept.
    public static func sorted(_ files: [String]) -> [String] {
        files.map { (Array($0.utf8), $0) }
            .sorted { $0.0.lexicographicallyPrecedes($1.0) }
            .map(\.1)
    }

    /// A per-rank output name from `template`: `{rank}` is replaced by ``label``; a template
    /// without it gets `-LABEL` before its extension (`all.counts` → `all-00003.counts`), so two
    /// ranks never write the same file. A whole run (world size 1) keeps a template without
    /// `{rank}` as it is.
    public func outputPath(_ template: String) -> String {
        if template.contains("{rank}") { return template.replacingOccurrences(of: "{rank}", with: label) }
        guard isPartial else { return template }
        let slash = template.lastIndex(of: "/")
        let nameStart = slash.map { template.index(after: $0) } ?? template.startIndex
        if let dot = template[nameStart...].lastIndex(of: "."), dot > nameStart {
            return String(template[..<dot]) + "-" + label + String(template[dot...])
        }
        return template + "-" + label
    }
}

/// Why a `--rank/--world-size` request cannot be carried out.
public enum PartitionError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    /// A completion marker or per-rank record could not be written.
    case unwritable(path: String, reason: String)
    /// An output could not be read back to record or check its size and sha256.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let reason): return reason
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        case .unreadable(let path, let reason): return "\(path): cannot read the output back: \(reason)"
        }
    }
}
