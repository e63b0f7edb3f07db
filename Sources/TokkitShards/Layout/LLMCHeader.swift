import TokkitIO

/// The 1024-byte header of an llm.c token file: 256 little-endian int32, `[magic, version, N, 0, …]`.
///
/// Written as llm.c's `dev/data/data_common.py::write_datafile` writes it and checked as
/// `llmc/dataloader.h` checks it (magic, version, and file size = 1024 + N × token bytes). llm.c knows
/// two pairs, and tokkit uses exactly those rather than inventing a third:
///
/// | tokens | magic | version | llm.c name |
/// |---|---|---|---|
/// | uint16 | 20240520 | 1 | `gpt-2` |
/// | uint32 | 20240801 | 7 | `llama-3` |
///
/// A gpt-2 loader rejects a uint32 file on its version, loudly, instead of reading ids two bytes at a time.
public struct LLMCHeader: Sendable, Hashable {
    public static let byteCount = 1024
    public static let uint16Magic: Int32 = 20_240_520
    public static let uint16Version: Int32 = 1
    public static let uint32Magic: Int32 = 20_240_801
    public static let uint32Version: Int32 = 7

    public var width: TokenWidth
    /// N, the number of tokens after the header. llm.c asserts N < 2^31.
    public var tokenCount: Int

    public init(width: TokenWidth, tokenCount: Int) {
        self.width = width
        self.tokenCount = tokenCount
    }

    public var magic: Int32 { width == .uint16 ? Self.uint16Magic : Self.uint32Magic }
    public var version: Int32 { width == .uint16 ? Self.uint16Version : Self.uint32Version }

    /// The 1024 header bytes.
    public var bytes: [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(Self.byteCount)
        for value in [magic, version, Int32(clamping: tokenCount)] { LittleEndianIDs.appendInteger(value, to: &header) }
        header.append(contentsOf: repeatElement(0, count: Self.byteCount - header.count))
        return header
    }

    /// Reads a header, checking everything llm.c's loader checks and that the 253 reserved words are zero.
    ///
    /// - Parameters:
    ///   - bytes: at least the first 1024 bytes of the file.
    ///   - fileSize: the whole file's size, to check against N.
    ///   - path: the file, for error messages.
    public static func parse(_ bytes: [UInt8], fileSize: Int, path: String) throws(ShardError) -> LLMCHeader {
        guard bytes.count >= byteCount, fileSize >= byteCount else {
            throw .truncated(path: path, size: fileSize, expected: "at least \(byteCount) bytes of llm.c header")
        }
        func word(_ slot: Int) -> Int32 { LittleEndianIDs.readInteger(bytes, at: 4 * slot, as: Int32.self) }
        let width: TokenWidth
        switch (word(0), word(1)) {
        case (uint16Magic, uint16Version): width = .uint16
        case (uint32Magic, uint32Version): width = .uint32
        case (uint16Magic, _), (uint32Magic, _):
            throw .unexpected(path: path, offset: 4, expected: "version \(uint16Version) after magic \(uint16Magic) or \(uint32Version) after \(uint32Magic)",
                             found: "\(word(1))")
        default:
            throw .unexpected(path: path, offset: 0, expected: "llm.c magic \(uint16Magic) (uint16) or \(uint32Magic) (uint32)", found: "\(word(0))")
        }
        let count = word(2)
        guard count >= 0 else { throw .unexpected(path: path, offset: 8, expected: "a token count ≥ 0", found: "\(count)") }
        for slot in 3..<256 where word(slot) != 0 {
            throw .unexpected(path: path, offset: 4 * slot, expected: "0 (reserved header word \(slot))", found: "\(word(slot))")
        }
        let header = LLMCHeader(width: width, tokenCount: Int(count))
        let expectedSize = byteCount + header.tokenCount * width.byteCount
        guard fileSize == expectedSize else {
            throw .sizeMismatch(path: path, size: fileSize,
                                expected: "\(expectedSize) bytes = 1024 + \(count) tokens × \(width.byteCount) (header word 2 at byte offset 8)")
        }
        return header
    }
}
