/// A JSON value that keeps what it holds exactly as it was read or made: the package's one JSON
/// value type (documents' metadata, reports, statistics).
///
/// Objects keep their keys in input order and numbers keep their literal spelling (`1.0` stays
/// `1.0`, `1e400` stays `1e400`), so a record passes through `tokkit prep` with every field a later
/// stage or another tool may need, byte for byte where the value is unchanged. `JSONSerialization`
/// does neither (it reorders keys and rounds numbers), which is why documents use this type.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as its JSON literal, already checked against the JSON grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object, when this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, when this is a number.
    public var doubleValue: Double? {
        if case .number(let literal) = self { return Double(literal) }
        return nil
    }

    /// A number from an integer.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A number from a `Double`, written the shortest way that reads back the same (`0.5`, `1e-07`).
    public static func double(_ value: Double) -> JSONValue {
        value.isFinite ? .number("\(value)") : .null
    }

    /// A measurement rounded to six decimals (more than any metric in a report means), or `null` for
    /// `nil` and for values JSON cannot hold (NaN, infinities).
    public static func number(orNull value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        let rounded = (value * 1_000_000).rounded() / 1_000_000
        return .number(rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded))
    }

    /// An object from key-value pairs, in this order.
    public static func object(entries: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(entries)) }

    /// The value as JSON text for people: indented by two spaces per level, arrays of scalars on one
    /// line (id lists, label lists). `JSONWriter` writes the compact form documents use.
    public func serialized(indent: Int = 0) -> String {
        let inner = String(repeating: "  ", count: indent + 1)
        let outer = String(repeating: "  ", count: indent)
        switch self {
        case .object(let object):
            guard !object.isEmpty else { return "{}" }
            return "{\n" + object.entries.map { inner + JSONWriter.quoted($0.key) + ": " + $0.value.serialized(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + outer + "}"
        case .array(let elements):
            guard !elements.isEmpty else { return "[]" }
            if elements.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }) {
                return "[" + elements.map { $0.serialized() }.joined(separator: ", ") + "]"
            }
            return "[\n" + elements.map { inner + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n" + outer + "]"
        case .string(let text): return JSONWriter.quoted(text)
        case .number(let literal): return literal
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// A JSON object whose keys keep their order; setting an existing key keeps its position, as a
/// Python `dict` does (which is what datatrove's `metadata | data` relies on).
public struct JSONObject: Sendable, Hashable, Sequence {
    public private(set) var entries: [(key: String, value: JSONValue)] = []

    public init() {}

    public init(_ entries: [(String, JSONValue)]) {
        for (key, value) in entries { self[key] = value }
    }

    /// `entries`, whose keys the caller (the parser) has made unique, kept as they are.
    package init(uniqueEntries: [(key: String, value: JSONValue)]) {
        self.entries = uniqueEntries
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    /// The value for `key`; assigning `nil` removes it.
    /// - Complexity: O(n) in the number of keys; metadata objects have a handful.
    public subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// Removes `key` and returns its value, like Python's `dict.pop`.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        return entries.remove(at: index).value
    }

    /// `self | other` in Python: keys of `other` overwrite values in place; new keys go at the end.
    public func merging(_ other: JSONObject) -> JSONObject {
        var result = self
        for (key, value) in other.entries { result[key] = value }
        return result
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for (key, value) in entries {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}
