import Foundation
import Testing
import TokkitCorpus
@testable import TokkitPrep

/// The curation stages listed in a `tokkit prep` configuration against the same stages run as
/// their subcommands, chained by hand: one implementation, so the same bytes.
@Suite("Prep pipelines with curation stages")
struct PrepPipelineTests {
    /// Inputs of the fixtures in rotated order (every paragraph recurs across inputs), an eval file,
    /// and DSIR/classifier example files: paragraphs made JSONL records (the stages read their
    /// example files as they read their inputs).
    static let setup = """
        mkdir in
        files=("$FIXTURES"/*.txt)
        for i in 0 1 2 3; do
          for j in $(seq 0 $((${#files[@]} - 1))); do cat "${files[$(( (i + j) % ${#files[@]} ))]}"; echo; echo; done > in/0$i.txt
        done
        "$TOKKIT" select score in --docs paragraphs --keep-missing -o j 2>/dev/null
        "$TOKKIT" select score "$FIXTURES/english-prose.txt" --docs paragraphs --keep-missing -o t 2>/dev/null
        "$TOKKIT" select score "$FIXTURES/code-python.txt" --docs paragraphs --keep-missing -o n 2>/dev/null
        mv t/00000.jsonl target.jsonl; mv n/00000.jsonl negative.jsonl
        head -c 3000 "$FIXTURES/english-prose.txt" > eval.txt
        """

    static let stages = """
        inputs: ["j/*.jsonl"]
        stages:
          - length: {min: 3}
          - minhash_dedup: {keep: datatrove, clusters: clusters.tsv}
          - exact_dedup: {normalize: simplified}
          - line_dedup: {span_lines: 2, min_doc_words: 5, min_sentences: 1}
          - decontaminate: {eval: [eval.txt], eval_format: lines, ngram: 8, mode: flag}
          - score_threshold: {keep_missing: true}
          - quality_classifier: {positive: [target.jsonl], negative: [negative.jsonl], buckets: 4096, threshold: 0.2}
          - dsir: {target: [target.jsonl], k: 40, seed: 3, min_length: 5, buckets: 2048}
        """

    /// The same stages as subcommands, each reading the previous one's files; `$1` changes one of them.
    static let chained = """
        "$TOKKIT" prep f.yaml -o c1 --quiet \\
        && "$TOKKIT" dedup minhash c1/*.jsonl --keep datatrove -o c2 --quiet \\
        && "$TOKKIT" dedup exact c2/*.jsonl --normalize simplified -o c3 --quiet \\
        && "$TOKKIT" dedup lines c3/*.jsonl --span-lines ${SPAN:-2} --min-doc-words 5 --min-sentences 1 -o c4 --quiet \\
        && "$TOKKIT" decontaminate c4/*.jsonl --eval eval.txt --eval-format lines --ngram 8 --mode flag -o c5 --quiet \\
        && "$TOKKIT" select score c5/*.jsonl --keep-missing -o c6 2>/dev/null \\
        && "$TOKKIT" select classifier c6/*.jsonl --positive target.jsonl --negative negative.jsonl --buckets 4096 --threshold 0.2 -o c7 2>/dev/null \\
        && "$TOKKIT" select dsir c7/*.jsonl --target target.jsonl -k 40 --seed 3 --min-length 5 --buckets 2048 -o c8 2>/dev/null
        """

    @Test("every curation stage in a prep configuration writes the bytes of its subcommand, and a changed setting is caught")
    func sameBytesAsTheSubcommands() throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.setup + """

            cat > p.yaml <<'YAML'
            \(Self.stages)
            YAML
            printf 'inputs: ["j/*.jsonl"]\\nstages:\\n  - length: {min: 3}\\n' > f.yaml
            "$TOKKIT" prep p.yaml -o P --threads 2 2>p.err || { cat p.err; echo status=9; exit 0; }
            \(Self.chained) || { echo "chain failed"; echo status=8; exit 0; }
            for f in P/0000?.jsonl; do cmp -s "$f" "c8/$(basename $f)" && echo "same $(basename $f) $(wc -l < $f)" || echo "DIFFER $f"; done
            cmp -s clusters.tsv c2/clusters.tsv || echo "DIFFER clusters"
            ls P/steps | tr '\\n' ' '; echo
            # A planted change (3-line spans instead of 2) must be seen by the same comparison.
            rm -rf c?; SPAN=3; \(Self.chained)
            for f in P/0000?.jsonl; do cmp -s "$f" "c8/$(basename $f)" || echo "planted differs $(basename $f)"; done
            cat p.err
            echo status=0
            """)
        print(outcome.stdout)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(!outcome.stdout.contains("DIFFER"), "\(outcome.stdout)")
        #expect(outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("same ") }.count == 4, "\(outcome.stdout)")
        // The selected documents are not all in one file, and the planted change shows in the output.
        #expect(outcome.stdout.contains("planted differs"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("01-filters 02-minhash_dedup 03-exact_dedup 04-line_dedup 05-decontaminate 06-score_threshold 07-quality_classifier 08-dsir"),
                "\(outcome.stdout)")
        // The statistics table has a row per stage, the dedup rows with their reasons.
        for row in ["exact_dedup", "duplicate", "near_duplicate", "line_dedup", "decontaminate", "dsir", "not_selected", "quality_classifier"] {
            #expect(outcome.stdout.contains(row), "\(row) missing from \(outcome.stdout)")
        }
    }

    @Test("a corpus stage's mistakes are named with their line, and a pipeline refuses ranks and --explain")
    func configurationErrors() throws {
        let scratch = Scratch()
        func load(_ yaml: String) throws -> PrepConfiguration {
            try yaml.write(toFile: scratch.file("c.yaml"), atomically: true, encoding: .utf8)
            return try PrepConfiguration.load(path: scratch.file("c.yaml"))
        }
        let reading = CorpusInput(inputs: [])
        func message(_ yaml: String) -> String {
            do { _ = try load(yaml).steps(reading: reading); return "no error" } catch { return "\(error)" }
        }
        #expect(message("stages:\n  - minhash_dedup: {rows: 0}\n").contains("rows must be at least 1"))
        #expect(message("stages:\n  - minhash_dedup: {bands: 3}\n").contains("bands"))
        #expect(message("stages:\n  - minhash_dedup: {bands: 3}\n").contains("line 2"))
        #expect(message("stages:\n  - dsir: {k: 5}\n").contains("target"))
        #expect(message("stages:\n  - line_dedup: {false_positive_rate: 0.01}\n").contains("expected_spans"))
        #expect(message("stages:\n  - decontaminate: {eval: [e.txt], eval_format: xml}\n").contains("eval_format"))
        #expect(message("stages:\n  - quality_classifier: {threshold: 0.5}\n").contains("positive and negative"))
        #expect(message("stages:\n  - exact_dedup: {normalize: simplified}\n  - pii: {}\n") == "no error")
        let steps = try load("stages:\n  - length: {min: 1}\n  - pii: {}\n  - exact_dedup: {}\n  - length: {min: 2}\n").steps(reading: reading)
        #expect(steps.map(\.name) == ["filters", "exact_dedup", "filters"])
        // Document-by-document callers (the C ABI's in-memory filter, --explain) are told why not.
        #expect(throws: PrepError.self) { try load("stages:\n  - exact_dedup: {}\n").stages() }
        // Built through a request (the CLI, the C ABI), a stage's mistake also names the file.
        var request = PrepRequest()
        request.configurationPath = scratch.file("c.yaml")
        for (yaml, build) in [("stages:\n  - length: {min: 1}\n  - minhash_dedup: {bandz: 3}\n", true),
                              ("stages:\n  - length: {min: 1}\n  - gopher_quality: {min_doc_wrds: 3}\n", false)] {
            try yaml.write(toFile: scratch.file("c.yaml"), atomically: true, encoding: .utf8)
            let configuration = try request.configuration()
            let error = #expect(throws: PrepError.self) { _ = build ? try request.steps(configuration).count : try request.stages(configuration).count }
            #expect(error?.description.hasPrefix(scratch.file("c.yaml") + ": line 3: unknown") == true, "\(String(describing: error))")
        }
        var options = PrepRun.Options(inputs: ["x"], outputDirectory: scratch.file("o"), plan: try RankPartition(rank: 0, worldSize: 2), fingerprint: "f")
        options.threads = 1
        #expect(throws: PrepError.self) { try PrepPipeline(options: options, steps: steps) }
    }
}
