import CDelimit
import TokkitCore
import TokkitIO

/// Streams one token file to a temporary name, then checks it on read-back and renames it into place.
///
/// Memory holds the output's staging buffers and one conversion buffer, never the shard: ids go out as
/// they come, straight into the staging buffers where they can (`appendDocuments`). llm.c's header is
/// written as zeros first and filled in by `finish()`, when the token count is known.
final class TokenFileWriter {
    let path: String
    let format: ShardFormat
    let width: TokenWidth
    let largestID: TokenID
    private let file: AtomicFileWriter
    private var scratch: [UInt8] = []
    private(set) var tokenCount = 0
    /// How many bytes past the words it keeps ``copyDelimited`` may store (`tk_copy_delimited`'s last vector of a
    /// document is stored whole): the room the conversion buffer adds, and what the staging buffers' slack must cover.
    static let copyOverrun = 64
    /// Bytes that went to the file past the page cache (known after `finish`): the tests' proof that a batch
    /// took the in-place path.
    var bytesWrittenDirectly: Int { file.bytesWrittenDirectly }

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
    /// the same error as one `append` per delimited document.
    ///
    /// uint32 ids on a little-endian machine (their own bytes) go straight into the file's staging buffer
    /// once the file is written directly, as many documents at a time as the buffer has room for; a
    /// document that straddles two buffers, and everything else, goes through one conversion buffer and
    /// one write.
    /// - Complexity: O(ids written).
    func appendDocuments(_ ids: [TokenID], offsets: ArraySlice<Int>, endToken: TokenID,
                         delimiterFirst: Bool) throws(ShardError) {
        var offsets = offsets
        if width == .uint32, UInt32(1).littleEndian == 1, AtomicFileWriter.stagingSlack >= Self.copyOverrun {
            let limit = largestID
            while offsets.count > 1 {
                var documents = 0, stored = 0, outOfRange = false
                let inPlace: Bool
                do {
                    inPlace = try file.fillInPlace { room in
                        documents = Self.documentCount(offsets, within: room.count / 4)
                        guard documents > 0, let out = room.baseAddress else { return 0 }
                        let fits: Bool
                        (stored, fits) = ids.withUnsafeBufferPointer { all in
                            offsets.prefix(documents + 1).withUnsafeBufferPointer { stops in
                                Self.copyDelimited(all, stops: stops, to: out, endToken: endToken, delimiterFirst: delimiterFirst, limit: limit)
                            }
                        }
                        guard fits else {
                            outOfRange = true
                            return 0
                        }
                        return stored * 4
                    }
                } catch {
                    throw ShardError(error, path: path)
                }
                // Not written directly (yet), or an id out of range, which the conversion below finds and names.
                guard inPlace, !outOfRange else { break }
                if documents == 0 {
                    // The next document does not fit in the room left: it fills this buffer and starts the next.
                    try appendConverting(ids, offsets: offsets.prefix(2), endToken: endToken, delimiterFirst: delimiterFirst)
                    offsets = offsets.dropFirst()
                    continue
                }
                tokenCount += stored
                offsets = offsets.dropFirst(documents)
            }
        }
        try appendConverting(ids, offsets: offsets, endToken: endToken, delimiterFirst: delimiterFirst)
    }

    /// How many documents from the start of `offsets` (consecutive stops, as `appendDocuments` takes them)
    /// add at most `tokens` tokens with a delimiter each: documents `i..<end` add
    /// `offsets[end] - offsets[i] + end - i`, which grows with `end`, hence the bisection.
    /// - Complexity: O(log `offsets.count`).
    static func documentCount(_ offsets: ArraySlice<Int>, within tokens: Int) -> Int {
        guard let first = offsets.first, tokens > 0 else { return 0 }
        let start = offsets.startIndex
        func added(_ count: Int) -> Int { offsets[start + count] - first + count }
        var low = 0, high = offsets.count - 1
        guard added(high) > tokens else { return high }
        // added(low) <= tokens < added(high)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if added(middle) <= tokens { low = middle } else { high = middle }
        }
        return low
    }

    /// `appendDocuments` through the conversion buffer and one write.
    private func appendConverting(_ ids: [TokenID], offsets: ArraySlice<Int>, endToken: TokenID,
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
            // Room past the run for what ``copyDelimited`` stores there.
            scratch.append(addingCapacity: total * stride + Self.copyOverrun) { span in
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
    /// bytes), and tells whether every id stored and `endToken` are at most `limit`. `out` needs room for
    /// ``copyOverrun`` bytes past the words stored, which it may overwrite.
    ///
    /// Why C (`tk_copy_delimited`): a line of public_en is about ten ids, and in Swift's 16-byte blocks a
    /// document took one to four of them and a mispredicted branch (2.5% of `tokkit shard` of public_en
    /// lines, cl100k, one thread); a masked AVX-512 vector takes a document of up to 16 ids at once. The
    /// largest id comes out of the same pass, so a batch with an id out of range is only known at the end,
    /// and the caller's id-by-id pass then finds the exact one.
    /// - Complexity: O(ids + documents).
    @inline(__always)
    static func copyDelimited(_ all: UnsafeBufferPointer<TokenID>, stops: UnsafeBufferPointer<Int>, to out: UnsafeMutableRawPointer,
                              endToken: TokenID, delimiterFirst: Bool, limit: TokenID) -> (count: Int, fits: Bool) {
        guard stops.count > 1 else { return (0, true) }
        var largest: UInt32 = 0
        let count = tk_copy_delimited(all.baseAddress, stops.baseAddress, stops.count, out.assumingMemoryBound(to: UInt32.self),
                                      endToken, delimiterFirst ? 1 : 0, &largest)
        return (count, largest <= limit)
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
