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

/// The special-token arguments every encode entry point takes, bundled as C passes them.
struct SpecialArguments {
    var allowed: SpecialTokenSet
    var disallowed: SpecialTokenSet
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
        let input = try checkedText(text, length)
        let allowed = try specialSet(allowedMode, allowedTexts, allowedCount)
        let disallowed = try specialSet(disallowedMode, disallowedTexts, disallowedCount)
        let workers = threads <= 0 ? Tokenizer.defaultThreadCount : threads
        var output: [TokenID] = []
        if workers > 1, let parallel = handle.encodeAcrossCores(input, allowed: allowed, disallowed: disallowed, workers: workers) {
            ids.pointee = mallocCopy(parallel)
            count.pointee = parallel.count
            return
        }
        do throws(EncodingError) {
            // Below two chunks per worker there is nothing to share out: one pass on this thread.
            if workers > 1, input.count >= 2 << 20 {
                let stream = StreamingEncoder(tokenizer: handle.tokenizer, allowedSpecial: allowed,
                                              disallowedSpecial: disallowed, threads: workers)
                output = try stream.feed(input)
                output += try stream.finish()
            } else {
                output.reserveCapacity(input.count / 3 + 1)
                let specials = handle.preparedSpecials(allowed: allowed, disallowed: disallowed)
                try handle.withMerger { (merger: inout BytePairMerger) throws(EncodingError) in
                    try handle.tokenizer.encode(validUTF8: input, specials: specials, merger: &merger, into: &output)
                }
            }
        } catch {
            throw CFailure(error)
        }
        ids.pointee = mallocCopy(output)
        count.pointee = output.count
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
        guard documentCount == 0 || offsets != nil else { throw CFailure(.invalidArgument, "the document offsets are null") }
        let handle = try TokenizerHandle.from(tokenizer)
        let allowed = try specialSet(allowedMode, allowedTexts, allowedCount)
        let disallowed = try specialSet(disallowedMode, disallowedTexts, disallowedCount)
        let total = documentCount == 0 ? 0 : Int(offsets![documentCount])
        let all = try bytes(text, total)
        let boundaries = documentCount == 0 ? [0] : (0...documentCount).map { Int(offsets![$0]) }
        var encoded = EncodedDocuments()
        do throws(EncodingError) {
            try Tokenizer.checkBoundaries(boundaries, length: total)
            try boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
                try handle.tokenizer.encodeDocuments(all, boundaries: boundaries,
                                                     specials: handle.preparedSpecials(allowed: allowed, disallowed: disallowed),
                                                     checkUTF8: true, threads: threads <= 0 ? Tokenizer.defaultThreadCount : threads,
                                                     lend: { body in handle.withMerger { body(&$0) } }, into: &encoded)
            }
        } catch {
            throw CFailure(error)
        }
        idOffsets.pointee = mallocCopy(encoded.offsets.map { UInt64($0) })
        ids.pointee = mallocCopy(encoded.ids)
        idCount.pointee = encoded.ids.count
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
