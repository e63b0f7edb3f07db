import Foundation
import Synchronization
import TokkitCore
import TokkitFormats
import TokkitIO
import TokkitText

/// Turns what a user names (`gpt2`, `cl100k_base`, `my.tiktoken`, `tokenizer.json`, `encoder.json`)
/// into a ready `Tokenizer`.
public enum TokenizerLoader {
    /// Loads a tokenizer.
    ///
    /// - Parameters:
    ///   - source: a bundled vocabulary's name, or a path to a `.tiktoken`, `tokenizer.json` or GPT-2 `encoder.json` file.
    ///   - pattern: overrides the file's pattern. A `.tiktoken` file records none: it gets the pattern of
    ///     the bundled vocabulary with the same sha256, else this one, else an error.
    ///   - specialTokens: overrides the special tokens (a `.tiktoken` file records none).
    ///   - mergesPath: GPT-2's `vocab.bpe`; defaults to the one beside `encoder.json`.
    ///   - engine: what pre-splits: `.auto` takes the hand-written scanner for a named pattern, ICU otherwise.
    public static func load(_ source: String, pattern: SplitPattern? = nil, specialTokens: [SpecialToken]? = nil,
                            mergesPath: String? = nil, engine: RegexEngine = .auto) throws(TokenizerLoadError) -> Tokenizer {
        let (vocabulary, filePattern) = try loadVocabulary(source, pattern: pattern, specialTokens: specialTokens, mergesPath: mergesPath)
        do {
            return try Tokenizer(vocabulary: vocabulary, pattern: pattern ?? filePattern, engine: engine)
        } catch {
            throw .pattern(error)
        }
    }

    /// Loads a tokenizer whose special tokens are `specials`, those without an id numbered after the
    /// vocabulary's mergeable tokens (``SpecialTokenRequest/assign(_:from:)``).
    public static func load(_ source: String, pattern: SplitPattern? = nil, specials: [SpecialTokenRequest]?,
                            mergesPath: String? = nil, engine: RegexEngine = .auto) throws(TokenizerLoadError) -> Tokenizer {
        guard let specials else { return try load(source, pattern: pattern, mergesPath: mergesPath, engine: engine) }
        let (loaded, filePattern) = try loadVocabulary(source, pattern: pattern, specialTokens: nil, mergesPath: mergesPath)
        let vocabulary: Vocabulary
        do {
            vocabulary = try replacingSpecials(loaded, SpecialTokenRequest.assign(specials, from: loaded.mergeableEnd), path: source)
        } catch {
            throw .file(error)
        }
        do {
            return try Tokenizer(vocabulary: vocabulary, pattern: pattern ?? filePattern, engine: engine)
        } catch {
            throw .pattern(error)
        }
    }

    /// Runs `load` (one of the loads above) for a caller about to encode on `threads` threads: with
    /// more than one, another core builds the scanners' code point table meanwhile
    /// (`CodePointClasses.prepare()`), which the first batch would otherwise build while the other
    /// workers wait (about 3 ms of wall time a process). ICU splitting does not use the table.
    public static func load(preparingScannersFor threads: Int, engine: RegexEngine,
                            _ load: () throws(TokenizerLoadError) -> Tokenizer) throws(TokenizerLoadError) -> Tokenizer {
        guard threads > 1, engine != .icu else { return try load() }
        var loaded: Result<Tokenizer, TokenizerLoadError>?
        Parallelism.run(workers: 2, meanwhile: { loaded = Result { () throws(TokenizerLoadError) in try load() } }) { worker in
            if worker == 0 { CodePointClasses.prepare() }
        }
        // `meanwhile` always runs before `run` returns; loading here only keeps the types honest.
        return try (loaded ?? Result { () throws(TokenizerLoadError) in try load() }).get()
    }

    /// Starts loading the bundled vocabulary `source` from the rank-table cache on another core, for a
    /// command whose arguments are still being parsed: Argument Parser takes longer to parse `tokkit
    /// encode`'s (~25 M instructions, most of them the Swift runtime scanning the binary's conformance
    /// records) than this load takes (cl100k_base: ~16 M, most of them the tables' structure checks).
    ///
    /// The vocabulary only: the scanners' code point table (`load(preparingScannersFor:engine:_:)`) stays
    /// with the command. Built here as well, it added 1.3–2.3 ms of system time to a process and no wall
    /// time saving the runs could tell apart (1 KB `tokkit encode`, 60–80 alternated runs each).
    ///
    /// The next load of the same vocabulary takes the result, waiting for it if need be. Anything else
    /// changes nothing: the other thread writes no file (`NamedVocabulary.loadCached`), a path or an
    /// unknown name starts nothing, and a load that finds no result (the cache missed) does all the work
    /// itself, as without this call.
    public static func startLoading(_ source: String) {
        guard let named = NamedVocabulary.named(source) else { return }
        let task = BackgroundTask { named.loadCached() }
        early.withLock { $0.started = (named.name, task) }
    }

    /// What `startLoading` started, until a load of that vocabulary takes it, and how many loads took
    /// one (for tests: that a started load is used, not merely harmless).
    private static let early = Mutex<(started: (name: String, task: BackgroundTask<Vocabulary?>)?, taken: Int)>((nil, 0))

    /// The name of the vocabulary `startLoading` started and no load has taken yet.
    package static var startedVocabulary: String? { early.withLock { $0.started?.name } }

    /// How many loads have taken a vocabulary `startLoading` loaded.
    package static var startedLoadsTaken: Int { early.withLock { $0.taken } }

    /// The vocabulary `startLoading` loaded for `named`, once; `nil` if it started none for it or found
    /// none in the cache.
    private static func takeStarted(_ named: NamedVocabulary) -> Vocabulary? {
        let task = early.withLock { state -> BackgroundTask<Vocabulary?>? in
            guard let started = state.started, started.name == named.name else { return nil }
            state.started = nil
            return started.task
        }
        guard let vocabulary = task?.value() else { return nil }
        early.withLock { $0.taken += 1 }
        return vocabulary
    }

    /// The sha256 of a vocabulary: the recorded one for a bundled name, else the file's.
    public static func sha256(of source: String) throws(TokenizerLoadError) -> String {
        if let named = NamedVocabulary.named(source) { return named.sha256 }
        do {
            return SHA256.hex(try FileIO.read(source))
        } catch {
            throw .file(.unreadable(path: source, reason: "\(error)"))
        }
    }

    static func loadVocabulary(_ source: String, pattern: SplitPattern?, specialTokens: [SpecialToken]?,
                               mergesPath: String?) throws(TokenizerLoadError) -> (Vocabulary, SplitPattern) {
        do {
            if let named = NamedVocabulary.named(source) {
                let vocabulary = try takeStarted(named) ?? named.load()
                return (try replacingSpecials(vocabulary, specialTokens, path: source), named.pattern)
            }
            guard FileManager.default.fileExists(atPath: source) else {
                throw VocabularyFileError.unknownVocabulary(name: source, known: NamedVocabulary.all.map(\.name))
            }
            try IncompleteVocabularySet.check(source)
            if source.hasSuffix(".json") {
                let root = try VocabularyJSON.object(try VocabularyFiles.read(source), path: source)
                // tokenizer.json has a "model"; GPT-2's encoder.json maps tokens to ids and nothing else.
                if root["model"] != nil {
                    let contents = try HuggingFaceTokenizerFile.parse(root: root, path: source)
                    return (try replacingSpecials(contents.vocabulary, specialTokens, path: source), contents.pattern)
                }
                let merges = mergesPath ?? URL(fileURLWithPath: source).deletingLastPathComponent().appendingPathComponent("vocab.bpe").path
                let vocabulary = try GPT2Files.read(encoderPath: source, mergesPath: merges)
                return (try replacingSpecials(vocabulary, specialTokens, path: source), .gpt2)
            }
            let bytes = try VocabularyFiles.read(source)
            let digest = SHA256.hex(bytes)
            let known = NamedVocabulary.all.first { $0.sha256 == digest }
            guard let chosen = pattern ?? known?.pattern else {
                throw TokenizerLoadError.patternNeeded(path: source)
            }
            let vocabulary = try RankTableCache.standard().load(contents: bytes, path: source, sha256: digest,
                                                               specialTokens: specialTokens ?? known?.specialTokens ?? [])
            return (vocabulary, chosen)
        } catch let error as VocabularyFileError {
            throw .file(error)
        } catch let error as TokenizerLoadError {
            throw error
        } catch {
            throw .file(.unreadable(path: source, reason: "\(error)"))
        }
    }

    private static func replacingSpecials(_ vocabulary: Vocabulary, _ specials: [SpecialToken]?,
                                          path: String) throws(VocabularyFileError) -> Vocabulary {
        guard let specials else { return vocabulary }
        do {
            return try Vocabulary(tokensOrGaps: vocabulary.tokensOrGaps, firstRank: vocabulary.firstRank, specialTokens: specials)
        } catch {
            throw .invalidContent(path: path, reason: error.description)
        }
    }
}

/// Why a tokenizer could not be loaded.
public enum TokenizerLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    case file(VocabularyFileError)
    case pattern(PreTokenizerError)
    case patternNeeded(path: String)

    public var description: String {
        switch self {
        case .file(let error): return error.description
        case .pattern(let error): return error.description
        case .patternNeeded(let path):
            return "\(path): a .tiktoken file does not record its split pattern; pass one (--pattern gpt2|cl100k|o200k or --pattern-regex)"
        }
    }
}
