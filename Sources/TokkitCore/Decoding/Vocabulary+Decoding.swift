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
    /// With `threads` above 1, a list of at least `parallelDecodeThreshold` ids is cut into one part
    /// per thread, each decoded in one pass straight into `output` (see the parallel `appendBytes`).
    /// The bytes are the same for every thread count.
    ///
    /// - Throws: `DecodingError.unknownID` naming the first id the vocabulary lacks (the lowest
    ///   position, whatever the thread count); `output` is then unchanged.
    public func appendBytes<IDs: Collection>(of ids: IDs, to output: inout [UInt8], threads: Int = 1) throws(DecodingError)
    where IDs.Element == TokenID {
        let contiguous = ids.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecodingError) in try appendBytes(of: buffer, to: &output, threads: threads) }
        }
        if let contiguous { return try contiguous.get() }
        try Array(ids).withUnsafeBufferPointer { buffer throws(DecodingError) in try appendBytes(of: buffer, to: &output, threads: threads) }
    }

    /// The parallel path of `appendBytes`: part `k` of the ids is decoded by its own thread in one pass
    /// into its own region of `output`'s spare capacity, starting at `16 × (its first id) + k × blockSlack`
    /// bytes, the most the parts before it can write; then each part is moved down right after the
    /// previous one.
    ///
    /// Why not a length pass first, so that every part is written at its final place: that pass reads the
    /// ids from memory a second time, and on two cores the two passes took 1.5-1.8× the CPU of the one
    /// pass on one thread. With the regions it is 1.0-1.25× (the move, which copies all but the first part
    /// once more at memory speed, and waking the threads). The regions are address space: only the pages
    /// the bytes land on are touched, and a reused buffer has them already.
    ///
    /// A part whose bytes outgrow its region (more than 16 bytes an id, only in lists of long tokens) is
    /// not finished: the whole list is then decoded again on one thread. The first unknown id is that of
    /// the lowest part that has one, all parts before it being whole.
    private func appendBytes(of ids: UnsafeBufferPointer<TokenID>, to output: inout [UInt8], threads: Int) throws(DecodingError) {
        guard threads > 1, ids.count >= Self.parallelDecodeThreshold else { return try appendBytes(of: ids, to: &output) }
        let parts = min(threads, Self.maximumDecodeParts)
        let bounds = (0...parts).map { ids.count * $0 / parts }
        let regions = (0...parts).map { DecodingTable.entrySize * bounds[$0] + $0 * DecodingTable.blockSlack }
        var stop: PartStop?
        decoding.withView(table, firstRank: firstRank) { view in
            output.append(addingCapacity: regions[parts]) { span in
                span.withUnsafeMutableBufferPointer { buffer, initialized in
                    // `regions[parts]` is above 0, so the buffer is never empty.
                    let base = UnsafeMutableRawPointer(buffer.baseAddress!)
                    let ends = BatchSlots<Result<Int, PartStop>>(count: parts)
                    let shared = UncheckedSendableBuffer((view, ids, base))
                    Parallelism.run(workers: parts) { part in
                        let (view, ids, base) = shared.buffer
                        ends.set(part, Result { () throws(PartStop) in
                            try self.write(view, ids, bounds[part]..<bounds[part + 1], to: base, at: regions[part],
                                           exactEnd: false, limit: regions[part + 1])
                        })
                    }
                    var pieces: [Piece] = []
                    var end = 0
                    for part in 0..<parts {
                        switch ends.take(part) {
                        case .success(let partEnd):
                            pieces.append(Piece(source: regions[part], target: end, count: partEnd - regions[part]))
                            end += partEnd - regions[part]
                        case .failure(let partStop):
                            stop = partStop
                        case nil:
                            stop = .full
                        }
                        if stop != nil { break }
                    }
                    if stop == nil { Self.join(pieces, in: base, workers: parts) }
                    initialized = stop == nil ? end : 0
                }
            }
        }
        switch stop {
        case nil: return
        case .unknown(let position): throw .unknownID(id: ids[position], position: position)
        case .full: try appendBytes(of: ids, to: &output)
        }
    }

    /// Where a part of a parallel decode was written, and where its bytes belong.
    private struct Piece { var source: Int, target: Int, count: Int }

    /// Moves each part's bytes down to its place, right after the previous part's (the first part is there
    /// already). When every target lies below every source, which it does unless the parts average more
    /// than `16 / parts` bytes an id, no copy can overwrite bytes another has still to read: the bytes to
    /// move are then cut into one range per worker, moved in parallel (12 MB take about 1 ms on one core,
    /// serial time that kept two threads at 1.1-1.5× one thread's rate on public_en). Otherwise the parts
    /// move one after another, in order.
    private static func join(_ pieces: [Piece], in base: UnsafeMutableRawPointer, workers: Int) {
        guard let first = pieces.first, let last = pieces.last, pieces.count > 1 else { return }
        let start = first.count, total = last.target + last.count
        guard workers > 1, total - start >= parallelMoveBytes, total <= pieces[1].source else {
            for piece in pieces.dropFirst() { (base + piece.target).copyMemory(from: base + piece.source, byteCount: piece.count) }
            return
        }
        let shared = UncheckedSendableBuffer(base)
        Parallelism.run(workers: workers) { worker in
            let base = shared.buffer
            let range = (start + (total - start) * worker / workers)..<(start + (total - start) * (worker + 1) / workers)
            for piece in pieces.dropFirst() {
                let lower = max(range.lowerBound, piece.target), upper = min(range.upperBound, piece.target + piece.count)
                guard lower < upper else { continue }
                (base + lower).copyMemory(from: base + piece.source + (lower - piece.target), byteCount: upper - lower)
            }
        }
    }

    /// The fewest bytes to move worth waking the workers for.
    static let parallelMoveBytes = 1 << 20

    /// One pass: each step of up to `decodeStep` ids reserves 16 bytes per id (the most a short token's
    /// store writes, plus `DecodingTable.blockSlack`) and copies the mergeable tokens straight in; the id that stops the fast loop (a
    /// special token, an unknown id, or a long token too long for the room left) is appended on its own and the next step starts
    /// after it.
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
                    output.append(addingCapacity: DecodingTable.entrySize * step.count + DecodingTable.blockSlack) { span in
                        span.withUnsafeMutableBufferPointer { buffer, initialized in
                            // `step` is not empty, so neither is the buffer reserved for it.
                            written = view.writeTokens(step, from: 0, to: UnsafeMutableRawPointer(buffer.baseAddress!), at: &initialized,
                                                       limit: buffer.count)
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

    /// The bytes of one id the fast loop stops at: a long mergeable token that did not fit the room left
    /// (copied from the arena), a special token, or the error naming an id the vocabulary lacks.
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

    /// The most parts a parallel decode is cut into.
    static let maximumDecodeParts = 16

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
        try decode(ids, parts: min(Parallelism.processorCount, Self.maximumDecodeParts)) { total, body in
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
    /// An unknown id is reported from the lowest part that has one, and within a part `addLengths`
    /// stops at its first: the error names the first unknown id of the whole list for any `parts`.
    private func decode(_ ids: UnsafeBufferPointer<TokenID>, parts: Int,
                        place: (_ total: Int, _ write: (UnsafeMutableRawPointer) -> Void) -> Void) throws(DecodingError) {
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
                    // `addLengths` checked every id and the region is exact: `write` cannot stop early.
                    _ = try? self.write(view, ids, bounds[part]..<bounds[part + 1], to: output, at: offsets[part],
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

    /// Why writing a part stopped before its end: an id the vocabulary lacks (its position in the whole
    /// list), or no room left below the part's limit.
    private enum PartStop: Error, Equatable { case unknown(position: Int), full }

    /// Writes the bytes of `ids[range]` at `output + at` and returns where they end. With `exactEnd`, the
    /// last `DecodingTable.blockSlack` ids are copied at their exact lengths, so the stores past a token's
    /// end (16-byte copies, and a block rewritten after a long token) never reach the next part, which
    /// another thread writes: each id is at least one byte, so that tail holds at least as many bytes as
    /// those stores reach.
    ///
    /// With a `limit`, nothing is written at or past `output + limit`: before each run of short tokens and
    /// each long or special token, the room for 16 bytes per id left (and the slack) is checked.
    private func write(_ view: DecodingTable.View, _ ids: UnsafeBufferPointer<TokenID>, _ range: Range<Int>,
                       to output: UnsafeMutableRawPointer, at start: Int, exactEnd: Bool, limit: Int = .max) throws(PartStop) -> Int {
        let fastEnd = exactEnd ? max(range.lowerBound, range.upperBound - DecodingTable.blockSlack) : range.upperBound
        var at = start
        /// Whether `extra` bytes more, then 16 for each id after `position` of the part, fit below `limit`.
        func fits(_ extra: Int, after position: Int) -> Bool {
            limit == .max || at + extra + DecodingTable.entrySize * (range.upperBound - position) + DecodingTable.blockSlack <= limit
        }
        for (span, exact) in [(range.lowerBound..<fastEnd, false), (fastEnd..<range.upperBound, true)] where !span.isEmpty {
            let part = UnsafeBufferPointer(rebasing: ids[span])
            guard fits(0, after: span.lowerBound) else { throw .full }
            var position = exact ? view.writeExactly(part, from: 0, to: output, at: &at) : view.writeTokens(part, from: 0, to: output, at: &at, limit: limit)
            while position < part.count {
                let id = part[position]
                if let index = view.index(of: id), case let length = view.tokens.length(at: index), length > 0 {
                    guard fits(length, after: span.lowerBound + position + 1) else { throw .full }
                    _ = view.writeLong(index, to: output, at: &at)
                } else if let special = specialBytes(of: id) {
                    guard fits(special.count, after: span.lowerBound + position + 1) else { throw .full }
                    special.withUnsafeBytes { (output + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    at += special.count
                } else {
                    throw .unknown(position: span.lowerBound + position)
                }
                position = exact ? view.writeExactly(part, from: position + 1, to: output, at: &at)
                                 : view.writeTokens(part, from: position + 1, to: output, at: &at, limit: limit)
            }
        }
        return at
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
