import Foundation
import Testing

/// The README's "mix to a token budget, end to end" block, run word for word: it is the example a
/// user copies first, so it must work and must mean what it says (60/20/20 of 2M cl100k tokens).
/// The public corpus is replaced by fixtures under the same names; up-sampling makes up the size.
@Suite("README: the mix-to-token-budget example")
struct ReadmeMixTests {
    /// The first `bash` block after the README's mixing heading.
    static func example() throws -> String {
        let readme = try String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)
        guard let heading = readme.range(of: "Mixing the public corpus 60/20/20 to 2 million cl100k tokens, end to end"),
              let open = readme.range(of: "```bash\n", range: heading.upperBound..<readme.endIndex),
              let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex) else {
            throw TestSetupError("README.md has no mix example after its heading")
        }
        return String(readme[open.upperBound..<close.lowerBound])
    }

    @Test("the README's commands mix fixtures 60/20/20 to 2,000,000 cl100k tokens and report each source")
    func readmeExampleRuns() throws {
        let block = try Self.example()
        #expect(block.contains("tokkit prep mix.yaml") && block.contains("budget_tokens: 2000000"))
        let shell = FaultShell()
        let outcome = try shell.run("""
            mkdir corpus bin && ln -s "$FIXTURES" fixtures && ln -s "$TOKKIT" bin/tokkit
            cat "$FIXTURES/english-prose.txt" "$FIXTURES/urls-markup.txt" > corpus/public_en.txt
            cat "$FIXTURES"/lang-*.txt > corpus/public_multi.txt
            export PATH="$SCRATCH/bin:$PATH" TOKKIT_CORPUS="$SCRATCH/corpus"
            set -e
            \(block)
            echo status=0
            """)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        let reportPath = shell.scratch.directory + "/mixed/steps/04-mix/mix-report.json"
        let data = try #require(FileManager.default.contents(atPath: reportPath), "no \(reportPath): \(outcome.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sources = try #require(report["sources"] as? [[String: Any]])
        var written: [String: Int] = [:]
        for source in sources {
            let name = try #require(source["name"] as? String)
            let out = try #require(source["written"] as? [String: Int])
            let eligible = try #require(source["eligible"] as? [String: Int])
            let read = try #require(source["read"] as? [String: Int])
            // Before and after, in documents, bytes and tokens: the report the issue asks for.
            #expect((read["tokens"] ?? 0) > 0 && (read["tokens"] ?? 0) >= (eligible["tokens"] ?? 0) && (read["bytes"] ?? 0) > 0)
            print("README mix: \(name) eligible \(eligible["documents"] ?? 0) documents / \(eligible["tokens"] ?? 0) tokens → "
                  + "written \(out["documents"] ?? 0) documents / \(out["tokens"] ?? 0) tokens / \(out["bytes"] ?? 0) bytes, rate \(source["rate"] ?? 0)")
            written[name] = out["tokens"]
        }
        let total = written.values.reduce(0, +)
        #expect(abs(total - 2_000_000) <= 20_000, "total \(total)")
        for (name, share) in [("web", 0.6), ("manuals", 0.2), ("code", 0.2)] {
            let tokens = Double(written[name] ?? 0)
            #expect(abs(tokens - 2_000_000 * share) <= 2_000_000 * share * 0.02, "\(name): \(tokens)")
        }
        // The mix is the run's output, every document tagged with its source.
        let first = try String(contentsOfFile: shell.scratch.directory + "/mixed/00000.jsonl", encoding: .utf8)
        #expect(first.contains("\"mix_source\":\"web\""))
    }
}
