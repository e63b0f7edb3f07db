import Foundation
import Testing
import Tokkit

/// The `tokkit` executable, run as a user runs it.
@Suite("Command line")
struct CLITests {
    static var executable: String { TokkitCommand.executable }

    func tokkit(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Subprocess.Result {
        try TokkitCommand.run(arguments, stdin: stdin)
    }

    @Test("encode writes tiktoken's ids as text, JSON and binary")
    func encodeFormats() throws {
        let text = try tokkit(["encode", "--vocab", "gpt2"], stdin: Array("hello world".utf8))
        #expect(text.status == 0)
        #expect(text.stdout == "31373 995\n")
        let json = try tokkit(["encode", "--vocab", "cl100k_base", "--format", "json"], stdin: Array("hello world".utf8))
        #expect(json.stdout == "[15339,1917]\n")
        let binary = try tokkit(["encode", "--format", "uint16"], stdin: Array("hello world".utf8))
        #expect(binary.stdoutBytes == [0x8D, 0x7A, 0xE3, 0x03])
    }

    @Test("--regex-engine icu writes the same ids as the default scanner; scanner refuses a custom pattern")
    func regexEngines() throws {
        let fixture = Repository.path("fixtures/whitespace-torture.txt")
        for vocab in ["gpt2", "cl100k_base"] {
            let scanned = try tokkit(["encode", fixture, "--vocab", vocab])
            let icu = try tokkit(["encode", fixture, "--vocab", vocab, "--regex-engine", "icu"])
            #expect(scanned.status == 0 && icu.status == 0)
            #expect(scanned.stdout == icu.stdout)
        }
        let refused = try tokkit(["encode", "--pattern-regex", #"\p{L}+|."#, "--regex-engine", "scanner"], stdin: Array("x".utf8))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no hand-written scanner"))
    }

    @Test("encode a fixture file by lines, then decode it back")
    func fileRoundTrip() throws {
        let scratch = Scratch()
        let fixture = Repository.path("fixtures/english-prose.txt")
        let ids = scratch.file("ids.u32")
        let encoded = try tokkit(["encode", fixture, "--vocab", "cl100k_base", "--format", "uint32", "-o", ids])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        let decoded = try tokkit(["decode", ids, "--vocab", "cl100k_base", "--format", "uint32", "--bytes"])
        #expect(decoded.stdoutBytes == (try Repository.fixture("english-prose.txt")))
        let lines = try tokkit(["encode", fixture, "--docs", "lines"])
        let lineCount = try Repository.fixture("english-prose.txt").filter { $0 == UInt8(ascii: "\n") }.count
        #expect(lines.stdout.filter { $0 == "\n" }.count == lineCount)
    }

    @Test("a large output to a file (written with O_DIRECT, past the page cache) has the bytes of the same output on stdout: encode by lines and as one text, 1 and 2 threads, and decode back")
    func largeFileOutputs() throws {
        let scratch = Scratch()
        // ~3.5 MB of text (~3 MB of uint32 ids): several of the direct writer's 1 MB buffers and a partial block at the end.
        var text: [UInt8] = []
        let prose = try Repository.fixture("english-prose.txt")
        for k in 0..<800 { text += Array("\(k) ".utf8) + prose }
        text += Array("tail".utf8)
        let input = scratch.file("large.txt")
        try FileIO.writeAtomically(text, to: input)
        for arguments in [["--docs", "lines", "--threads", "1"], ["--docs", "lines", "--threads", "2"], ["--threads", "1"], ["--threads", "2"]] {
            let ids = scratch.file("ids.u32")
            let toFile = try tokkit(["encode", input, "--vocab", "cl100k_base", "--format", "uint32", "-o", ids] + arguments)
            let toStdout = try tokkit(["encode", input, "--vocab", "cl100k_base", "--format", "uint32"] + arguments)
            #expect(toFile.status == 0 && toStdout.status == 0, "\(toFile.stderr)\(toStdout.stderr)")
            let written = try FileIO.read(ids)
            #expect(written.count > 2 << 20 && written.count % 4 == 0, "\(arguments)")
            #expect(written == toStdout.stdoutBytes, "\(arguments)")
            if arguments.first == "--threads" {
                let back = scratch.file("back.txt")
                let decoded = try tokkit(["decode", ids, "--vocab", "cl100k_base", "--format", "uint32", "--bytes", "-o", back])
                #expect(decoded.status == 0, "\(decoded.stderr)")
                #expect(try FileIO.read(back) == text, "\(arguments)")
            }
        }
    }

    @Test("decode on one thread and on several gives the same bytes, and names the same first unknown id, across blocks")
    func decodeThreads() throws {
        let scratch = Scratch()
        let prose = try Repository.fixture("english-prose.txt")
        let unit = try Loaded.tokenizer("gpt2").encode(bytes: prose, disallowedSpecial: .none)
        // More ids than one block of the multi-threaded reader holds, so that it reads two.
        let repeats = IDStreamDecoder.parallelBlockBytes(threads: 2) / 4 / unit.count + 2
        var ids: [TokenID] = []
        for _ in 0..<repeats { ids += unit }
        var bytes: [UInt8] = []
        LittleEndianIDs.append(ids, width: .uint32, to: &bytes)
        let file = scratch.file("ids.u32")
        try FileSystem.write(bytes, to: file)
        var expected: [UInt8] = []
        for _ in 0..<repeats { expected += prose }
        for threads in ["1", "2"] {
            let decoded = try tokkit(["decode", file, "--vocab", "gpt2", "--format", "uint32", "--bytes", "--threads", threads])
            #expect(decoded.status == 0, "\(decoded.stderr)")
            #expect(decoded.stdoutBytes == expected, "--threads \(threads)")
        }
        // A file is read in place (its uint32 ids straight into the decoder's array); standard input goes
        // through the general reader and parser. Both give the same bytes, and the same repaired text.
        for (threads, exact) in [("1", true), ("2", true), ("2", false)] {
            let options = ["--vocab", "gpt2", "--format", "uint32", "--threads", threads] + (exact ? ["--bytes"] : [])
            let fromFile = try tokkit(["decode", file] + options)
            let piped = try tokkit(["decode"] + options, stdin: bytes)
            #expect(piped.status == 0 && fromFile.status == 0, "\(piped.stderr)\(fromFile.stderr)")
            #expect(piped.stdoutBytes == fromFile.stdoutBytes && (!exact || piped.stdoutBytes == expected), "--threads \(threads)")
        }
        // A file that ends inside an id: every whole id written, then the same error on both paths.
        try FileSystem.write(bytes + [7, 0], to: file)
        let cutFile = try tokkit(["decode", file, "--vocab", "gpt2", "--format", "uint32", "--bytes"])
        let cutPipe = try tokkit(["decode", "--vocab", "gpt2", "--format", "uint32", "--bytes"], stdin: bytes + [7, 0])
        #expect(cutFile.status != 0 && cutFile.stderr.contains("byte \(bytes.count + 2): \(bytes.count + 2) bytes is not a whole number of uint32 ids"),
                "\(cutFile.stderr)")
        #expect(cutPipe.stderr.replacingOccurrences(of: "<stdin>", with: file) == cutFile.stderr && cutPipe.stdoutBytes == cutFile.stdoutBytes)
        // Unknown ids in the second block and late in the first: the first one is named, on any thread count.
        let late = IDStreamDecoder.parallelBlockBytes(threads: 2) / 4 - 3, second = IDStreamDecoder.parallelBlockBytes(threads: 2) / 4 + 5
        for (position, value) in [(second, 60_000), (late, 50_257)] {
            bytes.replaceSubrange(4 * position..<4 * position + 4, with: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16), 0])
        }
        try FileSystem.write(bytes, to: file)
        for threads in ["1", "2"] {
            let failed = try tokkit(["decode", file, "--vocab", "gpt2", "--format", "uint32", "--threads", threads])
            #expect(failed.status != 0 && failed.stderr.contains("token id 50257 at position \(late) "), "\(failed.stderr)")
        }
    }

    @Test("bad input: errors name the offset, the token or the id, and exit non-zero")
    func errors() throws {
        let special = try tokkit(["encode"], stdin: Array("abc <|endoftext|>".utf8))
        #expect(special.status != 0)
        #expect(special.stderr.contains("<|endoftext|>") && special.stderr.contains("byte offset 4"))
        let utf8 = try tokkit(["encode"], stdin: [0x61, 0x62, 0xFF])
        #expect(utf8.status != 0 && utf8.stderr.contains("invalid UTF-8 at byte offset 2"))
        let lossy = try tokkit(["encode", "--lossy"], stdin: [0x61, 0x62, 0xFF])
        #expect(lossy.status == 0)
        let unknown = try tokkit(["decode"], stdin: Array("31373 99999".utf8))
        #expect(unknown.status != 0 && unknown.stderr.contains("99999") && unknown.stderr.contains("position 1"))
        let wide = try tokkit(["encode", "--vocab", "cl100k_base", "--format", "uint16", "--allow-special", "all"],
                              stdin: Array("<|endofprompt|>".utf8))
        #expect(wide.status != 0 && wide.stderr.contains("uint16"))
        let missing = try tokkit(["encode", "/nonexistent/input.txt"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/input.txt"))
        let vocab = try tokkit(["encode", "--vocab", "nope"], stdin: [])
        #expect(vocab.status != 0 && vocab.stderr.contains("unknown vocabulary"))
        let pattern = try tokkit(["encode", "--pattern-regex", "(ab"], stdin: Array("x".utf8))
        #expect(pattern.status != 0 && pattern.stderr.contains("U_REGEX_MISMATCHED_PAREN"))
    }

    @Test("inspect reports size, specials, sha256, coverage and longest tokens")
    func inspect() throws {
        let result = try tokkit(["inspect", "--vocab", "gpt2", "--longest", "3"])
        #expect(result.status == 0)
        for expected in ["50256 tokens", "50257 ids", "<|endoftext|>=50256", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
                         "256/256", "longest tokens"] {
            #expect(result.stdout.contains(expected), "missing \(expected)")
        }
        let json = try tokkit(["inspect", "--vocab", "cl100k_base", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdoutBytes)) as? [String: Any]
        #expect(object?["size"] as? Int == 100277)
    }

    @Test("show separates tokens with │ when stdout is not a terminal, and colours them when asked")
    func show() throws {
        let plain = try tokkit(["show", "--ids"], stdin: Array("hello world\n".utf8))
        #expect(plain.stdout.hasPrefix("hello[31373]│·world[995]│↵[198]"))
        let colored = try tokkit(["show", "--color", "always"], stdin: Array("hello world".utf8))
        #expect(colored.stdout.contains("\u{1B}[30;48;5;"))
    }

    @Test("show prints a character split over several tokens once, between ⟨ ⟩, with all its ids")
    func showSplitCharacters() throws {
        // gpt2 has no token for 你 or 好: each is two byte tokens, which alone are no text.
        let plain = try tokkit(["show", "--ids"], stdin: Array("你好 hi".utf8))
        #expect(plain.stdout.hasPrefix("⟨你⟩[19526,254]│⟨好⟩[25001,121]│·hi[23105]"))
        #expect(plain.stdout.contains("5 tokens"))
        let colored = try tokkit(["show", "--color", "always"], stdin: Array("你".utf8))
        #expect(colored.stdout.contains(";4m你"))
    }

    @Test("every command has complete help")
    func help() throws {
        for command in ["encode", "decode", "inspect", "show"] {
            let result = try tokkit([command, "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("--vocab"))
            #expect(result.stdout.contains("OVERVIEW"))
        }
    }
}
