import Foundation
import Testing
import TokkitFormats

/// `tokenizer.json` merges checked as Hugging Face checks them (it refuses missing, malformed and
/// unknown-token merges: checked against tokenizers 0.23.3), plus the one case HF accepts but encodes
/// differently from tiktoken-style ranks (merges out of id order), which tokkit refuses.
@Suite("Failure: tokenizer.json merges")
struct TokenizerJSONMergeTests {
    static func file(merges: String?, vocab: String = #""h": 0, "e": 1, "t": 2, "he": 3, "the": 4"#) -> [UInt8] {
        let mergesField = merges.map { #", "merges": \#($0)"# } ?? ""
        return Array(#"""
            {"model": {"type": "BPE", "vocab": {\#(vocab)}\#(mergesField)},
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "added_tokens": []}
            """#.utf8)
    }

    @Test("well-formed merges in id order load, in both the list and the string form")
    func valid() throws {
        _ = try HuggingFaceTokenizerFile.parse(Self.file(merges: #"[["h", "e"], ["t", "he"]]"#), path: "t.json")
        _ = try HuggingFaceTokenizerFile.parse(Self.file(merges: #"["h e", "t he"]"#), path: "t.json")
    }

    @Test("missing, malformed, unknown-token and reordered merges, and a duplicate id, are refused with the reason", arguments: [
        (nil, "model.merges is missing"),
        (#"[["h", "e"], ["t"]]"#, #"model.merges[1] is neither"#),
        (#"["h e", "the"]"#, #"model.merges[1] "the" is not two tokens"#),
        (#"[["h", "e"], ["t", "zz"]]"#, #"needs the token "zz", which model.vocab lacks"#),
        (#"[["h", "e"], ["he", "t"]]"#, #"needs the token "het", which model.vocab lacks"#),
        (#"[["t", "he"], ["h", "e"]]"#, "are not in the order of the ids they create"),
    ] as [(String?, String)])
    func refused(merges: String?, message: String) throws {
        let error = #expect(throws: VocabularyFileError.self) {
            _ = try HuggingFaceTokenizerFile.parse(Self.file(merges: merges), path: "t.json")
        }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test("a duplicate id is named as such, not as a missing rank")
    func duplicateID() throws {
        let error = #expect(throws: VocabularyFileError.self) {
            _ = try HuggingFaceTokenizerFile.parse(Self.file(merges: "[]", vocab: #""h": 0, "e": 1, "t": 1"#), path: "t.json")
        }
        #expect(error?.description.contains("id 1 is given to two tokens") == true, "\(String(describing: error))")
    }
}
