import Foundation
import Testing

/// Option values every command refuses the same way, with a reason instead of "Missing value".
@Suite("Failure: option validation")
struct ValidationTests {
    @Test("contradictory or out-of-range options are refused with the reason", arguments: [
        (#"echo hi | "$TOKKIT" encode --allow-special all --ordinary"#, "cannot be combined with --allow-special"),
        (#"echo hi | "$TOKKIT" encode --allow-special '<|endoftext|>' --disallow-special '<|endoftext|>'"#, "is both allowed and disallowed"),
        (#""$TOKKIT" train "$FIXTURES/english-prose.txt" --pattern gpt2 --pattern-regex 'x' --vocab-size 300 -o v"#, "give --pattern or --pattern-regex, not both"),
        (#""$TOKKIT" count "$FIXTURES/english-prose.txt" --pattern gpt2 --pattern-regex 'x' -o c"#, "give --pattern or --pattern-regex, not both"),
        (#"echo hi | "$TOKKIT" encode --threads 0"#, "--threads must be at least 1, not 0"),
        (#"echo hi | "$TOKKIT" encode --threads -1"#, "--threads must be at least 1, not -1"),
        (#""$TOKKIT" count "$FIXTURES/english-prose.txt" --threads -1 -o c"#, "--threads must be at least 1, not -1"),
        (#""$TOKKIT" train "$FIXTURES/english-prose.txt" --threads 0 --vocab-size 300 -o v"#, "--threads must be at least 1, not 0"),
        (#""$TOKKIT" shard "$FIXTURES/english-prose.txt" --threads -2 -o s"#, "--threads must be at least 1, not -2"),
        (#""$TOKKIT" roundtrip --random -3"#, "--random must be 0 or more, not -3"),
        (#""$TOKKIT" roundtrip --max-length -1"#, "--max-length must be 0 or more, not -1"),
        (#""$TOKKIT" compare --timing-ms -5"#, "--timing-ms must be 0 or more, not -5"),
        (#""$TOKKIT" select dsir "$FIXTURES/english-prose.txt" -k -5 --target x -o s"#, "-k must be at least 0, not -5"),
        (#""$TOKKIT" select classifier "$FIXTURES/english-prose.txt" --epochs -1 -o s"#, "--epochs must be at least 1, not -1"),
        (#""$TOKKIT" dedup minhash "$FIXTURES/english-prose.txt" --rows -1 -o d"#, "--rows must be at least 1, not -1"),
        (#""$TOKKIT" dedup minhash "$FIXTURES/english-prose.txt" --threshold -0.5 -o d"#, "--threshold must be in (0, 1], not -0.5"),
        (#""$TOKKIT" dedup lines "$FIXTURES/english-prose.txt" --min-doc-words -2 -o d"#, "--min-doc-words must be at least 0, not -2"),
        (#""$TOKKIT" dedup lines "$FIXTURES/english-prose.txt" --precision 16 -o d"#, "--precision must be 32 or 64, not 16"),
        (#""$TOKKIT" decontaminate "$FIXTURES/english-prose.txt" --ngram -13 -o d"#, "--ngram must be at least 1, not -13"),
        (#""$TOKKIT" dedup exact "$FIXTURES/english-prose.txt" --threads -1 -o d"#, "--threads must be at least 1, not -1"),
    ])
    func refused(command: String, message: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command); echo status=$?")
        #expect(outcome.reported == 64, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }
}

/// JSONL lines that are dropped or misread.
@Suite("Failure: JSONL lines")
struct JSONLLineTests {
    @Test("--skip-bad-lines says how many lines it skipped, in encode, count and shard", arguments: [
        #""$TOKKIT" encode bad.jsonl --jsonl-field text --skip-bad-lines > /dev/null"#,
        #""$TOKKIT" count bad.jsonl --jsonl-field text --skip-bad-lines -o c.counts --quiet"#,
        #""$TOKKIT" shard bad.jsonl --jsonl-field text --skip-bad-lines -o s > /dev/null"#,
    ])
    func skippedCount(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run(#"""
            printf '{"text": "hello world"}\nnot json\n{"other": 1}\n{"text": "again"}\n' > bad.jsonl
            """# + "\n\(command); echo status=$?")
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("warning: skipped 2 lines"), "\(outcome.stderr)")
    }

    @Test("invalid UTF-8 inside a JSON string is named as such, and --lossy repairs it")
    func invalidUTF8InString() throws {
        let shell = FaultShell()
        let outcome = try shell.run(#"""
            printf '{"text": "ab\xffcd"}\n' > bad.jsonl
            "$TOKKIT" encode bad.jsonl --jsonl-field text; echo "strict=$?"
            "$TOKKIT" encode bad.jsonl --jsonl-field text --lossy > lossy.txt; echo status=$?
            printf 'ab\xef\xbf\xbdcd' | "$TOKKIT" encode > repaired.txt
            cmp -s lossy.txt repaired.txt && echo same-as-U+FFFD
            """#)
        #expect(outcome.stdout.contains("strict=1"))
        #expect(outcome.stderr.contains("bad.jsonl:1: invalid UTF-8 at byte offset 12"), "\(outcome.stderr)")
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("same-as-U+FFFD"), "\(outcome.stdout)")
    }
}
