import TokkitIO

/// Counters of one pipeline stage, in datatrove's vocabulary (`total`, `forwarded`, `dropped`,
/// `dropped_<reason>`), mergeable across files, threads and ranks by addition.
public struct StageStatistics: Sendable, Hashable {
    public var name: String
    public var documentsIn = 0
    public var documentsOut = 0
    /// UTF-8 bytes of text entering and leaving the stage (a rewriting stage changes them).
    public var bytesIn = 0
    public var bytesOut = 0
    /// Dropped documents per reason, in first-seen order.
    public var drops = JSONCounts()
    /// Other counters: documents that passed for lack of metadata, replacements made, lines removed…
    public var counters = JSONCounts()
    /// Time spent in the stage, summed over workers (CPU-seconds, not wall-clock).
    public var seconds = 0.0

    public init(name: String) { self.name = name }

    public var dropped: Int { drops.total }

    public mutating func merge(_ other: StageStatistics) {
        documentsIn += other.documentsIn
        documentsOut += other.documentsOut
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        drops.merge(other.drops)
        counters.merge(other.counters)
        seconds += other.seconds
    }

    public var json: JSONValue {
        .object(JSONObject([
            ("name", .string(name)),
            ("documents_in", .integer(documentsIn)),
            ("documents_out", .integer(documentsOut)),
            ("bytes_in", .integer(bytesIn)),
            ("bytes_out", .integer(bytesOut)),
            ("dropped", .integer(dropped)),
            ("drops", drops.json),
            ("counters", counters.json),
            ("seconds", .double((seconds * 1e6).rounded() / 1e6)),
        ]))
    }

    /// Reads what ``json`` wrote.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, let name = object["name"]?.stringValue else { return nil }
        self.name = name
        func int(_ key: String) -> Int { object[key]?.doubleValue.map { Int($0) } ?? 0 }
        documentsIn = int("documents_in")
        documentsOut = int("documents_out")
        bytesIn = int("bytes_in")
        bytesOut = int("bytes_out")
        drops = JSONCounts(json: object["drops"])
        counters = JSONCounts(json: object["counters"])
        seconds = object["seconds"]?.doubleValue ?? 0
    }
}

/// Integer counts by name, in first-seen order (so tables and JSON list reasons in a stable order).
public struct JSONCounts: Sendable, Hashable, Sequence {
    public private(set) var entries: [(name: String, count: Int)] = []

    public init() {}

    init(json: JSONValue?) {
        guard case .object(let object)? = json else { return }
        for (key, value) in object { add(key, value.doubleValue.map { Int($0) } ?? 0) }
    }

    public var total: Int { entries.reduce(0) { $0 + $1.count } }

    public subscript(name: String) -> Int { entries.first(where: { $0.name == name })?.count ?? 0 }

    public mutating func add(_ name: String, _ count: Int = 1) {
        if let index = entries.firstIndex(where: { $0.name == name }) {
            entries[index].count += count
        } else {
            entries.append((name, count))
        }
    }

    public mutating func merge(_ other: JSONCounts) {
        for entry in other.entries { add(entry.name, entry.count) }
    }

    public var json: JSONValue { .object(JSONObject(entries.map { ($0.name, JSONValue.integer($0.count)) })) }

    public func makeIterator() -> IndexingIterator<[(name: String, count: Int)]> { entries.makeIterator() }

    public static func == (lhs: JSONCounts, rhs: JSONCounts) -> Bool {
        lhs.entries.count == rhs.entries.count && zip(lhs.entries, rhs.entries).allSatisfy { $0 == $1 }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries { hasher.combine(entry.name); hasher.combine(entry.count) }
    }
}

/// The statistics of a whole run: its stages in pipeline order plus what the readers saw.
/// Written as `stats.json` per rank; ``merge(_:)`` adds ranks together (stage by stage, by name).
public struct RunStatistics: Sendable, Hashable {
    public var stages: [StageStatistics]
    public var reader = JSONCounts()

    public init(stages: [StageStatistics] = [], reader: JSONCounts = JSONCounts()) {
        self.stages = stages
        self.reader = reader
    }

    public mutating func merge(_ other: RunStatistics) {
        for stage in other.stages {
            if let index = stages.firstIndex(where: { $0.name == stage.name }) {
                stages[index].merge(stage)
            } else {
                stages.append(stage)
            }
        }
        reader.merge(other.reader)
    }

    public var json: JSONValue {
        .object(JSONObject([("reader", reader.json), ("stages", .array(stages.map(\.json)))]))
    }

    /// Reads what ``json`` wrote (a `stats.json`); `nil` when it is not that shape.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, case .array(let items)? = object["stages"] else { return nil }
        var stages: [StageStatistics] = []
        for item in items {
            guard let stage = StageStatistics(json: item) else { return nil }
            stages.append(stage)
        }
        self.stages = stages
        reader = JSONCounts(json: object["reader"])
    }
}
