/// Why a list of ids cannot be turned back into bytes.
public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownID(id: TokenID, position: Int)

    public var description: String {
        switch self {
        case .unknownID(let id, let position):
            return "token id \(id) at position \(position) is not in the vocabulary"
        }
    }
}

extension Vocabulary {
    /// The bytes that `ids` stand for, special tokens included.
    ///
    /// - Throws: `DecodingError.unknownID` naming the first id the vocabulary lacks.
    /// - Complexity: O(number of ids + number of output bytes).
    public func decodeBytes<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> [UInt8] where IDs.Element == TokenID {
        let contiguous = ids.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecodingError) in try decodeBytes(of: buffer) }
        }
        if let contiguous { return try contiguous.get() }
        return try Array(ids).withUnsafeBufferPointer { buffer throws(DecodingError) in try decodeBytes(of: buffer) }
    }

    /// Appends the bytes that `ids` stand for to `output`, written in place.
    ///
    /// Why: a fresh array for each decode is fresh memory, and the kernel zeroes every page of it on
    /// first touch (a quarter of decoding's time on 46 MB of text). A caller that decodes block after
    /// block into one buffer emptied with `removeAll(keepingCapacity: true)` touches its pages once.
    ///
    /// - Throws: `DecodingError.unknownID` naming the first id the vocabulary lacks; `output` is then unchanged.
    public func appendBytes<IDs: Collection>(of ids: IDs, to output: inout [UInt8]) throws(DecodingError) where IDs.Element == TokenID {
        let contiguous = ids.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecodingError) in try appendBytes(of: buffer, to: &output) }
        }
        if let contiguous { return try contiguous.get() }
        try Array(ids).withUnsafeBufferPointer { buffer throws(DecodingError) in try appendBytes(of: buffer, to: &output) }
    }

    private func appendBytes(of ids: UnsafeBufferPointer<TokenID>, to output: inout [UInt8]) throws(DecodingError) {
        try decode(ids) { total, body in
            let start = output.count
            // Within capacity this writes zeros over pages already touched; the loops below overwrite them.
            output.append(contentsOf: repeatElement(0, count: total + 16))
            output.withUnsafeMutableBytes { body($0.baseAddress! + start) }
            output.removeLast(16)
        }
    }

    /// How many ids make a decode worth splitting over threads (about 1 MB of text): below it,
    /// waking the workers costs more than they save.
    static let parallelDecodeThreshold = 1 << 18

    /// Two passes over the ids. The first sums their lengths (and finds any unknown id), so that the
    /// second writes into an array allocated once at its final size and never zero-filled; the
    /// second copies each token with one 16-byte load and store (see `DecodingTable`).
    ///
    /// A long list is cut into one part per core and both passes run on the parts in parallel, each
    /// part writing at the offset the lengths before it add up to. One core copies 1–1.6 GB/s of
    /// output on multilingual text (1.8 bytes per id: the loop is bound by the id count, not the
    /// bytes), short of the 2 GB/s that `tokkit decode` aims at; the parts share nothing but the
    /// read-only tables.
    private func decodeBytes(of ids: UnsafeBufferPointer<TokenID>) throws(DecodingError) -> [UInt8] {
        var result: [UInt8] = []
        try decode(ids) { total, body in
            // 16 bytes of slack for the padding written after the last token.
            result = Array(unsafeUninitializedCapacity: total + 16) { buffer, initialized in
                let output = UnsafeMutableRawPointer(buffer.baseAddress!)
                HugePages.advise(output, byteCount: total)
                body(output)
                initialized = total
            }
        }
        return result
    }

    /// The two passes of a decode: the byte count of `ids` (or the first unknown id), then
    /// `place(total, write)`, which must call `write` with room for `total + 16` bytes.
    private func decode(_ ids: UnsafeBufferPointer<TokenID>,
                        place: (_ total: Int, _ write: (UnsafeMutableRawPointer) -> Void) -> Void) throws(DecodingError) {
        let parts = ids.count < Self.parallelDecodeThreshold ? 1 : min(Parallelism.processorCount, 16)
        try decoding.withView(table, firstRank: firstRank) { view throws(DecodingError) in
            let bounds = (0...parts).map { ids.count * $0 / parts }
            // Pass 1: each part's byte count, or its first unknown id.
            let totals = BatchSlots<Result<Int, DecodingError>>(count: parts)
            let shared = UncheckedSendableBuffer((view, ids))
            Parallelism.run(workers: parts) { part in
                let (view, ids) = shared.buffer
                totals.set(part, Result { () throws(DecodingError) in
                    try self.addLengths(view, ids, bounds[part]..<bounds[part + 1])
                })
            }
            var starts = [0]
            for part in 0..<parts {
                starts.append(starts[part] + (try totals.take(part)?.get() ?? 0))
            }
            let offsets = starts
            place(offsets[parts]) { output in
                let target = UncheckedSendableBuffer((view, ids, output))
                Parallelism.run(workers: parts) { part in
                    let (view, ids, output) = target.buffer
                    self.write(view, ids, bounds[part]..<bounds[part + 1], to: output, at: offsets[part],
                               exactEnd: part + 1 < parts)
                }
            }
        }
    }

    /// The byte count of `ids[range]`, or the error naming its first id the vocabulary lacks.
    private func addLengths(_ view: DecodingTable.View, _ ids: UnsafeBufferPointer<TokenID>,
                            _ range: Range<Int>) throws(DecodingError) -> Int {
        let part = UnsafeBufferPointer(rebasing: ids[range])
        var total = 0
        var position = view.addLengths(of: part, from: 0, to: &total)
        while position < part.count {
            guard let special = specialBytes(of: part[position]) else {
                throw .unknownID(id: part[position], position: range.lowerBound + position)
            }
            total += special.count
            position = view.addLengths(of: part, from: position + 1, to: &total)
        }
        return total
    }

    /// Writes the bytes of `ids[range]` at `output + at`, every id known to be mergeable or special
    /// (`addLengths` checked them). With `exactEnd`, the last 16 ids are copied at their exact
    /// lengths, so the 16-byte stores of the others (at least 16 bytes before the part's end) never
    /// reach the next part, which another thread writes.
    private func write(_ view: DecodingTable.View, _ ids: UnsafeBufferPointer<TokenID>, _ range: Range<Int>,
                       to output: UnsafeMutableRawPointer, at start: Int, exactEnd: Bool) {
        let fastEnd = exactEnd ? max(range.lowerBound, range.upperBound - 16) : range.upperBound
        var at = start
        for (span, exact) in [(range.lowerBound..<fastEnd, false), (fastEnd..<range.upperBound, true)] where !span.isEmpty {
            let part = UnsafeBufferPointer(rebasing: ids[span])
            var position = exact ? view.writeExactly(part, from: 0, to: output, at: &at) : view.write(part, from: 0, to: output, at: &at)
            while position < part.count {
                if let special = specialBytes(of: part[position]) {
                    special.withUnsafeBytes { (output + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    at += special.count
                }
                position = exact ? view.writeExactly(part, from: position + 1, to: output, at: &at)
                                 : view.write(part, from: position + 1, to: output, at: &at)
            }
        }
    }

    /// The bytes of the special token with this id; a linear search, as special tokens are few and
    /// rare in running text.
    private func specialBytes(of id: TokenID) -> [UInt8]? {
        specialTokens.first { $0.id == id }?.bytes
    }

    /// The text that `ids` stand for. Token boundaries may cut UTF-8 sequences; any ill-formed
    /// sequence in the joined bytes becomes U+FFFD, as tiktoken's `decode(errors="replace")` does.
    public func decodeText<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> String where IDs.Element == TokenID {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }
}
