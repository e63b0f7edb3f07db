import Foundation

/// The file a finished task leaves so that a rerun of the same task skips it (datatrove's
/// `completions/{rank:05d}`, Dolma's `.done.txt`).
///
/// The marker of an output `DIR/NAME` is `DIR/completions/NAME`: beside the outputs on the shared
/// filesystem, one per output, so tasks of different commands writing into one folder never share
/// a marker. It is written last, after every output has its final name, so its presence means the
/// task finished. It records what the task was (command, rank, world size, inputs) and what it wrote
/// (each output's size and sha256): a rerun skips only when the task is the same and the outputs are
/// still the recorded bytes; otherwise it does the work again.
///
/// ```swift
/// let marker = CompletionMarker(task: "count", partition: part, inputs: files, outputs: [record])
/// try marker.write(forOutput: "counts/00003.counts")
/// CompletionMarker.read(forOutput: "counts/00003.counts")  // the same marker
/// ```
public struct CompletionMarker: Codable, Sendable, Equatable {
    /// One output file as written.
    public struct Output: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String

        public init(path: String, bytes: Int, sha256: String) {
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The command that finished, with the settings that decide its output (e.g. `count --pattern gpt2`).
    public var task: String
    public var rank: Int
    public var worldSize: Int
    /// The files this rank read, in reading order.
    public var inputs: [String]
    public var outputs: [Output]

    public init(task: String, partition: RankPartition, inputs: [String], outputs: [Output]) {
        self.task = task
        self.rank = partition.rank
        self.worldSize = partition.worldSize
        self.inputs = inputs
        self.outputs = outputs
    }

    /// `DIR/completions/NAME` for the output `DIR/NAME`.
    public static func path(forOutput output: String) -> String {
        let url = URL(fileURLWithPath: output)
        return url.deletingLastPathComponent().appendingPathComponent("completions")
            .appendingPathComponent(url.lastPathComponent).path
    }

    /// The marker left for `output`, or `nil` when there is none or it cannot be read (then the task
    /// simply runs again).
    public static func read(forOutput output: String) -> CompletionMarker? {
        guard let data = FileManager.default.contents(atPath: path(forOutput: output)) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(CompletionMarker.self, from: data)
    }

    /// Whether this marker records the same task as `other` (command, rank, world size, inputs),
    /// whatever it wrote.
    public func describesSameTask(as other: CompletionMarker) -> Bool {
        task == other.task && rank == other.rank && worldSize == other.worldSize && inputs == other.inputs
    }

    /// Writes the marker for `output` through a temporary file and a rename, creating `completions/`.
    ///
    /// - Throws: `PartitionError.unwritable` naming the marker's path.
    public func write(forOutput output: String) throws(PartitionError) {
        let target = Self.path(forOutput: output)
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent().path
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var data = try encoder.encode(self)
            data.append(UInt8(ascii: "\n"))
            // Foundation's .atomic writes a temporary file in the same folder and renames it.
            try data.write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            throw .unwritable(path: target, reason: "\(error.localizedDescription)")
        }
    }

    /// Removes the marker of `output`, if any: done before a task starts, so a crash part-way leaves
    /// no marker claiming the old outputs are still this run's.
    public static func remove(forOutput output: String) {
        try? FileManager.default.removeItem(atPath: path(forOutput: output))
    }
}
