import TokkitCore
import TokkitIO

/// Streams one token file to a temporary name, then checks it on read-back and renames it into place.
///
/// Memory holds one conversion buffer, never the shard: ids go out as they come. llm.c's header is
/// written as zeros first and filled in by `finish()`, when the token count is known.
final class TokenFileWriter {
    let path: String
    let format: ShardFormat
    let width: TokenWidth
    let largestID: TokenID
    private let file: AtomicFileWriter
    private var scratch: [UInt8] = []
    private(set) var tokenCount = 0

    init(path: String, format: ShardFormat, width: TokenWidth, largestID: TokenID) throws(ShardError) {
        self.path = path
        self.format = format
        self.width = width
        self.largestID = largestID
        do {
            file = try AtomicFileWriter(path: path)
            file.durable = false  // synced with the whole directory before the manifest lists it (CorpusSharder)
            if format.headerBytes > 0 { try file.write(repeatElement(0, count: format.headerBytes)) }
        } catch {
            throw ShardError(error, path: path)
        }
    }

    /// Appends ids little-endian at the file's width.
    /// - Complexity: O(`ids.count`).
    func append(_ ids: ArraySlice<TokenID>) throws(ShardError) {
        scratch.removeAll(keepingCapacity: true)
        let bad = ids.withUnsafeBufferPointer { width.append($0, limit: largestID, to: &scratch) }
        try writeScratch(count: ids.count, firstBad: bad.map { (position: $0, id: ids[ids.startIndex + $0]) })
    }

    /// Appends whole documents of a flat batch, each delimited by `endToken` before or after its ids:
    /// document `i` is `ids[offsets[i] ..< offsets[i + 1]]` for consecutive `offsets`. The same bytes and
    /// the same error as one `append` per delimited document, with one conversion buffer and one write.
    /// - Complexity: O(ids written).
    func appendDocuments(_ ids: [TokenID], offsets: ArraySlice<Int>, endToken: TokenID,
                         delimiterFirst: Bool) throws(ShardError) {
        scratch.removeAll(keepingCapacity: true)
        guard let first = offsets.first, let last = offsets.last else { return }
        // Every id of the run plus one delimiter per document, stored straight into the buffer's new
        // room: a conversion call per delimiter and per document (each growing the buffer, zero-filling
        // it and checking its uniqueness) was a tenth of `tokkit shard`'s work beyond encoding.
        let total = last - first + offsets.count - 1
        let limit = width == .uint16 ? min(largestID, TokenID(UInt16.max)) : largestID
        let wide = width == .uint32, stride = width.byteCount
        var written = 0
        var bad: (position: Int, id: TokenID)?
        ids.withUnsafeBufferPointer { all in
            scratch.append(addingCapacity: total * stride) { span in
                span.withUnsafeMutableBufferPointer { room, initialized in
                    guard let out = UnsafeMutableRawPointer(room.baseAddress) else { return }
                    /// Stores `id` after the ones written, or notes it as out of range (`false`).
                    @inline(__always) func put(_ id: TokenID) -> Bool {
                        guard id <= limit else {
                            bad = (written, id)
                            return false
                        }
                        if wide {
                            out.storeBytes(of: id.littleEndian, toByteOffset: written &* 4, as: UInt32.self)
                        } else {
                            out.storeBytes(of: UInt16(truncatingIfNeeded: id).littleEndian, toByteOffset: written &* 2, as: UInt16.self)
                        }
                        written += 1
                        return true
                    }
                    // Optimistically, without a branch per id: the largest id decides afterwards whether the run
                    // must be redone id by id, to stop at the first one out of range.
                    //
                    // uint32 on a little-endian machine stores the ids' own bytes, so a document is one copy, and the
                    // largest id comes first from one pass over the run's ids (contiguous in `ids`) that the compiler
                    // vectorises. Why: storing id by id spent 10 instructions an id (callgrind, `tokkit shard` of
                    // 10 MB of public_en: 31 M of the 1,037 M that are not the read-back's hash).
                    @inline(__always) func store<Stored: FixedWidthInteger>(_: Stored.Type) -> TokenID {
                        let copies = Stored.self == UInt32.self && UInt32(1).littleEndian == 1
                        var largest = endToken, start = first, count = 0
                        if copies {
                            for index in first..<last { largest = max(largest, all[index]) }
                            guard largest <= limit else { return largest }
                        }
                        for stop in offsets.dropFirst() {
                            if delimiterFirst {
                                out.storeBytes(of: Stored(truncatingIfNeeded: endToken).littleEndian, toByteOffset: count &* stride, as: Stored.self)
                                count &+= 1
                            }
                            if copies {
                                if let base = all.baseAddress {
                                    (out + count &* 4).copyMemory(from: base + start, byteCount: (stop &- start) &* 4)
                                }
                                count &+= stop &- start
                            } else {
                                for index in start..<stop {
                                    let id = all[index]
                                    largest = max(largest, id)
                                    out.storeBytes(of: Stored(truncatingIfNeeded: id).littleEndian, toByteOffset: count &* stride, as: Stored.self)
                                    count &+= 1
                                }
                            }
                            if !delimiterFirst {
                                out.storeBytes(of: Stored(truncatingIfNeeded: endToken).littleEndian, toByteOffset: count &* stride, as: Stored.self)
                                count &+= 1
                            }
                            start = stop
                        }
                        written = count
                        return largest
                    }
                    let largest = wide ? store(UInt32.self) : store(UInt16.self)
                    if largest <= limit {
                        initialized = written * stride
                        return
                    }
                    written = 0
                    var start = first
                    documents: for stop in offsets.dropFirst() {
                        if delimiterFirst, !put(endToken) { break }
                        for index in start..<stop where !put(all[index]) { break documents }
                        if !delimiterFirst, !put(endToken) { break }
                        start = stop
                    }
                    initialized = written * stride
                }
            }
        }
        try writeScratch(count: written, firstBad: bad)
    }

    /// Writes the `count` ids converted into `scratch`, or, when conversion stopped at an id over the
    /// vocabulary (`firstBad`, its position among them), names that id at its byte offset in the file.
    private func writeScratch(count: Int, firstBad: (position: Int, id: TokenID)?) throws(ShardError) {
        if let firstBad {
            throw .idOutOfRange(path: path, offset: format.headerBytes + (tokenCount + firstBad.position) * width.byteCount,
                                id: firstBad.id, vocabularySize: Int(largestID) + 1)
        }
        do { try file.write(scratch) } catch { throw ShardError(error, path: path) }
        tokenCount += count
    }

    /// Fills in the header, syncs, reads the temporary file back through `scanner` and renames it into
    /// place only when the read-back agrees with what was written.
    func finish(scanner: TokenFileScanner, expectedEndTokens: Int) throws(ShardError) -> TokenFileSummary {
        do {
            if format == .llmc {
                try file.overwrite(LLMCHeader(width: width, tokenCount: tokenCount).bytes, at: 0)
            }
            try file.synchronize()
        } catch {
            throw ShardError(error, path: path)
        }
        let summary = try scanner.scan(file.temporaryPath)
        guard summary.tokens == tokenCount, summary.endTokens == expectedEndTokens else {
            throw .countMismatch(path: file.temporaryPath, what: "tokens and \(summary.endTokens) end tokens on read-back",
                                 expected: tokenCount, found: summary.tokens)
        }
        do { try file.commit() } catch { throw ShardError(error, path: path) }
        return summary
    }
}

/// Small files (a Megatron `.idx`) written whole and checked on read-back before the rename.
enum CheckedFile {
    static func read(_ path: String) throws(ShardError) -> [UInt8] {
        do { return try FileIO.read(path) } catch { throw .unreadable(path: path, reason: error.description) }
    }

    static func write(_ bytes: [UInt8], to path: String, check: ([UInt8]) throws(ShardError) -> Void) throws(ShardError) -> String {
        let file: AtomicFileWriter
        do {
            file = try AtomicFileWriter(path: path)
            file.durable = false  // synced with the whole directory before the manifest lists it (CorpusSharder)
            try file.write(bytes)
            try file.synchronize()
        } catch {
            throw ShardError(error, path: path)
        }
        let back = try read(file.temporaryPath)
        guard back == bytes else {
            throw .sizeMismatch(path: file.temporaryPath, size: back.count, expected: "the \(bytes.count) bytes written (read-back differs)")
        }
        try check(back)
        do { try file.commit() } catch { throw ShardError(error, path: path) }
        return SHA256.hex(back)
    }
}

extension ShardError {
    /// A file-writing error from `AtomicFileWriter`, named by the shard's path.
    init(_ error: FileError, path: String) {
        self = .unwritable(path: path, reason: error.reason)
    }
}
