import Foundation
import TokkitCorpus
import TokkitText
import Yams

/// A mix read from YAML, as a `tokkit mix` file or as the parameters of a `mix` stage of a
/// `tokkit prep` configuration (the same keys, one parser):
///
/// ```yaml
/// tokenizer: cl100k_base          # any vocabulary `tokkit encode` accepts
/// budget_tokens: 2000000000       # optional: without it, weights are rates (2 = two epochs)
/// seed: 0
/// sources:
///   - name: web
///     inputs: [web/]
///     weight: 0.6
///     include: ["metadata.language_score >= 0.65"]
///     exclude: ["$.attributes[?(@.bff_duplicate && @.bff_duplicate[0] && @.bff_duplicate[0][2] >= 1.0)]"]
///   - name: code
///     inputs: [code/*.jsonl]
///     weight: 0.2
///   - name: books
///     inputs: [books/]
///     tokens: 400000000              # an explicit target instead of a weight
/// ```
///
/// In a `mix` stage the documents are the pipeline's: a source's `inputs` name which of the run's
/// input files belong to it, and a source without `inputs` takes the documents whose metadata
/// field `by` (default `source`) equals its name — so a corpus tagged upstream (datatrove's
/// `default_metadata`, or `synthetic_ingest`'s `source: synthetic`) mixes without splitting files.
public struct MixConfiguration: Sendable {
    public struct SourceEntry: Sendable {
        public var name: String
        public var inputs: [String]
        public var weight: Double = 1
        public var tokens: Int?
        public var include: [AttributeRule] = []
        public var exclude: [AttributeRule] = []
    }

    public var tokenizer = "cl100k_base"
    public var budgetTokens: Int?
    public var seed: UInt64 = 0
    public var sources: [SourceEntry] = []
    /// The metadata field naming a document's source, for stage sources without `inputs`.
    public var sourceKey = "source"

    static let topKeys = ["tokenizer", "budget_tokens", "seed", "sources"]
    static let sourceKeys = ["name", "inputs", "weight", "tokens", "include", "exclude"]

    /// A `tokkit mix` file; relative source paths are relative to the file.
    public static func load(path: String) throws -> MixConfiguration {
        let root = try PrepConfiguration.composeYAML(path: path, what: "mix configuration").root
        guard let mapping = root.mapping else { throw PrepError.invalidConfiguration("\(path): the mix must be a mapping of \(topKeys.joined(separator: ", "))") }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try read(mapping.map { (key: $0.key.string ?? "", value: $0.value, line: $0.key.mark?.line ?? 0) }, stage: false, line: root.mark?.line ?? 1,
                        at: { "\(path):\($0)" }, resolve: { $0.hasPrefix("/") || $0 == "-" ? $0 : base.appendingPathComponent($0).path })
    }

    /// The parameters of a prep configuration's `mix` stage; paths are relative to the working
    /// directory, as the configuration's `inputs`.
    static func stage(_ parameters: [PrepConfiguration.Parameter], line: Int) throws -> MixConfiguration {
        try read(parameters, stage: true, line: line, at: { "line \($0)" }, resolve: { $0 })
    }

    /// One reading of the keys for both forms; `at` names a line in errors.
    private static func read(_ entries: [PrepConfiguration.Parameter], stage: Bool, line stageLine: Int, at: (Int) -> String,
                             resolve: (String) -> String) throws -> MixConfiguration {
        func line(_ node: Node, _ fallback: Int) -> Int { node.mark?.line ?? fallback }
        func string(_ node: Node, _ key: String, _ fallback: Int) throws -> String {
            guard let value = node.string else { throw PrepError.invalidConfiguration("\(at(line(node, fallback))): \(key) must be a scalar") }
            return value
        }
        func strings(_ node: Node, _ key: String, _ fallback: Int) throws -> [String] {
            if let single = node.string { return [single] }
            guard let sequence = node.sequence else { throw PrepError.invalidConfiguration("\(at(line(node, fallback))): \(key) must be a list") }
            return try sequence.map { try string($0, key, fallback) }
        }
        func rules(_ node: Node, _ key: String, _ fallback: Int) throws -> [AttributeRule] {
            try strings(node, key, fallback).map { rule in
                do { return try AttributeRule(parsing: rule) } catch let error as PrepError {
                    throw PrepError.invalidConfiguration("\(at(line(node, fallback))): \(error.description)")
                }
            }
        }
        let valid = stage ? topKeys + ["by"] : topKeys
        var configuration = MixConfiguration()
        for (key, value, keyLine) in entries {
            switch key {
            case "tokenizer": configuration.tokenizer = try string(value, key, keyLine)
            case "by" where stage: configuration.sourceKey = try string(value, key, keyLine)
            case "budget_tokens":
                guard let number = Int(try string(value, key, keyLine).replacingOccurrences(of: "_", with: "")), number > 0 else {
                    throw PrepError.invalidConfiguration("\(at(line(value, keyLine))): budget_tokens must be a positive integer")
                }
                configuration.budgetTokens = number
            case "seed":
                guard let number = UInt64(try string(value, key, keyLine)) else {
                    throw PrepError.invalidConfiguration("\(at(line(value, keyLine))): seed must be a non-negative integer")
                }
                configuration.seed = number
            case "sources":
                guard let list = value.sequence else { throw PrepError.invalidConfiguration("\(at(line(value, keyLine))): sources must be a list") }
                for item in list {
                    let itemLine = line(item, keyLine)
                    guard let fields = item.mapping else {
                        throw PrepError.invalidConfiguration("\(at(itemLine)): a source is a mapping of \(sourceKeys.joined(separator: ", "))")
                    }
                    var entry = SourceEntry(name: "", inputs: [])
                    for (fieldKey, fieldValue) in fields {
                        let fieldLine = line(fieldKey, itemLine)
                        switch fieldKey.string ?? "" {
                        case "name": entry.name = try string(fieldValue, "name", fieldLine)
                        case "inputs": entry.inputs = try strings(fieldValue, "inputs", fieldLine).map(resolve)
                        case "weight":
                            guard let number = Double(try string(fieldValue, "weight", fieldLine)), number >= 0 else {
                                throw PrepError.invalidConfiguration("\(at(fieldLine)): weight must be a number ≥ 0")
                            }
                            entry.weight = number
                        case "tokens":
                            guard let number = Int(try string(fieldValue, "tokens", fieldLine).replacingOccurrences(of: "_", with: "")), number >= 0 else {
                                throw PrepError.invalidConfiguration("\(at(fieldLine)): tokens must be an integer ≥ 0")
                            }
                            entry.tokens = number
                        case "include": entry.include = try rules(fieldValue, "include", fieldLine)
                        case "exclude": entry.exclude = try rules(fieldValue, "exclude", fieldLine)
                        case let other: throw PrepError.unknownName(kind: "source key", name: other, line: fieldKey.mark?.line, valid: sourceKeys)
                        }
                    }
                    guard !entry.name.isEmpty, stage || !entry.inputs.isEmpty else {
                        throw PrepError.invalidConfiguration("\(at(itemLine)): a source needs a name" + (stage ? "" : " and inputs"))
                    }
                    guard !entry.name.contains("/"), !configuration.sources.contains(where: { $0.name == entry.name }) else {
                        throw PrepError.invalidConfiguration("\(at(itemLine)): source names are unique and have no /: \(entry.name.debugDescription)")
                    }
                    configuration.sources.append(entry)
                }
            case let other: throw PrepError.unknownName(kind: stage ? "mix parameter" : "mix key", name: other, line: keyLine, valid: valid)
            }
        }
        guard !configuration.sources.isEmpty else { throw PrepError.invalidConfiguration("\(at(stageLine)): a mix needs sources") }
        return configuration
    }

    /// The run this configuration describes, each document's tokens counted with `tokenizer`.
    /// `tokkit mix` and the prep stage both build their run here; the stage then reads one stream.
    public func run(outputDirectory: String, tokenizer loaded: Tokenizer) -> MixRun {
        let sources = sources.map {
            MixRun.Source(name: $0.name, input: CorpusInput(inputs: $0.inputs), weight: $0.weight, targetTokens: $0.tokens,
                          include: $0.include, exclude: $0.exclude)
        }
        var run = MixRun(sources: sources, outputDirectory: outputDirectory) { text in (try? loaded.encodeOrdinary(text).count) ?? 0 }
        run.budgetTokens = budgetTokens
        run.seed = seed
        run.sourceKey = sourceKey
        run.settings = ["tokenizer \(tokenizer)"]
        return run
    }
}
