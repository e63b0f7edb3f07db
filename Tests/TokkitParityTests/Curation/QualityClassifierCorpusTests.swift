import Foundation
import Testing
@testable import TokkitPrep

/// The quality classifier on real text: trained on English documentation paragraphs (positive) and
/// man pages in other languages (negative) from the public corpus, scored on held-out paragraphs.
@Suite("Quality classifier on real paragraphs")
struct QualityClassifierCorpusTests {
    @Test("a quality classifier learns English prose from multilingual man pages and scores held-out text")
    func classifier() throws {
        let english = try CurationTestSet.paragraphs(files: [("public_en.txt", 1 << 20)], minWords: 20)
        let other = try CurationTestSet.paragraphs(files: [("public_multi.txt", 4 << 20)], minWords: 20)
            .filter { $0.unicodeScalars.filter { $0.value > 0x7F }.count > 5 }
        let train = 300
        let classifier = try QualityClassifier.train(positive: Array(english.prefix(train)), negative: Array(other.prefix(train)),
                                                     features: try HashedNGramFeatures(n: 2, buckets: 1 << 16))
        let heldEnglish = english.dropFirst(train).prefix(200), heldOther = other.dropFirst(train).prefix(200)
        #expect(heldEnglish.count == 200 && heldOther.count == 200)
        let correct = heldEnglish.filter { classifier.score($0) >= 0.5 }.count + heldOther.filter { classifier.score($0) < 0.5 }.count
        let accuracy = Double(correct) / Double(heldEnglish.count + heldOther.count)
        print("quality classifier held-out accuracy: \(accuracy) on \(heldEnglish.count + heldOther.count) paragraphs")
        #expect(accuracy > 0.9)
        let reloaded = try { () throws -> QualityClassifier in
            let scratch = Scratch()
            try Data(classifier.json).write(to: URL(fileURLWithPath: scratch.file("model.json")))
            return try QualityClassifier.load(path: scratch.file("model.json"))
        }()
        #expect(abs(reloaded.score(english[train]) - classifier.score(english[train])) < 1e-12)
    }
}
