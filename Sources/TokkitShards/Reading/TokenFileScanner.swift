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
        var pending: [UInt8] = []
        var offset = 0
        var tokens = 0
        var endTokens = 0
        var nextEnd = 0
        var ids: [TokenID] = []
        let headerBytes = format.headerBytes
        if headerBytes > 0 {
            var first: [UInt8] = []
            _ = try read(handle, reader, path: path, count: min(headerBytes, fileSize), appendingTo: &first)
            let parsed = try LLMCHeader.parse(first, fileSize: fileSize, path: path)
            guard parsed.width == width else {
                throw .unexpected(path: path, offset: 0, expected: "the \(width.rawValue) header the manifest records (magic \(LLMCHeader(width: width, tokenCount: 0).magic))",
                                 found: "magic \(parsed.magic), a \(parsed.width.rawValue) file")
            }
            header = parsed
            hasher.update(first)
            offset = headerBytes
        }
        guard (fileSize - headerBytes) % width.byteCount == 0 else {
            throw .sizeMismatch(path: path, size: fileSize, expected: "a whole number of \(width.rawValue) tokens after \(headerBytes) header bytes")
        }
        let stride = width.byteCount
        // Ids are gathered only for a visitor: the writer's read-back and `verify` need counts and a digest.
        let collect = visit != nil
        // `offset` is the file offset of `pending[0]`; a token cut by a short read waits in `pending` for the next chunk.
        while offset + pending.count < fileSize {
            let kept = pending.count
            guard try read(handle, reader, path: path, count: min(Self.chunkBytes, fileSize - offset - kept), appendingTo: &pending) > 0 else {
                throw .truncated(path: path, size: offset + kept, expected: "\(fileSize) bytes (the file shrank while being read)")
            }
            hasher.update(pending[kept...])
            ids.removeAll(keepingCapacity: true)
            var problem: ShardError?
            pending.withUnsafeBufferPointer { bytes in
                var position = 0
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
                    let fileOffset = offset + position
                    if Int(id) >= vocabularySize {
                        problem = .idOutOfRange(path: path, offset: fileOffset, id: id, vocabularySize: vocabularySize)
                        return
                    }
                    if let endPositions {
                        let expectedHere = nextEnd < endPositions.count && endPositions[nextEnd] == tokens
                        if id == endTokenID, !expectedHere {
                            problem = .unexpected(path: path, offset: fileOffset, expected: nextEnd < endPositions.count
                                                 ? "a document token (the next sequence ends at token \(endPositions[nextEnd]))"
                                                 : "no more end tokens", found: "the end token \(id)")
                            return
                        }
                        if expectedHere {
                            guard id == endTokenID else {
                                problem = .unexpected(path: path, offset: fileOffset, expected: "the end token \(endTokenID) closing sequence \(nextEnd)",
                                                     found: "\(id)")
                                return
                            }
                            nextEnd += 1
                        }
                    }
                    if id == endTokenID { endTokens += 1 }
                    if collect { ids.append(id) }
                    tokens += 1
                    position += stride
                }
            }
            if let problem { throw problem }
            let whole = pending.count - pending.count % stride
            offset += whole
            pending.removeFirst(whole)
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
    /// Why: checked id by id, the writer's read-back of every shard cost about 3% of `tokkit shard`.
    /// - Complexity: O(`bytes.count`).
    package static func tally(_ bytes: UnsafeBufferPointer<UInt8>, wide: Bool, endTokenID: TokenID,
                              vocabularySize: Int) -> (count: Int, ends: Int, outside: Int) {
        guard let base = bytes.baseAddress else { return (0, 0, 0) }
        guard vocabularySize > 0 else { return (bytes.count / (wide ? 4 : 2), 0, bytes.count / (wide ? 4 : 2)) }
        let largestInside = UInt32(clamping: vocabularySize - 1)
        if wide { return tally(UnsafeRawPointer(base), count: bytes.count / 4, as: UInt32.self, endTokenID: endTokenID, largestInside: largestInside) }
        return tally(UnsafeRawPointer(base), count: bytes.count / 2, as: UInt16.self, endTokenID: endTokenID, largestInside: largestInside)
    }

    /// The loop of ``tally(_:wide:endTokenID:vocabularySize:)`` for one width. Its accumulators are
    /// 32-bit like the ids, so that the compiler keeps four ids per vector instruction: with the end-token
    /// count in an `Int` (64-bit lanes beside 32-bit ones) the loop stayed scalar, about 12 instructions an
    /// id. An id is compared with the vocabulary as a signed number, its top bit flipped (as is the
    /// limit's): SSE2 has a signed 32-bit comparison and no unsigned one, and a running unsigned maximum
    /// took six instructions per four ids where this takes three (callgrind, `tokkit shard` of 10 MB of
    /// public_en, uint32: 9.3 → 5.5 M, 3.6 → 2.1 instructions an id). The ids go in runs of at most 2^31, so that the
    /// 32-bit counts cannot wrap.
    @inline(__always)
    private static func tally<ID: FixedWidthInteger & UnsignedInteger>(_ raw: UnsafeRawPointer, count: Int, as _: ID.Type,
                                                                      endTokenID: TokenID, largestInside: UInt32) -> (count: Int, ends: Int, outside: Int) {
        let flip: UInt32 = 0x8000_0000
        let limit = Int32(bitPattern: largestInside ^ flip)
        var ends = 0, outside = 0
        var start = 0
        while start < count {
            let end = min(count, start + (1 << 31))
            var runEnds: UInt32 = 0, runOutside: UInt32 = 0
            // A `while` with wrapping arithmetic: a `for` over a range kept its overflow checks in the loop.
            var k = start
            while k < end {
                let id = UInt32(ID(littleEndian: raw.loadUnaligned(fromByteOffset: k &* MemoryLayout<ID>.size, as: ID.self)))
                runOutside &+= Int32(bitPattern: id ^ flip) > limit ? 1 : 0
                runEnds &+= id == endTokenID ? 1 : 0
                k &+= 1
            }
            ends += Int(runEnds)
            outside += Int(runOutside)
            start = end
        }
        return (count, ends, outside)
    }

    /// Reads up to `count` bytes (fewer only at the end of the file) onto the end of `buffer`, which
    /// is reused from chunk to chunk: a fresh array per chunk, and the `Data` it was copied from, were
    /// fresh pages the kernel zeroed (a twentieth of `tokkit shard`). Through `reader` when there is one.
    /// Returns the number read.
    private func read(_ handle: FileHandle, _ reader: DirectFileReader?, path: String, count: Int,
                      appendingTo buffer: inout [UInt8]) throws(ShardError) -> Int {
        var failure: Int32 = 0
        let before = buffer.count
        buffer.append(addingCapacity: count) { span in
            span.withUnsafeMutableBufferPointer { space, initialized in
                guard let base = space.baseAddress else { return }
                while initialized < count {
                    let got = reader?.read(into: base + initialized, count: count - initialized)
                        ?? Foundation.read(handle.fileDescriptor, base + initialized, count - initialized)
                    if got < 0, errno == EINTR { continue }
                    if got < 0 { failure = errno }
                    if got <= 0 { return }
                    initialized += got
                }
            }
        }
        guard failure == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(failure))) }
        return buffer.count - before
    }

}
