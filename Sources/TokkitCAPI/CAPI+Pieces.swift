import TokkitCore
import TokkitText

extension TokenizerHandle {
    /// BPE over `input` as one piece (no split, no special tokens), appended to `output`; a byte with
    /// no single-byte token is an error naming its offset.
    func encodePiece(_ input: UnsafeBufferPointer<UInt8>, merger: inout BytePairMerger, into output: inout [TokenID]) throws(CFailure) {
        guard !input.isEmpty else { return }
        let vocabulary = tokenizer.vocabulary
        guard merger.encode(input, with: vocabulary, into: &output) else {
            let bad = input.firstIndex { vocabulary.rank(of: [$0]) == nil } ?? 0
            throw CFailure(EncodingError.byteNotInVocabulary(byte: input[bad], offset: bad))
        }
    }
}

/// BPE over many byte pieces at once, each as one piece (what `tk_encode_piece` does for one): the
/// pieces are `text[offsets[i] ..< offsets[i + 1]]`, the ids come back flat with `count + 1` offsets.
/// Why: tiktoken's `encode_with_unstable` re-encodes thousands of candidate pieces per call, and one
/// call per piece would spend its time crossing the ABI.
@_cdecl("tk_encode_pieces")
public func tk_encode_pieces(
    _ tokenizer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ offsets: UnsafePointer<UInt64>?, _ pieceCount: Int,
    _ ids: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>?, _ idCount: UnsafeMutablePointer<Int>?,
    _ idOffsets: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let ids, let idCount, let idOffsets else { throw CFailure(.invalidArgument, "an output pointer is null") }
        guard pieceCount >= 0 else { throw CFailure(.invalidArgument, "negative piece count \(pieceCount)") }
        guard pieceCount == 0 || offsets != nil else { throw CFailure(.invalidArgument, "the piece offsets are null") }
        let handle = try TokenizerHandle.from(tokenizer)
        let length = pieceCount == 0 ? 0 : Int(offsets![pieceCount])
        let data = try bytes(text, length)
        var output: [TokenID] = []
        var ends: [UInt64] = [0]
        ends.reserveCapacity(pieceCount + 1)
        try handle.withMerger { merger throws(CFailure) in
            for index in 0..<pieceCount {
                let start = Int(offsets![index]), end = Int(offsets![index + 1])
                guard start <= end, end <= length else { throw CFailure(.invalidArgument, "piece \(index) has offsets \(start)..<\(end) outside 0..<\(length)") }
                try handle.encodePiece(UnsafeBufferPointer(rebasing: data[start..<end]), merger: &merger, into: &output)
                ends.append(UInt64(output.count))
            }
        }
        ids.pointee = mallocCopy(output)
        idCount.pointee = output.count
        idOffsets.pointee = mallocCopy(ends)
    }
}
