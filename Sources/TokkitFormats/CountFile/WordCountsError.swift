import TokkitCore

/// Why a count file could not be read. Every case names the file (`source`) and the byte offset
/// where reading stopped, so a user can inspect it with `xxd -s OFFSET`.
public enum WordCountsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not start with the 8-byte count-file magic (is it a text file?).
    case notACountFile(source: String)
    /// The file was written by a newer tokkit.
    case unsupportedVersion(UInt32, source: String, offset: Int)
    /// The file ends in the middle of the header, a record or the checksum.
    case truncated(source: String, offset: Int, expected: String)
    /// A LEB128 number runs past 64 bits.
    case malformedNumber(source: String, offset: Int)
    /// A record has count 0 (writers never store absent pieces).
    case zeroCount(source: String, offset: Int)
    /// A piece is not strictly greater than the previous one: the file is unsorted or has a duplicate.
    case outOfOrder(source: String, offset: Int)
    /// The header's distinct-piece count or total disagrees with the records.
    case headerMismatch(field: String, header: UInt64, actual: UInt64, source: String, offset: Int)
    /// The file holds more distinct pieces than one count table addresses.
    case tooManyPieces(limit: Int, source: String, offset: Int)
    /// The CRC-32 stored at the end does not match the bytes before it (bit rot or a partial copy).
    case checksumMismatch(stored: UInt32, computed: UInt32, source: String, offset: Int)

    public var description: String {
        switch self {
        case .notACountFile(let source):
            return "\(source): not a tokkit count file (expected the magic bytes 'TKWC\\r\\n\\x1a\\n' at offset 0)"
        case .unsupportedVersion(let version, let source, let offset):
            return "\(source): count file version \(version) at offset \(offset) is not supported "
                + "(this build reads version \(WordCounts.countFileVersion)); re-count with this tokkit"
        case .truncated(let source, let offset, let expected):
            return "\(source): file ends at offset \(offset) while reading \(expected); the file is incomplete"
        case .malformedNumber(let source, let offset):
            return "\(source): malformed LEB128 number at offset \(offset) (longer than 64 bits)"
        case .zeroCount(let source, let offset):
            return "\(source): record at offset \(offset) has count 0; the file is corrupt"
        case .outOfOrder(let source, let offset):
            return "\(source): piece at offset \(offset) is not greater than the previous one "
                + "(records must be sorted and unique); the file is corrupt"
        case .headerMismatch(let field, let header, let actual, let source, let offset):
            return "\(source): header \(field) at offset \(offset) says \(header) but the records give \(actual)"
        case .tooManyPieces(let limit, let source, let offset):
            return "\(source): record at offset \(offset) is past the \(limit) distinct pieces one count table holds"
        case .checksumMismatch(let stored, let computed, let source, let offset):
            return "\(source): CRC-32 at offset \(offset) is \(hex(stored)) but the contents hash to "
                + "\(hex(computed)); the file is corrupt or was modified"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
