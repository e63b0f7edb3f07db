import Foundation
import Testing

/// The commands added in session 9 (prep, dedup, decontaminate, select, mix), tried as a hostile
/// user: kill -9 and rerun, SIGTERM, full and closed standard output, and reading what an interrupted
/// run left.
@Suite("Failure: curation commands")
struct CurationFailureTests {
    /// (`decontaminate` and `select` write through the same ``CuratedOutput`` as `dedup`; they are left
    /// out of the kill test for time: a debug build needs minutes for this corpus under load.)
    ///
    /// Four JSONL files of 20,000 documents each (some duplicated), a prep configuration, an evaluation set.
    static let corpus = #"""
        awk 'BEGIN { srand(7); split("alpha beta gamma delta epsilon zeta eta theta iota kappa", w, " ");
          for (f = 0; f < 4; f++) { file = "in" f ".jsonl";
            for (i = 0; i < 20000; i++) { line = ""; for (k = 0; k < 24; k++) line = line w[int(rand() * 10) + 1] " ";
              printf "{\"text\": \"%s%d\"}\n", line, (i % 1000) > file } } }'
        printf 'stages:\n  - length:\n      min: 5\n' > prep.yaml
        printf '{"text": "alpha beta gamma delta epsilon zeta eta theta iota kappa alpha beta gamma"}\n' > eval.jsonl
        printf 'tokenizer: gpt2\nsources:\n  - name: a\n    inputs: [in0.jsonl, in1.jsonl]\n    weight: 1\n  - name: b\n    inputs: [in2.jsonl]\n    weight: 2\n' > mix.yaml
        printf 'tokenizer: gpt2\nsources:\n  - name: a\n    inputs: [in0.jsonl]\n    weight: 1\n' > mix1.yaml
        """#

    @Test("prep killed at seeded random moments resumes to output byte-identical to an uninterrupted run, with no temporaries left",
          arguments: [5, 17])
    func prepResume(seed: Int) throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.corpus + "\n" + #"""
            RANDOM=\#(seed)
            "$TOKKIT" prep prep.yaml in0.jsonl in1.jsonl in2.jsonl in3.jsonl -o ref --quiet --threads 2 || exit 9
            kills=0
            for attempt in 1 2 3 4; do
              "$TOKKIT" prep prep.yaml in0.jsonl in1.jsonl in2.jsonl in3.jsonl -o out --quiet --threads 2 --resume >/dev/null 2>&1 & pid=$!
              sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
              kill -9 $pid 2>/dev/null && kills=$((kills + 1))
              wait $pid 2>/dev/null
            done
            "$TOKKIT" prep prep.yaml in0.jsonl in1.jsonl in2.jsonl in3.jsonl -o out --quiet --threads 2 --resume; echo status=$?
            echo "kills=$kills"
            (cd ref && sha256sum *.jsonl) > ref.sums; (cd out && sha256sum *.jsonl) > out.sums
            cmp -s ref.sums out.sums && echo identical
            find out -name '.*tmp*' -o -name '*.partial' | sed 's/^/LEFT /'
            """#)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stdout.contains("identical"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("LEFT"), "temporaries of killed runs are left: \(outcome.stdout)")
    }

    /// Deterministic form of the kill test's last check (seed 5 of it once left `completions/.00000.tmp-<pid>`:
    /// killed while writing a marker, whose temporary nothing removed). Every file a resumed run rewrites has
    /// a dead process's temporary planted beside it; one of a live process (this shell) must be kept.
    @Test("a resumed prep or curation run removes the temporaries a killed run left of each file it rewrites, not a live process's",
          arguments: ["prep prep.yaml in0.jsonl in1.jsonl --threads 2", "dedup exact in0.jsonl in1.jsonl"])
    func staleTemporaries(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.corpus + "\n" + #"""
            "$TOKKIT" \#(command) -o out --removed --quiet >/dev/null || exit 9
            sh -c 'exit 0' & dead=$!; wait $dead
            rm out/completions/00001
            planted="out/.00001.jsonl.tmp-$dead out/removed/.00001.jsonl.tmp-$dead out/completions/.00001.tmp-$dead"
            # prep (one pass) writes its rank's statistics; a curation stage marks its directory incomplete.
            [ -d out/stats ] && planted="$planted out/stats/.00000.json.tmp-$dead" || planted="$planted out/..tokkit-incomplete.tmp-$dead"
            for f in $planted; do : > "$f"; done
            : > "out/completions/.00001.tmp-$$"
            echo "planted $(echo $planted | wc -w)"
            "$TOKKIT" \#(command) -o out --removed --quiet --resume >/dev/null; echo status=$?
            find out -name '.*tmp*' | sort | sed "s/$$\$/LIVE/; s/^/LEFT /"
            """#)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stdout.contains("planted 4"), "\(outcome.stdout)")
        let left = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("LEFT ") }
        #expect(left == ["LEFT out/completions/.00001.tmp-LIVE"], "\(outcome.stdout)")
    }

    @Test("SIGTERM during prep or dedup removes the temporary files (they were not registered for removal)",
          arguments: ["prep prep.yaml in0.jsonl in1.jsonl in2.jsonl in3.jsonl -o out --threads 2 --quiet",
                      "dedup exact in0.jsonl in1.jsonl in2.jsonl in3.jsonl -o out --removed"])
    func terminated(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.corpus + "\n" + #"""
            "$TOKKIT" \#(command) >/dev/null 2>&1 & pid=$!
            for i in $(seq 1 200); do ls out/.*tmp* >/dev/null 2>&1 && break; sleep 0.02; done
            kill -TERM $pid; wait $pid; echo status=$?
            find out -name '.*tmp*' | sed 's/^/LEFT /'
            """#)
        #expect(outcome.reported == 143, "\(outcome.stdout) \(outcome.stderr)")
        #expect(!outcome.stdout.contains("LEFT"), "\(outcome.stdout)")
    }

    @Test("a curation run killed half way leaves a directory that says so: a rerun and a reader refuse it instead of taking part of it",
          arguments: ["dedup exact in0.jsonl in1.jsonl in2.jsonl in3.jsonl -o out", "mix mix.yaml -o out"])
    func killedCuration(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.corpus + "\n" + #"""
            "$TOKKIT" \#(command) >/dev/null 2>&1 & pid=$!
            for i in $(seq 1 3000); do [ -n "$(find out -name '0000[0-9].jsonl' 2>/dev/null)" ] && break; sleep 0.02; done
            kill -9 $pid; wait $pid 2>/dev/null
            find out -name '0000[0-9].jsonl' | head -1 | sed 's/^/HAS /'
            "$TOKKIT" \#(command) >/dev/null 2>rerun.txt; echo "rerun=$?"; cat rerun.txt
            "$TOKKIT" dedup exact out -o again >/dev/null 2>read.txt; echo status=$?; cat read.txt
            """#)
        #expect(outcome.stdout.contains("HAS "), "killed before any output file: \(outcome.stdout)")
        #expect(outcome.stdout.contains("rerun=1") && outcome.stdout.contains("interrupted run"), "\(outcome.stdout)")
        #expect(outcome.reported == 1, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("the output of an interrupted tokkit run"), "\(outcome.stdout)")
    }

    @Test("a full or closed standard output is an error with a message for the curation commands",
          arguments: ["mix mix1.yaml -o out", "prep prep.yaml in0.jsonl -o out", "dedup exact in0.jsonl -o out",
                      "select score in0.jsonl -o out --keep-missing", "count reduce c.counts -o r.counts"])
    func fullStandardOutput(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(Self.corpus + "\n" + #"""
            "$TOKKIT" count in0.jsonl --jsonl-field text -o c.counts --quiet || exit 9
            "$TOKKIT" \#(command) >/dev/full 2>full.txt; echo "full=$?"; cat full.txt
            rm -rf out r.counts
            "$TOKKIT" \#(command) >&- 2>closed.txt; echo status=$?; cat closed.txt
            """#)
        // A command that prints nothing on stdout may succeed; one that prints must fail and say so.
        for (label, text) in [("full", outcome.stdout), ("closed", outcome.stdout)] {
            #expect(!text.contains("=132") && !text.contains("=134") && !text.contains("=139"), "\(label): \(text)")
        }
        if outcome.stdout.contains("full=1") {
            #expect(outcome.stdout.contains("cannot write to standard output"), "\(outcome.stdout)")
        }
    }
}
