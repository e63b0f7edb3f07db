import Foundation
import Testing
import Tokkit

/// The whole training pipeline as users run it (`TrainingPipeline`, what `tokkit train` calls) —
/// documents read by `DocumentReader`, pre-split, counted on several threads, merged by `BPETrainer`,
/// written in three formats — against Hugging Face's `BpeTrainer`
/// fed the same documents through `train_from_iterator`, on real text. Then the three files tokkit
/// writes are loaded by tiktoken, by `tokenizers` and by tokkit, which must all give the same ids.
@Suite("Training pipeline parity with the real tokenizers and tiktoken", .serialized)
struct TrainingPipelineParityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var corpus: String
        var bytes: Int
        var pattern: SplitPattern
        var vocabularySize: Int
        var testDescription: String { "\(corpus) first \(bytes / 1000) KB, \(pattern), vocab \(vocabularySize)" }
    }

    /// Trains with `TrainingPipeline`, the library call `tokkit train` makes, writing every format into `folder`.
    static func train(_ documentsFile: String, pattern: SplitPattern, vocabularySize: Int, threads: Int,
                      specials: [String] = [], into folder: String) throws -> TrainingPipeline.Summary {
        let reader = try DocumentReader(inputs: [documentsFile], format: .text(.lines))
        let configuration = TrainerConfiguration(vocabularySize: vocabularySize, specialTokens: specials.map { Array($0.utf8) })
        let pipeline = try TrainingPipeline(configuration: configuration, pattern: pattern, threads: threads)
        return try pipeline.run(reader: reader, output: .init(folder: folder, name: "trained"))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("merges equal HF's, merge for merge", arguments: [
        Case(corpus: "public_en.txt", bytes: 1_500_000, pattern: .gpt2, vocabularySize: 8192),
        Case(corpus: "public_multi.txt", bytes: 1_200_000, pattern: .cl100k, vocabularySize: 4096),
    ])
    func merges(_ parity: Case) throws {
        let scratch = Scratch()
        let documents = scratch.file("documents.txt")
        try FileIO.writeAtomically(try Repository.corpusPrefix(parity.corpus, bytes: parity.bytes), to: documents)
        let ours = try Self.train(documents, pattern: parity.pattern, vocabularySize: parity.vocabularySize, threads: 2,
                                  into: scratch.file("vocabulary"))
            .trained.mergedBytes.map { [Self.hex($0.left), Self.hex($0.right)] }
        let mergesFile = scratch.file("hf-merges.json")
        let result = try Subprocess.run("/usr/bin/env", [
            "python3", Repository.path("scripts/reference/hf_train.py"), documents, "--vocab", String(parity.vocabularySize),
            "--pattern", HuggingFaceTokenizerFile.onigurumaPattern(parity.pattern.regex), "--output", mergesFile,
        ])
        guard result.status == 0 else { throw TestSetupError("hf_train.py failed: \(result.stderr)") }
        let theirs = try JSONDecoder().decode([[String]].self, from: Data(contentsOf: URL(fileURLWithPath: mergesFile)))
        #expect(ours.count == parity.vocabularySize - 256)
        #expect(ours.count == theirs.count)
        let first = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(first == nil, "first difference at merge \(first?.offset ?? -1): tokkit \(first?.element.0 ?? []) vs HF \(first?.element.1 ?? [])")
    }

    @Test("the trained vocabulary is identical across thread counts")
    func threadIndependence() throws {
        let scratch = Scratch()
        let documents = scratch.file("documents.txt")
        try FileIO.writeAtomically(try Repository.corpusPrefix("public_multi.txt", bytes: 300_000), to: documents)
        let one = try Self.train(documents, pattern: .gpt2, vocabularySize: 2000, threads: 1, into: scratch.file("one"))
        let three = try Self.train(documents, pattern: .gpt2, vocabularySize: 2000, threads: 3, into: scratch.file("three"))
        #expect(one.trained == three.trained)
        for name in ["tokenizer.json", "trained.tiktoken", "encoder.json", "vocab.bpe"] {
            #expect(try FileIO.read(scratch.file("one/" + name)) == FileIO.read(scratch.file("three/" + name)), "\(name) differs")
        }
    }

    @Test("tokenizer.json, .tiktoken and encoder.json+vocab.bpe give the same ids in tokkit, tokenizers and tiktoken")
    func writtenFilesAgree() throws {
        let scratch = Scratch()
        let documents = scratch.file("documents.txt")
        try FileIO.writeAtomically(try Repository.corpusPrefix("public_en.txt", bytes: 600_000), to: documents)
        let folder = scratch.file("vocabulary")
        let vocabulary = try Self.train(documents, pattern: .gpt2, vocabularySize: 4096, threads: 2, specials: ["<|endoftext|>"],
                                        into: folder).vocabulary
        let hfPath = folder + "/tokenizer.json"
        let tiktokenPath = folder + "/trained.tiktoken"
        let encoderPath = folder + "/encoder.json"

        // Text the vocabulary was not trained on: held-out corpus lines, every fixture but the special-token one.
        var text = Array(try Repository.corpusPrefix("public_en.txt", bytes: 900_000).dropFirst(600_000))
        for name in Repository.fixtureNames where name != "special-tokens.txt" { text += try Repository.fixture(name) }

        let fromHF = try TokenizerLoader.load(hfPath)
        let fromTiktoken = try TokenizerLoader.load(tiktokenPath, pattern: .gpt2, specialTokens: vocabulary.specialTokens)
        let fromGPT2 = try TokenizerLoader.load(encoderPath)
        let ours = try fromHF.encode(bytes: text, disallowedSpecial: .none)
        #expect(try fromTiktoken.encode(bytes: text, disallowedSpecial: .none) == ours)
        #expect(try fromGPT2.encode(bytes: text, disallowedSpecial: .none) == ours)
        let huggingFace = try Reference.huggingFaceIDs(tokenizerFile: hfPath, text: text)
        #expect(huggingFace == ours, "tokenizers: \(firstDifference(huggingFace, ours))")
        let tiktoken = try Reference.tiktokenIDs(vocabularyFile: tiktokenPath, pattern: .gpt2, text: text)
        #expect(tiktoken == ours, "tiktoken: \(firstDifference(tiktoken, ours))")
    }
}
