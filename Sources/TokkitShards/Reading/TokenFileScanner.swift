import CDelimit
import Foundation
import TokkitCore
import TokkitIO

/// What reading a token file end to end found.
public struct TokenFileSummary: Sendable, Equatable {
    public var bytes: Int
    /// Of the whole file (empty when the scan stopped early).
    public var digest: FileDigest
    public var tokens: Int
    /// How many times the end token occurs: the documents begun (llm.c) or ended (nanoGPT, Megatron) in the file.
    public var endTokens: Int
    /// llm.c's header, for `llmc` files.
    public var header: LLMCHeader?
}

/// Reads a token file once, in fixed-size chunks, checking it as its loader would and hashing it.
///
/// The writer runs it on every file before renaming it into place (so a shard is verified on
/// read-back before it gets its final name) and `tokkit shard verify` runs it on every shard.
public struct TokenFileScanner {
    public var format: ShardFormat
    /// The width the manifest records; an llm.c header must agree with it.
    public var width: TokenWidth
    public var vocabularySize: Int
    public var endTokenID: TokenID
    /// Token positions, counted from the file's first token, at which the end token must stand and
    /// nowhere else (Megatron: the last token of every sequence). `nil` checks no positions.
    public var endPositions: [Int]?
    /// The digest to compute.
    public var digest: DigestAlgorithm

    static let chunkBytes = 1 << 20

    public init(format: ShardFormat, width: TokenWidth, vocabularySize: Int, endTokenID: TokenID, endPositions: [Int]? = nil,
                digest: DigestAlgorithm) {
        self.digest = digest
        self.format = format
        self.width = width
        self.vocabularySize = vocabularySize
        self.endTokenID = endTokenID
        self.endPositions = endPositions
    }

    /// Scans the file at `path`; `visit` sees the ids in order, a chunk at a time, and returns `false` to stop
    /// early (the summary then covers only what was read, and carries no digest). `direct` reads it past the
    /// page cache (``DirectFileReader``), as the writer reads back a file it wrote that way.
    ///
    /// - Throws: the first problem, with the file, the byte offset and what was expected there.
    /// - Complexity: O(file size) time, O(chunk) memory.
    public func scan(_ path: String, direct: Bool = false, visit: ((ArraySlice<TokenID>) -> Bool)? = nil) throws(ShardError) -> TokenFileSummary {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw .unreadable(path: path, reason: exists ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        let fileSize: Int
        do { fileSize = Int(try handle.seekToEnd()); try handle.seek(toOffset: 0) } catch {
            throw .unreadable(path: path, reason: FileIO.reason(for: error))
        }
        let reader = direct ? DirectFileReader(path: path, ordinary: handle.fileDescriptor) : nil
        var hasher = ContentHasher(digest)
        var header: LLMCHeader?
        // Where a chunk read the ordinary way goes (reused); a direct read lends its own buffer instead.
        let buffer = reader == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 64) : nil
        defer { buffer?.deallocate() }
        // The first bytes of a token cut by the end of a chunk, waiting for the rest.
        var carry: [UInt8] = []
        // File offsets: of the next byte to read, and of the next whole token to check.
        var offset = 0
        var checked = 0
        var tokens = 0
        var endTokens = 0
        var nextEnd = 0
        var ids: [TokenID] = []
        let headerBytes = format.headerBytes
        if headerBytes > 0 {
            var first: [UInt8] = []
            while first.count < min(headerBytes, fileSize) {
                let chunk = try next(handle, reader, path: path, count: min(headerBytes, fileSize) - first.count, buffer: buffer)
                guard !chunk.isEmpty else { break }
                first += chunk
            }
            let parsed = try LLMCHeader.parse(first, fileSize: fileSize, path: path)
            guard parsed.width == width else {
                throw .unexpected(path: path, offset: 0, expected: "the \(width.rawValue) header the manifest records (magic \(LLMCHeader(width: width, tokenCount: 0).magic))",
                                 found: "magic \(parsed.magic), a \(parsed.width.rawValue) file")
            }
            header = parsed
            hasher.update(first)
            offset = headerBytes
            checked = headerBytes
        }
        guard (fileSize - headerBytes) % width.byteCount == 0 else {
            throw .sizeMismatch(path: path, size: fileSize, expected: "a whole number of \(width.rawValue) tokens after \(headerBytes) header bytes")
        }
        let stride = width.byteCount
        // Ids are gathered only for a visitor: the writer's read-back and `verify` need counts and a digest.
        let collect = visit != nil
        /// Checks the whole tokens of `bytes` (a whole number of them), which start at file offset `checked`.
        func check(_ bytes: UnsafeBufferPointer<UInt8>) -> ShardError? {
            var position = 0
            defer { checked += position }
            // Nothing to collect and no positions to check: count the end tokens and the ids outside the
            // vocabulary in one pass the compiler vectorises; the id-by-id loop below runs only to name a bad id.
            if endPositions == nil, !collect {
                let tally = Self.tally(bytes, wide: stride == 4, endTokenID: endTokenID, vocabularySize: vocabularySize)
                if tally.outside == 0 {
                    tokens += tally.count
                    endTokens += tally.ends
                    position = tally.count * stride
                }
            }
            while position + stride <= bytes.count {
                let id = LittleEndianIDs.id(in: bytes, at: position, width: stride == 4 ? .uint32 : .uint16)
                let fileOffset = checked + position
                if Int(id) >= vocabularySize {
                    return .idOutOfRange(path: path, offset: fileOffset, id: id, vocabularySize: vocabularySize)
                }
                if let endPositions {
                    let expectedHere = nextEnd < endPositions.count && endPositions[nextEnd] == tokens
                    if id == endTokenID, !expectedHere {
                        return .unexpected(path: path, offset: fileOffset, expected: nextEnd < endPositions.count
                                           ? "a document token (the next sequence ends at token \(endPositions[nextEnd]))"
                                           : "no more end tokens", found: "the end token \(id)")
                    }
                    if expectedHere {
                        guard id == endTokenID else {
                            return .unexpected(path: path, offset: fileOffset, expected: "the end token \(endTokenID) closing sequence \(nextEnd)",
                                               found: "\(id)")
                        }
                        nextEnd += 1
                    }
                }
                if id == endTokenID { endTokens += 1 }
                if collect { ids.append(id) }
                tokens += 1
                position += stride
            }
            return nil
        }
        while offset < fileSize {
            let chunk = try next(handle, reader, path: path, count: min(Self.chunkBytes, fileSize - offset), buffer: buffer)
            guard !chunk.isEmpty else {
                throw .truncated(path: path, size: offset, expected: "\(fileSize) bytes (the file shrank while being read)")
            }
            offset += chunk.count
            let bytes = chunk.assumingMemoryBound(to: UInt8.self)
            hasher.update(bytes)
            ids.removeAll(keepingCapacity: true)
            var rest = bytes[...]
            if !carry.isEmpty {
                let completing = rest.prefix(stride - carry.count)
                carry += completing
                rest = rest.dropFirst(completing.count)
                if carry.count == stride {
                    if let problem = carry.withUnsafeBufferPointer(check) { throw problem }
                    carry.removeAll(keepingCapacity: true)
                }
            }
            let whole = rest.count - rest.count % stride
            if let problem = check(UnsafeBufferPointer(rebasing: rest.prefix(whole))) {
                throw problem
            }
            carry += rest.dropFirst(whole)
            if let visit, !visit(ids[...]) {
                return TokenFileSummary(bytes: fileSize, digest: FileDigest(digest, hex: ""), tokens: tokens, endTokens: endTokens, header: header)
            }
        }
        if let endPositions, nextEnd < endPositions.count {
            throw .truncated(path: path, size: fileSize, expected: "\(endPositions.count) sequences; sequence \(nextEnd) has no end token where it should end")
        }
        return TokenFileSummary(bytes: fileSize, digest: hasher.finalize(), tokens: tokens, endTokens: endTokens, header: header)
    }

    /// The whole ids at the start of `bytes`: how many, how many are `endTokenID`, and how many are not
    /// below `vocabularySize`.
    ///
    /// Why one pass, in C (`tk_tally_ids`): checked id by id, the writer's read-back of every shard cost about 3% of
    /// `tokkit shard`; vectorised by the compiler in Swift's baseline (SSE2, four ids a compare) still 0.4%, where
    /// AVX-512 compares 16 ids (or 32 of 16 bits) into a mask and counts it.
    /// - Complexity: O(`bytes.count`).
    package static func tally(_ bytes: UnsafeBufferPointer<UInt8>, wide: Bool, endTokenID: TokenID,
                              vocabularySize: Int) -> (count: Int, ends: Int, outside: Int) {
        let count = bytes.count / (wide ? 4 : 2)
        guard let base = bytes.baseAddress else { return (0, 0, 0) }
        guard vocabularySize > 0 else { return (count, 0, count) }
        var ends = 0, outside = 0
        tk_tally_ids(base, count, wide ? 1 : 0, endTokenID, UInt32(clamping: vocabularySize - 1), &ends, &outside)
        return (count, ends, outside)
    }

    /// The next bytes of the file, at most `count` (fewer only where a read stops short, empty at its end):
    /// where `reader` lends them, or read into `buffer` (of `chunkBytes`), which is reused from chunk to chunk
    /// (a fresh array per chunk, and the `Data` it was copied from, were fresh pages the kernel zeroed: a
    /// twentieth of `tokkit shard`). Valid until the next call.
    private func next(_ handle: FileHandle, _ reader: DirectFileReader?, path: String, count: Int,
                      buffer: UnsafeMutableRawBufferPointer?) throws(ShardError) -> UnsafeRawBufferPointer {
        if let reader {
            guard let lent = reader.next(upTo: count) else {
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            return lent
        }
        guard let buffer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        while true {
            let got = Foundation.read(handle.fileDescriptor, buffer.baseAddress, min(count, buffer.count))
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            return UnsafeRawBufferPointer(rebasing: buffer[..<got])
        }
    }

}
