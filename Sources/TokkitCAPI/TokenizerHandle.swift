import Foundation
import Tokkit
import Synchronization
import TokkitCore
import TokkitFormats
import TokkitIO
import TokkitText

/// What a `tk_tokenizer *` points to: a tokenizer, the merges it was trained with (if it was), and
/// a few workspaces to lend.
///
/// Why lend workspaces: a `BytePairMerger` carries a piece cache that makes the next call on similar
/// text faster, so single-text calls reuse one instead of starting cold; callers may encode from many
/// threads at once (Python releases the GIL during a long call), so each call borrows a workspace no
/// other call holds.
final class TokenizerHandle: Sendable {
    let tokenizer: Tokenizer
    /// The merge list as trained; `nil` for a loaded vocabulary, whose merges are derived on save.
    let trainedMerges: [Vocabulary.Merge]?
    /// The workspace a lone caller always gets (a C caller without a `tk_workspace` of its own; Python's long
    /// calls and batches), stored in the handle itself: taking it reads no array and retains no slot.
    private let primary = Mutex(Workspace())
    /// The others, for calls that run at the same time as one holding `primary`.
    private let workspaces: [WorkspaceSlot]
    /// Special-token matchers by the rules they were built for: a caller repeats the same few rules.
    private let specials = Mutex<[SpecialRules: Tokenizer.PreparedSpecials]>([:])
    /// The three rule pairs `tk_encode_into` takes by number (`withSimpleRules(_:_:)`), built once with the
    /// handle, so a call on a short text neither hashes its rules nor takes the cache's lock. Fields, not
    /// an array: an array element read is retained and released around the call, a `let` of a final class
    /// read through a borrowed handle is not.
    private let ordinaryRules: Tokenizer.PreparedSpecials
    private let refusingRules: Tokenizer.PreparedSpecials
    private let allowingRules: Tokenizer.PreparedSpecials
    /// Where a long text may be cut for several cores (`encodeAcrossCores`); `nil` when the pattern or a
    /// special token rules out cutting, as for `StreamingEncoder`.
    let cutRules: CutRules?

    /// What one call borrows: a merger (its piece cache makes the next call on similar text faster)
    /// and an id array whose capacity the next call reuses instead of allocating.
    struct Workspace {
        var merger = BytePairMerger()
        var ids: [TokenID] = []

        /// `tk_encode_into` empties `ids` once it holds more than this many ids, not on every call.
        static let idsKeptBeforeEmptying = 1 << 12
    }

    /// One workspace behind its own lock. A call works on the workspace in place, inside the lock:
    /// moving it out of a shared pool and back copied it, retaining and releasing each of the
    /// merger's arrays, which on a ten-byte text cost more than the encoding.
    private final class WorkspaceSlot: Sendable {
        let workspace = Mutex(Workspace())
    }

    /// Buffers a long call reuses instead of allocating: a batch's joined text and boundaries, and the ids
    /// (`encoded`, with the batch workers' arrays it keeps; one text's ids go to `encoded.ids`). Why: a fresh buffer of a few megabytes may come from
    /// the kernel, which zeroes each page on first touch (4–5% of the samples of a 4 MB batch call in session
    /// 13's perf; whether it does depends on what glibc kept from earlier calls); reused, the next call writes
    /// to pages already mapped, whatever the allocator's history.
    struct Scratch: Sendable {
        var text: [UInt8] = []
        var boundaries: [Int] = []
        var encoded = EncodedDocuments()

        /// The bytes the scratch holds (capacities, not counts), the batch workers' kept arrays included.
        var heldBytes: Int {
            text.capacity + boundaries.capacity * MemoryLayout<Int>.stride
                + encoded.ids.capacity * MemoryLayout<TokenID>.stride + encoded.offsets.capacity * MemoryLayout<Int>.stride
                + encoded.workerIDs.reduce(0) { $0 + $1.capacity * MemoryLayout<TokenID>.stride }
        }
    }

    /// Idle scratches (a call uses one no other call holds). At most `keptScratches` of at most
    /// `keptScratchBytes` each are kept: what a larger call grew is freed when it returns, so an idle handle
    /// holds at most 64 MiB.
    let scratches = IdlePool<Scratch>(limit: TokenizerHandle.keptScratches,
                                       keeps: { $0.heldBytes <= TokenizerHandle.keptScratchBytes }) { Scratch() }
    static let keptScratches = 2
    static let keptScratchBytes = 32 << 20

    struct SpecialRules: Hashable {
        var allowed: SpecialTokenSet
        var disallowed: SpecialTokenSet
    }

    init(_ tokenizer: Tokenizer, trainedMerges: [Vocabulary.Merge]? = nil) {
        self.tokenizer = tokenizer
        self.trainedMerges = trainedMerges
        workspaces = (1..<max(4, 2 * Tokenizer.defaultThreadCount)).map { _ in WorkspaceSlot() }
        ordinaryRules = tokenizer.prepareSpecials(allowed: .none, disallowed: .none)
        refusingRules = tokenizer.prepareSpecials(allowed: .none, disallowed: .all)
        allowingRules = tokenizer.prepareSpecials(allowed: .all, disallowed: .none)
        let stream = StreamingEncoder(tokenizer: tokenizer, threads: 1)
        cutRules = stream.cutsSafely ? stream.rules : nil
    }

    /// Runs `body` with `tk_encode_into`'s rules by number: 0 = ordinary text, 1 = every special token refused,
    /// 2 = every special token encoded as its id; `nil` for any other number. Inlined, and `body` gets the
    /// handle's field itself, borrowed: returning the rules instead copied them out, a retain and a release (two
    /// atomic operations) on every call.
    @inline(__always)
    func withSimpleRules<R, E: Error>(_ number: Int32, _ body: (Tokenizer.PreparedSpecials) throws(E) -> R) throws(E) -> R? {
        switch number {
        case 0: try body(ordinaryRules)
        case 1: try body(refusingRules)
        case 2: try body(allowingRules)
        default: nil
        }
    }

    /// Runs `body` with a workspace no other call is using: the first free one (a single caller
    /// always gets the first, with its cache warm), or a new one when more
    /// calls run at once than the handle keeps. An id array grown past `keptIDs` by a long text is
    /// dropped: the handle would hold that memory for as long as it lives.
    ///
    /// Inlined so that `body` is not a closure called through a context: on a two-byte text from Python
    /// the closure layers were about a tenth of the call.
    @inline(__always)
    func withWorkspace<R: Sendable, E: Error>(_ body: (inout Workspace) throws(E) -> R) throws(E) -> R {
        if let result = try primary.withLockIfAvailable({ (workspace: inout Workspace) throws(E) -> R in
            try Self.lend(&workspace, to: body)
        }) { return result }
        for slot in workspaces {
            if let result = try slot.workspace.withLockIfAvailable({ (workspace: inout Workspace) throws(E) -> R in
                try Self.lend(&workspace, to: body)
            }) { return result }
        }
        var spare = Workspace()
        return try body(&spare)
    }

    /// Runs `body` on a kept workspace (the handle's, or one a C caller owns), then drops an id array a long
    /// text grew past `keptIDs`.
    @inline(__always)
    static func lend<R, E: Error>(_ workspace: inout Workspace, to body: (inout Workspace) throws(E) -> R) throws(E) -> R {
        defer { if workspace.ids.capacity > keptIDs { workspace.ids = [] } }
        return try body(&workspace)
    }

    private static let keptIDs = 1 << 16

    /// Runs `body` with a merger no other call is using.
    func withMerger<R: Sendable, E: Error>(_ body: (inout BytePairMerger) throws(E) -> R) throws(E) -> R {
        try withWorkspace { (workspace: inout Workspace) throws(E) -> R in try body(&workspace.merger) }
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
