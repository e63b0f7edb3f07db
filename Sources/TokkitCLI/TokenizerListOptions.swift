import ArgumentParser
import Dispatch
import Foundation
import Tokkit

/// Several tokenizers for the commands that work on many at once (compare, roundtrip).
///
/// Each `--vocab` value carries its own pattern and label (`gpt2.tiktoken,pattern=o200k,label=mine`):
/// one repeated option whose values Argument Parser keeps in order, so nothing needs to know how
/// separate options interleaved on the command line.
struct TokenizerListOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A tokenizer: a bundled name (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base, qwen2), or a .tiktoken, tokenizer.json or encoder.json file, optionally followed by ,pattern=NAME (gpt2 | cl100k | o200k | qwen2; needed for a .tiktoken file that is not bundled), ,label=TEXT (its name in reports) and, last, ,pattern-regex=REGEX (a custom split pattern, to the end of the value). Repeat to compare several (default: gpt2, cl100k_base, o200k_base, qwen2).",
        valueName: "source[,key=value]..."))
    var vocab: [TokenizerSpec] = []

    func validate() throws {
        for spec in vocab {
            if let name = spec.pattern, PatternName(argument: name) == nil {
                throw ValidationError("unknown pattern \(name.debugDescription) for --vocab \(spec.source); known: \(PatternName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if spec.pattern != nil, spec.patternRegex != nil {
                throw ValidationError("--vocab \(spec.source) has two patterns (pattern= and pattern-regex=)")
            }
        }
    }

    /// What `compare` and `roundtrip` use when no `--vocab` is given: one tokenizer per generation
    /// of OpenAI's vocabularies, and Qwen's.
    static let defaultSources = ["gpt2", "cl100k_base", "o200k_base", "qwen2"]

    /// Loads every tokenizer (in parallel: loading a large vocabulary parses megabytes of base64).
    func load() throws -> [ComparedTokenizer] {
        let specs = vocab.isEmpty ? Self.defaultSources.map { TokenizerSpec(source: $0) } : vocab
        let slots = BatchSlots<Result<Tokenizer, TokenizerLoadError>>(count: specs.count)
        Parallelism.run(workers: specs.count) { index in
            let spec = specs[index]
            let pattern = spec.patternRegex.map { SplitPattern(regex: $0) } ?? spec.pattern.flatMap { PatternName(argument: $0)?.splitPattern }
            slots.set(index, Result { () throws(TokenizerLoadError) in try TokenizerLoader.load(spec.source, pattern: pattern) })
        }
        var tokenizers: [ComparedTokenizer] = []
        var seen: [String: Int] = [:]
        for (index, spec) in specs.enumerated() {
            guard let result = slots.take(index) else { throw CLIError("loading \(spec.source) did not finish") }
            var label = spec.label ?? spec.defaultLabel
            // Two --vocab giving the same label would make reports ambiguous.
            seen[label, default: 0] += 1
            if let count = seen[label], count > 1 { label += " #\(count)" }
            tokenizers.append(ComparedTokenizer(label: label, codec: try result.get()))
        }
        return tokenizers
    }
}

/// One `--vocab` of compare and roundtrip: `SOURCE[,pattern=NAME][,label=TEXT][,pattern-regex=REGEX]`.
struct TokenizerSpec: ExpressibleByArgument, Equatable {
    var source: String
    var pattern: String?
    var patternRegex: String?
    var label: String?

    init(source: String, pattern: String? = nil, patternRegex: String? = nil, label: String? = nil) {
        self.source = source
        self.pattern = pattern
        self.patternRegex = patternRegex
        self.label = label
    }

    private static let keys = [",pattern=", ",label=", ",pattern-regex="]

    /// Cuts the value at its `,key=` markers; `pattern-regex` takes the rest of the value (a regex may
    /// hold commas), the others run to the next marker. A key given twice makes the value invalid.
    init?(argument: String) {
        func nextMarker(in text: Substring) -> (range: Range<String.Index>, key: String)? {
            Self.keys.compactMap { key in text.range(of: key).map { ($0, key) } }.min { $0.range.lowerBound < $1.range.lowerBound }
        }
        var rest = argument[...]
        guard let first = nextMarker(in: rest) else {
            guard !argument.isEmpty else { return nil }
            self.init(source: argument)
            return
        }
        self.init(source: String(rest[..<first.range.lowerBound]))
        guard !source.isEmpty else { return nil }
        var marker: (range: Range<String.Index>, key: String)? = first
        while let current = marker {
            rest = rest[current.range.upperBound...]
            let value: Substring
            if current.key == ",pattern-regex=" {
                value = rest
                marker = nil
            } else {
                marker = nextMarker(in: rest)
                value = marker.map { rest[..<$0.range.lowerBound] } ?? rest
            }
            switch current.key {
            case ",pattern=":
                guard pattern == nil else { return nil }
                pattern = String(value)
            case ",label=":
                guard label == nil else { return nil }
                label = String(value)
            default:
                patternRegex = String(value)
            }
        }
    }

    /// The vocabulary's name or file name, with the pattern when one was given: `gpt2.tiktoken+o200k`.
    var defaultLabel: String {
        let base = NamedVocabulary.named(source)?.name ?? URL(fileURLWithPath: source).lastPathComponent
        if let pattern { return base + "+" + (PatternName(argument: pattern)?.rawValue ?? pattern) }
        if patternRegex != nil { return base + "+regex" }
        return base
    }
}
