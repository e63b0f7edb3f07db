/// Token ids as little-endian `uint16` or `uint32`: the one reader and writer of the binary id
/// layouts (`tokkit encode --format uint16|uint32`, llm.c, nanoGPT and Megatron token files).
///
/// Little-endian is fixed by the formats, not by the machine, so bytes are assembled one by one;
/// the compiler turns these loops into plain loads and stores on little-endian machines.
public enum LittleEndianIDs {
    /// The width of one id in a file.
    public enum Width: Int, Sendable, CaseIterable {
        case uint16 = 2
        case uint32 = 4

        /// The largest id this width holds.
        public var largestID: UInt32 { self == .uint16 ? UInt32(UInt16.max) : UInt32.max }
    }

    /// Appends `ids` to `output`; returns the index in `ids` of the first id too large for `width`
    /// (nothing of it or after it is appended), or `nil` when all were appended.
    @discardableResult
    public static func append<IDs: Collection>(_ ids: IDs, width: Width, to output: inout [UInt8]) -> IDs.Index?
    where IDs.Element == UInt32 {
        output.reserveCapacity(output.count + ids.count * width.rawValue)
        switch width {
        case .uint16:
            for index in ids.indices {
                let id = ids[index]
                guard id <= UInt32(UInt16.max) else { return index }
                output.append(UInt8(truncatingIfNeeded: id))
                output.append(UInt8(truncatingIfNeeded: id >> 8))
            }
        case .uint32:
            for id in ids {
                output.append(UInt8(truncatingIfNeeded: id))
                output.append(UInt8(truncatingIfNeeded: id >> 8))
                output.append(UInt8(truncatingIfNeeded: id >> 16))
                output.append(UInt8(truncatingIfNeeded: id >> 24))
            }
        }
        return nil
    }

    /// The id at byte `offset` of `bytes`; the caller checks that `width.rawValue` bytes are there.
    @inline(__always)
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
        return stride(from: 0, to: bytes.count, by: width.rawValue).map { id(in: bytes, at: $0, width: width) }
    }

    /// Appends a fixed-width integer little-endian (headers: llm.c's int32s, Megatron's index, count files).
    @inline(__always)
    public static func appendInteger<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        for shift in stride(from: 0, to: T.bitWidth, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// Reads a little-endian unsigned integer of `size` bytes at `offset`; the caller checks the bounds.
    public static func readInteger(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<size { value |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        return value
    }
}
