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
        let handle = try TokenizerHandle.from(tokenizer)
        let bounds = try byteOffsets(offsets, count: pieceCount, argument: "offsets")
        let data = try bytes(text, bounds[pieceCount])
        var output: [TokenID] = []
        var ends: [UInt64] = [0]
        ends.reserveCapacity(pieceCount + 1)
        try handle.withMerger { merger throws(CFailure) in
            for index in 0..<pieceCount {
                try handle.encodePiece(UnsafeBufferPointer(rebasing: data[bounds[index]..<bounds[index + 1]]), merger: &merger,
                                       into: &output)
                ends.append(UInt64(output.count))
            }
        }
        ids.pointee = mallocCopy(output)
        idCount.pointee = output.count
        idOffsets.pointee = mallocCopy(ends)
    }
}
