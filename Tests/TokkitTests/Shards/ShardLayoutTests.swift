import Foundation
import Testing
import Tokkit

/// Headers and indexes, byte for byte, against expectations built by hand from the llm.c and
/// Megatron-LM sources (`data_common.py::write_datafile`, `indexed_dataset.py::_IndexWriter`).
@Suite("Shard layouts, byte-exact")
struct ShardLayoutTests {
    /// 256 little-endian int32 with three words set.
    static func llmcHeader(_ first12: [UInt8]) -> [UInt8] { first12 + [UInt8](repeating: 0, count: 1024 - 12) }

    @Test("llm.c header: 256 LE int32 [20240520, 1, N, 0…]; uint32 files use llm.c's llama-3 pair [20240801, 7]")
    func llmcHeaderBytes() throws {
        #expect(LLMCHeader(width: .uint16, tokenCount: 12345).bytes
                == Self.llmcHeader([0x88, 0xD8, 0x34, 0x01, 0x01, 0, 0, 0, 0x39, 0x30, 0, 0]))
        #expect(LLMCHeader(width: .uint32, tokenCount: 12345).bytes
                == Self.llmcHeader([0xA1, 0xD9, 0x34, 0x01, 0x07, 0, 0, 0, 0x39, 0x30, 0, 0]))
    }

    @Test("an llm.c shard file is the header then uint16 tokens, <|endoftext|> before each document")
    func llmcFile() throws {
        let scratch = Scratch()
        let input = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(["hello world", "hi"], to: input)
        try Sharding.run(try Sharding.settings(.llmc), input: input, directory: scratch.file("out"))
        // tiktoken gpt2: "hello world" = [31373, 995] = 0x7A8D 0x03E3, "hi" = [5303] = 0x14B7; 50256 = 0xC450.
        let tokens: [UInt8] = [0x50, 0xC4, 0x8D, 0x7A, 0xE3, 0x03, 0x50, 0xC4, 0xB7, 0x14]
        let expected = Self.llmcHeader([0x88, 0xD8, 0x34, 0x01, 0x01, 0, 0, 0, 5, 0, 0, 0]) + tokens
        #expect(try FileIO.read(scratch.file("out/test_val_000000.bin")) == expected)
    }

    @Test("nanoGPT val.bin is headerless uint16 with the end token after each document")
    func nanogptFile() throws {
        let scratch = Scratch()
        let input = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(["hello world", "hi"], to: input)
        try Sharding.run(try Sharding.settings(.nanogpt, valTokens: 3), input: input, directory: scratch.file("out"))
        #expect(try FileIO.read(scratch.file("out/val.bin")) == [0x8D, 0x7A, 0xE3, 0x03, 0x50, 0xC4])
        #expect(try FileIO.read(scratch.file("out/train.bin")) == [0xB7, 0x14, 0x50, 0xC4])
    }

    @Test("Megatron .idx for three documents: MMIDIDX, version 1, dtype 8, S, D, lengths, pointers, [0,1,2,3]; 34 + 12S + 8D bytes")
    func megatronIndexBytes() throws {
        let index = MegatronIndex(width: .uint16, documentLengths: [3, 1, 2])
        var expected: [UInt8] = Array("MMIDIDX".utf8) + [0, 0]
        expected += [1, 0, 0, 0, 0, 0, 0, 0]                       // version
        expected += [8]                                            // uint16
        expected += [3, 0, 0, 0, 0, 0, 0, 0]                       // S
        expected += [4, 0, 0, 0, 0, 0, 0, 0]                       // D = S + 1
        expected += [3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]           // int32 lengths
        expected += [0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]  // int64 byte pointers
        expected += [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
        #expect(index.bytes == expected)
        #expect(expected.count == 34 + 12 * 3 + 8 * 4)
        #expect(try MegatronIndex.parse(expected, path: "x.idx") == index)
        #expect(MegatronIndex(width: .uint32, documentLengths: [1]).bytes[17] == 4)
    }

    @Test("a Megatron shard's .bin is the sequences back to back and its .idx indexes each document")
    func megatronFiles() throws {
        let scratch = Scratch()
        let input = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(["hello world", "hi", ""], to: input)
        try Sharding.run(try Sharding.settings(.megatron), input: input, directory: scratch.file("out"))
        #expect(try FileIO.read(scratch.file("out/test_val_000000.bin")) == [0x8D, 0x7A, 0xE3, 0x03, 0x50, 0xC4, 0xB7, 0x14, 0x50, 0xC4, 0x50, 0xC4])
        #expect(try FileIO.read(scratch.file("out/test_val_000000.idx")) == MegatronIndex(width: .uint16, documentLengths: [3, 2, 1]).bytes)
    }

    @Test("headers that llm.c would reject are errors naming the byte offset")
    func llmcRejections() throws {
        let good = LLMCHeader(width: .uint16, tokenCount: 2).bytes + [1, 0, 2, 0]
        #expect(try LLMCHeader.parse(good, fileSize: good.count, path: "s.bin") == LLMCHeader(width: .uint16, tokenCount: 2))
        var badMagic = good
        badMagic[0] = 0
        #expect(throws: ShardError.self) { try LLMCHeader.parse(badMagic, fileSize: good.count, path: "s.bin") }
        var badVersion = good
        badVersion[4] = 2
        #expect {
            try LLMCHeader.parse(badVersion, fileSize: good.count, path: "s.bin")
        } throws: { error in
            (error as? ShardError)?.description.hasPrefix("s.bin: byte offset 4: expected version 1") == true
        }
        var reserved = good
        reserved[400] = 1
        #expect { try LLMCHeader.parse(reserved, fileSize: good.count, path: "s.bin") } throws: { error in
            (error as? ShardError)?.description.contains("byte offset 400") == true
        }
        #expect { try LLMCHeader.parse(good, fileSize: good.count - 2, path: "s.bin") } throws: { error in
            (error as? ShardError)?.description.contains("expected 1028 bytes = 1024 + 2 tokens × 2") == true
        }
    }

    @Test("token widths: auto follows each loader; a vocabulary too wide for the asked width is an error, never a truncation")
    func widths() throws {
        #expect(try ShardFormat.llmc.tokenWidth(forVocabularySize: 50257, requested: nil) == .uint16)
        #expect(try ShardFormat.llmc.tokenWidth(forVocabularySize: 100277, requested: nil) == .uint32)
        #expect(try ShardFormat.megatron.tokenWidth(forVocabularySize: 65_499, requested: nil) == .uint16)
        #expect(try ShardFormat.megatron.tokenWidth(forVocabularySize: 65_500, requested: nil) == .uint32)
        #expect(try ShardFormat.nanogpt.tokenWidth(forVocabularySize: 100277, requested: .uint32) == .uint32)
        #expect(throws: ShardError.vocabularyTooWide(size: 100277, width: .uint16, format: .nanogpt)) {
            try ShardFormat.nanogpt.tokenWidth(forVocabularySize: 100277, requested: nil)
        }
        #expect(throws: ShardError.vocabularyTooWide(size: 100277, width: .uint16, format: .llmc)) {
            try ShardFormat.llmc.tokenWidth(forVocabularySize: 100277, requested: .uint16)
        }
        var out: [UInt8] = []
        let bad = [TokenID(1), 70_000].withUnsafeBufferPointer { TokenWidth.uint16.append($0, limit: 65_535, to: &out) }
        #expect(bad == 1)
    }
}
