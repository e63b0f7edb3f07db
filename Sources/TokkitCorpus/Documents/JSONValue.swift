/// A JSON value that keeps what a document's metadata holds exactly as it was read.
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
}

/// A JSON object whose keys keep their order; setting an existing key keeps its position, as a
/// Python `dict` does (which is what datatrove's `metadata | data` relies on).
public struct JSONObject: Sendable, Hashable, Sequence {
    public private(set) var entries: [(key: String, value: JSONValue)] = []

    public init() {}

    public init(_ entries: [(String, JSONValue)]) {
        for (key, value) in entries { self[key] = value }
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
