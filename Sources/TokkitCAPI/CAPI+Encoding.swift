import Foundation
import TokkitCore
import TokkitText

/// A special-token set from C: mode 0 = none, 1 = all, 2 = the listed texts.
func specialSet(_ mode: Int32, _ texts: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int) throws(CFailure) -> SpecialTokenSet {
    switch mode {
    case 0: return .none
    case 1: return .all
    case 2: return .only(Set(try strings(texts, count)))
    default: throw CFailure(.invalidArgument, "special-token mode \(mode) is not 0 (none), 1 (all) or 2 (listed)")
    }
}

/// Validates UTF-8 in place (no copy): the encoder's fast paths assume it.
func checkedText(_ pointer: UnsafePointer<UInt8>?, _ length: Int) throws(CFailure) -> UnsafeBufferPointer<UInt8> {
    let text = try bytes(pointer, length)
    if let offset = UTF8Validation.firstInvalidOffset(text) {
        throw CFailure(EncodingError.invalidUTF8(offset: offset))
    }
    return text
}

/// Encodes one text. `threads` > 1 cuts a long text into chunks at boundaries no later text can move
/// and encodes them on that many cores (`StreamingEncoder`: the same ids as one pass); 1 encodes on
/// the calling thread; 0 means all cores.
@_cdecl("tk_encode")
public func tk_encode(
    _ tokenizer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
    _ allowedMode: Int32, _ allowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ allowedCount: Int,
    _ disallowedMode: Int32, _ disallowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ disallowedCount: Int,
    _ threads: Int, _ ids: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>?, _ count: UnsafeMutablePointer<Int>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let ids, let count else { throw CFailure(.invalidArgument, "an output pointer is null") }
        let handle = try TokenizerHandle.from(tokenizer)
        let rules = try SpecialArguments(allowedMode, allowedTexts, allowedCount, disallowedMode, disallowedTexts, disallowedCount)
        let input = try checkedText(text, length)
        try handle.scratches.lend { (scratch: inout TokenizerHandle.Scratch) throws(CFailure) in
            try encodeText(handle, input, rules, threads, into: &scratch.encoded)
            ids.pointee = mallocCopy(scratch.encoded.ids)
            count.pointee = scratch.encoded.ids.count
        }
    }
}

/// `tk_encode` for a caller that reads the ids in place: `receive(context, ids, count, nil)` is called once, on
/// the calling thread, with Swift's own ids (valid only during the call), instead of a `malloc`ed copy the
/// caller frees. Why: for a long text the copy and the page faults of its fresh buffer cost a few percent of
/// the encode. `flags` bit 0 says the caller vouches that `text` is valid UTF-8 (a Python str's UTF-8), so it
/// is not validated again; the ids of bytes that are not valid UTF-8 are then unspecified.
@_cdecl("tk_encode_lent")
public func tk_encode_lent(
    _ tokenizer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
    _ allowedMode: Int32, _ allowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ allowedCount: Int,
    _ disallowedMode: Int32, _ disallowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ disallowedCount: Int,
    _ threads: Int, _ flags: UInt32,
    _ receive: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt32>?, Int, UnsafePointer<Int>?) -> Void)?,
    _ context: UnsafeMutableRawPointer?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let receive else { throw CFailure(.invalidArgument, "the receiving function is null") }
        let handle = try TokenizerHandle.from(tokenizer)
        let rules = try SpecialArguments(allowedMode, allowedTexts, allowedCount, disallowedMode, disallowedTexts, disallowedCount)
        let input = flags & vouchedUTF8 != 0 ? try bytes(text, length) : try checkedText(text, length)
        try handle.scratches.lend { (scratch: inout TokenizerHandle.Scratch) throws(CFailure) in
            try encodeText(handle, input, rules, threads, into: &scratch.encoded)
            scratch.encoded.ids.withUnsafeBufferPointer { receive(context, $0.baseAddress, $0.count, nil) }
        }
    }
}

/// `flags` bit of the lent entry points and `tk_encode_into`: the caller vouches that the text is valid UTF-8.
let vouchedUTF8: UInt32 = 1

/// The special-token arguments every encode entry point takes, read from C.
struct SpecialArguments {
    var allowed: SpecialTokenSet
    var disallowed: SpecialTokenSet

    init(_ allowedMode: Int32, _ allowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ allowedCount: Int,
         _ disallowedMode: Int32, _ disallowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ disallowedCount: Int) throws(CFailure) {
        allowed = try specialSet(allowedMode, allowedTexts, allowedCount)
        disallowed = try specialSet(disallowedMode, disallowedTexts, disallowedCount)
    }
}

/// The body `tk_encode` and `tk_encode_lent` share: one text (already valid UTF-8) on `threads` cores, its ids
/// into `encoded.ids` (emptied first; its capacity, from the handle's scratch, is reused).
private func encodeText(
    _ handle: TokenizerHandle, _ input: UnsafeBufferPointer<UInt8>, _ rules: SpecialArguments, _ threads: Int,
    into encoded: inout EncodedDocuments
) throws(CFailure) {
    let workers = threads <= 0 ? Tokenizer.defaultThreadCount : threads
    let specials = handle.preparedSpecials(allowed: rules.allowed, disallowed: rules.disallowed)
    if workers > 1, handle.encodeAcrossCores(input, specials: specials, workers: workers, into: &encoded) {
        return
    }
    encoded.ids.removeAll(keepingCapacity: true)
    do throws(EncodingError) {
        // Below two chunks per worker there is nothing to share out: one pass on this thread.
        if workers > 1, input.count >= 2 << 20 {
            let stream = StreamingEncoder(tokenizer: handle.tokenizer, allowedSpecial: rules.allowed,
                                          disallowedSpecial: rules.disallowed, threads: workers)
            encoded.ids = try stream.feed(input)
            encoded.ids += try stream.finish()
        } else {
            encoded.ids.reserveCapacity(input.count / 3 + 1)
            try handle.withMerger { (merger: inout BytePairMerger) throws(EncodingError) in
                try handle.tokenizer.encode(validUTF8: input, specials: specials, merger: &merger, into: &encoded.ids)
            }
        }
    } catch {
        throw CFailure(error)
    }
}

/// Encodes `documentCount` documents stored back to back in `text` (document `i` is
/// `text[offsets[i] ..< offsets[i + 1]]`) on `threads` cores (0 = all), into one flat id array and
/// `documentCount + 1` id offsets. The ids do not depend on the thread count.
@_cdecl("tk_encode_batch")
public func tk_encode_batch(
    _ tokenizer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ offsets: UnsafePointer<UInt64>?, _ documentCount: Int,
    _ allowedMode: Int32, _ allowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ allowedCount: Int,
    _ disallowedMode: Int32, _ disallowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ disallowedCount: Int,
    _ threads: Int, _ ids: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>?, _ idCount: UnsafeMutablePointer<Int>?,
    _ idOffsets: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let ids, let idCount, let idOffsets else { throw CFailure(.invalidArgument, "an output pointer is null") }
        guard documentCount >= 0 else { throw CFailure(.invalidArgument, "negative document count \(documentCount)") }
        let handle = try TokenizerHandle.from(tokenizer)
        let rules = try SpecialArguments(allowedMode, allowedTexts, allowedCount, disallowedMode, disallowedTexts, disallowedCount)
        let boundaries = try byteOffsets(offsets, count: documentCount, argument: "offsets")
        let all = try bytes(text, boundaries[documentCount])
        var encoded = EncodedDocuments()
        try encodeDocuments(handle, all, boundaries, rules, threads, checkUTF8: true, into: &encoded)
        idOffsets.pointee = mallocCopy(encoded.offsets.map { UInt64($0) })
        ids.pointee = mallocCopy(encoded.ids)
        idCount.pointee = encoded.ids.count
    }
}

/// Encodes `documentCount` documents, document `i` being `texts[i][0 ..< lengths[i]]`, on `threads` cores
/// (0 = all), and lends the ids: `receive(context, ids, idCount, idOffsets)` is called once, on the calling
/// thread, with the flat ids and `documentCount + 1` id offsets (valid only during the call). `flags` bit 0
/// says the caller vouches that every text is valid UTF-8, so none is validated again (as `tk_encode_lent`).
///
/// Why the documents come as pointers, not joined: the batch needs them back to back, and here they are
/// joined into the handle's scratch, whose pages the previous call already touched, where a caller's fresh
/// joined copy faulted in every page on every call (and its ids and offsets arrays too); the pointers must
/// stay valid until the call returns.
@_cdecl("tk_encode_documents_lent")
public func tk_encode_documents_lent(
    _ tokenizer: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<UInt8>?>?, _ lengths: UnsafePointer<Int>?,
    _ documentCount: Int,
    _ allowedMode: Int32, _ allowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ allowedCount: Int,
    _ disallowedMode: Int32, _ disallowedTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ disallowedCount: Int,
    _ threads: Int, _ flags: UInt32,
    _ receive: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt32>?, Int, UnsafePointer<Int>?) -> Void)?,
    _ context: UnsafeMutableRawPointer?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let receive else { throw CFailure(.invalidArgument, "the receiving function is null") }
        guard documentCount >= 0 else { throw CFailure(.invalidArgument, "negative document count \(documentCount)") }
        guard documentCount == 0 || (texts != nil && lengths != nil) else {
            throw CFailure(.invalidArgument, "the document texts or lengths are null")
        }
        let handle = try TokenizerHandle.from(tokenizer)
        let rules = try SpecialArguments(allowedMode, allowedTexts, allowedCount, disallowedMode, disallowedTexts, disallowedCount)
        try handle.scratches.lend { (scratch: inout TokenizerHandle.Scratch) throws(CFailure) in
            scratch.boundaries.removeAll(keepingCapacity: true)
            scratch.boundaries.append(0)
            var total = 0
            for index in 0..<documentCount {
                let length = lengths![index]
                guard length >= 0 else { throw CFailure(.invalidArgument, "lengths[\(index)] = \(length) is negative") }
                guard length == 0 || texts![index] != nil else { throw CFailure(.invalidArgument, "texts[\(index)] is null") }
                total += length
                scratch.boundaries.append(total)
            }
            scratch.text.removeAll(keepingCapacity: true)
            scratch.text.reserveCapacity(total)
            for index in 0..<documentCount where lengths![index] > 0 {
                scratch.text.append(contentsOf: UnsafeBufferPointer(start: texts![index], count: lengths![index]))
            }
            let (text, boundaries) = (scratch.text, scratch.boundaries)
            try text.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws(CFailure) in
                try encodeDocuments(handle, all, boundaries, rules, threads, checkUTF8: flags & vouchedUTF8 == 0,
                                    into: &scratch.encoded)
            }
            scratch.encoded.ids.withUnsafeBufferPointer { ids in
                scratch.encoded.offsets.withUnsafeBufferPointer { receive(context, ids.baseAddress, ids.count, $0.baseAddress) }
            }
        }
    }
}

/// The body `tk_encode_batch` and `tk_encode_documents_lent` share: documents back to back in `all`, at
/// `boundaries` (from 0, ascending), through `Tokenizer.encodeDocuments` with the handle's warm mergers.
private func encodeDocuments(
    _ handle: TokenizerHandle, _ all: UnsafeBufferPointer<UInt8>, _ boundaries: [Int], _ rules: SpecialArguments,
    _ threads: Int, checkUTF8: Bool, into encoded: inout EncodedDocuments
) throws(CFailure) {
    do throws(EncodingError) {
        try Tokenizer.checkBoundaries(boundaries, length: all.count)
        try boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
            try handle.tokenizer.encodeDocuments(all, boundaries: boundaries,
                                                 specials: handle.preparedSpecials(allowed: rules.allowed, disallowed: rules.disallowed),
                                                 checkUTF8: checkUTF8, threads: threads <= 0 ? Tokenizer.defaultThreadCount : threads,
                                                 lend: { body in handle.withMerger { body(&$0) } }, into: &encoded)
        }
    } catch {
        throw CFailure(error)
    }
}

/// Merges `bytes` as one piece, with no pre-splitting and no special tokens (tiktoken's
/// `_encode_single_piece`); the bytes need not be UTF-8.
@_cdecl("tk_encode_piece")
public func tk_encode_piece(
    _ tokenizer: OpaquePointer?, _ piece: UnsafePointer<UInt8>?, _ length: Int,
    _ ids: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>?, _ count: UnsafeMutablePointer<Int>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let ids, let count else { throw CFailure(.invalidArgument, "an output pointer is null") }
        let handle = try TokenizerHandle.from(tokenizer)
        var output: [TokenID] = []
        try handle.withMerger { merger throws(CFailure) in
            try handle.encodePiece(try bytes(piece, length), merger: &merger, into: &output)
        }
        ids.pointee = mallocCopy(output)
        count.pointee = output.count
    }
}

/// The pre-tokenizer's pieces of a UTF-8 text, as `2 × count` byte offsets (start, end, start, end, …).
@_cdecl("tk_split")
public func tk_split(
    _ tokenizer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ length: Int,
    _ ranges: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>?, _ count: UnsafeMutablePointer<Int>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let ranges, let count else { throw CFailure(.invalidArgument, "an output pointer is null") }
        let handle = try TokenizerHandle.from(tokenizer)
        let input = Array(try checkedText(text, length))
        let pieces: [Range<Int>]
        do {
            pieces = try handle.tokenizer.preTokenizer.pieces(of: input)
        } catch {
            throw CFailure(.patternError, "\(error)")
        }
        ranges.pointee = mallocCopy(pieces.flatMap { [UInt64($0.lowerBound), UInt64($0.upperBound)] })
        count.pointee = pieces.count
    }
}

/// The bytes `ids` stand for, special tokens included, `malloc`ed.
@_cdecl("tk_decode_bytes")
public func tk_decode_bytes(
    _ tokenizer: OpaquePointer?, _ ids: UnsafePointer<UInt32>?, _ count: Int,
    _ output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, _ length: UnsafeMutablePointer<Int>?,
    _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output, let length else { throw CFailure(.invalidArgument, "an output pointer is null") }
        guard count >= 0 else { throw CFailure(.invalidArgument, "negative id count \(count)") }
        guard count == 0 || ids != nil else { throw CFailure(.invalidArgument, "the ids are null") }
        let handle = try TokenizerHandle.from(tokenizer)
        let decoded: [UInt8]
        do throws(DecodingError) {
            decoded = try handle.tokenizer.vocabulary.decodeBytes(UnsafeBufferPointer(start: ids, count: count))
        } catch {
            throw CFailure(error)
        }
        output.pointee = mallocCopy(decoded)
        length.pointee = decoded.count
    }
}
