import TokkitCore
import TokkitText

extension TokenizerHandle {
    /// One text's ids encoded on `workers` cores by the handle's warm mergers into `encoded.ids` (its
    /// capacity reused), or `false` when this text is not cut this way (too short, a pattern without safe
    /// cuts, or a failure, which the caller's one-stream path then reports with its offset in the whole text).
    ///
    /// Why not `StreamingEncoder` alone: a stream starts one new merger per worker, with an empty piece
    /// cache, on every call. Python calls `tk_encode` once per text, so every call on several cores ran
    /// cold (at about two thirds of the warm rate: on two cores, 1.2 of one warm core). Here the text is
    /// cut at `StreamingEncoder`'s safe cuts (no piece and no special token spans one, so the parts'
    /// ids, in order, are the text's ids) and the parts go through the batch path, which borrows the
    /// handle's mergers like every other call. The parts are several per worker, claimed as workers
    /// free up, so a slow part does not leave a core idle.
    ///
    /// - Complexity: O(text.count), shared by the workers; finding the cuts reads a few bytes around
    ///   each of `8 × workers` targets.
    func encodeAcrossCores(_ text: UnsafeBufferPointer<UInt8>, specials: Tokenizer.PreparedSpecials, workers: Int,
                           into encoded: inout EncodedDocuments) -> Bool {
        let parts = min(8 * workers, text.count / Self.smallestPart)
        guard parts >= 2, let rules = cutRules else { return false }
        var boundaries = [0]
        for part in 1..<parts {
            let last = boundaries[boundaries.count - 1]
            let target = text.count / parts * part
            guard target > last + 2 else { continue }
            // No cut at or above `target` means none in the rest of the text either.
            guard let cut = StreamingEncoder.safeCut(in: text, after: last, near: target, rules: rules),
                  cut > last, cut < text.count else { break }
            boundaries.append(cut)
        }
        boundaries.append(text.count)
        guard boundaries.count > 2 else { return false }
        do throws(EncodingError) {
            try boundaries.withUnsafeBufferPointer { boundaries throws(EncodingError) in
                try tokenizer.encodeDocuments(text, boundaries: boundaries,
                                              specials: specials,
                                              checkUTF8: false, threads: workers,
                                              lend: { body in self.withMerger { body(&$0) } }, into: &encoded)
            }
        } catch {
            return false
        }
        return true
    }

    /// Parts shorter than this are not worth a hand-off between threads.
    static let smallestPart = 64 << 10
}
