#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why bytes are not JSON, and where (a byte offset in what was parsed: a JSONL line, a vocabulary file).
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var byteOffset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(byteOffset)" }
}

/// A strict JSON (RFC 8259) parser over UTF-8 bytes that keeps key order and number literals: the
/// package's one JSON parser, for JSONL records and for vocabulary files (`tokenizer.json`,
/// `encoder.json`) alike.
///
/// It accepts what Python's `json` and orjson accept for a JSONL line (one value, surrounding
/// whitespace allowed) and rejects what orjson rejects: trailing garbage, lone UTF-16 surrogates in
/// `\u` escapes, control characters inside strings, `NaN`. Duplicate keys keep the last value at the
/// first key's position, like a Python `dict` built from the pairs. Invalid UTF-8 is checked by the
/// caller before parsing, so the error can name its file offset.
///
/// - Complexity: O(n) in the input's length; an object with many keys (a vocabulary's 200,000)
///   finds duplicates through a hash index, not by scanning its keys.
public struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 512

    /// Parses `line` (or a whole file), which must hold exactly one JSON value.
    public static func parse(_ line: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = line.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            do throws(JSONSyntaxError) {
                parser.skipWhitespace()
                let value = try parser.parseValue()
                parser.skipWhitespace()
                guard parser.position == buffer.count else { throw parser.error("unexpected data after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What a JSON line holds under one key of its top-level object (``stringField(_:in:appendingTo:)``).
    public enum Field: Equatable, Sendable {
        /// A string: its bytes were appended.
        case string
        /// The object has no such key.
        case missing
        /// Another kind of value (for the error message).
        case other(JSONValue)
        /// The line is JSON but not an object.
        case notObject
    }

    /// Parses `line` exactly as ``parse(_:)`` does (the same values accepted, the same errors at the
    /// same offsets), but keeps only the string under `key` of the top-level object, its bytes
    /// (escapes decoded) appended to `output`; with a duplicate key the last value counts.
    ///
    /// Why: a JSONL reader that wants one text field per record spent more time building each
    /// record's object and a `String` for its text than the encoder spent on the text; this builds
    /// neither (the other fields are still parsed, so a bad record is still refused).
    /// - Returns: what the key holds; `output` is as it was unless it is `.string`.
    public static func stringField(_ key: String, in line: ArraySlice<UInt8>,
                                   appendingTo output: inout [UInt8]) throws(JSONSyntaxError) -> Field {
        try line.withUnsafeBufferPointer { line throws(JSONSyntaxError) in try stringField(key, in: line, appendingTo: &output) }
    }

    /// As the public ``stringField(_:in:appendingTo:)``, over a line still in the reader's buffer.
    package static func stringField(_ key: String, in buffer: UnsafeBufferPointer<UInt8>,
                                    appendingTo output: inout [UInt8]) throws(JSONSyntaxError) -> Field {
        try stringField(FieldKey(key), in: buffer, appendingTo: &output)
    }

    /// A key looked for line after line, with its bytes when it is ASCII.
    ///
    /// Why: most records spell their keys in plain ASCII; such a key can be compared byte for byte
    /// with an ASCII key, where making a `String` of every key of every record to compare it cost more
    /// than the comparison (a key is matched as a `String`, that is up to canonical equivalence, so
    /// only ASCII against ASCII may be compared as bytes: `"\u{212A}"` equals `"K"`).
    package struct FieldKey: Sendable {
        let name: String
        let ascii: [UInt8]?
        /// The key as JSON spells it without escapes, quotes included (`"text"`), when it needs none (no
        /// quote, backslash or control character): a record's key is this key exactly when its bytes are
        /// these (what ``plainASCIIKey(equals:)`` would find, compared without a scan for the key's end).
        let quoted: [UInt8]?
        /// `{`, `quoted` and `:` with no whitespace between (`{"text":`), how most records begin, as the word
        /// the eight bytes load as when they are eight (one comparison per record); `nil` for another length.
        let openingWord: UInt64?

        package init(_ name: String) {
            self.name = name
            let bytes = Array(name.utf8)
            ascii = bytes.allSatisfy { $0 < 0x80 } ? bytes : nil
            let plain = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
            quoted = plain ? [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")] : nil
            let opening = quoted.map { [UInt8(ascii: "{")] + $0 + [UInt8(ascii: ":")] }
            openingWord = opening.flatMap { opening in
                opening.count == 8 ? opening.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } : nil
            }
        }
    }

    /// As ``stringField(_:in:appendingTo:)`` with the key prepared once. `soleMemberTried`: the caller
    /// already had ``appendSoleMemberText(_:in:to:)`` refuse this line, so the sole-member reading is
    /// not tried again (for a record with more members it reads the whole text before it gives up).
    package static func stringField(_ key: FieldKey, in buffer: UnsafeBufferPointer<UInt8>, soleMemberTried: Bool = false,
                                    appendingTo output: inout [UInt8]) throws(JSONSyntaxError) -> Field {
        if !soleMemberTried, case .appended = appendSoleMemberText(key, in: buffer, to: &output) {
            return .string
        }
        let start = output.count
        var parser = JSONParser(bytes: buffer)
        do throws(JSONSyntaxError) {
            parser.skipWhitespace()
            var field = Field.notObject
            if parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") {
                field = .missing
                // Closures written in place, so that they need no context allocated per record.
                try parser.parseMembers(key: { parser throws(JSONSyntaxError) -> Bool in
                    if let ascii = key.ascii, let equal = parser.plainASCIIKey(equals: ascii) { return equal }
                    return try parser.parseString() == key.name
                }) { parser, wanted throws(JSONSyntaxError) in
                    guard wanted else {
                        _ = try parser.parseValue()
                        return
                    }
                    // A duplicate key: the last value counts (nearly always there is none to drop).
                    if output.count > start { output.removeSubrange(start...) }
                    if parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "\"") {
                        try parser.appendString(to: &output)
                        field = .string
                    } else {
                        field = .other(try parser.parseValue())
                    }
                }
            } else {
                _ = try parser.parseValue()
            }
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw parser.error("unexpected data after the JSON value") }
            if case .string = field { return .string }
            if output.count > start { output.removeSubrange(start...) }
            return field
        } catch {
            if output.count > start { output.removeSubrange(start...) }
            throw error
        }
    }

    /// What ``appendSoleMemberText(_:in:to:)`` made of a line.
    package enum SoleMemberText: Equatable, Sendable {
        /// Not the common record (or not one this reading takes): `output` is as it was.
        case refused
        /// The string's bytes were appended. `asciiOnly`: every byte of the line is below 0x80, so the
        /// line is valid UTF-8; otherwise the caller must still check the line's UTF-8 before using them.
        case appended(asciiOnly: Bool)
    }

    /// Reads the common JSONL record, an object whose only member is `key` spelled in plain ASCII with
    /// a string value (`{"text": "…"}`), straight from a line whose UTF-8 is not checked yet, appending
    /// the string's bytes (escapes decoded). What it appends, ``stringField(_:in:appendingTo:)`` appends
    /// for the same line, once the line is known to be UTF-8 (see ``SoleMemberText/appended(asciiOnly:)``);
    /// anything else is `.refused`, for the general path (UTF-8 check, then the parser) to read or refuse.
    ///
    /// One record read by ``soleMemberRecords(_:in:from:lastLineWhole:budget:maxRecords:into:ends:acceptingNonASCII:)``,
    /// the JSONL reader's loop over a run of records.
    package static func appendSoleMemberText(_ key: FieldKey, in buffer: UnsafeBufferPointer<UInt8>,
                                             to output: inout [UInt8]) -> SoleMemberText {
        var result = SoleMemberText.refused
        output.append(addingCapacity: buffer.count) { span in
            span.withUnsafeMutableBufferPointer { room, written in
                guard let out = room.baseAddress else { return }
                var asciiOnly = true
                var end = 0
                let (taken, _, _) = soleMemberRecords(key, in: buffer, from: 0, lastLineWhole: true, budget: 1, maxRecords: 1,
                                                      into: out, ends: &end) { _ in
                    asciiOnly = false
                    return true
                }
                guard taken == 1 else { return }
                written = end
                result = .appended(asciiOnly: asciiOnly)
            }
        }
        return result
    }

    /// Why ``soleMemberRecords(_:in:from:lastLineWhole:budget:maxRecords:into:ends:acceptingNonASCII:)`` stopped
    /// before the buffer's last whole line (when it took every one, or `maxRecords`, it says nothing).
    package enum RecordRunStop: Equatable, Sendable {
        /// The line after the records taken is not one this reading takes (a blank line, another shape, bad bytes).
        case refused
        /// The records taken passed the budget.
        case reachedBudget
    }

    /// Reads the JSONL records of `buffer` from its line at `start` on, each as ``appendSoleMemberText(_:in:to:)``
    /// reads one, finding each line's end (`\n`, `\r\n`) itself: record `k`'s text is stored in `out` after the
    /// one before, `ends[k]` the offset in `out` where it ends. It stops after `maxRecords` records, after the
    /// first record whose line ends `budget` bytes or more past `start`, before the first line it refuses, and
    /// before a line cut by the buffer's end (unless `lastLineWhole`: then the buffer is one record, whose end
    /// is the buffer's, and a `\n` in it is whitespace, as in any JSON text).
    /// A record with a byte of 0x80 or more is taken only when `acceptingNonASCII` takes its line (the caller's
    /// UTF-8 check: this module has none). `out` needs room for the bytes from `start` to the buffer's end (it
    /// may use it all as scratch). Returns the records taken and where the line after them starts.
    ///
    /// Why one pass over a run of lines: finding each line with `memchr` first, then a call per record with its
    /// set-up (the key's bytes, the room, the batch's append) and the shorter steps at its tail, cost more than
    /// decoding the text; a JSON string never holds a raw `\n`, so the record's own scan finds its line's end
    /// (callgrind, `tokkit encode` of 10 MB of public_en as JSONL).
    /// - Complexity: O(n) in the bytes read.
    package static func soleMemberRecords(_ key: FieldKey, in buffer: UnsafeBufferPointer<UInt8>, from start: Int, lastLineWhole: Bool,
                                          budget: Int, maxRecords: Int, into out: UnsafeMutablePointer<UInt8>, ends: UnsafeMutablePointer<Int>,
                                          acceptingNonASCII accept: (UnsafeBufferPointer<UInt8>) -> Bool) -> (records: Int, end: Int, stop: RecordRunStop?) {
        guard let quoted = key.quoted, let base = buffer.baseAddress else { return (0, start, start < buffer.count ? .refused : nil) }
        return quoted.withUnsafeBufferPointer { quoted -> (records: Int, end: Int, stop: RecordRunStop?) in
            // `{`, the key and `:` in one comparison when they are eight bytes (`{"text":`).
            let opening = key.openingWord, limit = buffer.count
            /// Whitespace inside a line: a `\n` ends it, unless the buffer is one record.
            @inline(__always)
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || (lastLineWhole && byte == 0x0A) }
            var taken = 0, written = 0, line = start
            while taken < maxRecords, line < limit {
                var p = line, newline = -1
                record: do {
                    if let opening, p &+ 8 <= limit, UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self) == opening {
                        p &+= 8
                    } else {
                        while p < limit, isSpace(base[p]) { p &+= 1 }
                        guard p < limit, base[p] == UInt8(ascii: "{") else { break record }
                        p &+= 1
                        while p < limit, isSpace(base[p]) { p &+= 1 }
                        guard p &+ quoted.count <= limit, let wanted = quoted.baseAddress,
                              memcmp(wanted, base + p, quoted.count) == 0 else { break record }
                        p &+= quoted.count
                        while p < limit, isSpace(base[p]) { p &+= 1 }
                        guard p < limit, base[p] == UInt8(ascii: ":") else { break record }
                        p &+= 1
                    }
                    // `: "` as `json.dumps` writes it, in one comparison; otherwise any whitespace.
                    if p &+ 2 <= limit, UnsafeRawPointer(base + p).loadUnaligned(as: UInt16.self) == UInt16(littleEndian: 0x2220) {
                        p &+= 2
                    } else {
                        while p < limit, isSpace(base[p]) { p &+= 1 }
                        guard p < limit, base[p] == UInt8(ascii: "\"") else { break record }
                        p &+= 1
                    }
                    var w = written, high: UInt64 = 0
                    guard decodeString(base, at: &p, end: limit, into: out, written: &w, gatheringHighBits: &high) == nil else { break record }
                    if !lastLineWhole, p &+ 2 <= limit, UnsafeRawPointer(base + p).loadUnaligned(as: UInt16.self) == UInt16(littleEndian: 0x0A7D) {
                        newline = p &+ 1
                    } else {
                        while p < limit, isSpace(base[p]) { p &+= 1 }
                        guard p < limit, base[p] == UInt8(ascii: "}") else { break record }
                        p &+= 1
                        while p < limit, isSpace(base[p]) { p &+= 1 }
                        if !lastLineWhole, p < limit, base[p] == UInt8(ascii: "\n") {
                            newline = p
                        } else if lastLineWhole, p == limit {
                            newline = limit
                        } else {
                            break record
                        }
                    }
                    // The key and the structure are ASCII: the string's raw bytes decide.
                    if high & 0x8080_8080_8080_8080 != 0, !accept(UnsafeBufferPointer(start: base + line, count: newline &- line)) { break record }
                    written = w
                    ends[taken] = w
                    taken &+= 1
                    line = Swift.min(newline &+ 1, limit)
                    if line &- start >= budget { return (taken, line, .reachedBudget) }
                    continue
                }
                // Refused, unless the line is only cut short by the buffer's end (then it is read again whole).
                if !lastLineWhole, memchr(base + line, Int32(UInt8(ascii: "\n")), limit &- line) == nil { return (taken, line, nil) }
                return (taken, line, .refused)
            }
            return (taken, line, nil)
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func error(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(byteOffset: position, reason: reason) }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
            throw error("invalid literal")
        }
        position += count
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth)") }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONObject {
        var entries: [(key: String, value: JSONValue)] = []
        // A JSONL record has a handful of keys: scanning them is faster than hashing. A vocabulary's
        // `vocab` object has 10^5: past a few keys, duplicates are found through an index.
        var index: [String: Int] = [:]
        func set(_ key: String, _ value: JSONValue) {
            if entries.count < 16 {
                if let at = entries.firstIndex(where: { $0.key == key }) { entries[at].value = value } else { entries.append((key, value)) }
                if entries.count == 16 { for (at, entry) in entries.enumerated() { index[entry.key] = at } }
            } else if let at = index[key] {
                entries[at].value = value
            } else {
                index[key] = entries.count
                entries.append((key, value))
            }
        }
        try parseMembers { parser, key throws(JSONSyntaxError) in set(key, try parser.parseValue()) }
        return JSONObject(uniqueEntries: entries)
    }

    /// The members of the object at `position` (its `{`), each key handed to `member`, which must
    /// parse the value that follows; ends after the `}`.
    private mutating func parseMembers(_ member: (inout JSONParser, String) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        try parseMembers(key: { parser throws(JSONSyntaxError) in try parser.parseString() }, member)
    }

    /// As above, with each key read by `readKey` from its opening quote to past its closing one.
    private mutating func parseMembers<Key>(key readKey: (inout JSONParser) throws(JSONSyntaxError) -> Key,
                                            _ member: (inout JSONParser, Key) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try readKey(&self)
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.position
            while parser.position < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position]) {
                parser.position += 1
            }
            return parser.position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw error("unexpected end of input in a number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if digits(&self) == 0 {
            throw error("invalid number")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw error("invalid number: no digits in the exponent") }
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }

    /// For the string at `position` (its opening quote): when it is plain ASCII (no escape, no control
    /// character, no byte of 0x80 or more) and closed, whether its bytes are `ascii`, with `position`
    /// past it; otherwise `nil` and `position` unchanged, for ``parseString()`` to read it (and to
    /// report what is wrong with it).
    private mutating func plainASCIIKey(equals ascii: [UInt8]) -> Bool? {
        guard let base = bytes.baseAddress else { return nil }
        let start = position + 1, count = bytes.count
        var end = start
        while end < count {
            let byte = base[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
            end += 1
        }
        guard end < count else { return nil }
        position = end + 1
        return ascii.withUnsafeBufferPointer { ascii in
            ascii.count == end - start && (ascii.baseAddress.map { memcmp($0, base + start, ascii.count) == 0 } ?? true)
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let open = position
        position += 1
        skipPlainBytes()
        // No escapes: the bytes are the string (UTF-8 was validated by the caller).
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(open + 1)..<(position - 1)]), as: UTF8.self)
        }
        position = open
        var scratch: [UInt8] = []
        try appendString(to: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Moves `position` to the next `"`, backslash or control character (or the end), eight bytes at a
    /// time while there are eight: the text of a JSONL record is most of its bytes.
    ///
    /// Eight bytes as one `UInt64` (Swift's `SIMD16` comparisons compiled to a loop over the lanes
    /// through memory): `(v - 0x01…01) & ~v & 0x80…80` is non-zero exactly when some byte of `v` is 0,
    /// applied to `v ^ "…"` and `v ^ "\\…"`, and with 0x20…20 for a byte below 0x20; a byte of 0x80
    /// or more never counts, as its high bit is set in `v`.
    @inline(__always)
    private mutating func skipPlainBytes() {
        if let base = bytes.baseAddress {
            // Sixteen at a time while no byte is special; the block that holds one is left to the words below.
            while position &+ 16 <= bytes.count,
                  !Self.holdsSpecial(UnsafeRawPointer(base + position).loadUnaligned(as: SIMD16<UInt8>.self)) {
                position &+= 16
            }
            while position + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
                if let lane = Self.firstSpecialLane(word) {
                    position &+= lane
                    return
                }
                position += 8
            }
        }
        while position < bytes.count, !Self.isSpecial(bytes[position]) { position += 1 }
    }

    /// Whether `byte` ends a run of plain string bytes: a quote, a backslash or a control character.
    @inline(__always)
    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
    }

    /// Whether any of the sixteen bytes of `block` is special (``isSpecial(_:)``).
    @inline(__always)
    private static func holdsSpecial(_ block: SIMD16<UInt8>) -> Bool {
        let flags = specialFlags(block)
        return flags[0] | flags[1] != 0
    }

    /// Bit 7 of each byte of `block` that is special (``isSpecial(_:)``), read as two words:
    /// ``firstSpecialLane(_:)``'s test in each lane of a vector (exact there: a lane's borrow does not reach
    /// the next), so the first special byte is the lowest flagged lane.
    ///
    /// Written with wrapping arithmetic and read through two words: `.==`/`.<` masks reduced by `any`
    /// compiled (Swift 6.3) to a call per block, or to a loop over the lanes through memory.
    @inline(__always)
    private static func specialFlags(_ block: SIMD16<UInt8>) -> SIMD2<UInt64> {
        let ones = SIMD16<UInt8>(repeating: 1)
        let quote = block ^ SIMD16(repeating: UInt8(ascii: "\"")), backslash = block ^ SIMD16(repeating: UInt8(ascii: "\\"))
        let flagged = ((quote &- ones) | (backslash &- ones) | (block &- SIMD16(repeating: 0x20))) & ~block & SIMD16(repeating: 0x80)
        return unsafeBitCast(flagged, to: SIMD2<UInt64>.self)
    }

    /// The lane (the byte, in little-endian order) of the first special byte of `word` (``isSpecial(_:)``),
    /// or `nil` when all eight are plain.
    @inline(__always)
    private static func firstSpecialLane(_ word: UInt64) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        // `~quote` and `~backslash` have the high bits of `~word` (0x22 and 0x5C are below 0x80):
        // one `& ~word` serves the three tests.
        let flagged = ((quote &- ones) | (backslash &- ones) | (word &- ones &* 0x20)) & ~word & highs
        // The lowest flagged lane is the first special byte (a false positive can only sit in a lane
        // above a true one, where a borrow ran on).
        return flagged == 0 ? nil : flagged.trailingZeroBitCount &>> 3
    }

    /// Appends the bytes of the string whose opening quote is at `position` to `output`, escapes
    /// decoded, and moves past its closing quote.
    ///
    /// Decoded, a string is never longer than its JSON text (an escape of 2, 6 or 12 bytes gives 1–4),
    /// so room for the rest of the input is enough: the bytes are stored through a pointer, not
    /// appended one by one (text written with `ensure_ascii` is mostly `\u` escapes).
    private mutating func appendString(to output: inout [UInt8]) throws(JSONSyntaxError) {
        guard let base = bytes.baseAddress else { throw error("unexpected end of input") }
        try output.append(addingCapacity: bytes.count - position) { span throws(JSONSyntaxError) in
            try span.withUnsafeMutableBufferPointer { room, written throws(JSONSyntaxError) in
                // Not empty: it has room for at least the opening quote.
                guard let out = room.baseAddress else { return }
                var high: UInt64 = 0
                position += 1
                if let stop = Self.decodeString(base, at: &position, end: bytes.count, into: out, written: &written, gatheringHighBits: &high) {
                    throw error(stop.reason)
                }
            }
        }
    }

    /// Why a string's decoding stopped before its closing quote: the parser's error there.
    enum StringStop {
        case controlCharacter, unterminated, invalidEscape, escapeCutShort, invalidHexDigit, loneSurrogate

        var reason: String {
            switch self {
            case .controlCharacter: "control character inside a string"
            case .unterminated: "unterminated string"
            case .invalidEscape: "invalid escape"
            case .escapeCutShort: "unexpected end of input in a \\u escape"
            case .invalidHexDigit: "invalid \\u escape"
            case .loneSurrogate: "lone UTF-16 surrogate in a \\u escape"
            }
        }
    }

    /// The one string decoder: the string whose bytes start at `base + position` (past its opening quote)
    /// stored from `out + written`, escapes decoded, `position` moved past its closing quote and `written`
    /// past its bytes; its raw bytes OR-ed into `high`, whose bit 7 in some lane is then set when one of
    /// them is 0x80 or more (an OR per sixteen bytes, where a pass of its own to learn it cost a UTF-8 check
    /// per record). Returns `nil`, or why the string is not JSON, `position` where the parser reports it.
    ///
    /// The string lies before `end`, which may be past the string's line or record: the scan stops at its
    /// closing quote, and a JSONL line's `\n` is a control character, which no string holds. Each block of
    /// sixteen bytes (then word of eight) is stored whole before it is tested: the bytes from a special one on
    /// are overwritten by what follows, or lie past the bytes counted as written. So `out + written` needs room
    /// for 16 bytes whenever `position + 16 <= end`: room for every byte from the opening quote to `end` does
    /// (the decoded string is shorter and never runs ahead of its input).
    @inline(__always)
    static func decodeString(_ base: UnsafePointer<UInt8>, at position: inout Int, end: Int,
                             into out: UnsafeMutablePointer<UInt8>, written: inout Int,
                             gatheringHighBits high: inout UInt64) -> StringStop? {
        var p = position, w = written, highs = SIMD16<UInt8>(), word: UInt64 = 0
        defer {
            let folded = unsafeBitCast(highs, to: SIMD2<UInt64>.self)
            high |= folded[0] | folded[1] | word
            position = p
            written = w
        }
        /// The low `lanes` bytes of a word (`lanes` below 8).
        @inline(__always)
        func low(_ value: UInt64, _ lanes: Int) -> UInt64 { value & ((1 &<< (UInt64(lanes) &* 8)) &- 1) }
        while true {
            // The plain run: sixteen bytes a step while none is special (a word a step spent about 5.7
            // instructions a byte of a JSONL record); the block that holds one gives its lane.
            var special = false
            while p &+ 16 <= end {
                let block = UnsafeRawPointer(base + p).loadUnaligned(as: SIMD16<UInt8>.self)
                UnsafeMutableRawPointer(out + w).storeBytes(of: block, as: SIMD16<UInt8>.self)
                let flags = specialFlags(block)
                if flags[0] | flags[1] != 0 {
                    let halves = unsafeBitCast(block, to: SIMD2<UInt64>.self)
                    let first = UInt64(littleEndian: flags[0]), lane: Int
                    if first != 0 {
                        lane = first.trailingZeroBitCount &>> 3
                        word |= low(UInt64(littleEndian: halves[0]), lane)
                    } else {
                        lane = 8 &+ UInt64(littleEndian: flags[1]).trailingZeroBitCount &>> 3
                        word |= halves[0] | low(UInt64(littleEndian: halves[1]), lane &- 8)
                    }
                    p &+= lane
                    w &+= lane
                    special = true
                    break
                }
                highs |= block
                p &+= 16
                w &+= 16
            }
            if !special {
                // Within sixteen bytes of `end`: eight at a time, then one.
                while p &+ 8 <= end {
                    let value = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
                    UnsafeMutableRawPointer(out + w).storeBytes(of: value.littleEndian, as: UInt64.self)
                    if let lane = firstSpecialLane(value) {
                        word |= low(value, lane)
                        p &+= lane
                        w &+= lane
                        special = true
                        break
                    }
                    word |= value
                    p &+= 8
                    w &+= 8
                }
                while !special, p < end, !isSpecial(base[p]) {
                    out[w] = base[p]
                    word |= UInt64(base[p])
                    p &+= 1
                    w &+= 1
                }
            }
            guard p < end else { return .unterminated }
            let byte = base[p]
            if byte == UInt8(ascii: "\"") {
                p &+= 1
                return nil
            }
            if byte < 0x20 { return .controlCharacter }
            p &+= 1
            guard p < end else { return .unterminated }
            let escape = base[p]
            p &+= 1
            var decoded = escape
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): break
            case UInt8(ascii: "b"): decoded = 0x08
            case UInt8(ascii: "f"): decoded = 0x0C
            case UInt8(ascii: "n"): decoded = 0x0A
            case UInt8(ascii: "r"): decoded = 0x0D
            case UInt8(ascii: "t"): decoded = 0x09
            case UInt8(ascii: "u"):
                // Text written with `ensure_ascii` is mostly runs of `\u` escapes: the run is decoded here, one
                // escape after another, without the plain-run scan and this switch between them.
                while true {
                    let (next, count, stop) = unicodeEscape(base, at: p, end: end, into: out + w)
                    p = next
                    if let stop { return stop }
                    w &+= count
                    // `\u` read as one little-endian word.
                    guard p &+ 2 <= end, UnsafeRawPointer(base + p).loadUnaligned(as: UInt16.self) == UInt16(littleEndian: 0x755C) else { break }
                    p &+= 2
                }
                continue
            default:
                return .invalidEscape
            }
            out[w] = decoded
            w &+= 1
        }
    }

    /// A `\u` escape whose `u` ends just before `position`, a surrogate pair taken whole: its scalar's UTF-8
    /// bytes stored at `out`, with where the escape ends and how many bytes; or why it is not JSON, with the
    /// position the parser reports.
    ///
    /// Inlined: out of line, each call (text written with `ensure_ascii` is mostly `\u` escapes) also reloaded
    /// the decoder's vector constants after it (callgrind, `tokkit encode` of 10 MB of public_multi as JSONL:
    /// 735.3 M instructions out of line, 727.0 M inlined; ``decodeString(_:at:end:into:written:gatheringHighBits:)``
    /// stays inlined in the record loop either way).
    @inline(__always)
    static func unicodeEscape(_ base: UnsafePointer<UInt8>, at position: Int, end: Int,
                              into out: UnsafeMutablePointer<UInt8>) -> (position: Int, count: Int, stop: StringStop?) {
        var p = position
        let (scalar, stop) = hex4(base, at: &p, end: end)
        if let stop { return (p, 0, stop) }
        var value = scalar
        if (0xD800...0xDBFF).contains(scalar) {
            guard p &+ 6 <= end, base[p] == UInt8(ascii: "\\"), base[p &+ 1] == UInt8(ascii: "u") else { return (p, 0, .loneSurrogate) }
            p &+= 2
            let (low, stop) = hex4(base, at: &p, end: end)
            if let stop { return (p, 0, stop) }
            guard (0xDC00...0xDFFF).contains(low) else { return (p, 0, .loneSurrogate) }
            value = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            return (p, 0, .loneSurrogate)
        }
        return (p, storeUTF8(of: value, at: out), nil)
    }

    /// The value of the four hex digits at `position` (moved past them), or why not: too few bytes left
    /// (`position` unmoved), or a byte that is no hex digit (`position` at it).
    @inline(__always)
    private static func hex4(_ base: UnsafePointer<UInt8>, at position: inout Int, end: Int) -> (value: UInt32, stop: StringStop?) {
        guard position &+ 4 <= end else { return (0, .escapeCutShort) }
        if let value = hexWord(UInt32(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt32.self))) {
            position &+= 4
            return (value, nil)
        }
        // Not four hex digits: the loop below finds the byte to report.
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = base[position]
            var digit = UInt32(byte &- UInt8(ascii: "0"))
            if digit > 9 {
                // `| 0x20` folds A–F onto a–f; no other byte lands in a–f.
                digit = UInt32((byte | 0x20) &- UInt8(ascii: "a"))
                guard digit < 6 else { return (0, .invalidHexDigit) }
                digit &+= 10
            }
            value = value << 4 | digit
            position &+= 1
        }
        return (value, nil)
    }

    /// The value of four hex digits read as one little-endian word (the first digit in its low byte), or `nil`
    /// when a byte is no hex digit.
    ///
    /// Why not a branch per digit: in `\u` escapes of Chinese or Japanese text, digits and letters follow each
    /// other at random, so a branch on which one a byte is cannot be predicted. Here each byte is tested in its
    /// lane: with every byte below 0x80, `b + 0x50` has bit 7 set exactly when `b >= 0x30` and `b + 0x46` when
    /// `b >= 0x3A` (no carry leaves a lane), so 0x30–0x39 are the digits; the same on `b | 0x20` finds a–f and A–F.
    /// A letter's low nibble is 1–6, so nine more gives its value.
    @inline(__always)
    static func hexWord(_ word: UInt32) -> UInt32? {
        let highs: UInt32 = 0x8080_8080, folded = word | 0x2020_2020
        let digits = (word &+ 0x5050_5050) & ~(word &+ 0x4646_4646)
        let letters = (folded &+ 0x1F1F_1F1F) & ~(folded &+ 0x1919_1919)
        guard word & highs == 0, (digits | letters) & highs == highs else { return nil }
        let nibbles = (word & 0x0F0F_0F0F) &+ (letters & highs) >> 7 &* 9
        // n0 n1 n2 n3 (low byte first) → bytes n0n1 and n2n3 → n0n1n2n3.
        let pairs = (nibbles << 4 | nibbles >> 8) & 0x00FF_00FF
        return (pairs & 0xFF) << 8 | pairs >> 16
    }

    /// Stores the UTF-8 bytes of `scalar` (not a surrogate, at most U+10FFFF: what four hex digits or
    /// a surrogate pair can give) at `out`; returns how many.
    @inline(__always)
    private static func storeUTF8(of scalar: UInt32, at out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case ..<0x80:
            out[0] = UInt8(scalar)
            return 1
        case ..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case ..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }
}
