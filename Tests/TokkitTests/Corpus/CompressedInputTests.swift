import Foundation
import Testing
import Tokkit

/// gzip and zstd inputs, made by the real `gzip` and `zstd` tools, read exactly like the text inside
/// them; bad compressed input stops with a typed error, never with a shorter text.
@Suite("Reading gzip and zstd compressed corpus files")
struct CompressedInputTests {
    /// Text that crosses many 1 MiB blocks both compressed and uncompressed: about 3 MB of random
    /// words (so it compresses only to about two thirds), with CRLF, blank lines (so paragraphs), tabs
    /// and multi-byte UTF-8 that the block edges cut through.
    static func plainText() -> [UInt8] {
        var random = SplitMix64(seed: 0x7a57)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789.,'\té日本тек🙂")
        var text = ""
        for line in 0..<60_000 {
            let words = Int(random.next() % 12)
            text += (0..<words).map { _ in
                String((0..<(1 + random.next() % 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            }.joined(separator: " ")
            text += line % 7 == 3 ? "\r\n" : "\n"
        }
        return Array(text.utf8)
    }

    /// The lines of `plainText()` as JSON Lines, with escapes in every record.
    static func jsonlText() -> [UInt8] {
        // Split bytes, not a String: "\r\n" is one Character and would not split at "\n".
        let lines = plainText().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        return Array(lines.prefix(40_000).enumerated().map { index, line in
            let text = String(decoding: line, as: UTF8.self).replacingOccurrences(of: "\r", with: "\\r")
                .replacingOccurrences(of: "\t", with: "\\t")
            return "{\"id\": \(index), \"text\": \"\(text)\\n\"}\n"
        }.joined().utf8)
    }

    static func read(_ inputs: [String], _ format: DocumentFormat, lossy: Bool = false) throws -> [[UInt8]] {
        let reader = try DocumentReader(inputs: inputs, format: format, lossy: lossy)
        var documents: [[UInt8]] = []
        while let batch = try reader.nextBatch(targetBytes: 256 << 10) { documents += batch.documents }
        return documents
    }

    static let formats: [DocumentFormat] = [.text(.lines), .text(.paragraphs), .text(.file)]

    @Test("lines, paragraphs and whole files read from .gz and .zst equal the plain file", arguments: CompressionFormat.allCases)
    func sameDocuments(_ compression: CompressionFormat) throws {
        let scratch = Scratch()
        let plain = scratch.file("corpus.txt")
        try FileIO.writeAtomically(Self.plainText(), to: plain)
        let compressed = try CompressionTool.compress(plain, compression)
        for format in Self.formats {
            let expected = try Self.read([plain], format)
            #expect(expected.count > 1 || format == .text(.file))
            #expect(try Self.read([compressed], format) == expected, "\(format)")
        }
    }

    @Test("JSONL read from .jsonl.gz and .jsonl.zst gives the same documents", arguments: CompressionFormat.allCases)
    func sameJSONL(_ compression: CompressionFormat) throws {
        let scratch = Scratch()
        let plain = scratch.file("docs.jsonl")
        try FileIO.writeAtomically(Self.jsonlText(), to: plain)
        let compressed = try CompressionTool.compress(plain, compression)
        let expected = try Self.read([plain], .jsonl(field: "text"))
        #expect(expected.count == 40_000)
        #expect(try Self.read([compressed], .jsonl(field: "text")) == expected)
    }

    @Test("concatenated gzip members and zstd frames read as one text, even with a line cut between them",
          arguments: CompressionFormat.allCases)
    func concatenated(_ compression: CompressionFormat) throws {
        let scratch = Scratch()
        let parts = ["first line\nhalf of a li", "ne\n\nsecond paragraph\n", "third part, no newline at the end"]
        var joined: [UInt8] = []
        for (index, part) in parts.enumerated() {
            let path = scratch.file("part\(index).txt")
            try FileIO.writeAtomically(Array(part.utf8), to: path)
            joined += try FileIO.read(try CompressionTool.compress(path, compression))
        }
        let whole = scratch.file("whole.\(compression.fileExtension)")
        try FileIO.writeAtomically(joined, to: whole)
        let text = Array(parts.joined().utf8)
        #expect(try Self.read([whole], .text(.file)) == [text])
        #expect(try Self.read([whole], .text(.lines)).map { String(decoding: $0, as: UTF8.self) }
                == ["first line", "half of a line", "", "second paragraph", "third part, no newline at the end"])
    }

    @Test("pzstd's output, a skippable frame then one frame per block, reads like the plain file")
    func parallelZstd() throws {
        let scratch = Scratch()
        let plain = scratch.file("corpus.txt")
        try FileIO.writeAtomically(Self.plainText(), to: plain)
        // Level 1 cuts the input into about 1 MB blocks, so several frames.
        let compressed = try CompressionTool.compress(plain, .zstd, tool: "pzstd", arguments: ["-q", "-f", "-p", "2", "-1"])
        let bytes = try FileIO.read(compressed)
        #expect(bytes.prefix(4) == [0x50, 0x2A, 0x4D, 0x18])
        let frames = (0..<(bytes.count - 3)).filter { bytes[$0..<($0 + 4)].elementsEqual([0x28, 0xB5, 0x2F, 0xFD]) }
        #expect(frames.count >= 2)
        #expect(try InputReader(path: compressed).compression == .zstd)
        #expect(try Self.read([compressed], .text(.file)) == [Self.plainText()])
    }

    @Test("a directory or glob mixing plain, gzip and zstd files reads each by its magic bytes, not its name")
    func mixedDirectory() throws {
        let scratch = Scratch()
        let directory = scratch.file("mixed")
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        let contents = ["a.txt": "a1\na2\n", "b.txt": "b1\nb2\n", "sub/c.txt": "c1\n", "d.txt": "d1\n", "e.txt": "e1\n"]
        for (name, text) in contents { try FileIO.writeAtomically(Array(text.utf8), to: directory + "/" + name) }
        _ = try CompressionTool.compress(directory + "/b.txt", .gzip, keep: false)              // b.txt.gz
        _ = try CompressionTool.compress(directory + "/sub/c.txt", .zstd, keep: false)          // sub/c.txt.zst
        let gzip = try CompressionTool.compress(directory + "/d.txt", .gzip, keep: false)
        try FileManager.default.moveItem(atPath: gzip, toPath: directory + "/d.data")           // gzip, no extension
        let zstd = try CompressionTool.compress(directory + "/e.txt", .zstd, keep: false)
        try FileManager.default.moveItem(atPath: zstd, toPath: directory + "/e.gz")             // zstd named .gz
        let expected = ["a1", "a2", "b1", "b2", "d1", "e1", "c1"]
        #expect(try Self.read([directory], .text(.lines)).map { String(decoding: $0, as: UTF8.self) } == expected)
        #expect(try Self.read([directory + "/*.*"], .text(.lines)).map { String(decoding: $0, as: UTF8.self) }
                == ["a1", "a2", "b1", "b2", "d1", "e1"])
        let input = try InputReader(path: directory + "/d.data")
        #expect(input.compression == .gzip)
    }

    @Test("truncated gzip and zstd files are errors naming the file and where the input ends", arguments: CompressionFormat.allCases)
    func truncated(_ compression: CompressionFormat) throws {
        let scratch = Scratch()
        let plain = scratch.file("corpus.txt")
        try FileIO.writeAtomically(Self.plainText(), to: plain)
        let bytes = try FileIO.read(try CompressionTool.compress(plain, compression))
        // Cut in the middle, and a few bytes before the end (inside the gzip trailer or zstd checksum):
        // either way the text read so far must not pass for the whole file.
        for cut in [bytes.count / 2, bytes.count - 3] {
            let path = scratch.file("cut-\(cut).txt.\(compression.fileExtension)")
            try FileIO.writeAtomically(Array(bytes[..<cut]), to: path)
            for format in Self.formats {
                #expect(throws: CorpusError.decompression(path: path, .truncated(format: compression, byteOffset: cut, memberOffset: 0))) {
                    _ = try Self.read([path], format)
                }
            }
        }
    }

    @Test("a truncated second member or frame names where that member starts", arguments: CompressionFormat.allCases)
    func truncatedSecondMember(_ compression: CompressionFormat) throws {
        let scratch = Scratch()
        let path = scratch.file("one.txt")
        try FileIO.writeAtomically(Array("one document\n".utf8), to: path)
        let member = try FileIO.read(try CompressionTool.compress(path, compression))
        let broken = scratch.file("two.\(compression.fileExtension)")
        try FileIO.writeAtomically(member + member.dropLast(5), to: broken)
        let end = 2 * member.count - 5
        #expect(throws: CorpusError.decompression(path: broken, .truncated(format: compression, byteOffset: end, memberOffset: member.count))) {
            _ = try Self.read([broken], .text(.lines))
        }
    }

    @Test("corrupt gzip and zstd data is an error naming the file, the member and the library's reason",
          arguments: CompressionFormat.allCases)
    func corrupt(_ compression: CompressionFormat) throws {
        let scratch = Scratch()
        let plain = scratch.file("corpus.txt")
        try FileIO.writeAtomically(Self.plainText(), to: plain)
        var bytes = try FileIO.read(try CompressionTool.compress(plain, compression))
        let flipped = bytes.count / 3
        for offset in flipped..<(flipped + 8) { bytes[offset] ^= 0x5A }
        let path = scratch.file("corrupt.\(compression.fileExtension)")
        try FileIO.writeAtomically(bytes, to: path)
        // Damaged deflate data can still decode, to garbage: lossy lets that through, so that what
        // stops the read is the format's own check (gzip's CRC-32, zstd's block and frame checks).
        #expect {
            _ = try Self.read([path], .text(.lines), lossy: true)
        } throws: { error in
            guard case .decompression(let errorPath, .invalid(let format, let byteOffset, let memberOffset, let reason)) = error as? CorpusError
            else { return false }
            return errorPath == path && format == compression && memberOffset == 0 && byteOffset > flipped && !reason.isEmpty
        }
        // Trailing bytes that are not another member or frame are not silently ignored either.
        let trailing = scratch.file("trailing.\(compression.fileExtension)")
        try FileIO.writeAtomically(try FileIO.read(try CompressionTool.compress(plain, compression)) + Array("junk\n".utf8), to: trailing)
        #expect(throws: CorpusError.self) { _ = try Self.read([trailing], .text(.lines)) }
    }

    @Test("a file named .gz or .zst that is not compressed is an error saying what it starts with")
    func notCompressed() throws {
        let scratch = Scratch()
        let text = scratch.file("text.jsonl.gz")
        try FileIO.writeAtomically(Array("{\"text\": \"plain\"}\n".utf8), to: text)
        #expect(throws: CorpusError.notCompressed(path: text, expected: .gzip, found: Array("{\"te".utf8))) {
            _ = try Self.read([text], .jsonl(field: "text"))
        }
        let empty = scratch.file("empty.zst")
        try FileIO.writeAtomically([], to: empty)
        #expect(throws: CorpusError.notCompressed(path: empty, expected: .zstd, found: [])) {
            _ = try Self.read([empty], .text(.lines))
        }
        #expect(CorpusError.notCompressed(path: text, expected: .gzip, found: Array("{\"te".utf8)).description
                == "\(text): named like a gzip file but not gzip data (it starts with 7b 22 74 65, not 1f 8b); if it is plain text, rename it")
    }

    @Test("compare takes .txt.gz and .txt.zst files from a directory and reads them decompressed")
    func compareFiles() throws {
        let scratch = Scratch()
        let directory = scratch.file("texts")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let prose = try Repository.fixture("english-prose.txt")
        for name in ["a.txt", "b.txt", "c.txt"] { try FileIO.writeAtomically(prose, to: directory + "/" + name) }
        _ = try CompressionTool.compress(directory + "/b.txt", .gzip, keep: false)
        _ = try CompressionTool.compress(directory + "/c.txt", .zstd, keep: false)
        let files = try ComparedFile.collect([directory])
        #expect(files.map(\.name) == ["a.txt", "b.txt.gz", "c.txt.zst"])
        #expect(files.allSatisfy { $0.bytes == prose })
    }

    @Test("tokkit count on a .jsonl.gz and .jsonl.zst writes the same count file as on the plain .jsonl")
    func countCLI() throws {
        let scratch = Scratch()
        let plain = scratch.file("docs.jsonl")
        try FileIO.writeAtomically(Self.jsonlText(), to: plain)
        let cli = CLITests()
        var outputs: [[UInt8]] = []
        for input in [plain, try CompressionTool.compress(plain, .gzip), try CompressionTool.compress(plain, .zstd)] {
            let counts = scratch.file((input as NSString).lastPathComponent + ".counts")
            let run = try cli.tokkit(["count", input, "--jsonl-field", "text", "-o", counts, "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            outputs.append(try FileIO.read(counts))
        }
        #expect(outputs[0].count > 100_000)
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])
    }

    @Test("compressed standard input is decompressed; tokkit encode streams a .gz to the same ids")
    func standardInputCLI() throws {
        let scratch = Scratch()
        let plain = scratch.file("prose.txt")
        try FileIO.writeAtomically(try Repository.fixture("english-prose.txt"), to: plain)
        let cli = CLITests()
        let expected = try cli.tokkit(["encode", plain, "--vocab", "cl100k_base"])
        #expect(expected.status == 0 && !expected.stdout.isEmpty, "\(expected.stderr)")
        for compression in CompressionFormat.allCases {
            let compressed = try CompressionTool.compress(plain, compression)
            let fromFile = try cli.tokkit(["encode", compressed, "--vocab", "cl100k_base"])
            #expect(fromFile.stdout == expected.stdout, "\(fromFile.stderr)")
            let fromStdin = try cli.tokkit(["encode", "--vocab", "cl100k_base"], stdin: try FileIO.read(compressed))
            #expect(fromStdin.stdout == expected.stdout, "\(fromStdin.stderr)")
            let lines = try cli.tokkit(["encode", "-", "--docs", "lines", "--vocab", "cl100k_base"], stdin: try FileIO.read(compressed))
            #expect(lines.stdout == (try cli.tokkit(["encode", plain, "--docs", "lines", "--vocab", "cl100k_base"])).stdout)
        }
        let bad = try cli.tokkit(["encode"], stdin: Array(try FileIO.read(try CompressionTool.compress(plain, .gzip)).dropLast(4)))
        #expect(bad.status != 0 && bad.stderr.contains("<stdin>: truncated gzip data"), "\(bad.stderr)")
    }
}

extension CompressionFormat {
    var fileExtension: String { self == .gzip ? "gz" : "zst" }
}

/// The real `gzip` and `zstd` command-line tools; a missing tool fails the test, never skips it.
enum CompressionTool {
    /// Compresses `path` into `path.gz` or `path.zst` and returns that path; `keep: false` removes the original.
    static func compress(_ path: String, _ format: CompressionFormat, keep: Bool = true) throws -> String {
        // gzip removes its input unless -k; zstd keeps it unless --rm.
        let arguments = format == .gzip ? ["-f", "-n"] + (keep ? ["-k"] : []) : ["-q", "-f"] + (keep ? [] : ["--rm"])
        return try compress(path, format, tool: format == .gzip ? "gzip" : "zstd", arguments: arguments)
    }

    /// Runs `tool arguments path`, which must write `path.gz` or `path.zst`.
    static func compress(_ path: String, _ format: CompressionFormat, tool: String, arguments: [String]) throws -> String {
        guard let executable = locate(tool) else {
            throw TestSetupError("`\(tool)` is not on PATH: the compressed-input tests compress with the real tools (apt-get install gzip zstd)")
        }
        let result = try Subprocess.run(executable, arguments + [path])
        guard result.status == 0 else { throw TestSetupError("\(tool) \(path) failed (\(result.status)): \(result.stderr)") }
        return path + "." + format.fileExtension
    }

    private static func locate(_ tool: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
