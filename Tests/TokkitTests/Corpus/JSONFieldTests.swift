import Testing
import Tokkit
import TokkitIO

/// `JSONParser.stringField` (the JSONL reader's one-field path) against the whole-record parse it
/// replaces there: the same verdict on every line, the same bytes, the same error at the same offset.
@Suite("JSONL one-field extraction ≡ parsing the whole record")
struct JSONFieldTests {
    /// What the whole-record path makes of `line` for `key`: the string's bytes, or why not.
    static func reference(_ key: String, _ line: [UInt8]) -> Result<JSONParser.Field, JSONSyntaxError>? {
        switch Result(catching: { () throws(JSONSyntaxError) in try JSONParser.parse(line) }) {
        case .failure(let error): return .failure(error)
        case .success(.object(let record)):
            switch record[key] {
            case nil: return .success(.missing)
            case .string: return nil  // compared by bytes below
            case let value?: return .success(.other(value))
            }
        case .success: return .success(.notObject)
        }
    }

    /// Checks one line; `false` (with an issue recorded) when the two paths disagree.
    @discardableResult
    static func agree(_ key: String, _ line: [UInt8], record: Bool = true) -> Bool {
        var output: [UInt8] = Array("kept".utf8)
        let fast = Result { () throws(JSONSyntaxError) in try JSONParser.stringField(key, in: line[...], appendingTo: &output) }
        let agreed: Bool
        if let expected = reference(key, line) {
            agreed = fast == expected && output == Array("kept".utf8)
        } else if case .success(.object(let object)) = Result(catching: { try JSONParser.parse(line) }),
                  case .string(let text)? = object[key] {
            agreed = fast == .success(.string) && output == Array("kept".utf8) + Array(text.utf8)
        } else {
            agreed = false
        }
        if !agreed, record {
            Issue.record("\(String(decoding: line, as: UTF8.self).debugDescription): \(fast), \(String(decoding: output, as: UTF8.self).debugDescription)")
        }
        return agreed
    }

    @Test("escapes, surrogate pairs, duplicate and escaped keys, other kinds, non-objects and syntax errors")
    func handPicked() {
        let lines = [
            #"{"text": "plain"}"#, #"  {"id": 1, "text": "a\"b\\c\/d\n\t\b\f\r\u0000é\u00e9\ud83d\ude00", "meta": {"x": [1, 2.5e-3, null]}}  "#,
            #"{"text": "first", "text": "last"}"#, #"{"text": "s", "text": 3}"#, #"{"text": 3, "text": "s"}"#,
            #"{"te\u0078t": "escaped key"}"#, #"{"text": ""}"#, #"{}"#, #"{"id": 3}"#, #"{"text": null}"#,
            #"{"text": ["a"]}"#, #"{"text": {"text": "inner"}}"#, #"["text"]"#, #""text""#, "3", #"{"text": "a"} x"#,
            #"{"text": "\ud800"}"#, #"{"text": "\udc00x"}"#, #"{"text": "\ud83d\u0041"}"#, "{\"text\": \"tab\there\"}",
            #"{"text": "\x"}"#, #"{"text": "\u12G4"}"#, #"{"text": "unterminated"#, #"{"text": "end\"#, #"{"text" "a"}"#,
            #"{"text": "a",}"#, #"{"a": 01, "text": "b"}"#, #"{"text": "b", "a": NaN}"#, "", "   ", #"{"text": "\u00"#,
            "{\"text\": \"" + String(repeating: "0123456789abcdef", count: 9) + "\\\"" + String(repeating: "z", count: 17) + "\"}",
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            "{\"text\": \"x\", \"deep\": " + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}",
        ]
        for line in lines { Self.agree("text", Array(line.utf8)) }
    }

    @Test("keys compare as Strings: a raw or escaped key canonically equal to the field is the field, ASCII or not")
    func canonicalKeys() throws {
        let cases: [(key: String, line: String)] = [
            ("K", "{\"\u{212A}\": \"kelvin sign\"}"), ("K", #"{"\u212a": "escaped kelvin sign"}"#), ("Kx", "{\"\u{212A}x\": \"k\"}"),
            ("\u{212A}", #"{"K": "ascii key, non-ASCII field"}"#), ("é", "{\"e\u{301}\": \"decomposed\"}"),
            ("e\u{301}", #"{"é": "composed", "x": 1}"#), ("text", #"{"Text": "case differs", "texts": 1, "tex": 2}"#),
            ("K", "{\"\u{212A}\": \"first\", \"K\": 3}"), ("text", #"{"text": "a", "te\u0078t": "escaped wins last"}"#),
            // Plain ASCII keys are compared as bytes: empty keys, prefixes, a raw control character or an end inside a key.
            ("", #"{"": "empty key"}"#), ("text", #"{"": 1, "text": "after an empty key"}"#), ("", #"{"text": "no empty key"}"#),
            ("text", "{\"te\tt\": 1}"), ("text", #"{"tex"#), ("text", #"{"text"#), ("text", #"{"textx": 1, "text": "b"}"#),
        ]
        for (key, line) in cases { #expect(Self.agree(key, Array(line.utf8)), "\(key) in \(line)") }
        var output: [UInt8] = []
        #expect(try JSONParser.stringField("K", in: Array("{\"\u{212A}\": \"k\"}".utf8)[...], appendingTo: &output) == .string)
        #expect(output == Array("k".utf8))
        #expect(try JSONParser.stringField("Kx", in: Array("{\"\u{212A}\": \"k\"}".utf8)[...], appendingTo: &output) == .missing)
    }

    @Test("seeded random records, some corrupted by one byte, agree with the whole parse", arguments: [1, 2, 3] as [UInt64])
    func random(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let pieces = ["a", "é", "😀", " ", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u0041", "\\ud83d\\ude00", "\\ud800",
                      "\\u", "\\q", "\t", "0123456789abcdefghij", "\u{85}", "\\u2028"]
        let keys = ["text", "id", "te\\u0078t", "meta", "Text"]
        let values = ["1", "-0.5e+2", "true", "null", "[1, {\"a\": \"b\"}]", "{}", "01", "\"s\""]
        var corrupted = 0
        for _ in 0..<400 {
            var line = "{"
            for member in 0..<Int.random(in: 0...4, using: &random) {
                if member > 0 { line += ", " }
                line += "\"" + keys[Int.random(in: keys.indices, using: &random)] + "\": "
                if Bool.random(using: &random) {
                    line += "\"" + (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces[Int.random(in: pieces.indices, using: &random)] }.joined() + "\""
                } else {
                    line += values[Int.random(in: values.indices, using: &random)]
                }
            }
            line += "}"
            var bytes = Array(line.utf8)
            if Int.random(in: 0..<4, using: &random) == 0, !bytes.isEmpty {
                let noise = Array("\"\\{}[],: x".utf8)
                bytes[Int.random(in: bytes.indices, using: &random)] = noise[Int.random(in: noise.indices, using: &random)]
                corrupted += 1
            }
            // Corruption may leave invalid UTF-8, which the reader refuses before parsing.
            guard String(validating: bytes, as: UTF8.self) != nil else { continue }
            Self.agree("text", bytes)
        }
        #expect(corrupted > 50)
    }

    @Test("one-member records (the sole-member fast path), every byte corrupted in turn, agree with the whole parse")
    func soleMember() {
        let records = [#"{"text": "plain"}"#, #" { "text" : "a\"b\u00e9\ud83d\ude00\n" } "#, "{\"text\":\"\"}",
                       "{\"text\":\"é😀\"}\r", #"{"text": 3}"#, #"{"text": "a"}}"#, #"{"text": "a"]"#, #"{"text": "a"} {}"#,
                       #"{"Text": "other key"}"#, #"{"tex": "prefix"}"#, #"{"text": "a", "id": 1}"#, #"{"text": "a" "#]
        var lines = 0
        for record in records {
            let bytes = Array(record.utf8)
            Self.agree("text", bytes)
            lines += 1
            let noise = Array("\"\\{}[],: x\u{1}".utf8)
            for position in bytes.indices {
                for byte in noise {
                    var corrupted = bytes
                    corrupted[position] = byte
                    guard String(validating: corrupted, as: UTF8.self) != nil else { continue }
                    Self.agree("text", corrupted)
                    lines += 1
                }
                // Cut short at every byte, too.
                Self.agree("text", Array(bytes[..<position]))
            }
        }
        #expect(lines > 1_000)
    }

    /// Checks `appendSoleMemberText` (the JSONL reader's first step, before the line's UTF-8 is known)
    /// on one line against the UTF-8 check and the whole parse; `nil` when they disagree (an issue is
    /// recorded), else whether the line was taken.
    @discardableResult
    static func soleMemberAgrees(_ key: String, _ line: [UInt8]) -> Bool? {
        var output: [UInt8] = Array("kept".utf8)
        let taken = line.withUnsafeBufferPointer { JSONParser.appendSoleMemberText(JSONParser.FieldKey(key), in: $0, to: &output) }
        var agreed: Bool
        switch taken {
        case .refused:
            agreed = output == Array("kept".utf8)
        case .appended(let asciiOnly):
            // Taken: the general path (UTF-8 check, then the parse) must find this string, unless the line
            // is not UTF-8 and the reader's own check refuses it (`asciiOnly` false says to check).
            agreed = asciiOnly == line.allSatisfy { $0 < 0x80 }
            if String(validating: line, as: UTF8.self) != nil {
                if case .success(.object(let object)) = Result(catching: { try JSONParser.parse(line) }), object.count == 1,
                   case .string(let text)? = object[key] {
                    agreed = agreed && output == Array("kept".utf8) + Array(text.utf8)
                } else {
                    agreed = false
                }
            } else {
                agreed = agreed && !asciiOnly
            }
        }
        if !agreed {
            Issue.record("\(String(decoding: line, as: UTF8.self).debugDescription): \(taken), \(String(decoding: output, as: UTF8.self).debugDescription)")
            return nil
        }
        if case .appended = taken { return true }
        return false
    }

    @Test("the sole-member reading before the UTF-8 check, every byte corrupted (into invalid UTF-8 too) and every prefix, agrees with the check and the whole parse")
    func soleMemberBeforeUTF8() {
        let records = [#"{"text": "plain"}"#, #" { "text" : "a\"b\u00e9\ud83d\ude00\n" } "#, "{\"text\":\"\"}",
                       "{\"text\":\"é😀\"}\r", #"{"text": 3}"#, #"{"text": "a"}}"#, #"{"text": "a"]"#, #"{"text": "a"} {}"#,
                       #"{"Text": "other key"}"#, #"{"tex": "prefix"}"#, #"{"text": "a", "id": 1}"#, #"{"text": "a" "#,
                       "{\"text\": \"" + String(repeating: "0123456789abcdef", count: 3) + "é\\\\" + String(repeating: "z", count: 17) + "\\u00e9\"}",
                       #"{"text": "\\"}"#, #"{"text": "\\\"}"#, #"{"text": "\q"}"#, #"{"text": "\ud800"}"#]
        var lines = 0, taken = 0
        for record in records {
            let bytes = Array(record.utf8)
            if Self.soleMemberAgrees("text", bytes) == true { taken += 1 }
            lines += 1
            let noise = Array("\"\\{}[],: x\u{1}".utf8) + [0x80, 0xC3, 0xA9, 0xFF, 0xED]
            for position in bytes.indices {
                for byte in noise {
                    var corrupted = bytes
                    corrupted[position] = byte
                    if Self.soleMemberAgrees("text", corrupted) == true { taken += 1 }
                    lines += 1
                }
                if Self.soleMemberAgrees("text", Array(bytes[..<position])) == true { taken += 1 }
                lines += 1
            }
        }
        // Not vacuous: many lines take this reading, many do not.
        #expect(lines > 2_000 && taken > 300 && lines - taken > 1_000, "\(lines) lines, \(taken) taken")
    }

    /// `text` as a JSON string, each character written raw or escaped as `random` decides, in every way
    /// JSON allows (`\"`, `\\`, `\/`, `\n`…, `\u` with either case of hex digits, surrogate pairs).
    static func jsonString(_ text: String, using random: inout SplitMix64) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let short: [UInt32: String] = [0x22: "\\\"", 0x5C: "\\\\", 0x2F: "\\/", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"]
            let mustEscape = value == 0x22 || value == 0x5C || value < 0x20
            if !mustEscape, Int.random(in: 0..<4, using: &random) > 0 {
                out.unicodeScalars.append(scalar)
            } else if let escape = short[value], Bool.random(using: &random) {
                out += escape
            } else {
                let units = Array(String(scalar).utf16)
                for unit in units {
                    let hex = String(unit, radix: 16)
                    let padded = String(repeating: "0", count: 4 - hex.count) + hex
                    out += "\\u" + (Bool.random(using: &random) ? padded : padded.uppercased())
                }
            }
        }
        return out + "\""
    }

    @Test("seeded random strings, escaped every way, come back exactly from the sole-member reading and the field path, their end at every distance from the line's end",
          arguments: [1, 2, 3] as [UInt64])
    func escapedStrings(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let alphabet = Array("az Z09\"\\/\n\t\r\u{1}\u{7F}é日😀\u{80}\u{FFFF}\u{10000}")
        var checked = 0
        for length in 0...40 {
            for _ in 0..<12 {
                let text = String((0..<length).map { _ in alphabet[Int.random(in: alphabet.indices, using: &random)] })
                // Up to 9 bytes after the closing brace, so that the string ends at every distance from the line's end.
                let tail = String(repeating: " ", count: Int.random(in: 0...9, using: &random))
                let line = Array(("{\"text\": " + Self.jsonString(text, using: &random) + "}" + tail).utf8)
                var sole: [UInt8] = [7]
                let taken = line.withUnsafeBufferPointer { JSONParser.appendSoleMemberText(JSONParser.FieldKey("text"), in: $0, to: &sole) }
                #expect(taken == .appended(asciiOnly: line.allSatisfy { $0 < 0x80 }), "\(String(decoding: line, as: UTF8.self).debugDescription)")
                #expect(sole == [7] + Array(text.utf8), "\(String(decoding: line, as: UTF8.self).debugDescription)")
                var field: [UInt8] = [7]
                let found = try? JSONParser.stringField("text", in: line[...], appendingTo: &field)
                #expect(found == .string && field == [7] + Array(text.utf8), "\(String(decoding: line, as: UTF8.self).debugDescription)")
                checked += 1
            }
        }
        #expect(checked == 41 * 12)
    }

    @Test("a plain run of any length (the sixteen-byte steps, then the words, then bytes) ends at its special byte: the string's end, an escape, a control character; a high byte anywhere is seen")
    func plainRunsEndAtTheirSpecialByte() {
        // What follows the run, and what it must give: the closing quote, an escape, a raw control
        // character (refused), a non-ASCII character (taken, but not as ASCII).
        let endings: [(raw: String, text: String?)] = [("", ""), ("\\n", "\n"), ("\\\"", "\""), ("\\u00e9", "é"), ("\t", nil), ("é", "é")]
        var checked = 0
        for length in 0...70 {
            let run = String((0..<length).map { Character(UnicodeScalar(UInt8(0x61 + $0 % 26))) })
            for (raw, text) in endings {
                for after in ["", "zz"] {
                    let line = Array(("{\"text\":\"" + run + raw + after + "\"}").utf8)
                    var sole: [UInt8] = [7]
                    let taken = line.withUnsafeBufferPointer { JSONParser.appendSoleMemberText(JSONParser.FieldKey("text"), in: $0, to: &sole) }
                    if let text {
                        #expect(taken == .appended(asciiOnly: line.allSatisfy { $0 < 0x80 }), "\(String(decoding: line, as: UTF8.self))")
                        #expect(sole == [7] + Array((run + text + after).utf8), "\(String(decoding: line, as: UTF8.self))")
                    } else {
                        #expect(taken == .refused && sole == [7], "\(String(decoding: line, as: UTF8.self))")
                    }
                    // The same string skipped as another member's value, and its key skipped too.
                    let skipped = Array(("{\"" + run + "\": \"" + run + raw + after + "\", \"text\": \"x\"}").utf8)
                    #expect(Self.agree("text", skipped))
                    checked += 1
                }
            }
        }
        #expect(checked == 71 * 6 * 2)
    }

    @Test("every \\u escape (the 63,488 values that are no surrogate, digits and letters of either case) and every byte in each digit's place decode as Swift reads the hex, in runs of escapes too")
    func everyUnicodeEscape() {
        /// The record's text decoded by the sole-member reading (runs of escapes) and the field path, or `nil` when refused.
        func decoded(_ body: String) -> (sole: [UInt8]?, field: Result<[UInt8], JSONSyntaxError>) {
            let line = Array(("{\"text\": \"" + body + "\"}").utf8)
            var sole: [UInt8] = []
            let taken = line.withUnsafeBufferPointer { JSONParser.appendSoleMemberText(JSONParser.FieldKey("text"), in: $0, to: &sole) }
            var field: [UInt8] = []
            let result = Result { () throws(JSONSyntaxError) in try JSONParser.stringField("text", in: line[...], appendingTo: &field) }
            return (taken == .refused ? nil : sole, result.map { _ in field })
        }
        var random = SplitMix64(seed: 40)
        var run = "", expectedRun: [UInt8] = [], checked = 0
        for value in 0..<0x1_0000 where !(0xD800...0xDFFF).contains(value) {
            let hex = String(repeating: "0", count: 4 - String(value, radix: 16).count) + String(value, radix: 16)
            let spelled = String(hex.map { random.next() & 1 == 0 ? Character($0.uppercased()) : $0 })
            let expected = Array(String(UnicodeScalar(UInt32(value))!).utf8)
            let (sole, field) = decoded("\\u" + spelled)
            if sole != expected || field != .success(expected) { Issue.record("\\u\(spelled): \(String(describing: sole)) \(field)") }
            run += "\\u" + spelled
            expectedRun += expected
            if run.utf8.count > 600 {
                let (sole, field) = decoded(run + "x")
                #expect(sole == expectedRun + [0x78] && field == .success(expectedRun + [0x78]))
                run = ""
                expectedRun = []
            }
            checked += 1
        }
        #expect(checked == 0x1_0000 - 0x800)
        // Each digit's place holding each byte: a hex digit gives its value, any other byte the parser's error at it.
        for place in 0..<4 {
            for byte in UInt8(0x20)..<UInt8(0x80) where byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                // No byte in any place makes a surrogate (D800–DFFF).
                var digits = Array("01eF".utf8)
                digits[place] = byte
                let spelled = String(decoding: digits, as: UTF8.self)
                let (sole, field) = decoded("ab\\u" + spelled)
                if let value = Int(spelled, radix: 16), !spelled.hasPrefix("+"), !spelled.hasPrefix("-") {
                    let expected = Array("ab".utf8) + Array(String(UnicodeScalar(UInt32(value))!).utf8)
                    #expect(sole == expected && field == .success(expected), "\(spelled)")
                } else {
                    #expect(sole == nil, "\(spelled)")
                    if case .failure(let error) = field {
                        #expect(error.description == "invalid \u{5C}u escape at byte \(14 + place)", "\(spelled)")
                    } else {
                        Issue.record("\(spelled): \(field)")
                    }
                }
            }
        }
    }

    @Test("the comparison can fail: another key's string, or a record whose text differs, is caught")
    func canFail() {
        // Asking the fast path for another key than the reference reads is a disagreement.
        let line = Array(#"{"text": "a", "id": "b"}"#.utf8)
        var output: [UInt8] = []
        #expect((try? JSONParser.stringField("id", in: line[...], appendingTo: &output)) == .string)
        #expect(output == Array("b".utf8))
        let reference = try? JSONParser.parse(line)
        guard case .object(let object)? = reference else { Issue.record("not an object"); return }
        #expect(object["text"] != .string(String(decoding: output, as: UTF8.self)))
        #expect(Self.agree("text", line))
    }
}
