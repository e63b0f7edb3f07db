import Foundation
import TokkitCore
import TokkitText

/// The vocabularies that ship in `vocabularies/`, addressable by name and checked by sha256 on load.
///
/// Provenance (`vocabularies/PROVENANCE.md`): the OpenAI files are byte-identical to the ones tiktoken
/// downloads (their sha256 is the one `tiktoken_ext/openai_public.py` expects); `qwen2.tiktoken` holds
/// the ranks Qwen2, Qwen2.5 and Qwen3 share. Names, patterns and special tokens are tiktoken 0.14.0's
/// for the OpenAI encodings, and Qwen2's `tokenizer_config.json` for qwen2.
public struct NamedVocabulary: Sendable, Hashable {
    public let name: String
    public let fileName: String
    public let sha256: String
    public let pattern: SplitPattern
    public let specialTokens: [SpecialToken]

    public static let gpt2 = NamedVocabulary(
        name: "gpt2", fileName: "gpt2.tiktoken",
        sha256: "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
        pattern: .gpt2, specialTokens: [SpecialToken("<|endoftext|>", id: 50256)])

    public static let cl100kBase = NamedVocabulary(
        name: "cl100k_base", fileName: "cl100k_base.tiktoken",
        sha256: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pattern: .cl100k, specialTokens: [
            SpecialToken("<|endoftext|>", id: 100257),
            SpecialToken("<|fim_prefix|>", id: 100258),
            SpecialToken("<|fim_middle|>", id: 100259),
            SpecialToken("<|fim_suffix|>", id: 100260),
            SpecialToken("<|endofprompt|>", id: 100276),
        ])

    /// GPT-4o's encoding (tiktoken `o200k_base`).
    public static let o200kBase = NamedVocabulary(
        name: "o200k_base", fileName: "o200k_base.tiktoken",
        sha256: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pattern: .o200k, specialTokens: [
            SpecialToken("<|endoftext|>", id: 199999),
            SpecialToken("<|endofprompt|>", id: 200018),
        ])

    /// The ranks of Qwen2, Qwen2.5 and Qwen3 (151,643 tokens) with the special tokens of Qwen2's
    /// `tokenizer_config.json`. (Qwen2.5 and Qwen3 list more after 151645: `<|object_ref_start|>` = 151646
    /// onwards; pass them with `--special` where needed.)
    public static let qwen2 = NamedVocabulary(
        name: "qwen2", fileName: "qwen2.tiktoken",
        sha256: "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
        pattern: .qwen2, specialTokens: [
            SpecialToken("<|endoftext|>", id: 151643),
            SpecialToken("<|im_start|>", id: 151644),
            SpecialToken("<|im_end|>", id: 151645),
        ])

    /// tiktoken `p50k_base` (Codex): GPT-2's pattern; ranks 0–50255 and 50257–50280, `<|endoftext|>` = 50256 between them.
    public static let p50kBase = NamedVocabulary(
        name: "p50k_base", fileName: "p50k_base.tiktoken",
        sha256: "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        pattern: .gpt2, specialTokens: [SpecialToken("<|endoftext|>", id: 50256)])

    /// tiktoken `p50k_edit`: p50k_base's file and pattern with the fill-in-the-middle special tokens.
    public static let p50kEdit = NamedVocabulary(
        name: "p50k_edit", fileName: "p50k_base.tiktoken",
        sha256: "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        pattern: .gpt2, specialTokens: [
            SpecialToken("<|endoftext|>", id: 50256),
            SpecialToken("<|fim_prefix|>", id: 50281),
            SpecialToken("<|fim_middle|>", id: 50282),
            SpecialToken("<|fim_suffix|>", id: 50283),
        ])

    /// Every bundled vocabulary. A file shared by two names (p50k) is recognised by its sha256 as the first.
    public static let all: [NamedVocabulary] = [.gpt2, .cl100kBase, .o200kBase, .qwen2, .p50kBase, .p50kEdit]

    /// Finds a vocabulary by name; `r50k_base` is GPT-2's, and the short forms (`cl100k`, `o200k`,
    /// `p50k`) name the `_base` encodings.
    public static func named(_ name: String) -> NamedVocabulary? {
        switch name.lowercased() {
        case "gpt2", "r50k", "r50k_base": return .gpt2
        case "cl100k", "cl100k_base": return .cl100kBase
        case "o200k", "o200k_base": return .o200kBase
        case "qwen2", "qwen2.5", "qwen3": return .qwen2
        case "p50k", "p50k_base": return .p50kBase
        case "p50k_edit": return .p50kEdit
        default: return nil
        }
    }

    /// Loads the vocabulary file from `directory` (default: `VocabularyDirectory.locate()`), checking its sha256.
    public func load(from directory: String? = nil) throws(VocabularyFileError) -> Vocabulary {
        guard let directory = directory ?? VocabularyDirectory.locate() else {
            throw .unreadable(path: "vocabularies/\(fileName)",
                              reason: "no vocabularies folder found; set TOKKIT_VOCABULARIES to the folder that holds \(fileName)")
        }
        return try TiktokenFile.read(path: directory + "/" + fileName, specialTokens: specialTokens, expectedSHA256: sha256)
    }
}

/// Where the bundled `vocabularies/` folder is.
public enum VocabularyDirectory {
    /// `$TOKKIT_VOCABULARIES`, else the first `vocabularies/` folder holding `gpt2.tiktoken` found in
    /// the working directory, beside or above the executable, or in the source checkout this was built from.
    public static func locate() -> String? {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["TOKKIT_VOCABULARIES"], !explicit.isEmpty {
            return explicit
        }
        var candidates: [URL] = [URL(fileURLWithPath: fileManager.currentDirectoryPath)]
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        candidates.append(executable.deletingLastPathComponent())
        // This file is Sources/TokkitFormats/Catalog/NamedVocabulary.swift: four levels below the package root.
        candidates.append(URL(fileURLWithPath: #filePath))
        for start in candidates {
            var directory = start
            for _ in 0..<8 {
                let folder = directory.appendingPathComponent("vocabularies")
                if fileManager.fileExists(atPath: folder.appendingPathComponent("gpt2.tiktoken").path) {
                    return folder.path
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }
}
