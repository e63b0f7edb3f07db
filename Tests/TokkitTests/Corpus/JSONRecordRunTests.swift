import Foundation
import Testing
import Tokkit
import TokkitIO
import TokkitTestSupport

/// `JSONParser.soleMemberTexts` (the JSONL reader's loop over a run of records, which reads past each
/// line's end up to the run's end) against the whole-record parse: the same texts for every record it
/// takes, wherever a string's end, an escape or a record falls against its sixteen-byte steps and the
/// run's end, and nothing written past its room.
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

    /// Runs `soleMemberTexts` over `lines` joined by `terminator` (the run ends after the last one's), into
    /// room guarded by a canary; returns the texts taken, and records an issue if the canary was written.
    static func run(_ lines: [String], terminator: String, acceptingNonASCII: Bool = true) -> [[UInt8]] {
        let bytes = Array(lines.map { $0 + terminator }.joined().utf8)
        var spans: [Int] = []
        var start = 0
        for line in lines {
            spans += [start, start + line.utf8.count]
            start += line.utf8.count + terminator.utf8.count
        }
        let room = bytes.count + JSONParser.soleMemberSlack, canary = 64
        var out = [UInt8](repeating: 0xEE, count: room + canary)
        var ends = [Int](repeating: -1, count: lines.count)
        let taken = bytes.withUnsafeBufferPointer { bytes in
            spans.withUnsafeBufferPointer { spans in
                out.withUnsafeMutableBufferPointer { out in
                    ends.withUnsafeMutableBufferPointer { ends in
                        guard let base = bytes.baseAddress, let room = out.baseAddress, let ends = ends.baseAddress else { return 0 }
                        return JSONParser.soleMemberTexts(JSONParser.FieldKey("text"), spans: spans, of: base, readable: bytes.count,
                                                          into: room, ends: ends) { _ in acceptingNonASCII }
                    }
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
        return texts
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
