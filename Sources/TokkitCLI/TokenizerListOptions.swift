import ArgumentParser
import Dispatch
import Foundation
import Tokkit

/// Several tokenizers for the commands that work on many at once (compare, roundtrip).
///
/// `--pattern`, `--pattern-regex` and `--label` belong to the `--vocab` written before them, as in
/// `--vocab gpt2 --vocab vocabularies/gpt2.tiktoken --pattern o200k`. Argument Parser keeps each
/// repeated option in its own array and forgets how they interleave, so the pairing is read from the
/// command line itself and checked against what Argument Parser parsed.
struct TokenizerListOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A tokenizer: a bundled name (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base, qwen2), or a .tiktoken, tokenizer.json or encoder.json file. Repeat to compare several (default: gpt2, cl100k_base, o200k_base, qwen2).",
        valueName: "name-or-path"))
    var vocab: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Split pattern (gpt2 | cl100k | o200k | qwen2) for the --vocab just before it; needed for a .tiktoken file that is not bundled.",
        valueName: "name"))
    var pattern: [String] = []

    @Option(name: .customLong("pattern-regex"), help: ArgumentHelp(
        "A custom split pattern, in tiktoken's regex syntax, for the --vocab just before it.", valueName: "regex"))
    var patternRegex: [String] = []

    @Option(name: .long, help: ArgumentHelp("The name reports use for the --vocab just before it.", valueName: "text"))
    var label: [String] = []

    /// One `--vocab` with the options that follow it.
    struct Entry: Equatable {
        var source: String
        var pattern: String?
        var patternRegex: String?
        var label: String?
    }

    /// Pairs options with the `--vocab` before them, reading `arguments` as typed (`--opt value` or `--opt=value`).
    static func entries(in arguments: [String]) throws -> [Entry] {
        var entries: [Entry] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            let name: String
            let value: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
                value = index + 1 < arguments.count ? arguments[index + 1] : nil
                if ["--vocab", "--pattern", "--pattern-regex", "--label"].contains(name) { index += 1 }
            }
            index += 1
            guard ["--vocab", "--pattern", "--pattern-regex", "--label"].contains(name), let value else { continue }
            if name == "--vocab" {
                entries.append(Entry(source: value))
                continue
            }
            guard var last = entries.popLast() else { throw ValidationError("\(name) \(value) comes before any --vocab; put it after the --vocab it is for") }
            switch name {
            case "--pattern":
                guard last.pattern == nil, last.patternRegex == nil else { throw ValidationError("--vocab \(last.source) has two patterns") }
                last.pattern = value
            case "--pattern-regex":
                guard last.pattern == nil, last.patternRegex == nil else { throw ValidationError("--vocab \(last.source) has two patterns") }
                last.patternRegex = value
            default:
                guard last.label == nil else { throw ValidationError("--vocab \(last.source) has two labels") }
                last.label = value
            }
            entries.append(last)
        }
        return entries
    }

    /// What `compare` and `roundtrip` use when no `--vocab` is given: one tokenizer per generation
    /// of OpenAI's vocabularies, and Qwen's.
    static let defaultSources = ["gpt2", "cl100k_base", "o200k_base", "qwen2"]

    /// Loads every tokenizer (in parallel: loading a large vocabulary parses megabytes of base64).
    func load(arguments: [String] = Array(CommandLine.arguments.dropFirst())) throws -> [ComparedTokenizer] {
        let typed = try Self.entries(in: arguments)
        guard typed.map(\.source) == vocab, typed.compactMap(\.pattern) == pattern,
              typed.compactMap(\.patternRegex) == patternRegex, typed.compactMap(\.label) == label else {
            throw ValidationError("cannot tell which --vocab each --pattern, --pattern-regex or --label belongs to; write each right after its --vocab")
        }
        let entries = typed.isEmpty ? Self.defaultSources.map { Entry(source: $0) } : typed
        let slots = BatchSlots<Result<Tokenizer, any Error>>(count: entries.count)
        Parallelism.run(workers: entries.count) { index in
            slots.set(index, Result { try Self.load(entries[index]) })
        }
        var tokenizers: [ComparedTokenizer] = []
        var seen: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            guard let result = slots.take(index) else { throw CLIError("loading \(entry.source) did not finish") }
            var label = entry.label ?? Self.defaultLabel(entry)
            // Two --vocab giving the same label would make reports ambiguous.
            seen[label, default: 0] += 1
            if let count = seen[label], count > 1 { label += " #\(count)" }
            tokenizers.append(ComparedTokenizer(label: label, codec: try result.get()))
        }
        return tokenizers
    }

    private static func load(_ entry: Entry) throws -> Tokenizer {
        let split: SplitPattern?
        if let regex = entry.patternRegex {
            split = SplitPattern(regex: regex)
        } else if let name = entry.pattern {
            guard let named = SplitPattern(name: name) else {
                throw ValidationError("unknown pattern \(name.debugDescription) for --vocab \(entry.source); known: \(SplitPattern.names.joined(separator: ", "))")
            }
            split = named
        } else {
            split = nil
        }
        do {
            return try TokenizerLoader.load(entry.source, pattern: split)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The vocabulary's name or file name, with the pattern when one was given: `gpt2.tiktoken+o200k`.
    static func defaultLabel(_ entry: Entry) -> String {
        let base = NamedVocabulary.named(entry.source)?.name ?? URL(fileURLWithPath: entry.source).lastPathComponent
        if let pattern = entry.pattern { return base + "+" + pattern }
        if entry.patternRegex != nil { return base + "+regex" }
        return base
    }
}
