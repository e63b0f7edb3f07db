import TokkitCore
import TokkitIO

/// The count file: word counts saved between `tokkit count` and `tokkit train`.
///
/// Layout (version 1, all integers little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `54 4B 57 43 0D 0A 1A 0A` (`"TKWC\r\n\u{1A}\n"`: a text-mode copy or a `type` of the file breaks it visibly, as in PNG) |
/// | 8 | 4 | version = 1 (`UInt32`) |
/// | 12 | 8 | number of distinct pieces (`UInt64`) |
/// | 20 | 8 | total count (`UInt64`, sum of all record counts) |
/// | 28 | … | records, sorted by piece bytes (unsigned lexicographic, shorter first on a common prefix), no duplicates |
/// | end − 4 | 4 | CRC-32 (IEEE 802.3 / zlib) of every byte before it (`UInt32`) |
///
/// Version 2 adds, right after the header, what the counts were made with, so that `train --counts`
/// can declare the right split pattern and refuse to merge counts made with different ones:
/// `UInt32 n`, then n settings, each `LEB128(key length) key LEB128(value length) value` in UTF-8
/// (`pattern`, the pattern's name or `regex:` and the regex; `documents`, `lossy`, `skip_bad_lines`).
/// ``serialized(settings:)`` writes version 2 when given settings, version 1 otherwise; both are read.
///
/// A record is `LEB128(piece length) LEB128(count ≥ 1) piece bytes`. Sorted records make the file a
/// function of the multiset alone (parallel counting in any order writes identical files) and let a
/// reader detect duplicates. `scripts/reference/split_count.py` writes the same format.
extension WordCounts {
    /// The newest count-file format version this build writes and reads (it reads 1 too).
    public static let countFileVersion: UInt32 = 2

    /// The 8 magic bytes at offset 0 of every count file.
    public static let countFileMagic: [UInt8] = [0x54, 0x4B, 0x57, 0x43, 0x0D, 0x0A, 0x1A, 0x0A]

    static let headerSize = 28

    /// The count file for these counts (see the extension's discussion for the layout).
    ///
    /// - Complexity: O(n log n · piece length) for n distinct pieces (the records are sorted).
    public func serialized(settings: [(key: String, value: String)] = []) -> [UInt8] {
        let arena = pieces.arena, offsets = pieces.offsets
        var order = Array(0..<distinctCount)
        arena.withUnsafeBytes { arenaBytes in
            func bytes(_ index: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: arenaBytes[Int(offsets[index])..<Int(offsets[index + 1])])
            }
            order.sort { ByteHash.less(bytes($0), bytes($1)) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + arena.count + distinctCount * 3 + 4)
        out.append(contentsOf: Self.countFileMagic)
        LittleEndianIDs.appendInteger(settings.isEmpty ? UInt32(1) : Self.countFileVersion, to: &out)
        LittleEndianIDs.appendInteger(UInt64(distinctCount), to: &out)
        LittleEndianIDs.appendInteger(totalCount, to: &out)
        if !settings.isEmpty {
            LittleEndianIDs.appendInteger(UInt32(settings.count), to: &out)
            for (key, value) in settings {
                for text in [key, value] {
                    appendLEB128(UInt64(text.utf8.count), to: &out)
                    out.append(contentsOf: text.utf8)
                }
            }
        }
        for index in order {
            let start = Int(offsets[index]), end = Int(offsets[index + 1])
            appendLEB128(UInt64(end - start), to: &out)
            appendLEB128(counts[index], to: &out)
            out.append(contentsOf: arena[start..<end])
        }
        LittleEndianIDs.appendInteger(CRC32.checksum(out), to: &out)
        return out
    }

    /// Reads a count file written by ``serialized()`` or `split_count.py`.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - source: a name for the file in error messages (usually its path).
    /// - Throws: ``WordCountsError`` naming `source` and the byte offset of the first problem.
    ///   Structure is checked before the checksum, so a malformed record is reported where it is.
    /// - Complexity: O(file size).
    public init(deserializing bytes: [UInt8], source: String) throws(WordCountsError) {
        var settings: [(key: String, value: String)] = []
        try self.init(deserializing: bytes, source: source, settings: &settings)
    }

    /// Reads a count file and the settings it records (none for a version-1 file).
    /// - Throws: as ``init(deserializing:source:)``.
    public init(deserializing bytes: [UInt8], source: String,
                settings: inout [(key: String, value: String)]) throws(WordCountsError) {
        self.init()
        guard bytes.count >= 8, Array(bytes[0..<8]) == Self.countFileMagic else {
            throw .notACountFile(source: source)
        }
        guard bytes.count >= Self.headerSize else {
            throw .truncated(source: source, offset: bytes.count, expected: "the 28-byte header")
        }
        let version = UInt32(truncatingIfNeeded: LittleEndianIDs.readInteger(bytes, at: 8, size: 4))
        guard version == 1 || version == Self.countFileVersion else {
            throw .unsupportedVersion(version, source: source, offset: 8)
        }
        let headerDistinct = LittleEndianIDs.readInteger(bytes, at: 12, size: 8)
        let headerTotal = LittleEndianIDs.readInteger(bytes, at: 20, size: 8)
        guard bytes.count >= Self.headerSize + 4 else {
            throw .truncated(source: source, offset: bytes.count, expected: "the CRC-32 trailer")
        }
        let end = bytes.count - 4
        var offset = Self.headerSize
        if version == 2 {
            guard offset + 4 <= end else { throw .truncated(source: source, offset: offset, expected: "the settings count") }
            let count = LittleEndianIDs.readInteger(bytes, at: offset, size: 4)
            offset += 4
            for _ in 0..<count {
                var pair: [String] = []
                for what in ["a setting's name", "a setting's value"] {
                    let length = try readLEB128(bytes, &offset, end: end, source: source, what: what + " length")
                    guard length <= UInt64(end - offset) else { throw .truncated(source: source, offset: end, expected: what) }
                    pair.append(String(decoding: bytes[offset..<(offset + Int(length))], as: UTF8.self))
                    offset += Int(length)
                }
                settings.append((pair[0], pair[1]))
            }
        }
        var previous: Range<Int>? = nil
        var sum: UInt64 = 0
        while offset < end {
            let recordOffset = offset
            let length = try readLEB128(bytes, &offset, end: end, source: source, what: "a piece length")
            let count = try readLEB128(bytes, &offset, end: end, source: source, what: "a count")
            guard count > 0 else { throw .zeroCount(source: source, offset: recordOffset) }
            guard length <= UInt64(end - offset) else {
                throw .truncated(source: source, offset: end, expected: "a piece of \(length) bytes")
            }
            let piece = offset..<(offset + Int(length))
            if let previous {
                guard bytes[previous].lexicographicallyPrecedes(bytes[piece]) else {
                    throw .outOfOrder(source: source, offset: recordOffset)
                }
            }
            let (next, overflow) = sum.addingReportingOverflow(count)
            guard !overflow else {
                throw .headerMismatch(field: "total count", header: headerTotal, actual: UInt64.max,
                                      source: source, offset: 20)
            }
            sum = next
            do {
                try bytes[piece].withUnsafeBufferPointer { buffer throws(WordCountsFull) in try add(buffer, count: count) }
            } catch {
                throw .tooManyPieces(limit: error.limit, source: source, offset: recordOffset)
            }
            previous = piece
            offset = piece.upperBound
        }
        guard UInt64(distinctCount) == headerDistinct else {
            throw .headerMismatch(field: "distinct count", header: headerDistinct, actual: UInt64(distinctCount),
                                  source: source, offset: 12)
        }
        guard sum == headerTotal else {
            throw .headerMismatch(field: "total count", header: headerTotal, actual: sum, source: source, offset: 20)
        }
        let stored = UInt32(truncatingIfNeeded: LittleEndianIDs.readInteger(bytes, at: end, size: 4))
        let computed = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        guard stored == computed else {
            throw .checksumMismatch(stored: stored, computed: computed, source: source, offset: end)
        }
    }
}

private func appendLEB128(_ value: UInt64, to out: inout [UInt8]) {
    var rest = value
    while rest >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
        rest >>= 7
    }
    out.append(UInt8(rest))
}

private func readLEB128(
    _ raw: [UInt8], _ offset: inout Int, end: Int, source: String, what: String
) throws(WordCountsError) -> UInt64 {
    let start = offset
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
        guard offset < end else { throw .truncated(source: source, offset: offset, expected: what) }
        let byte = raw[offset]
        offset += 1
        // The tenth byte may only carry the top bit of a 64-bit value.
        guard shift < 63 || (shift == 63 && byte <= 1) else { throw .malformedNumber(source: source, offset: start) }
        value |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return value }
        shift += 7
    }
}

/// CRC-32 as in zlib (`zlib.crc32` in Python): reflected polynomial 0xEDB88320, init and final xor ~0.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// - Complexity: O(`bytes.count`).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return ~crc
        }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
