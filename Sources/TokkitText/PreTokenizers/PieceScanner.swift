/// A hand-written pre-splitter: a rule that says where the piece starting at a position ends.
///
/// The loop over pieces is the same for every pattern and lives here once; each scanner only
/// states its rule. The loop is a protocol extension on a concrete type, so `endOfPiece` is
/// called statically and inlined: no cost over a loop written in each scanner.
protocol PieceScanner: PreTokenizer {
    /// The end (exclusive byte offset) of the piece that starts at byte `i` of `text`; always > `i`.
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int

    /// The ends of the pieces from `i` on that a block of bytes decides at once: bit `k` (1...63) set when a piece
    /// ends at `i + k`, where a piece starts at `i`; 0 when it decides none (then `endOfPiece` is asked).
    static func pieceEnds(in text: ScannedText, from i: Int) -> UInt64
}

extension PieceScanner {
    /// No block decides pieces, unless the scanner says otherwise.
    @inline(__always)
    static func pieceEnds(in text: ScannedText, from i: Int) -> UInt64 { 0 }

    /// Calls `body(start, end)` for each piece of `text` in order, while it returns `true`; `false` when it stopped.
    ///
    /// The one loop over pieces of every scanner and caller (`forEachPiece`, `Tokenizer`'s encoding loop): the ends a
    /// block decides (`pieceEnds`) first, else one piece by the scanner's rules.
    @inline(__always)
    static func scanPieces(_ text: ScannedText, _ body: (Int, Int) throws -> Bool) rethrows -> Bool {
        var start = 0
        while start < text.count {
            var ends = pieceEnds(in: text, from: start)
            if ends == 0 {
                let end = endOfPiece(in: text, from: start)
                guard try body(start, end) else { return false }
                start = end
                continue
            }
            let base = start
            repeat {
                let end = base &+ ends.trailingZeroBitCount
                guard try body(start, end) else { return false }
                start = end
                ends &= ends &- 1
            } while ends != 0
        }
        return true
    }

    public func forEachPiece(in span: Span<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        try span.withUnsafeBufferPointer { buffer in try forEachPiece(scanning: buffer, body) }
    }

    @inline(__always)
    private func forEachPiece(scanning buffer: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        try ScannedText.with(buffer) { text in
            _ = try Self.scanPieces(text) { start, end in
                try body(start, end)
                return true
            }
        }
    }
}
