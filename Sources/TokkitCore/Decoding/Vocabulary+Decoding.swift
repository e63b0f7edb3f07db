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

    /// One pass: each step of up to `decodeStep` ids reserves 16 bytes per id (the most a short token's
    /// store writes, plus `DecodingTable.blockSlack`) and copies the short tokens straight in; the id that stops the fast loop (a long
    /// token, a special token or an unknown id) is appended on its own and the next step starts after it.
    ///
    /// Why one pass: summing the lengths first, to allocate the output at its final size, read every id
    /// twice and took a fifth of the time. The reserved bound is address space, not memory: only the
    /// pages the tokens land on are touched, and a buffer reused from block to block is grown once.
    private func appendBytes(of ids: UnsafeBufferPointer<TokenID>, to output: inout [UInt8]) throws(DecodingError) {
        let start = output.count
        do {
            try decoding.withView(table, firstRank: firstRank) { view throws(DecodingError) in
                var position = 0
                while position < ids.count {
                    let step = UnsafeBufferPointer(rebasing: ids[position..<min(ids.count, position + Self.decodeStep)])
                    var written = 0
                    output.append(addingCapacity: 16 * step.count + DecodingTable.blockSlack) { span in
                        span.withUnsafeMutableBufferPointer { buffer, initialized in
                            // `step` is not empty, so neither is the buffer reserved for it.
                            written = view.writeShort(step, from: 0, to: UnsafeMutableRawPointer(buffer.baseAddress!), at: &initialized)
                        }
                    }
                    position += written
                    if written < step.count {
                        try appendToken(step[written], at: position, view, to: &output)
                        position += 1
                    }
                }
            }
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    /// The bytes of one id the fast loop stops at: a long mergeable token (copied from the arena), a
    /// special token, or the error naming an id the vocabulary lacks.
    private func appendToken(_ id: TokenID, at position: Int, _ view: DecodingTable.View,
                             to output: inout [UInt8]) throws(DecodingError) {
        if let index = view.index(of: id), case let length = view.tokens.length(at: index), length > 0 {
            output.append(contentsOf: UnsafeBufferPointer(start: view.tokens.arena + Int(view.tokens.offsets[index]), count: length))
        } else if let special = specialBytes(of: id) {
            output += special
        } else {
            throw .unknownID(id: id, position: position)
        }
    }

    /// How many ids one step of the one-pass decode covers: 1 MB of reserved output.
    static let decodeStep = 1 << 16

    /// How many ids make a decode worth splitting over threads (about 1 MB of text): below it,
    /// waking the workers costs more than they save.
    static let parallelDecodeThreshold = 1 << 18

    /// A fresh array: one pass for short lists; a long list is cut into one part per core, decoded in
    /// two passes in parallel. The first sums each part's length (and finds any unknown id), so that
    /// the second can write every part at its offset in an array allocated once at its final size and
    /// never zero-filled, copying each token with one 16-byte load and store (see `DecodingTable`).
    /// The parts share nothing but the read-only tables. On one core the one-pass `appendBytes` into a
    /// reused buffer is cheaper (no length pass, no fresh pages), which is why `tokkit decode` uses it.
    private func decodeBytes(of ids: UnsafeBufferPointer<TokenID>) throws(DecodingError) -> [UInt8] {
        var result: [UInt8] = []
        guard ids.count >= Self.parallelDecodeThreshold, Parallelism.processorCount > 1 else {
            try appendBytes(of: ids, to: &result)
            return result
        }
        try decode(ids) { total, body in
            // Slack for the stores past the last tokens' end (see `DecodingTable.blockSlack`).
            result = Array(unsafeUninitializedCapacity: total + DecodingTable.blockSlack) { buffer, initialized in
                let output = UnsafeMutableRawPointer(buffer.baseAddress!)
                HugePages.advise(output, byteCount: total)
                body(output)
                initialized = total
            }
        }
        return result
    }

    /// The two passes of a decode: the byte count of `ids` (or the first unknown id), then
    /// `place(total, write)`, which must call `write` with room for `total + DecodingTable.blockSlack` bytes.
    private func decode(_ ids: UnsafeBufferPointer<TokenID>,
                        place: (_ total: Int, _ write: (UnsafeMutableRawPointer) -> Void) -> Void) throws(DecodingError) {
        let parts = min(Parallelism.processorCount, 16)
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
    /// (`addLengths` checked them). With `exactEnd`, the last `DecodingTable.blockSlack` ids are copied
    /// at their exact lengths, so the stores past a token's end (16-byte copies, and a block rewritten
    /// after a long token) never reach the next part, which another thread writes: each id is at least
    /// one byte, so that tail holds at least as many bytes as those stores reach.
    private func write(_ view: DecodingTable.View, _ ids: UnsafeBufferPointer<TokenID>, _ range: Range<Int>,
                       to output: UnsafeMutableRawPointer, at start: Int, exactEnd: Bool) {
        let fastEnd = exactEnd ? max(range.lowerBound, range.upperBound - DecodingTable.blockSlack) : range.upperBound
        var at = start
        for (span, exact) in [(range.lowerBound..<fastEnd, false), (fastEnd..<range.upperBound, true)] where !span.isEmpty {
            let part = UnsafeBufferPointer(rebasing: ids[span])
            var position = exact ? view.writeExactly(part, from: 0, to: output, at: &at) : view.writeShort(part, from: 0, to: output, at: &at)
            while position < part.count {
                if let index = view.index(of: part[position]), view.writeLong(index, to: output, at: &at) {
                    // A long token (`writeShort` stops at those too).
                } else if let special = specialBytes(of: part[position]) {
                    special.withUnsafeBytes { (output + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    at += special.count
                }
                position = exact ? view.writeExactly(part, from: position + 1, to: output, at: &at)
                                 : view.writeShort(part, from: position + 1, to: output, at: &at)
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
