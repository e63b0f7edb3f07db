/// Which input files one rank of a `--world-size` run reads: datatrove's rule,
/// `sorted(files)[rank::world_size]` (`DataFolder.get_shard`), at whole-file granularity.
///
/// Each file keeps its index in the sorted list of all files, which names its output
/// (`%05d.jsonl`), so ranks never write the same name and the union of all ranks' outputs is the
/// same set of files whatever the world size.
///
/// ```swift
/// ShardPlan(rank: 1, worldSize: 3).assign(["c", "a", "b", "d"]) // [(1, "b")]… sorted: a b c d → b (1)
/// ```
public struct ShardPlan: Sendable, Hashable {
    public let rank: Int
    public let worldSize: Int

    /// Why a rank and world size do not make a plan.
    public struct InvalidPlan: Error, Equatable, Sendable, CustomStringConvertible {
        public var rank: Int
        public var worldSize: Int
        public var description: String {
            "--rank \(rank) --world-size \(worldSize): the world size must be at least 1 and the rank in 0..<world size"
        }
    }

    public init(rank: Int = 0, worldSize: Int = 1) throws(InvalidPlan) {
        guard worldSize >= 1, (0..<worldSize).contains(rank) else { throw InvalidPlan(rank: rank, worldSize: worldSize) }
        self.rank = rank
        self.worldSize = worldSize
    }

    /// This rank's files with their index in the sorted list, in sorted order.
    /// Sorting compares UTF-8 bytes, as Python sorts `str` paths by code point.
    public func assign(_ files: [String]) -> [(index: Int, path: String)] {
        let sorted = files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return stride(from: rank, to: sorted.count, by: worldSize).map { ($0, sorted[$0]) }
    }

    /// `%05d`, the output and marker name of input `index` (datatrove's rank padding).
    public static func name(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
