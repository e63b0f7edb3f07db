import Foundation
import Testing

/// Inputs that used to make a command run forever. Each case runs under `timeout 120`, so the old
/// behaviour fails the test (status 124) instead of hanging the suite.
@Suite("Failure: hangs")
struct HangTests {
    @Test("a catastrophically backtracking --pattern-regex is a typed 'pattern too slow' error in encode and train", arguments: [
        #"printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' | timeout -s KILL 120 "$TOKKIT" encode --pattern-regex '(a+)+$'"#,
        #"printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n' > in.txt; timeout -s KILL 120 "$TOKKIT" train in.txt --pattern-regex '(a+)+$' --vocab-size 300 -o v"#,
    ])
    func slowPattern(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command); echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("pattern too slow at offset 0"), "\(outcome.stderr)")
    }

    @Test("a FIFO inside an input directory is skipped with a warning, not opened", arguments: [
        #"timeout -s KILL 120 "$TOKKIT" encode d > /dev/null"#,
        #"timeout -s KILL 120 "$TOKKIT" compare --no-speed d > /dev/null"#,
        #"timeout -s KILL 120 "$TOKKIT" train d --vocab-size 300 -o v --quiet"#,
        #"timeout -s KILL 120 "$TOKKIT" roundtrip d --random 1 > /dev/null"#,
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
            timeout -s KILL 120 "$TOKKIT" encode d > ids.txt; echo status=$?
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

    @Test("the shard manifest is not rewritten per shard: 2,000 small shards take seconds of CPU, not minutes")
    func manyShards() throws {
        let shell = FaultShell()
        // CPU time (user + system), not wall time: the machine may be shared, and the quadratic cost was CPU.
        let outcome = try shell.run("""
            yes 'a few words of text for many small shards' | head -n 8000 > in.txt
            TIMEFORMAT='cpu=%U+%S'
            { time timeout -s KILL 300 "$TOKKIT" shard in.txt -o s --docs lines --shard-tokens 40 --threads 1 >/dev/null 2>&1; } 2> cpu.txt
            echo "status=$?"
            cat cpu.txt
            ls s | wc -l
            """)
        #expect(outcome.reported == 0, "\(outcome.stdout) \(outcome.stderr)")
        let cpu = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("cpu=") }
            .map { $0.dropFirst(4).split(separator: "+").compactMap { Double($0) }.reduce(0, +) }
        #expect((cpu ?? 999) < 20, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("2001"), "\(outcome.stdout)")
    }
}
