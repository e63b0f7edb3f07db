import TokkitCore
import TokkitText

/// Encodes one text on the calling thread into the caller's buffer, under one of three fixed rule
/// pairs: 0 = ordinary text (no special token is matched: tiktoken's `encode_ordinary`), 1 = every
/// special token refused (`encode`'s default), 2 = every special token encoded as its id.
///
/// Why a second entry point beside `tk_encode`: a Python loop over short documents pays this call's
/// fixed cost once per document, and for a ten-byte text `tk_encode`'s fixed cost (parsing the rule
/// arguments, a locked and hashed cache lookup, a Swift array and a `malloc`ed copy per call, the
/// caller's `tk_free`) was larger than the encoding. Here the rules are prepared once with the handle, and
/// the ids of a text of up to `Tokenizer.shortTextLimit` bytes are written straight into memory the caller owns
/// (a stack buffer in tokkit/_fast.c); a longer one's are built in an id array kept with the workspace, whose
/// capacity the next call reuses, and copied there.
///
/// `flags` bit 0 (`TK_VOUCHED_UTF8`) says the caller vouches that the text is valid UTF-8 (a Python str's),
/// so it is not validated again, as in `tk_encode_lent`.
///
/// `workspace` (nullable) is one the caller owns (`tk_workspace_new`) and lets no two calls use at once: the
/// call then takes no lock. NULL borrows one of the handle's, behind its lock. Why: on a two-byte text from
/// Python the lock's two atomic compare-and-swaps (taken and released) were the largest single cost left,
/// while the GIL already keeps the calls of one Python object from overlapping.
///
/// `capacity` must be at least `length`: every token covers at least one byte, so a text of n bytes
/// never has more than n ids, and the buffer is proven large enough before the encoder runs.
@_cdecl("tk_encode_into")
public func tk_encode_into(
    _ tokenizer: OpaquePointer?, _ workspace: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
    _ rules: Int32, _ flags: UInt32, _ ids: UnsafeMutablePointer<UInt32>?, _ capacity: Int,
    _ count: UnsafeMutablePointer<Int>?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let ids, let count else { throw CFailure(.invalidArgument, "an output pointer is null") }
        guard capacity >= length else {
            throw CFailure(.invalidArgument, "the id buffer holds \(capacity) ids, fewer than the text's \(length) bytes")
        }
        guard let tokenizer else { throw CFailure(.invalidArgument, "the tokenizer handle is null") }
        // The caller's reference keeps the handle alive for the whole call (tk_tokenizer_free must not
        // race a call on the same handle), so it is borrowed, not retained and released: that pair was
        // a few percent of a call on a two-byte text.
        let outcome = Unmanaged<TokenizerHandle>.fromOpaque(UnsafeRawPointer(tokenizer))._withUnsafeGuaranteedRef { handle in
            Result { () throws(CFailure) -> Int in
                try encodeInto(handle, workspace.map { UnsafeMutablePointer<TokenizerHandle.Workspace>($0) }, text, length, rules, flags, ids, capacity)
            }
        }
        count.pointee = try outcome.get()
    }
}

/// A workspace for `tk_encode_into` that the caller owns: no lock guards it, so the caller lets no two calls
/// use it at once (Python: one per encoding object, used only while the GIL is held). Any tokenizer may use it:
/// its merger empties its piece cache when it meets another vocabulary. Freed by `tk_workspace_free`.
@_cdecl("tk_workspace_new")
public func tk_workspace_new() -> OpaquePointer {
    let workspace = UnsafeMutablePointer<TokenizerHandle.Workspace>.allocate(capacity: 1)
    workspace.initialize(to: TokenizerHandle.Workspace())
    return OpaquePointer(workspace)
}

@_cdecl("tk_workspace_free")
public func tk_workspace_free(_ workspace: OpaquePointer?) {
    guard let workspace else { return }
    let owned = UnsafeMutablePointer<TokenizerHandle.Workspace>(workspace)
    owned.deinitialize(count: 1)
    owned.deallocate()
}

/// `tk_encode_into`'s work once its arguments are checked: the number of ids written to `ids`, with the caller's
/// workspace when it gave one, else one of the handle's.
@inline(__always)
private func encodeInto(_ handle: TokenizerHandle, _ owned: UnsafeMutablePointer<TokenizerHandle.Workspace>?,
                        _ text: UnsafePointer<UInt8>?, _ length: Int, _ rules: Int32, _ flags: UInt32,
                        _ ids: UnsafeMutablePointer<UInt32>, _ capacity: Int) throws(CFailure) -> Int {
    let input = flags & vouchedUTF8 != 0 ? try bytes(text, length) : try checkedText(text, length)
    let produced = try handle.withSimpleRules(rules) { (specials: Tokenizer.PreparedSpecials) throws(CFailure) -> Int in
        if let owned {
            return try TokenizerHandle.lend(&owned.pointee) { (workspace: inout TokenizerHandle.Workspace) throws(CFailure) -> Int in
                try encodeInto(handle, specials, input, &workspace, ids, capacity)
            }
        }
        return try handle.withWorkspace { (workspace: inout TokenizerHandle.Workspace) throws(CFailure) -> Int in
            try encodeInto(handle, specials, input, &workspace, ids, capacity)
        }
    }
    guard let produced else {
        throw CFailure(.invalidArgument, "special-token rules \(rules) are not 0 (ordinary), 1 (refuse all) or 2 (allow all)")
    }
    return produced
}

/// Encodes `input` with `workspace` and copies its ids to `ids`.
@inline(__always)
private func encodeInto(_ handle: TokenizerHandle, _ specials: Tokenizer.PreparedSpecials, _ input: UnsafeBufferPointer<UInt8>,
                        _ workspace: inout TokenizerHandle.Workspace, _ ids: UnsafeMutablePointer<UInt32>,
                        _ capacity: Int) throws(CFailure) -> Int {
    // A short text is encoded straight into `ids` (at least `input.count` slots, checked by `tk_encode_into`).
    do throws(EncodingError) {
        if let produced = try handle.tokenizer.encodeShort(validUTF8: input, specials: specials, merger: &workspace.merger, to: ids) {
            return produced
        }
    } catch {
        throw CFailure(error)
    }
    // The ids are appended after the previous calls' and the array is emptied only now and
    // then: emptying it every call (`removeAll(keepingCapacity:)`) cost more than encoding "hi".
    if workspace.ids.count > TokenizerHandle.Workspace.idsKeptBeforeEmptying {
        workspace.ids.removeAll(keepingCapacity: true)
    }
    let start = workspace.ids.count
    do throws(EncodingError) {
        try handle.tokenizer.encode(validUTF8: input, specials: specials, merger: &workspace.merger,
                                    into: &workspace.ids)
    } catch {
        throw CFailure(error)
    }
    let produced = workspace.ids.count - start
    // The bound above holds for every vocabulary Tokkit loads; checked anyway, since a write past
    // the caller's buffer is the one failure that must never happen.
    guard produced <= capacity else {
        throw CFailure(.invalidArgument, "the text has \(produced) ids, more than the buffer's \(capacity)")
    }
    workspace.ids.withUnsafeBufferPointer { source in
        guard let base = source.baseAddress else { return }
        // A short text has a few ids, and a `memcpy` call cost more than copying them one by one.
        if produced <= 4 {
            for index in 0..<produced { ids[index] = base[start + index] }
        } else {
            ids.update(from: base + start, count: produced)
        }
    }
    return produced
}
