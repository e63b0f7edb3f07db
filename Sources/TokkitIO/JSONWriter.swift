/// Writes `JSONValue`s as compact JSON the way orjson (datatrove's `JsonlWriter`) does: no spaces,
/// non-ASCII text as raw UTF-8, and only `"`, `\` and the C0 controls escaped (`\n`, `\t`, `\r`,
/// `\b`, `\f`, otherwise `\u00XX`). A document's text therefore comes out as the same bytes datatrove
/// writes, which is what lets the parity test compare outputs byte for byte.
public enum JSONWriter {
    /// Appends `value` to `output`.
    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output += "null".utf8
        case .bool(let flag): output += (flag ? "true" : "false").utf8
        case .number(let literal): output += literal.utf8
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            write(object, into: &output)
        }
    }

    /// Appends `object` to `output`, keys in their order.
    public static func write(_ object: JSONObject, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, entry) in object.entries.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            writeString(entry.key, into: &output)
            output.append(UInt8(ascii: ":"))
            write(entry.value, into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// The compact JSON text of `value`.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    /// Appends `value` laid out as Foundation's `JSONEncoder` lays it out with `.prettyPrinted` and
    /// `.withoutEscapingSlashes`: two spaces a level, `"key" : value`, one member or element a line, an
    /// empty object or array as `{`, a blank line and `}` at its indentation; keys in the object's order
    /// (sorted by the caller where `.sortedKeys` sorted them); strings escaped as ``writeString(_:into:)``.
    ///
    /// Why: shard manifests were written by `JSONEncoder`, whose reflection and dynamic casts cost more
    /// than the rest of `tokkit shard` outside encoding and hashing (7 M instructions for two writes); this
    /// writes the same bytes.
    public static func writePretty(_ value: JSONValue, into output: inout [UInt8], level: Int = 0) {
        func newline(_ level: Int) {
            output.append(0x0A)
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
        }
        switch value {
        case .array(let items):
            output.append(UInt8(ascii: "["))
            if items.isEmpty { output.append(0x0A) }
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writePretty(item, into: &output, level: level + 1)
            }
            newline(level)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            if object.isEmpty { output.append(0x0A) }
            for (index, entry) in object.entries.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writeString(entry.key, into: &output)
                output += " : ".utf8
                writePretty(entry.value, into: &output, level: level + 1)
            }
            newline(level)
            output.append(UInt8(ascii: "}"))
        case .null, .bool, .number, .string:
            write(value, into: &output)
        }
    }

    /// `text` as a JSON string literal, escaped as ``writeString(_:into:)`` escapes it: for JSON
    /// text built by hand in a readable order (vocabulary files by id, reports).
    public static func quoted(_ text: String) -> String {
        var output: [UInt8] = []
        writeString(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string literal.
    public static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x08: output += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
                case 0x0C: output += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
                default:
                    output += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                               hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        output.append(UInt8(ascii: "\""))
    }
}
