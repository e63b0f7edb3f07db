import Foundation
import Testing
import Tokkit

@Suite("Reading documents from files, directories, globs and JSONL")
struct DocumentReaderTests {
    static func readAll(_ reader: DocumentReader, batchBytes: Int = 4 << 20) throws -> [String] {
        var documents: [String] = []
        while let batch = try reader.nextBatch(targetBytes: batchBytes) {
            documents += batch.documents.map { String(decoding: $0, as: UTF8.self) }
        }
        return documents
    }

    @Test("lines, paragraphs and whole files, with CRLF, across tiny batches")
    func textSplits() throws {
        let scratch = Scratch()
        let path = scratch.file("a.txt")
        try FileIO.writeAtomically(Array("one\r\ntwo\n\n\nthree\nfour\n  \nfive".utf8), to: path)
        #expect(try Self.readAll(DocumentReader(inputs: [path], format: .text(.lines)), batchBytes: 1)
                == ["one", "two", "", "", "three", "four", "  ", "five"])
        #expect(try Self.readAll(DocumentReader(inputs: [path], format: .text(.paragraphs)))
                == ["one\ntwo", "three\nfour", "five"])
        #expect(try Self.readAll(DocumentReader(inputs: [path], format: .text(.file))) == ["one\r\ntwo\n\n\nthree\nfour\n  \nfive"])
    }

    @Test("directories expand recursively in sorted order; globs expand; hidden files are skipped")
    func expansion() throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("d/sub"), withIntermediateDirectories: true)
        try FileIO.writeAtomically(Array("b\n".utf8), to: scratch.file("d/b.txt"))
        try FileIO.writeAtomically(Array("a\n".utf8), to: scratch.file("d/a.txt"))
        try FileIO.writeAtomically(Array("c\n".utf8), to: scratch.file("d/sub/c.txt"))
        try FileIO.writeAtomically(Array("hidden\n".utf8), to: scratch.file("d/.hidden"))
        #expect(try Self.readAll(DocumentReader(inputs: [scratch.file("d")], format: .text(.lines))) == ["a", "b", "c"])
        #expect(try Self.readAll(DocumentReader(inputs: [scratch.file("d/*.txt")], format: .text(.lines))) == ["a", "b"])
        #expect(throws: CorpusError.noInputs(pattern: scratch.file("d/*.none"))) {
            _ = try DocumentReader(inputs: [scratch.file("d/*.none")], format: .text(.lines))
        }
        #expect(throws: CorpusError.unreadable(path: scratch.file("missing.txt"), reason: "no such file or directory")) {
            _ = try DocumentReader(inputs: [scratch.file("missing.txt")], format: .text(.lines))
        }
    }

    @Test("JSONL: the field of each object; bad lines are errors with file and line, or counted and skipped")
    func jsonl() throws {
        let scratch = Scratch()
        let path = scratch.file("docs.jsonl")
        try FileIO.writeAtomically(Array("{\"text\": \"héllo\"}\n\n{\"id\": 3}\nnot json\n{\"text\": \"bye\\n\"}\n{\"text\": \"\u{FEFF}bom kept\", \"n\": [1]}\n".utf8), to: path)
        #expect(throws: CorpusError.missingField(path: path, line: 3, field: "text")) {
            _ = try Self.readAll(DocumentReader(inputs: [path], format: .jsonl(field: "text")))
        }
        let skipping = try DocumentReader(inputs: [path], format: .jsonl(field: "text"), skipBadLines: true)
        #expect(try Self.readAll(skipping) == ["héllo", "bye\n", "\u{FEFF}bom kept"])
        #expect(skipping.statistics.skippedLines == 2)
        try FileIO.writeAtomically(Array("{\"text\": \"a\"}\n[1]\n".utf8), to: path)
        #expect {
            _ = try Self.readAll(DocumentReader(inputs: [path], format: .jsonl(field: "text")))
        } throws: { error in
            guard case .notJSON(let errorPath, let line, _) = error as? CorpusError else { return false }
            return errorPath == path && line == 2
        }
    }

    @Test("invalid UTF-8 names the file, line and byte offset; lossy replaces it")
    func invalidUTF8() throws {
        let scratch = Scratch()
        let path = scratch.file("bad.txt")
        try FileIO.writeAtomically(Array("fine\nab".utf8) + [0xFF] + Array("c\n".utf8), to: path)
        #expect(throws: CorpusError.invalidUTF8(path: path, line: 2, byteOffset: 7)) {
            _ = try Self.readAll(DocumentReader(inputs: [path], format: .text(.lines)))
        }
        let lossy = try DocumentReader(inputs: [path], format: .text(.lines), lossy: true)
        #expect(try Self.readAll(lossy) == ["fine", "ab\u{FFFD}c"])
        #expect(lossy.statistics.repaired == 1)
    }

    @Test("a long file streams through in batches of about the requested size")
    func batches() throws {
        let scratch = Scratch()
        let path = scratch.file("long.txt")
        let lines = (0..<20_000).map { "line number \($0)" }
        try FileIO.writeAtomically(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
        let reader = try DocumentReader(inputs: [path], format: .text(.lines))
        var count = 0
        var batches = 0
        while let batch = try reader.nextBatch(targetBytes: 64 << 10) {
            #expect(batch.bytesRead < (64 << 10) + 64)
            count += batch.documents.count
            batches += 1
        }
        #expect(count == 20_000)
        #expect(batches > 4)
        #expect(reader.statistics.documents == 20_000)
    }
}
