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
            // Past the page cache (`DirectFileStream`), and `finish` reads it back the same way (`DirectFileReader`):
            // the whole `tokkit shard write` of 10 MB (cl100k, llm.c, one thread) took 156 ms of CPU instead of 211
            // on this project's VMs, where fresh page-cache pages are dear, and 140 instead of 149 with the read-back
            // past the page cache too.
            file.writesDirectly = true
            // An array, not `repeatElement`: the generic `write` of a lazy collection cost 2.7 M instructions
            // for these 1,024 bytes (callgrind, whole `tokkit shard`), more than writing a shard's batch.
            if format.headerBytes > 0 { try file.write([UInt8](repeating: 0, count: format.headerBytes)) }
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
            // 16 bytes more than the run: ``copyDelimited`` may store up to 12 bytes past it.
            scratch.append(addingCapacity: total * stride + 16) { span in
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
                    // Optimistically, without a branch per id: whether every id is in range is learnt on the way,
                    // and only a run with one out of range is redone id by id, to stop at that id.
                    let fits: Bool
                    if wide, UInt32(1).littleEndian == 1 {
                        // uint32 on a little-endian machine: the ids' own bytes.
                        (written, fits) = offsets.withUnsafeBufferPointer { stops in
                            Self.copyDelimited(all, stops: stops, to: out, endToken: endToken, delimiterFirst: delimiterFirst, limit: limit)
                        }
                    } else {
                        var largest = endToken, count = 0, start = first
                        @inline(__always) func store<Stored: FixedWidthInteger>(_ id: TokenID, as _: Stored.Type) {
                            out.storeBytes(of: Stored(truncatingIfNeeded: id).littleEndian, toByteOffset: count &* stride, as: Stored.self)
                            count &+= 1
                        }
                        for stop in offsets.dropFirst() {
                            if delimiterFirst { wide ? store(endToken, as: UInt32.self) : store(endToken, as: UInt16.self) }
                            for index in start..<stop {
                                let id = all[index]
                                largest = max(largest, id)
                                wide ? store(id, as: UInt32.self) : store(id, as: UInt16.self)
                            }
                            if !delimiterFirst { wide ? store(endToken, as: UInt32.self) : store(endToken, as: UInt16.self) }
                            start = stop
                        }
                        written = count
                        fits = largest <= limit
                    }
                    if fits {
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

    /// Stores the documents of `all` that end at `stops` (the first stop is where the first one starts), each
    /// with `endToken` before or after it, at `out` as uint32 words in the machine's byte order (the ids' own
    /// bytes), and tells whether every id stored and `endToken` are at most `limit`. `out` needs room for 12
    /// bytes past the words stored, which it may overwrite.
    ///
    /// Why not a `copyMemory` per document after a pass for the largest id: most documents are a few ids (a
    /// line of public_en is about ten), the call to memmove with its bookkeeping cost more than the copy, and
    /// an unsigned maximum takes six SSE2 instructions per four ids (callgrind, `tokkit shard` of 10 MB of
    /// public_en lines, cl100k, uint32: 18.6 M instructions for the stores). Here each document goes in
    /// 16-byte blocks, each tested against `limit` as it passes (three instructions per four ids). A block may
    /// read up to three ids past the document, which is why it checks them too: they are ids of `all`, so a
    /// false alarm only happens when `all` holds an id out of range, and then costs the caller's id-by-id
    /// pass, which finds the exact one. A document near the end of `all`, where a block would read past it,
    /// ends with a block that overlaps the one before it, or goes id by id when shorter than a block.
    /// - Complexity: O(ids + documents).
    @inline(__always)
    static func copyDelimited(_ all: UnsafeBufferPointer<TokenID>, stops: UnsafeBufferPointer<Int>, to out: UnsafeMutableRawPointer,
                              endToken: TokenID, delimiterFirst: Bool, limit: TokenID) -> (count: Int, fits: Bool) {
        guard stops.count > 1 else { return (0, true) }
        // An id is above `limit` when, its top bit flipped (as the limit's), it is greater as a signed number:
        // SSE2 compares signed 32-bit lanes only.
        let flip = SIMD4<UInt32>(repeating: 0x8000_0000)
        let bound = SIMD4<Int32>(repeating: Int32(bitPattern: limit ^ 0x8000_0000))
        var above = SIMD4<Int32>()
        var wordAbove = endToken > limit
        // Byte offsets: `from` into the ids, `to` into `out`.
        var to = 0
        var from = stops[0] &* 4
        var k = 1
        let source = UnsafeRawPointer(all.baseAddress)
        @inline(__always) func copyBlock(_ source: UnsafeRawPointer, _ offset: Int) {
            let block = source.loadUnaligned(fromByteOffset: from &+ offset, as: SIMD4<UInt32>.self)
            out.storeBytes(of: block, toByteOffset: to &+ offset, as: SIMD4<UInt32>.self)
            above |= unsafeBitCast(unsafeBitCast(block ^ flip, to: SIMD4<Int32>.self) .> bound, to: SIMD4<Int32>.self)
        }
        // Documents whose blocks, rounded up, end inside `all` (not one when `all` is empty).
        let roundedEnd = all.count &* 4 &- 12
        // `delimiterFirst` a constant in each copy of the loop.
        @inline(__always) func documents(_ delimiterFirst: Bool) {
            while k < stops.count {
                let end = stops[k] &* 4
                if delimiterFirst {
                    out.storeBytes(of: endToken, toByteOffset: to, as: UInt32.self)
                    to &+= 4
                }
                let bytes = end &- from
                if let source, bytes > 0 {
                    if end <= roundedEnd {
                        var offset = 0
                        repeat {
                            copyBlock(source, offset)
                            offset &+= 16
                        } while offset < bytes
                    } else if bytes >= 16 {
                        let lastBlock = bytes &- 16
                        var offset = 0
                        while offset < lastBlock {
                            copyBlock(source, offset)
                            offset &+= 16
                        }
                        copyBlock(source, lastBlock)
                    } else {
                        var offset = 0
                        while offset < bytes {
                            let id = source.loadUnaligned(fromByteOffset: from &+ offset, as: UInt32.self)
                            out.storeBytes(of: id, toByteOffset: to &+ offset, as: UInt32.self)
                            wordAbove = wordAbove || id > limit
                            offset &+= 4
                        }
                    }
                }
                to &+= bytes
                if !delimiterFirst {
                    out.storeBytes(of: endToken, toByteOffset: to, as: UInt32.self)
                    to &+= 4
                }
                from = end
                k &+= 1
            }
        }
        if delimiterFirst { documents(true) } else { documents(false) }
        let lanes = unsafeBitCast(above, to: SIMD2<UInt64>.self)
        return (to / 4, !wordAbove && lanes[0] | lanes[1] == 0)
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

    /// Fills in the header, syncs, reads the temporary file back through `scanner` (from the disk) and
    /// renames it into place only when the read-back agrees with what was written.
    func finish(scanner: TokenFileScanner, expectedEndTokens: Int) throws(ShardError) -> TokenFileSummary {
        do {
            if format == .llmc {
                try file.overwrite(LLMCHeader(width: width, tokenCount: tokenCount).bytes, at: 0)
            }
            try file.synchronize()
        } catch {
            throw ShardError(error, path: path)
        }
        // Read back the way it was written: a file that went past the page cache has no pages there to read.
        let summary = try scanner.scan(file.temporaryPath, direct: file.bytesWrittenDirectly > 0)
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

    static func write(_ bytes: [UInt8], to path: String, digest: DigestAlgorithm,
                      check: ([UInt8]) throws(ShardError) -> Void) throws(ShardError) -> FileDigest {
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
        return ContentHasher.digest(digest, of: back)
    }
}

extension ShardError {
    /// A file-writing error from `AtomicFileWriter`, named by the shard's path.
    init(_ error: FileError, path: String) {
        self = .unwritable(path: path, reason: error.reason)
    }
}
