import Foundation
import Testing
import Tokkit

/// `tokkit train` killed in the middle of a real corpus: nothing under a final name.
@Suite("Command line: train interrupted on real text")
struct TrainInterruptionTests {
    @Test("an interrupted run leaves no file that looks complete")
    func interrupted() throws {
        let scratch = Scratch()
        let out = scratch.file("out")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TokkitCommand.executable)
        let corpus = try Repository.corpusFile("public_multi.txt")
        process.arguments = ["train", corpus, "--vocab-size", "60000", "-o", out, "--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        // SIGKILL: the harshest interruption, no chance to clean up (the test runner may also ignore SIGINT,
        // which its children inherit).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(!left.contains { ["tokenizer.json", "vocab.tiktoken", "encoder.json", "vocab.bpe"].contains($0) }, "left \(left)")
    }
}
