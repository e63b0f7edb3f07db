import TokkitCorpus
import TokkitIO

/// One include/exclude rule of a mix, Dolma's mixer filters as typed predicates (reference §8):
/// `metadata.language_score >= 0.65`, `metadata.attributes.bff_duplicate[0][2] < 1`,
/// `metadata.source == "web"`, `metadata.url exists`. Dolma's JSONPath guard form
/// `$.attributes[?(@.K && @.K[0] && @.K[0][2] >= 1.0)]` is accepted too and means
/// `metadata.attributes.K[0][2] >= 1.0` (our attributes live in the document's metadata).
///
/// A rule whose path is missing does not match — Dolma's "find() is not Null" — so a missing
/// attribute never excludes and never includes.
public struct AttributeRule: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, CaseIterable {
        case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">", exists
    }

    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    public let path: [Step]
    public let op: Operator
    public let value: String
    public let source: String

    public var description: String { source }

    public init(parsing text: String) throws {
        source = text
        var expression = text.trimmingCharacters(in: .whitespaces)
        if expression.hasPrefix("$.attributes[?("), expression.hasSuffix(")]") {
            // Dolma guard idiom: keep only the last conjunct, rooted at metadata.attributes.
            let inner = expression.dropFirst("$.attributes[?(".count).dropLast(2)
            guard let last = inner.components(separatedBy: "&&").last?.trimmingCharacters(in: .whitespaces), last.hasPrefix("@.") else {
                throw PrepError.invalidConfiguration("cannot read the Dolma rule \(text.debugDescription): expected $.attributes[?(@.K && … && @.K[0][2] OP V)]")
            }
            expression = "metadata.attributes." + last.dropFirst(2)
        }
        if expression.hasSuffix(" exists") {
            path = try Self.parsePath(String(expression.dropLast(" exists".count)), rule: text)
            op = .exists
            value = ""
            return
        }
        for candidate in [Operator.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater] {
            if let range = expression.range(of: " \(candidate.rawValue) ") {
                path = try Self.parsePath(String(expression[..<range.lowerBound]), rule: text)
                op = candidate
                var literal = expression[range.upperBound...].trimmingCharacters(in: .whitespaces)
                if literal.count >= 2, literal.hasPrefix("\""), literal.hasSuffix("\"") { literal = String(literal.dropFirst().dropLast()) }
                value = literal
                return
            }
        }
        throw PrepError.invalidConfiguration("cannot read the rule \(text.debugDescription): expected `PATH OP VALUE` with OP one of == != < <= > >=, or `PATH exists`")
    }

    private static func parsePath(_ text: String, rule: String) throws -> [Step] {
        var steps: [Step] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            let key = rest.prefix { $0 != "[" }
            guard !key.isEmpty else { throw PrepError.invalidConfiguration("empty key in the rule path \(text.debugDescription) (\(rule))") }
            steps.append(.key(String(key)))
            rest = rest.dropFirst(key.count)
            while rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]) else {
                    throw PrepError.invalidConfiguration("bad index in the rule path \(text.debugDescription) (\(rule))")
                }
                steps.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
        }
        guard case .key(let root) = steps.first, ["metadata", "id", "text"].contains(root) else {
            throw PrepError.invalidConfiguration("a rule path starts with metadata, id or text: \(text.debugDescription) (\(rule))")
        }
        return steps
    }

    /// Whether `document` satisfies the rule.
    public func matches(_ document: Document) -> Bool {
        guard case .key(let root) = path[0] else { return false }
        var current: JSONValue
        switch root {
        case "id": current = .string(document.id)
        case "text": current = .string(document.text)
        default: current = .object(document.metadata)
        }
        for step in path.dropFirst() {
            switch (step, current) {
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return false }
                current = next
            case (.index(let index), .array(let array)):
                guard index >= 0, index < array.count else { return false }
                current = array[index]
            default:
                return false
            }
        }
        if case .null = current { return false }
        switch op {
        case .exists: return true
        case .equal, .notEqual:
            let equal: Bool
            switch current {
            case .string(let string): equal = string == value
            case .number: equal = current.doubleValue == Double(value)
            case .bool(let flag): equal = (flag ? "true" : "false") == value
            default: equal = false
            }
            return op == .equal ? equal : !equal
        default:
            guard let number = current.doubleValue, let bound = Double(value) else { return false }
            switch op {
            case .less: return number < bound
            case .lessOrEqual: return number <= bound
            case .greater: return number > bound
            default: return number >= bound
            }
        }
    }

    /// Dolma's keep rule: (no includes, or any include matches) and no exclude matches.
    public static func keeps(_ document: Document, include: [AttributeRule], exclude: [AttributeRule]) -> Bool {
        (include.isEmpty || include.contains { $0.matches(document) }) && !exclude.contains { $0.matches(document) }
    }
}

import Foundation
