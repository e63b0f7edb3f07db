import Foundation
import Testing
import Tokkit
import TokkitIO
import TokkitTestSupport

/// `JSONParser.soleMemberRecords` (the JSONL reader's loop over a run of records, which finds each line's
/// end itself and reads up to the buffer's end) against the whole-record parse: the same texts for every
/// record it takes, wherever a string's end, an escape or a record falls against its sixteen-byte steps and
/// the buffer's end, and nothing written past its room.
@Suite("JSONL record runs ≡ the whole-record parse")
struct JSONRecordRunTests {
    /// What may follow a plain run inside a text: an escape of each kind, or a raw non-ASCII character.
    static let pieces = ["", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u65E5", "\\ud83d\\ude00", "é", "日"]

    /// `{"text": …}` lines whose texts are 0–40 bytes with `piece` at every offset, so that a string's
    /// end and each escape fall at every distance from a sixteen-byte step.
    static func lines(compact: Bool) -> [String] {
        var lines: [String] = []
        for length in 0...40 {
            let run = String((0..<length).map { Character(UnicodeScalar(UInt8(0x61 + $0 % 26))) })
            for piece in pieces {
                for cut in stride(from: 0, through: length, by: piece.isEmpty ? 41 : 1) {
                    let text = String(run.prefix(cut)) + piece + String(run.dropFirst(cut))
                    lines.append((compact ? "{\"text\":\"" : "{\"text\": \"") + text + "\"}")
                }
            }
        }
        return lines
    }

    /// The text the whole-record parse reads from `line`.
    static func parsed(_ line: String) -> [UInt8]? {
        guard case .object(let record)? = try? JSONParser.parse(Array(line.utf8)), case .string(let text)? = record["text"] else { return nil }
        return Array(text.utf8)
    }

    /// Runs `soleMemberRecords` over `lines` joined by `terminator` (the buffer ends after the last one's, or
    /// `cut` bytes before), into room guarded by a canary; returns the texts taken, where it stopped and why,
    /// and records an issue if the canary was written.
    static func read(_ lines: [String], terminator: String, cut: Int = 0, budget: Int = .max, maxRecords: Int = .max,
                     acceptingNonASCII: Bool = true) -> (texts: [[UInt8]], end: Int, stop: JSONParser.RecordRunStop?) {
        let bytes = Array(Array(lines.map { $0 + terminator }.joined().utf8).dropLast(cut))
        let room = bytes.count, canary = 64
        var out = [UInt8](repeating: 0xEE, count: room + canary)
        var ends = [Int](repeating: -1, count: lines.count)
        let (taken, end, stop) = bytes.withUnsafeBufferPointer { bytes in
            out.withUnsafeMutableBufferPointer { out in
                ends.withUnsafeMutableBufferPointer { ends in
                    guard let room = out.baseAddress, let ends = ends.baseAddress else { return (0, 0, JSONParser.RecordRunStop?.none) }
                    return JSONParser.soleMemberRecords(JSONParser.FieldKey("text"), in: bytes, from: 0, lastLineWhole: false, budget: budget,
                                                        maxRecords: Swift.min(maxRecords, lines.count), into: room, ends: ends) { _ in acceptingNonASCII }
                }
            }
        }
        #expect(out[room...].allSatisfy { $0 == 0xEE }, "written past the room")
        var texts: [[UInt8]] = []
        var from = 0
        for end in ends.prefix(taken) {
            texts.append(Array(out[from..<end]))
            from = end
        }
        return (texts, end, stop)
    }

    /// The texts ``read(_:terminator:cut:budget:maxRecords:acceptingNonASCII:)`` takes.
    static func run(_ lines: [String], terminator: String, acceptingNonASCII: Bool = true) -> [[UInt8]] {
        read(lines, terminator: terminator, acceptingNonASCII: acceptingNonASCII).texts
    }

    @Test("a run stops after the record that passes the budget, after its most records, and before a line the buffer's end cuts, saying why")
    func stops() {
        let lines = [#"{"text": "one"}"#, #"{"text":"two"}"#, #"{"text": "three"}"#]
        let whole = lines.map { $0.utf8.count + 1 }
        #expect(Self.read(lines, terminator: "\n").end == whole.reduce(0, +))
        #expect(Self.read(lines, terminator: "\n").stop == nil)
        let budget = Self.read(lines, terminator: "\n", budget: whole[0] + 1)
        #expect(budget.texts.count == 2 && budget.end == whole[0] + whole[1] && budget.stop == .reachedBudget)
        let most = Self.read(lines, terminator: "\r\n", maxRecords: 2)
        #expect(most.texts.count == 2 && most.end == whole[0] + whole[1] + 2 && most.stop == nil)
        // The last line without its `\n`, or cut anywhere: not taken, not refused, the end at its start.
        for cut in 1...whole[2] {
            let short = Self.read(lines, terminator: "\n", cut: cut)
            #expect(short.texts.count == 2 && short.end == whole[0] + whole[1] && short.stop == nil, "cut \(cut)")
        }
        // One record alone (`lastLineWhole`): a `\n` is whitespace, and what follows it still counts.
        for (record, text) in [("{\"text\":\n\"a\"}\n", "a"), ("{\"text\": \"a\"}\nx", nil), ("{\"text\": \"a\"}\n{\"text\": \"b\"}", nil)] as [(String, String?)] {
            var output: [UInt8] = []
            let taken = Array(record.utf8).withUnsafeBufferPointer { JSONParser.appendSoleMemberText(JSONParser.FieldKey("text"), in: $0, to: &output) }
            #expect(text.map { taken == .appended(asciiOnly: true) && output == Array($0.utf8) } ?? (taken == .refused), "\(record.debugDescription)")
        }
        let refused = Self.read([lines[0], "", lines[1]], terminator: "\n")
        #expect(refused.texts.count == 1 && refused.end == whole[0] && refused.stop == .refused)
    }

    @Test("texts of 0–40 bytes with each escape or non-ASCII character at every offset, spelled both ways, LF or CRLF: every record taken, the texts the parser reads, the last ones read up to the run's end")
    func everyOffset() {
        var checked = 0
        for compact in [false, true] {
            let lines = Self.lines(compact: compact)
            let expected = lines.map { Self.parsed($0) }
            #expect(expected.allSatisfy { $0 != nil })
            for terminator in ["\n", "\r\n"] {
                // The whole set as one run, then each line alone and each pair as a run (its string then ends at
                // every distance from the run's end, where the sixteen-byte steps give way to shorter ones).
                #expect(Self.run(lines, terminator: terminator) == expected.compactMap { $0 })
                for index in lines.indices {
                    let pair = [lines[index], lines[(index + 7) % lines.count]]
                    let texts = Self.run(pair, terminator: terminator)
                    #expect(texts == [expected[index], expected[(index + 7) % lines.count]].compactMap { $0 }, "\(pair)")
                    checked += 1
                }
            }
        }
        #expect(checked > 4 * 3_000)
    }

    @Test("a run stops at the first record it does not take, whose text is not counted: another shape, a bad escape, a non-ASCII line refused by the caller")
    func stopsAtTheFirstRefusal() {
        let good = #"{"text": "0123456789abcdef0123"}"#
        for bad in [#"{"text": "0123456789abcdef\q"}"#, #"{"text": "0123456789abcdef\ud800"}"#, #"{"text": "a", "id": 1}"#,
                    #"{"text": 3}"#, #"{"text": "unterminated}"#, #"{"Text": "a"}"#, "", " ", #"{"text": "a"} x"#,
                    "{\"text\": \"tab\there\"}", #"{"text": "0123456789abcdef\u00"}"#] {
            #expect(Self.run([good, bad, good], terminator: "\n").count == 1, "\(bad)")
        }
        let raw = #"{"text": "0123456789abcdefé"}"#
        #expect(Self.run([good, raw, good], terminator: "\n", acceptingNonASCII: false).count == 1)
        #expect(Self.run([good, raw, good], terminator: "\n", acceptingNonASCII: true).count == 3)
        // A non-ASCII byte after the closing quote's lane in the same block is not the record's: the next record's.
        #expect(Self.run([#"{"text":"a"}"#, #"{"text":"é"}"#], terminator: "\n", acceptingNonASCII: false).count == 1)
    }

    @Test("a bad string's error names the same reason and byte as before the record loop moved")
    func stringErrors() {
        let cases: [(String, String)] = [
            (#"{"text": "ab"#, "unterminated string at byte 12"), (#"{"text": "a\"#, "unterminated string at byte 12"),
            (#"{"text": "a\q"}"#, "invalid escape at byte 13"), (#"{"text": "a\u00"}"#, "invalid \u{5C}u escape at byte 15"),
            (#"{"text": "a\u00g0"}"#, "invalid \u{5C}u escape at byte 15"), (#"{"text": "a\ud800"}"#, "lone UTF-16 surrogate in a \u{5C}u escape at byte 17"),
            (#"{"text": "a\ud800\u0041"}"#, "lone UTF-16 surrogate in a \u{5C}u escape at byte 23"),
            (#"{"text": "a\udc00"}"#, "lone UTF-16 surrogate in a \u{5C}u escape at byte 17"),
            (#"{"text": "a\ud800\uzz00"}"#, "invalid \u{5C}u escape at byte 19"), ("{\"text\": \"a\tb\"}", "control character inside a string at byte 11"),
            (#"{"text": "0123456789abcdef0123\u00e"}"#, "invalid \u{5C}u escape at byte 35"), (#"{"text": "a\u0"#, "unexpected end of input in a \u{5C}u escape at byte 13"),
            (#"{"text": "a\ud83d\u"#, "lone UTF-16 surrogate in a \u{5C}u escape at byte 17"),
        ]
        for (line, expected) in cases {
            var output: [UInt8] = []
            let result = Result { () throws(JSONSyntaxError) in try JSONParser.stringField("text", in: Array(line.utf8)[...], appendingTo: &output) }
            guard case .failure(let error) = result else {
                Issue.record("\(line): \(result)")
                continue
            }
            #expect(error.description == expected, "\(line)")
            let whole = Result { () throws(JSONSyntaxError) in try JSONParser.parse(Array(line.utf8)) }
            if case .failure(let wholeError) = whole { #expect(wholeError == error, "\(line)") } else { Issue.record("\(line): parsed") }
        }
    }

    @Test("through the reader: records at a block's end, a last record without newline, CRLF, every short length, any target: the texts the parser reads, the batches a record at a time makes")
    func throughTheReader() throws {
        let scratch = Scratch()
        let lines = Self.lines(compact: false)
        // Past the reader's 1 MiB block, so that runs end at a block's end as well as at a target.
        var body: [String] = []
        while body.count * 40 < (1 << 20) + 100_000 { body += lines }
        let path = scratch.file("records.jsonl")
        var bytes = Array(body.enumerated().map { $1 + ($0 % 3 == 0 ? "\r\n" : "\n") }.joined().utf8)
        bytes += Array(#"{"text": "last \u00e9 without newline"}"#.utf8)
        try FileIO.writeAtomically(bytes, to: path)
        let expected = (body + [#"{"text": "last \u00e9 without newline"}"#]).compactMap { Self.parsed($0) }
        for target in [1, 4_096, 1 << 20] {
            let flat = try DocumentBatchTests.cutBatches([path], .jsonl(field: "text"), targetBytes: target, flat: true)
            #expect(flat.error == nil)
            #expect(flat.batches.flatMap(\.documents) == expected, "target \(target)")
            let perRecord = try DocumentBatchTests.cutBatches([path], .jsonl(field: "text"), targetBytes: target, flat: false)
            #expect(flat.batches == perRecord.batches, "target \(target)")
            #expect(flat.statistics == perRecord.statistics)
        }
    }
}
