import TokkitIO

/// The `.idx` file of a Megatron-LM `MMapIndexedDataset` (`megatron/core/datasets/indexed_dataset.py`).
///
/// All little-endian:
/// ```
/// 0        9 bytes   "MMIDIDX\0\0"
/// 9        u64       version = 1
/// 17       u8        dtype code (8 = uint16, 4 = int32)
/// 18       u64       S, the sequence count
/// 26       u64       D, the document count + 1 (document_indices starts with 0)
/// 34       int32[S]  sequence lengths, in tokens
/// 34+4S    int64[S]  sequence pointers: byte offsets into .bin
/// 34+12S   int64[D]  document indices: the sequence at which each document ends, [0, 1, …]
/// ```
/// tokkit writes one sequence per document (Megatron's `preprocess_data.py` without `--split-sentences`),
/// so the document indices are `[0, 1, …, S]`.
public struct MegatronIndex: Sendable, Hashable {
    public static let magic: [UInt8] = Array("MMIDIDX".utf8) + [0, 0]
    public static let version: UInt64 = 1
    static let headerBytes = 34

    public var width: TokenWidth
    public var sequenceLengths: [Int32]
    public var documentIndices: [Int64]

    /// An index with one sequence per document.
    public init(width: TokenWidth, documentLengths: [Int32]) {
        self.width = width
        self.sequenceLengths = documentLengths
        self.documentIndices = (0...documentLengths.count).map(Int64.init)
    }

    init(width: TokenWidth, sequenceLengths: [Int32], documentIndices: [Int64]) {
        self.width = width
        self.sequenceLengths = sequenceLengths
        self.documentIndices = documentIndices
    }

    /// Megatron's `DType` code: uint16 is 8, the four-byte layout is int32 (4), as `optimal_dtype` picks.
    public var dtypeCode: UInt8 { width == .uint16 ? 8 : 4 }

    /// Tokens in the `.bin` file.
    public var tokenCount: Int { sequenceLengths.reduce(0) { $0 + Int($1) } }

    /// The size the file must have: 34 + 12S + 8D.
    public static func fileSize(sequences: Int, documents: Int) -> Int { headerBytes + 12 * sequences + 8 * documents }

    /// The `.idx` bytes.
    /// - Complexity: O(S).
    public var bytes: [UInt8] {
        var out = Self.magic
        out.reserveCapacity(Self.fileSize(sequences: sequenceLengths.count, documents: documentIndices.count))
        func put<Value: FixedWidthInteger>(_ value: Value) { LittleEndianIDs.appendInteger(value, to: &out) }
        put(Self.version)
        out.append(dtypeCode)
        put(UInt64(sequenceLengths.count))
        put(UInt64(documentIndices.count))
        for length in sequenceLengths { put(length) }
        var pointer: Int64 = 0
        for length in sequenceLengths {
            put(pointer)
            pointer += Int64(length) * Int64(width.byteCount)
        }
        for index in documentIndices { put(index) }
        return out
    }

    /// Reads and checks an index: magic, version, dtype, the size formula, non-negative lengths,
    /// pointers that are the running byte sum of the lengths, and document indices `[0, …, S]` rising.
    public static func parse(_ bytes: [UInt8], path: String) throws(ShardError) -> MegatronIndex {
        guard bytes.count >= headerBytes else {
            throw .truncated(path: path, size: bytes.count, expected: "at least \(headerBytes) bytes of Megatron index header")
        }
        guard Array(bytes[0..<9]) == magic else {
            throw .unexpected(path: path, offset: 0, expected: "MMIDIDX\\0\\0", found: bytes[0..<9].map { String($0) }.joined(separator: " "))
        }
        func read<Value: FixedWidthInteger>(_ offset: Int, as type: Value.Type) -> Value {
            LittleEndianIDs.readInteger(bytes, at: offset, as: type)
        }
        let version = read(9, as: UInt64.self)
        guard version == Self.version else { throw .unexpected(path: path, offset: 9, expected: "version 1", found: "\(version)") }
        let width: TokenWidth
        switch bytes[17] {
        case 8: width = .uint16
        case 4: width = .uint32
        default: throw .unexpected(path: path, offset: 17, expected: "dtype code 8 (uint16) or 4 (int32)", found: "\(bytes[17])")
        }
        let sequences = read(18, as: UInt64.self)
        let documents = read(26, as: UInt64.self)
        guard sequences < UInt64(Int32.max), documents < UInt64(Int32.max),
              bytes.count == fileSize(sequences: Int(sequences), documents: Int(documents)) else {
            throw .sizeMismatch(path: path, size: bytes.count,
                                expected: "34 + 12 × \(sequences) sequences + 8 × \(documents) document indices (counts at byte offsets 18 and 26)")
        }
        let s = Int(sequences)
        var lengths: [Int32] = []
        lengths.reserveCapacity(s)
        var pointer: Int64 = 0
        for index in 0..<s {
            let length = read(34 + 4 * index, as: Int32.self)
            guard length >= 0 else { throw .unexpected(path: path, offset: 34 + 4 * index, expected: "a sequence length ≥ 0", found: "\(length)") }
            let stored = read(34 + 4 * s + 8 * index, as: Int64.self)
            guard stored == pointer else {
                throw .unexpected(path: path, offset: 34 + 4 * s + 8 * index, expected: "sequence pointer \(pointer)", found: "\(stored)")
            }
            lengths.append(length)
            pointer += Int64(length) * Int64(width.byteCount)
        }
        var indices: [Int64] = []
        for index in 0..<Int(documents) {
            let offset = 34 + 12 * s + 8 * index
            let value = read(offset, as: Int64.self)
            let previous = indices.last ?? 0
            guard (index == 0 ? value == 0 : value >= previous), value <= Int64(s) else {
                throw .unexpected(path: path, offset: offset, expected: index == 0 ? "document index 0" : "a document index in \(previous)…\(s)",
                                 found: "\(value)")
            }
            indices.append(value)
        }
        return MegatronIndex(width: width, sequenceLengths: lengths, documentIndices: indices)
    }
}
