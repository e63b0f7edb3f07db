import Foundation
import Testing
import Tokkit

/// `--rank R --world-size W` reads `sorted(files)[R::W]`, exactly as datatrove's `DataFolder.get_shard` does in Python.
@Suite("Rank partition")
struct RankPartitionTests {
    /// Paths whose order differs between UTF-8 bytes (Python) and Swift's `String` comparison, which
    /// treats canonically equivalent spellings as equal and orders by normalized scalars.
    static let paths = [
        "data/e\u{301}t\u{E9}.txt", "data/\u{E9}t\u{E9}.txt", "data/Zebra.txt", "data/apple.txt", "data/\u{1F600}.txt",
        "data/\u{FB01}le.txt", "data/a/b.txt", "data/a-b.txt", "data/a.txt", "data/\u{212B}ngstrom.txt",
        "data/\u{C5}ngstrom.txt", "data/10.txt", "data/9.txt", "data/_x.txt", "data/~y.txt", "data/\u{4E2D}.txt",
    ]

    /// Python's answer: `sorted(paths)[rank::world_size]` for every rank.
    static func python(_ paths: [String], worldSize: Int) throws -> [[String]] {
        let script = """
        import json, sys
        paths = json.loads(sys.argv[1]); w = int(sys.argv[2])
        print(json.dumps([sorted(paths)[r::w] for r in range(w)]))
        """
        let json = String(decoding: try JSONEncoder().encode(paths), as: UTF8.self)
        let output = try Reference.python(script, arguments: [json, String(worldSize)])
        return try JSONDecoder().decode([[String]].self, from: Data(output.utf8))
    }

    @Test("every rank's files equal Python's sorted(files)[rank::world_size]", arguments: [1, 2, 3, 5, 16, 20])
    func matchesPython(worldSize: Int) throws {
        let expected = try Self.python(Self.paths.shuffled(), worldSize: worldSize)
        for rank in 0..<worldSize {
            let mine = try RankPartition(rank: rank, worldSize: worldSize).files(Self.paths.shuffled())
            #expect(mine.map { Array($0.utf8) } == expected[rank].map { Array($0.utf8) }, "rank \(rank) of \(worldSize)")
        }
        print("rank partition: \(worldSize) ranks over \(Self.paths.count) paths agree with Python's sorted()[r::w]")
    }

    @Test("the comparison with Python can fail: Swift's own String sort gives another order on these paths")
    func swiftSortDiffers() throws {
        let python = try Self.python(Self.paths, worldSize: 1)[0]
        #expect(Self.paths.sorted().map { Array($0.utf8) } != python.map { Array($0.utf8) })
        #expect(RankPartition.sorted(Self.paths).map { Array($0.utf8) } == python.map { Array($0.utf8) })
    }

    @Test("the ranks together read every file exactly once, whatever the world size")
    func unionIsEveryFile() throws {
        let files = (0..<23).map { "f\($0).txt" }
        for worldSize in [1, 4, 23, 30] {
            var seen: [String] = []
            for rank in 0..<worldSize { seen += try RankPartition(rank: rank, worldSize: worldSize).files(files) }
            #expect(seen.sorted() == files.sorted())
        }
    }

    @Test("labels are zero-padded to five digits and output names carry them")
    func labelsAndNames() throws {
        let part = try RankPartition(rank: 3, worldSize: 8)
        #expect(part.label == "00003")
        #expect(RankPartition.label(7, worldSize: 200_000) == "000007")
        #expect(part.outputPath("counts/{rank}.counts") == "counts/00003.counts")
        #expect(part.outputPath("out/all.counts") == "out/all-00003.counts")
        #expect(part.outputPath("out.d/ids") == "out.d/ids-00003")
        #expect(RankPartition.whole.outputPath("all.counts") == "all.counts")
    }

    @Test("a rank outside the world, an empty world and standard input are errors")
    func invalid() throws {
        #expect(throws: PartitionError.self) { try RankPartition(rank: 3, worldSize: 3) }
        #expect(throws: PartitionError.self) { try RankPartition(rank: -1, worldSize: 3) }
        #expect(throws: PartitionError.self) { try RankPartition(rank: 0, worldSize: 0) }
        #expect(throws: PartitionError.self) { try RankPartition(rank: 0, worldSize: 2).files(["-", "a"]) }
        #expect(try RankPartition.whole.files(["-"]) == ["-"])
    }

    @Test("a completion marker sits in completions/ beside its output and reads back")
    func marker() throws {
        let scratch = Scratch()
        let output = scratch.file("counts/00001.counts")
        let part = try RankPartition(rank: 1, worldSize: 2)
        let marker = CompletionMarker(task: "count", partition: part, inputs: ["a", "c"],
                                      outputs: [.init(path: output, bytes: 3, sha256: "abc")])
        #expect(CompletionMarker.path(forOutput: output) == scratch.file("counts/completions/00001.counts"))
        #expect(CompletionMarker.read(forOutput: output) == nil)
        try marker.write(forOutput: output)
        #expect(CompletionMarker.read(forOutput: output) == marker)
        #expect(marker.describesSameTask(as: CompletionMarker(task: "count", partition: part, inputs: ["a", "c"], outputs: [])))
        #expect(!marker.describesSameTask(as: CompletionMarker(task: "count", partition: part, inputs: ["a"], outputs: [])))
        CompletionMarker.remove(forOutput: output)
        #expect(CompletionMarker.read(forOutput: output) == nil)
    }
}
