/// A JSON value whose objects keep their keys in the order written, so reports read
/// top-down: the one JSON writer of the package (strings escaped by `JSONText`).
public enum JSONValue: Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case integer(Int)
    case number(Double)
    case null

    /// A number, or `null` for `nil` and for values JSON cannot hold (NaN, infinities).
    public static func number(orNull value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    /// The value as JSON text, indented by two spaces per level.
    public func serialized(indent: Int = 0) -> String {
        let inner = String(repeating: "  ", count: indent + 1)
        let outer = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.map { inner + JSONText.quote($0.0) + ": " + $0.1.serialized(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + outer + "}"
        case .array(let elements):
            guard !elements.isEmpty else { return "[]" }
            // Arrays of scalars stay on one line (id lists, label lists).
            if elements.allSatisfy({ if case .object = $0 { false } else if case .array = $0 { false } else { true } }) {
                return "[" + elements.map { $0.serialized() }.joined(separator: ", ") + "]"
            }
            return "[\n" + elements.map { inner + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n" + outer + "]"
        case .string(let text): return JSONText.quote(text)
        case .integer(let value): return String(value)
        case .number(let value):
            // Six significant decimals are more than any metric here means.
            let rounded = (value * 1_000_000).rounded() / 1_000_000
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
        case .null: return "null"
        }
    }
}
