import Foundation
import Testing
import Tokkit

/// `--rank R --world-size W` reads `sorted(files)[R::W]` (the comparison with Python itself is in
/// `RankPartitionParityTests`).
@Suite("Rank partition")
struct RankPartitionTests {
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
