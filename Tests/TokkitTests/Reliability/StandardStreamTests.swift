import Foundation
import Testing

/// Standard output and error that cannot be written, closed, or closed by the reader: every command
/// exits non-zero with the system's reason, or (a broken pipe) quietly, and never traps.
@Suite("Failure: standard streams")
struct StandardStreamTests {
    /// One invocation per command that prints data on stdout.
    static let printingCommands: [String] = [
        #""$TOKKIT" encode "$FIXTURES/english-prose.txt""#,
        #"echo 31373 | "$TOKKIT" decode"#,
        #""$TOKKIT" compare --no-speed "$FIXTURES/english-prose.txt""#,
        #""$TOKKIT" inspect --vocab gpt2"#,
        #""$TOKKIT" show "$FIXTURES/english-prose.txt""#,
        #""$TOKKIT" roundtrip "$FIXTURES/english-prose.txt" --vocab gpt2 --random 5 --seed 1"#,
    ]

    @Test("a full disk on stdout is an error naming standard output, for every command", arguments: printingCommands)
    func stdoutFull(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command) > /dev/full; echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("cannot write to standard output: No space left on device"), "\(outcome.stderr)")
    }

    @Test("a closed stdout is an error, not a trap", arguments: printingCommands)
    func stdoutClosed(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command) >&-; echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("cannot write to standard output: Bad file descriptor"), "\(outcome.stderr)")
    }

    @Test("shard verify on a full stdout fails instead of claiming success")
    func shardVerifyFull() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            "$TOKKIT" shard "$FIXTURES/english-prose.txt" -o shards --shard-tokens 300 --threads 1 2>/dev/null >/dev/null || exit 9
            "$TOKKIT" shard verify shards > /dev/full; echo status=$?
            """)
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("cannot write to standard output"))
    }

    @Test("a full stderr makes train fail without a trap and without a partial vocabulary")
    func stderrFull() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            "$TOKKIT" train "$FIXTURES/english-prose.txt" --vocab-size 300 -o out 2>/dev/full; echo status=$?
            """)
        #expect(outcome.reported == 1, "\(outcome.stdout)")
        #expect(!outcome.trapped)
    }

    @Test("a reader that stops early (| head) ends the command quietly with 0 or 141, as Unix tools do")
    func brokenPipe() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            yes 'hello world, again and again' | head -c 4000000 > big.txt
            "$TOKKIT" encode big.txt --docs lines --threads 1 2>err.txt | head -c 100 > /dev/null; echo status=${PIPESTATUS[0]}
            cat err.txt
            """)
        let status = try #require(outcome.reported)
        #expect(status == 0 || status == 141, "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("rror"), "\(outcome.stdout)")
    }

    @Test("reading ids from a directory, a closed stdin or /proc/self/mem is an error with the reason", arguments: [
        #""$TOKKIT" decode < "$FIXTURES""#,
        #""$TOKKIT" decode <&-"#,
        #""$TOKKIT" shard inspect "$FIXTURES""#,
        #""$TOKKIT" shard inspect /proc/self/mem"#,
    ])
    func unreadableInput(command: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command); echo status=$?")
        #expect(outcome.reported == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("cannot read"), "\(outcome.stderr)")
    }
}
