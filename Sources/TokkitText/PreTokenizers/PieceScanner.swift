/// A hand-written pre-splitter: a rule that says where the piece starting at a position ends.
///
/// The loop over pieces is the same for every pattern and lives here once; each scanner only
/// states its rule. The loop is a protocol extension on a concrete type, so `endOfPiece` is
/// called statically and inlined: no cost over a loop written in each scanner.
protocol PieceScanner: PreTokenizer {
    /// The end (exclusive byte offset) of the piece that starts at byte `i` of `text`; always > `i`.
    static func endOfPiece(in text: ScannedText, from i: Int) -> Int
}

extension PieceScanner {
    public func forEachPiece(in span: Span<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        try span.withUnsafeBufferPointer { buffer in try forEachPiece(scanning: buffer, body) }
    }

    @inline(__always)
    private func forEachPiece(scanning buffer: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) throws {
        try ScannedText.with(buffer) { text in
            var start = 0
            while start < text.count {
                let end = Self.endOfPiece(in: text, from: start)
                try body(start, end)
                start = end
            }
        }
    }
}
