import Foundation
import Testing

/// `--vocab-size` far beyond what the corpus can give, or beyond the id type, and corpora that run out
/// of merges.
@Suite("Failure: training limits")
struct TrainingLimitTests {
    /// The peak memory the summary line reports, in megabytes.
    static func peakMegabytes(_ stderr: String) -> Double? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("memory   peak") }) else { return nil }
        let words = line.split(separator: " ")
        guard let value = words.dropLast().last.flatMap({ Double($0) }), let unit = words.last else { return nil }
        return unit == "GB" ? value * 1000 : unit == "KB" ? value / 1000 : value
    }

    @Test("a huge --vocab-size allocates for the merges the corpus allows, and says they ran out", arguments: ["20000000", "4294967296"])
    func hugeSize(size: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(#""$TOKKIT" train "$FIXTURES/english-prose.txt" --vocab-size "# + size + " -o v; echo status=$?")
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        let peak = try #require(Self.peakMegabytes(outcome.stderr), "\(outcome.stderr)")
        #expect(peak < 300, "peak \(peak) MB for a 4 KB corpus")
        #expect(outcome.stderr.contains("warning: the merges ran out after"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\(size) were asked for"))
    }

    @Test("a --vocab-size beyond 32-bit ids, or negative, is an error that says so", arguments: [
        ("9223372036854775807", "is too large: token ids are 32-bit"),
        ("4294967297", "is too large: token ids are 32-bit"),
        ("5000000000", "is too large: token ids are 32-bit"),
        ("-5", "vocabulary size -5 is too small"),
    ])
    func outOfRange(size: String, message: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(#""$TOKKIT" train "$FIXTURES/english-prose.txt" --vocab-size "# + size + " -o v; echo status=$?")
        #expect(outcome.reported == 1 || outcome.reported == 64, "\(outcome.stderr)")
        #expect(!outcome.trapped)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }

    @Test("training on one repeated character reports how many merges it made when they run out")
    func oneCharacter() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            head -c 2000000 /dev/zero | tr '\\0' a > a.txt
            "$TOKKIT" train a.txt --vocab-size 2000 -o v --quiet; echo status=$?
            """)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("warning: the merges ran out after"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("2000 were asked for"))
    }
}
