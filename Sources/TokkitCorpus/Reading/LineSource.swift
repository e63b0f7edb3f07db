import CNewlines
import Foundation

/// Reads one file (or standard input) line by line through a fixed-size buffer, decompressing
/// gzip and zstd input on the way (`InputReader`).
final class LineSource {
    struct Line {
        /// The line's bytes, still in the source's buffer (no copy): use before the next `nextLine`.
        var slice: ArraySlice<UInt8>
        var number: Int
        /// Offset of the line's first byte in the (uncompressed) file.
        var offset: Int
        /// Bytes consumed, including the line terminator.
        var consumed: Int
    }

    let path: String
    private let input: InputReader
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var lineNumber = 0
    private var fileOffset = 0

    init(path: String) throws(CorpusError) {
        input = try InputReader(path: path)
        self.path = input.path
    }

    private func refill() throws(CorpusError) {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        if try !input.read(appendingTo: &buffer) { atEnd = true }
    }

    /// The next line without its terminator (`\n`, and a `\r` before it), or with it when
    /// `keepingTerminator`; `nil` at the end. The one line rule is ``forEachLine(keepingTerminator:_:)``'s:
    /// this takes its first line and keeps it as a slice of the buffer.
    func nextLine(keepingTerminator: Bool = false) throws(CorpusError) -> Line? {
        var length = 0, number = 0, offset = 0, consumed = 0
        let found = try forEachLine(keepingTerminator: keepingTerminator) { line, lineNumber, lineOffset, lineConsumed in
            (length, number, offset, consumed) = (line.count, lineNumber, lineOffset, lineConsumed)
            return false
        }
        guard found else { return nil }
        // The position is now just past the line and its terminator.
        let start = position - consumed
        return Line(slice: buffer[start..<start + length], number: number, offset: offset, consumed: consumed)
    }

    /// Hands `body` the lines after the last one read, one after another, until `body` returns
    /// `false` (then `true` is returned) or the file ends before that (`false`). Each line comes without
    /// its terminator (`\n`, and a `\r` before it; a last line without `\n` keeps a final `\r`), or with
    /// it when `keepingTerminator`, with its 1-based number, the offset of its first byte in the
    /// (uncompressed) file, and the bytes it consumed (terminator included).
    ///
    /// Why: a corpus is millions of short lines. ``nextLine(keepingTerminator:)`` makes a `Line` per
    /// line (a retained slice of the buffer) and reads and writes this class's position, line number
    /// and offset per line, each an access check; here they live in locals for every line of the
    /// buffer, and a line is a pointer into it, valid only during the call to `body`.
    @inline(__always)
    func forEachLine(keepingTerminator: Bool,
                     _ body: (_ line: UnsafeBufferPointer<UInt8>, _ number: Int, _ offset: Int, _ consumed: Int) throws(CorpusError) -> Bool)
        throws(CorpusError) -> Bool {
        while true {
            var stopped = false
            try buffer.withUnsafeBufferPointer { all throws(CorpusError) in
                guard let base = all.baseAddress else { return }
                var start = position, number = lineNumber, offset = fileOffset
                defer {
                    position = start
                    lineNumber = number
                    fileOffset = offset
                }
                while start < all.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), all.count - start) {
                    let newline = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                    let end = Self.lineEnd(base, start: start, newline: newline, keepingTerminator: keepingTerminator)
                    let consumed = newline + 1 - start, lineOffset = offset
                    number += 1
                    offset += consumed
                    let line = UnsafeBufferPointer(rebasing: all[start..<end])
                    start = newline + 1
                    guard try body(line, number, lineOffset, consumed) else {
                        stopped = true
                        return
                    }
                }
            }
            if stopped { return true }
            if atEnd {
                // The last line, without a terminator: as `nextLine`, a `\r` at its end stays.
                guard position < buffer.count else { return false }
                let consumed = buffer.count - position
                lineNumber += 1
                let number = lineNumber, lineOffset = fileOffset
                fileOffset += consumed
                let line = buffer[position...]
                position = buffer.count
                // Stopped on it, the caller calls again and learns the end then, as from `nextLine`.
                return try line.withUnsafeBufferPointer { line throws(CorpusError) in try !body(line, number, lineOffset, consumed) }
            }
            try refill()
        }
    }

    /// Where the line from `start` to the `\n` at `newline` ends: after the `\n` when the terminator is
    /// kept, else before it and before a `\r` just ahead of it.
    @inline(__always)
    static func lineEnd(_ base: UnsafePointer<UInt8>, start: Int, newline: Int, keepingTerminator: Bool) -> Int {
        if keepingTerminator { return newline + 1 }
        return newline > start && base[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
    }

    /// How ``appendLines(keepingTerminator:to:targetBytes:lines:bytes:take:)`` stopped.
    enum LineRun {
        /// The batch reached its target after a line.
        case reachedTarget
        /// The input ended; a last line without `\n`, if any, is still unread.
        case endOfInput
        /// `take` refused the next line; it and the lines after it are unread.
        case refused
    }

    /// Appends the lines after the last one read, each a document, to `batch`, as many as
    /// ``forEachLine(keepingTerminator:_:)`` with a body that appends each line and goes on while the
    /// batch is under `targetBytes` (the first line whatever the batch holds): the same documents, line
    /// numbers, offsets and bytes read. `lines` and `bytes` grow by the lines and bytes read.
    ///
    /// Lines are found in runs of up to 1,024 and handed to `take` at once: the run's bytes (terminators
    /// included), the start and end offsets of its lines in `base` (start, end, start, end…), and the number
    /// of the first. `take` appends the documents of the run's first lines to the batch and returns how
    /// many it took; the line after them is left unread, for the caller to read on its own, and the run
    /// ends there (`.refused`).
    ///
    /// Why: a corpus line is a few dozen bytes; per line, a check call and three array appends cost
    /// more than finding and copying it.
    @inline(__always)
    func appendLines(keepingTerminator: Bool, to batch: inout DocumentReader.FlatBatch, targetBytes: Int,
                     lines: inout Int, bytes: inout Int,
                     take: (_ run: UnsafeBufferPointer<UInt8>, _ spans: UnsafeBufferPointer<Int>, _ base: UnsafePointer<UInt8>,
                            _ firstLine: Int, _ batch: inout DocumentReader.FlatBatch) -> Int) throws(CorpusError) -> LineRun {
        let runLength = 1024
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * runLength + 64) { scratch throws(CorpusError) -> LineRun in
            // Each line's start and end, then the offsets of the `\n` bytes found, from the run's first byte (with the
            // 64 more that `tk_newline_offsets` may store).
            let spans = UnsafeMutableBufferPointer(rebasing: scratch[..<(2 * runLength)])
            let newlines = UnsafeMutableBufferPointer(rebasing: scratch[(2 * runLength)...])
            return try appendRuns(to: &batch, targetBytes: targetBytes, lines: &lines, bytes: &bytes) { all, position, budget, firstLine, batch in
                guard let base = all.baseAddress else { return (0, position, nil) }
                // The line ends before the budget's end, then the one of the line that reaches it: no more is scanned than
                // is taken (a small batch target would otherwise scan a whole run ahead, again and again).
                let rest = all.count - position, window = min(rest, max(0, budget))
                var found = tk_newline_offsets(base + position, window, runLength, newlines.baseAddress)
                if found < runLength, window < rest, found == 0 || newlines[found - 1] + 1 < budget,
                   tk_newline_offsets(base + position + window, rest - window, 1, newlines.baseAddress.map { $0 + found }) == 1 {
                    newlines[found] += window
                    found += 1
                }
                var start = position, count = 0, reached = false
                while count < found {
                    let newline = position + newlines[count]
                    let end = Self.lineEnd(base, start: start, newline: newline, keepingTerminator: keepingTerminator)
                    spans[2 * count] = start
                    spans[2 * count + 1] = end
                    count += 1
                    start = newline + 1
                    if start - position >= budget {
                        reached = true
                        break
                    }
                }
                guard count > 0 else { return (0, position, nil) }
                let taken = take(UnsafeBufferPointer(rebasing: all[position..<start]), UnsafeBufferPointer(rebasing: spans[..<(2 * count)]),
                                 base, firstLine, &batch)
                // The taken lines end where the first line not taken starts.
                if taken < count { return (taken, spans[2 * taken], .refused) }
                return (count, start, reached ? .reachedTarget : nil)
            }
        }
    }

    /// The loop under ``appendLines(keepingTerminator:to:targetBytes:lines:bytes:take:)``, for a `take` that finds
    /// lines itself: handed the buffer, the offset of the first unread line, the bytes the batch may still take
    /// (`targetBytes` less what it read) and that line's number, `take` appends the documents of whole lines
    /// from there and returns how many lines it read, where the line after them starts, and why it stopped
    /// short of the buffer's last whole line (`nil`: it did not; it is called again while a line is left).
    /// The lines it read are read (numbers, offsets, bytes as ``forEachLine(keepingTerminator:_:)`` counts them).
    ///
    /// Why: a JSONL record's own scan finds its line's end (a JSON string holds no raw `\n`), where a `memchr`
    /// per line first cost as much again as finding the line.
    @inline(__always)
    func appendRuns(to batch: inout DocumentReader.FlatBatch, targetBytes: Int, lines: inout Int, bytes: inout Int,
                    take: (_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ budget: Int, _ firstLine: Int,
                           _ batch: inout DocumentReader.FlatBatch) -> (lines: Int, end: Int, stop: LineRun?)) throws(CorpusError) -> LineRun {
        while true {
            // `nil`: every whole line of the buffer is read.
            let stop: LineRun? = buffer.withUnsafeBufferPointer { all -> LineRun? in
                while position < all.count {
                    let (taken, end, stop) = take(all, position, targetBytes - batch.bytesRead, lineNumber + 1, &batch)
                    let consumed = end - position
                    lineNumber += taken
                    fileOffset += consumed
                    position = end
                    batch.bytesRead += consumed
                    lines += taken
                    bytes += consumed
                    if let stop { return stop }
                    if taken == 0 { return nil }
                }
                return nil
            }
            if let stop { return stop }
            if atEnd { return .endOfInput }
            try refill()
        }
    }

    /// See ``InputReader/corruption()``.
    func corruption() -> CorpusError? { input.corruption() }

    /// `error`, or the decompression error that explains it when this is a corrupt compressed file
    /// (a read error is its own explanation).
    func explained(_ error: CorpusError) -> CorpusError {
        switch error {
        case .invalidUTF8, .notJSON, .missingField, .nonStringField: return corruption() ?? error
        default: return error
        }
    }

    func readAll() throws(CorpusError) -> [UInt8] {
        while !atEnd { try refill() }
        let all = Array(buffer[position...])
        position = buffer.count
        return all
    }
}
