import Foundation
import TokkitCore
import TokkitIO
#if canImport(Glibc)
import Glibc
#endif

/// The vocabularies that ship with Tokkit as SwiftPM resources, addressable by name and checked by
/// sha256 on every load.
///
/// `let enc = try Tokenizer(named: .cl100k_base)` (module `Tokkit`) is the usual way in; the names
/// are tiktoken's, so code ported from Python reads the same.
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

    /// One catalog entry: the specials as (text, id) pairs, in tiktoken's order.
    private init(_ name: String, file fileName: String, sha256: String, pattern: SplitPattern, specials: KeyValuePairs<String, TokenID>) {
        self.name = name
        self.fileName = fileName
        self.sha256 = sha256
        self.pattern = pattern
        specialTokens = specials.map { SpecialToken($0.key, id: $0.value) }
    }

    private static let p50kSHA256 = "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"

    public static let gpt2 = NamedVocabulary("gpt2", file: "gpt2.tiktoken", sha256: "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
                                             pattern: .gpt2, specials: ["<|endoftext|>": 50256])

    public static let cl100k_base = NamedVocabulary(
        "cl100k_base", file: "cl100k_base.tiktoken", sha256: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7", pattern: .cl100k,
        specials: ["<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276])

    /// GPT-4o's encoding (tiktoken `o200k_base`).
    public static let o200k_base = NamedVocabulary(
        "o200k_base", file: "o200k_base.tiktoken", sha256: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d", pattern: .o200k,
        specials: ["<|endoftext|>": 199999, "<|endofprompt|>": 200018])

    /// The ranks of Qwen2, Qwen2.5 and Qwen3 (151,643 tokens) with the special tokens of Qwen2's
    /// `tokenizer_config.json`. (Qwen2.5 and Qwen3 list more after 151645: `<|object_ref_start|>` = 151646
    /// onwards; pass them with `--special` where needed.)
    public static let qwen2 = NamedVocabulary(
        "qwen2", file: "qwen2.tiktoken", sha256: "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186", pattern: .qwen2,
        specials: ["<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645])

    /// tiktoken `p50k_base` (Codex): GPT-2's pattern; ranks 0–50255 and 50257–50280, `<|endoftext|>` = 50256 between them.
    public static let p50k_base = NamedVocabulary("p50k_base", file: "p50k_base.tiktoken", sha256: p50kSHA256, pattern: .gpt2,
                                                  specials: ["<|endoftext|>": 50256])

    /// tiktoken `p50k_edit`: p50k_base's file and pattern with the fill-in-the-middle special tokens.
    public static let p50k_edit = NamedVocabulary(
        "p50k_edit", file: "p50k_base.tiktoken", sha256: p50kSHA256, pattern: .gpt2,
        specials: ["<|endoftext|>": 50256, "<|fim_prefix|>": 50281, "<|fim_middle|>": 50282, "<|fim_suffix|>": 50283])

    /// Every bundled vocabulary. A file shared by two names (p50k) is recognised by its sha256 as the first.
    public static let all: [NamedVocabulary] = [.gpt2, .cl100k_base, .o200k_base, .qwen2, .p50k_base, .p50k_edit]

    /// Finds a vocabulary by name; `r50k_base` is GPT-2's, and the short forms (`cl100k`, `o200k`,
    /// `p50k`) name the `_base` encodings.
    public static func named(_ name: String) -> NamedVocabulary? {
        switch name.lowercased() {
        case "gpt2", "r50k", "r50k_base": return .gpt2
        case "cl100k", "cl100k_base": return .cl100k_base
        case "o200k", "o200k_base": return .o200k_base
        case "qwen2", "qwen2.5", "qwen3": return .qwen2
        case "p50k", "p50k_base": return .p50k_base
        case "p50k_edit": return .p50k_edit
        default: return nil
        }
    }

    /// GPT-2's vocabulary under tiktoken's name for it.
    public static let r50k_base = gpt2

    /// Loads the vocabulary file from `directory` (default: `VocabularyDirectory.locate()`), checking its
    /// sha256, through `cache` (see `RankTableCache`: prebuilt tables, so a load takes milliseconds).
    public func load(from directory: String? = nil, cache: RankTableCache = .standard()) throws(VocabularyFileError) -> Vocabulary {
        guard let directory = directory ?? VocabularyDirectory.locate() else {
            throw .unreadable(path: fileName, reason: "the bundled vocabularies were not found beside the executable "
                              + "(\(VocabularyDirectory.bundleSuffix)); set \(VocabularyDirectory.environmentKey) to a folder that holds \(fileName)")
        }
        return try cache.load(path: directory + "/" + fileName, sha256: sha256, specialTokens: specialTokens)
    }

    /// The vocabulary from the standard cache when that is all a load needs (see `RankTableCache.cached`),
    /// else `nil`. Writes nothing.
    public func loadCached() -> Vocabulary? {
        guard let directory = VocabularyDirectory.locate() else { return nil }
        return RankTableCache.standard().cached(path: directory + "/" + fileName, sha256: sha256, specialTokens: specialTokens)
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
        if let explicit = ProcessEnvironment.value(environmentKey), !explicit.isEmpty {
            return explicit
        }
        return bundled()
    }

    /// The `Vocabularies` folder of the resource bundle beside the running executable (symbolic links
    /// to the executable resolved), or `nil`.
    public static func bundled() -> String? {
        let fileManager = FileManager.default
        // The second place is asked only when the first holds no bundle: resolving a path through
        // `URL.resolvingSymlinksInPath` cost 0.22 M instructions each, at every start (`realpath` now).
        let executables: [() -> String?] = [{ Bundle.main.executableURL?.path }, { "/proc/self/exe" }]
        for executable in executables {
            guard let path = executable() else { continue }
            let resolved = resolvingSymbolicLinks(path)
            guard let slash = resolved.lastIndex(of: "/") else { continue }
            let folder = String(resolved[..<slash])
            guard let names = try? fileManager.contentsOfDirectory(atPath: folder.isEmpty ? "/" : folder) else { continue }
            for name in names.sorted() where name.hasSuffix(bundleSuffix) {
                let candidate = folder + "/" + name + "/" + folderName
                if fileManager.fileExists(atPath: candidate + "/" + NamedVocabulary.gpt2.fileName) {
                    return candidate
                }
            }
        }
        return nil
    }

    /// `path` with every symbolic link in it resolved, or `path` itself when it cannot be (as `URL`'s
    /// `resolvingSymlinksInPath` does).
    private static func resolvingSymbolicLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
