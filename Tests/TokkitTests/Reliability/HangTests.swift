import Foundation
import Testing

/// Inputs that used to make a command run forever. Each case runs under `timeout 120`, so the old
/// behaviour fails the test (status 124) instead of hanging the suite.
@Suite("Failure: hangs")
struct HangTests {
    @Test("a catastrophically backtracking --pattern-regex is a typed 'pattern too slow' error in encode and train", arguments: [
        #"printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' | timeout 120 "$TOKKIT" encode --pattern-regex '(a+)+$'"#,
        #"printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n' > in.txt; timeout 120 "$TOKKIT" train in.txt --pattern-regex '(a+)+$' --vocab-size 300 -o v"#,
    ])
    func slowPattern(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command); echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("pattern too slow at offset 0"), "\(outcome.stderr)")
    }

    @Test("a FIFO inside an input directory is skipped with a warning, not opened", arguments: [
        #"timeout 120 "$TOKKIT" encode d > /dev/null"#,
        #"timeout 120 "$TOKKIT" compare --no-speed d > /dev/null"#,
        #"timeout 120 "$TOKKIT" train d --vocab-size 300 -o v --quiet"#,
        #"timeout 120 "$TOKKIT" roundtrip d --random 1 > /dev/null"#,
    ])
    func fifoInDirectory(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            mkdir d && cp "$FIXTURES/english-prose.txt" d/ && mkfifo d/pipe.txt || exit 9
            \(command); echo status=$?
            """)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("d/pipe.txt: skipped: a FIFO"), "\(outcome.stderr)")
    }

    @Test("a symbolic link loop inside an input directory is skipped with a warning")
    func symlinkLoop() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            mkdir -p d/sub && cp "$FIXTURES/english-prose.txt" d/sub/ && ln -s .. d/sub/up && ln -s self d/self || exit 9
            timeout 120 "$TOKKIT" encode d > ids.txt; echo status=$?
            wc -l < ids.txt
            """)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("d/sub/up: skipped: a symbolic link loop"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("d/self: skipped: a symbolic link loop"), "\(outcome.stderr)")
    }

    @Test("an input directory without regular files is the same error for every command", arguments: [
        #""$TOKKIT" encode empty"#,
        #""$TOKKIT" show empty"#,
        #""$TOKKIT" count empty -o c.counts"#,
        #""$TOKKIT" train empty --vocab-size 300 -o v"#,
        #""$TOKKIT" shard empty -o s"#,
    ])
    func emptyDirectory(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("mkdir empty; \(command); echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("empty: the directory holds no regular files"), "\(outcome.stderr)")
    }

    @Test("the shard manifest is not rewritten per shard: 2,000 small shards finish quickly")
    func manyShards() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            yes 'a few words of text for many small shards' | head -n 8000 > in.txt
            start=$(date +%s)
            timeout 120 "$TOKKIT" shard in.txt -o s --docs lines --shard-tokens 40 --threads 1 2>/dev/null >/dev/null; echo "status=$?"
            echo "seconds=$(( $(date +%s) - start ))"
            ls s | wc -l
            """)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        let seconds = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("seconds=") }.flatMap { Int($0.dropFirst(8)) }
        #expect((seconds ?? 999) < 30, "\(outcome.stdout)")
    }
}
