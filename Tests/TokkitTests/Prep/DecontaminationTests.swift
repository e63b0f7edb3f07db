import Testing
@testable import TokkitPrep

@Suite("Decontamination finds 13-gram overlaps with evaluation sets")
struct DecontaminationTests {
    static let question = "Which planet in the solar system has the largest number of confirmed moons as of the latest count by astronomers?"

    @Test("an overlap survives case, punctuation and numbers, and names the benchmark, item and span")
    func overlap() throws {
        let decontaminator = try NGramDecontaminator(benchmarks: [
            .init(name: "astro_qa", items: [("q1", Self.question)]),
            .init(name: "other", items: [("x", "nothing in common with the training text at all, not one single phrase here")]),
        ])
        let training = "Quiz time! WHICH planet in the Solar System has the largest number of confirmed moons, as of the latest count by astronomers in 2023?"
        let matches = decontaminator.matches(in: training)
        #expect(!matches.isEmpty)
        #expect(matches.allSatisfy { $0.benchmark == "astro_qa" && $0.itemID == "q1" })
        #expect(matches.first?.wordOffset == 2)
        #expect(matches.first?.ngram == "which planet in the solar system has the largest number of confirmed moons")
    }

    @Test("twelve shared words are not a 13-gram match")
    func belowThreshold() throws {
        let decontaminator = try NGramDecontaminator(benchmarks: [.init(name: "b", items: [("q", Self.question)])])
        #expect(decontaminator.matches(in: "which planet in the solar system has the largest number of confirmed satellites").isEmpty)
        #expect(try NGramDecontaminator(benchmarks: [.init(name: "b", items: [("q", Self.question)])], n: 12)
            .matches(in: "which planet in the solar system has the largest number of confirmed satellites").count == 1)
    }
}
