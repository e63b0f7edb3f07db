import ArgumentParser
import Tokkit

/// How many worker threads a command uses: one option, one rule, in every command that has workers.
struct RunOptions: ParsableArguments {
    // `.unconditional`: `--threads -1` is a value to refuse with a reason, not a missing value.
    @Option(name: .long, parsing: .unconditional, help: "Worker threads (default: all cores). The output does not depend on it.")
    var threads: Int = Tokenizer.defaultThreadCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, not \(threads)") }
    }
}
