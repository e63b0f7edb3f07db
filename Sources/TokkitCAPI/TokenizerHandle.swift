import Foundation
import Tokkit
import Synchronization
import TokkitCore
import TokkitFormats
import TokkitIO
import TokkitText

/// What a `tk_tokenizer *` points to: a tokenizer, the merges it was trained with (if it was), and
/// a pool of mergers.
///
/// Why a pool: a `BytePairMerger` carries a piece cache that makes the next call on similar text
/// faster, so single-text calls reuse one instead of starting cold; callers may encode from many
/// threads at once (Python releases the GIL during a call), so each call takes a merger out of the
/// pool and puts it back, never sharing one.
final class TokenizerHandle: Sendable {
    let tokenizer: Tokenizer
    /// The merge list as trained; `nil` for a loaded vocabulary, whose merges are derived on save.
    let trainedMerges: [Vocabulary.Merge]?
    private let mergers = Mutex<[BytePairMerger]>([])
    /// Special-token matchers by the rules they were built for: a caller repeats the same few rules.
    private let specials = Mutex<[SpecialRules: Tokenizer.PreparedSpecials]>([:])

    struct SpecialRules: Hashable {
        var allowed: SpecialTokenSet
        var disallowed: SpecialTokenSet
    }

    init(_ tokenizer: Tokenizer, trainedMerges: [Vocabulary.Merge]? = nil) {
        self.tokenizer = tokenizer
        self.trainedMerges = trainedMerges
    }

    /// Runs `body` with a merger no other call is using.
    func withMerger<R, E: Error>(_ body: (inout BytePairMerger) throws(E) -> R) throws(E) -> R {
        var merger = mergers.withLock { $0.popLast() } ?? BytePairMerger()
        defer { mergers.withLock { $0.append(merger) } }
        return try body(&merger)
    }

    /// The prepared matchers for these rules, built on first use. At most 64 rule pairs are kept, so
    /// a caller that varies them per call cannot grow the cache without bound.
    func preparedSpecials(allowed: SpecialTokenSet, disallowed: SpecialTokenSet) -> Tokenizer.PreparedSpecials {
        let rules = SpecialRules(allowed: allowed, disallowed: disallowed)
        if let known = specials.withLock({ $0[rules] }) { return known }
        let prepared = tokenizer.prepareSpecials(allowed: allowed, disallowed: disallowed)
        specials.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }
            cache[rules] = prepared
        }
        return prepared
    }

    /// Hands the handle to C: one retain, released by `tk_tokenizer_free`.
    func retained() -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(self).toOpaque())
    }

    /// The handle behind a C pointer (not retained: valid for the duration of the call).
    static func from(_ pointer: OpaquePointer?) throws(CFailure) -> TokenizerHandle {
        guard let pointer else { throw CFailure(.invalidArgument, "the tokenizer handle is null") }
        return Unmanaged<TokenizerHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

/// Builds the special-token list from parallel C arrays of texts and ids.
func specialTokens(_ texts: UnsafePointer<UnsafePointer<CChar>?>?, _ ids: UnsafePointer<UInt32>?,
                   _ count: Int) throws(CFailure) -> [SpecialToken] {
    let names = try strings(texts, count)
    guard count == 0 || ids != nil else { throw CFailure(.invalidArgument, "special-token ids are null") }
    return names.enumerated().map { index, name in SpecialToken(name, id: ids![index]) }
}

/// A tokenizer for `vocabulary` split by `pattern`, a named pattern's exact text or any regex in
/// tiktoken's syntax (the scanner is used when the text is exactly a named pattern).
func makeTokenizer(_ vocabulary: Vocabulary, pattern: String) throws(CFailure) -> Tokenizer {
    do {
        return try Tokenizer(vocabulary: vocabulary, pattern: SplitPattern(regex: pattern))
    } catch {
        throw CFailure(.patternError, "\(error)")
    }
}

@_cdecl("tk_tokenizer_free")
public func tk_tokenizer_free(_ tokenizer: OpaquePointer?) {
    guard let tokenizer else { return }
    Unmanaged<TokenizerHandle>.fromOpaque(UnsafeRawPointer(tokenizer)).release()
}

/// Parses a `.tiktoken` file's bytes (already in memory) into a tokenizer with `pattern` and the given
/// special tokens: what `tokkit.Encoding(mergeable_ranks=…)` and the bundled encodings use.
@_cdecl("tk_tokenizer_from_tiktoken")
public func tk_tokenizer_from_tiktoken(
    _ contents: UnsafePointer<UInt8>?, _ length: Int, _ name: UnsafePointer<CChar>?, _ pattern: UnsafePointer<CChar>?,
    _ specialTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ specialIDs: UnsafePointer<UInt32>?, _ specialCount: Int,
    _ expectedSHA256: UnsafePointer<CChar>?, _ output: UnsafeMutablePointer<OpaquePointer?>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let buffer = Array(try bytes(contents, length))
        let label = try string(name, "name")
        let regex = try string(pattern, "pattern")
        let specials = try specialTokens(specialTexts, specialIDs, specialCount)
        if let expectedSHA256 {
            let expected = String(cString: expectedSHA256)
            let actual = SHA256.hex(buffer)
            guard expected.isEmpty || expected == actual else {
                throw CFailure(.invalidVocabulary, "\(label): sha256 is \(actual), expected \(expected)")
            }
        }
        let vocabulary: Vocabulary
        do {
            vocabulary = try TiktokenFile.parse(buffer, path: label, specialTokens: specials)
        } catch {
            throw CFailure(.invalidVocabulary, "\(error)")
        }
        output.pointee = TokenizerHandle(try makeTokenizer(vocabulary, pattern: regex)).retained()
    }
}

/// Loads a bundled vocabulary's name or a `.tiktoken`, `tokenizer.json` or GPT-2 `encoder.json` path
/// (`TokenizerLoader.load`); `pattern` (nullable) overrides the file's pattern.
@_cdecl("tk_tokenizer_load")
public func tk_tokenizer_load(
    _ source: UnsafePointer<CChar>?, _ pattern: UnsafePointer<CChar>?,
    _ output: UnsafeMutablePointer<OpaquePointer?>?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let path = try string(source, "source")
        do throws(TokenizerLoadError) {
            let tokenizer = try TokenizerLoader.load(path, pattern: pattern.map { SplitPattern(regex: String(cString: $0)) })
            output.pointee = TokenizerHandle(tokenizer).retained()
        } catch {
            throw CFailure(error)
        }
    }
}

/// The tokenizer's description as a `malloc`ed JSON object: `pattern`, `n_vocab` (one more than the
/// largest id), `mergeable_count`, `first_rank`, `mergeable_end` (one more than the largest mergeable
/// rank) and `special_tokens` (`[[text, id], …]`).
@_cdecl("tk_tokenizer_describe")
public func tk_tokenizer_describe(_ tokenizer: OpaquePointer?, _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                  _ error: UnsafeMutableRawPointer?) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let tokenizer = try TokenizerHandle.from(tokenizer).tokenizer
        let vocabulary = tokenizer.vocabulary
        let specials = vocabulary.specialTokens.map { JSONWriter.quoted($0.text) + ", " + String($0.id) }
        let json = "{\"pattern\": \(JSONWriter.quoted(tokenizer.pattern.regex)), \"n_vocab\": \(vocabulary.size), "
            + "\"mergeable_count\": \(vocabulary.mergeableCount), \"first_rank\": \(vocabulary.firstRank), "
            + "\"mergeable_end\": \(vocabulary.mergeableEnd), "
            + "\"special_tokens\": [" + specials.map { "[\($0)]" }.joined(separator: ", ") + "]}"
        output.pointee = strdup(json)
    }
}

/// Every mergeable token's bytes in rank order: one `malloc`ed arena and `count + 1` offsets into it.
@_cdecl("tk_tokenizer_tokens")
public func tk_tokenizer_tokens(
    _ tokenizer: OpaquePointer?, _ arena: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
    _ offsets: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>?, _ count: UnsafeMutablePointer<Int>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let arena, let offsets, let count else { throw CFailure(.invalidArgument, "an output pointer is null") }
        let tokens = try TokenizerHandle.from(tokenizer).tokenizer.vocabulary.tokensByRank
        var joined: [UInt8] = []
        var ends: [UInt64] = [0]
        ends.reserveCapacity(tokens.count + 1)
        for token in tokens {
            joined += token
            ends.append(UInt64(joined.count))
        }
        arena.pointee = mallocCopy(joined)
        offsets.pointee = mallocCopy(ends)
        count.pointee = tokens.count
    }
}
