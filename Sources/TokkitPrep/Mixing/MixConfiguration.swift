import Foundation
import TokkitCorpus
import Yams

/// A mix read from YAML:
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

    static let topKeys = ["tokenizer", "budget_tokens", "seed", "sources"]
    static let sourceKeys = ["name", "inputs", "weight", "tokens", "include", "exclude"]

    public static func load(path: String) throws -> MixConfiguration {
        let root = try PrepConfiguration.composeYAML(path: path, what: "mix configuration").root
        func where_(_ node: Node) -> String { "\(path):\((node.mark?.line).map(String.init) ?? "?")" }
        func string(_ node: Node, _ key: String) throws -> String {
            guard let value = node.string else { throw PrepError.invalidConfiguration("\(where_(node)): \(key) must be a scalar") }
            return value
        }
        func strings(_ node: Node, _ key: String) throws -> [String] {
            if let single = node.string { return [single] }
            guard let sequence = node.sequence else { throw PrepError.invalidConfiguration("\(where_(node)): \(key) must be a list") }
            return try sequence.map { try string($0, key) }
        }
        guard let mapping = root.mapping else { throw PrepError.invalidConfiguration("\(path): the mix must be a mapping of \(topKeys.joined(separator: ", "))") }
        var configuration = MixConfiguration()
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        for (keyNode, value) in mapping {
            switch keyNode.string ?? "" {
            case "tokenizer": configuration.tokenizer = try string(value, "tokenizer")
            case "budget_tokens":
                guard let number = Int(try string(value, "budget_tokens").replacingOccurrences(of: "_", with: "")), number > 0 else {
                    throw PrepError.invalidConfiguration("\(where_(value)): budget_tokens must be a positive integer")
                }
                configuration.budgetTokens = number
            case "seed":
                guard let number = UInt64(try string(value, "seed")) else { throw PrepError.invalidConfiguration("\(where_(value)): seed must be a non-negative integer") }
                configuration.seed = number
            case "sources":
                guard let list = value.sequence else { throw PrepError.invalidConfiguration("\(where_(value)): sources must be a list") }
                for item in list {
                    guard let fields = item.mapping else { throw PrepError.invalidConfiguration("\(where_(item)): a source is a mapping of \(sourceKeys.joined(separator: ", "))") }
                    var entry = SourceEntry(name: "", inputs: [])
                    for (fieldKey, fieldValue) in fields {
                        switch fieldKey.string ?? "" {
                        case "name": entry.name = try string(fieldValue, "name")
                        case "inputs":
                            entry.inputs = try strings(fieldValue, "inputs").map { $0.hasPrefix("/") || $0 == "-" ? $0 : base.appendingPathComponent($0).path }
                        case "weight":
                            guard let number = Double(try string(fieldValue, "weight")), number >= 0 else {
                                throw PrepError.invalidConfiguration("\(where_(fieldValue)): weight must be a number ≥ 0")
                            }
                            entry.weight = number
                        case "tokens":
                            guard let number = Int(try string(fieldValue, "tokens").replacingOccurrences(of: "_", with: "")), number >= 0 else {
                                throw PrepError.invalidConfiguration("\(where_(fieldValue)): tokens must be an integer ≥ 0")
                            }
                            entry.tokens = number
                        case "include": entry.include = try strings(fieldValue, "include").map { try AttributeRule(parsing: $0) }
                        case "exclude": entry.exclude = try strings(fieldValue, "exclude").map { try AttributeRule(parsing: $0) }
                        case let other: throw PrepError.unknownName(kind: "source key", name: other, line: fieldKey.mark?.line, valid: sourceKeys)
                        }
                    }
                    guard !entry.name.isEmpty, !entry.inputs.isEmpty else { throw PrepError.invalidConfiguration("\(where_(item)): a source needs a name and inputs") }
                    configuration.sources.append(entry)
                }
            case let other: throw PrepError.unknownName(kind: "mix key", name: other, line: keyNode.mark?.line, valid: topKeys)
            }
        }
        return configuration
    }
}
