/// Token ids and header integers as little-endian bytes: the one reader and writer of the binary
/// layouts (`tokkit encode --format uint16|uint32`, llm.c, nanoGPT and Megatron token files, count
/// files, the reference runner's output).
///
/// Little-endian is fixed by the formats, not by the machine, so bytes are assembled one by one;
/// the compiler turns these loops into plain loads and stores on little-endian machines. The
/// functions are `@inlinable` so that callers in other modules get them specialised for their
/// collection type, which the shard writer's hot loop needs.
public enum LittleEndianIDs {
    /// The width of one id in a file.
    public enum Width: Int, Sendable, CaseIterable {
        case uint16 = 2
        case uint32 = 4

        /// The largest id this width holds.
        @inlinable
        public var largestID: UInt32 { self == .uint16 ? UInt32(UInt16.max) : UInt32.max }
    }

    /// Appends `ids` to `output`, each checked against `limit` (default and at most: the largest id
    /// the width holds), never truncated.
    ///
    /// - Returns: the index in `ids` of the first id above the limit (nothing of it or after it is
    ///   appended), or `nil` when all were appended.
    /// - Complexity: O(`ids.count`).
    @inlinable
    @discardableResult
    public static func append<IDs: Collection>(_ ids: IDs, width: Width, limit: UInt32? = nil,
                                               to output: inout [UInt8]) -> IDs.Index? where IDs.Element == UInt32 {
        let limit = min(limit ?? width.largestID, width.largestID)
        if let failed = ids.withContiguousStorageIfAvailable({ appendContiguous($0, width: width, limit: limit, to: &output) }) {
            return failed.map { ids.index(ids.startIndex, offsetBy: $0) }
        }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: ids.count * width.rawValue))
        var written = 0
        let failed: IDs.Index? = output.withUnsafeMutableBufferPointer { buffer in
            var position = start
            for index in ids.indices {
                let id = ids[index]
                guard id <= limit else { return index }
                buffer[position] = UInt8(truncatingIfNeeded: id)
                buffer[position + 1] = UInt8(truncatingIfNeeded: id >> 8)
                if width == .uint32 {
                    buffer[position + 2] = UInt8(truncatingIfNeeded: id >> 16)
                    buffer[position + 3] = UInt8(truncatingIfNeeded: id >> 24)
                }
                position += width.rawValue
                written += 1
            }
            return nil
        }
        if failed != nil { output.removeLast(output.count - start - written * width.rawValue) }
        return failed
    }

    /// `append` for ids in contiguous memory (every array and slice of ids), returning the offset of the
    /// first id above `limit`.
    ///
    /// Why: assembled byte by byte into a zero-filled buffer, one id cost about 25 instructions, 5% of
    /// a whole `tokkit encode --format uint32` run; here the limit is one pass the compiler vectorises
    /// (none for uint32 ids without a limit), then the ids are copied (uint32 on a little-endian
    /// machine) or narrowed straight into the buffer's new room.
    @usableFromInline
    static func appendContiguous(_ ids: UnsafeBufferPointer<UInt32>, width: Width, limit: UInt32,
                                 to output: inout [UInt8]) -> Int? {
        var count = ids.count
        var failed: Int?
        if limit < UInt32.max {
            var largest: UInt32 = 0
            for id in ids { largest = max(largest, id) }
            if largest > limit {
                failed = ids.firstIndex { $0 > limit }
                count = failed ?? count
            }
        }
        guard count > 0, let source = ids.baseAddress else { return failed }
        output.append(addingCapacity: count * width.rawValue) { span in
            span.withUnsafeMutableBufferPointer { room, initialized in
                guard let out = UnsafeMutableRawPointer(room.baseAddress) else { return }
                if width == .uint32 {
                    if UInt32(1).littleEndian == 1 {
                        out.copyMemory(from: source, byteCount: count * 4)
                    } else {
                        for k in 0..<count { out.storeBytes(of: source[k].littleEndian, toByteOffset: k &* 4, as: UInt32.self) }
                    }
                } else {
                    for k in 0..<count {
                        out.storeBytes(of: UInt16(truncatingIfNeeded: source[k]).littleEndian, toByteOffset: k &* 2, as: UInt16.self)
                    }
                }
                initialized = count * width.rawValue
            }
        }
        return failed
    }

    /// The id at byte `offset` of `bytes`; the caller checks that `width.rawValue` bytes are there.
    @inlinable @inline(__always)
    public static func id<Bytes: RandomAccessCollection>(in bytes: Bytes, at offset: Bytes.Index, width: Width) -> UInt32
    where Bytes.Element == UInt8 {
        var value = UInt32(bytes[offset]) | UInt32(bytes[bytes.index(offset, offsetBy: 1)]) << 8
        if width == .uint32 {
            value |= UInt32(bytes[bytes.index(offset, offsetBy: 2)]) << 16 | UInt32(bytes[bytes.index(offset, offsetBy: 3)]) << 24
        }
        return value
    }

    /// Every id in `bytes`, or `nil` when the length is not a whole number of ids.
    public static func read(_ bytes: [UInt8], width: Width) -> [UInt32]? {
        guard bytes.count % width.rawValue == 0 else { return nil }
        var ids: [UInt32] = []
        bytes.withUnsafeBytes { append($0, width: width, to: &ids) }
        return ids
    }

    /// Appends the whole ids at the start of `bytes` to `ids` (a last partial id is left out).
    ///
    /// Why not `read`: `tokkit decode` reads an id file block by block, and a fresh array per block
    /// (plus an id assembled byte by byte) took more of the process than decoding the ids.
    /// - Complexity: O(`bytes.count`).
    public static func append(_ bytes: UnsafeRawBufferPointer, width: Width, to ids: inout [UInt32]) {
        let count = bytes.count / width.rawValue
        guard count > 0, let base = bytes.baseAddress else { return }
        ids.append(addingCapacity: count) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                if width == .uint32 {
                    for k in 0..<count { buffer[k] = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 &* k, as: UInt32.self)) }
                } else {
                    for k in 0..<count { buffer[k] = UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 &* k, as: UInt16.self))) }
                }
                initialized = count
            }
        }
    }

    /// Appends a fixed-width integer little-endian (llm.c's header words, Megatron's index, count files).
    @inlinable @inline(__always)
    public static func appendInteger<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        for shift in stride(from: 0, to: T.bitWidth, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// Reads a little-endian integer of `T`'s width at `offset`; the caller checks the bounds.
    @inlinable
    public static func readInteger<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, as type: T.Type = T.self) -> T {
        var value = T.zero
        for byte in 0..<(T.bitWidth / 8) { value |= T(truncatingIfNeeded: bytes[offset + byte]) << (8 * byte) }
        return value
    }

    /// Reads a little-endian unsigned integer of `size` bytes at `offset`; the caller checks the bounds.
    public static func readInteger(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<size { value |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        return value
    }
}
