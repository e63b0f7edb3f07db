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
    ])
    func refused(command: String, message: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("\(command); echo status=$?")
        #expect(outcome.reported == 64, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }
}
