/// Why a list of ids cannot be turned back into bytes.
public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownID(id: TokenID, position: Int)

    public var description: String {
        switch self {
        case .unknownID(let id, let position):
            return "token id \(id) at position \(position) is not in the vocabulary"
        }
    }
}

extension Vocabulary {
    /// The bytes that `ids` stand for, special tokens included.
    ///
    /// - Throws: `DecodingError.unknownID` naming the first id the vocabulary lacks.
    /// - Complexity: O(number of output bytes).
    public func decodeBytes<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> [UInt8] where IDs.Element == TokenID {
        var output: [UInt8] = []
        try appendBytes(of: ids, to: &output)
        return output
    }

    /// Appends the bytes that `ids` stand for to `output`.
    ///
    /// Two passes over the ids: the first sums the lengths (and finds any unknown id), so the second
    /// writes into memory reserved once. Tokens are short, so each is copied with two 8-byte loads
    /// and stores, which may write past its end into space the next token overwrites, instead of a
    /// `memcpy` call per token.
    public func appendBytes<IDs: Collection>(of ids: IDs, to output: inout [UInt8]) throws(DecodingError) where IDs.Element == TokenID {
        let contiguous = ids.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecodingError) in try appendBytes(of: buffer, to: &output) }
        }
        if let contiguous { return try contiguous.get() }
        try Array(ids).withUnsafeBufferPointer { buffer throws(DecodingError) in try appendBytes(of: buffer, to: &output) }
    }

    private func appendBytes(of ids: UnsafeBufferPointer<TokenID>, to output: inout [UInt8]) throws(DecodingError) {
        let count = UInt32(table.count)
        let first = firstRank
        try table.withView { view throws(DecodingError) in
            let offsets = view.offsets
            var total = 0
            for (position, id) in ids.enumerated() {
                let index = id &- first
                if id >= first, index < count {
                    total &+= Int(offsets[Int(index) &+ 1] &- offsets[Int(index)])
                } else if let special = specialTokens.first(where: { $0.id == id }) {
                    total &+= special.bytes.count
                } else {
                    throw .unknownID(id: id, position: position)
                }
            }
            let arenaCount = Int(offsets[Int(count)])
            let start = output.count
            // 16 bytes of slack for the last over-wide copy; trimmed below.
            output.append(contentsOf: repeatElement(0, count: total + 16))
            output.withUnsafeMutableBufferPointer { buffer in
                let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
                let arena = UnsafeRawPointer(view.arena)
                var at = start
                for id in ids {
                    let index = id &- first
                    if id >= first, index < count {
                        let from = Int(offsets[Int(index)])
                        let length = Int(offsets[Int(index) &+ 1]) &- from
                        if length <= 16 && from &+ 16 <= arenaCount {
                            raw.storeBytes(of: arena.loadUnaligned(fromByteOffset: from, as: UInt64.self), toByteOffset: at, as: UInt64.self)
                            raw.storeBytes(of: arena.loadUnaligned(fromByteOffset: from &+ 8, as: UInt64.self), toByteOffset: at &+ 8, as: UInt64.self)
                        } else {
                            (raw + at).copyMemory(from: arena + from, byteCount: length)
                        }
                        at &+= length
                    } else if let special = specialTokens.first(where: { $0.id == id }) {
                        special.bytes.withUnsafeBytes { (raw + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                        at &+= special.bytes.count
                    }
                }
            }
            output.removeLast(16)
        }
    }

    /// The text that `ids` stand for. Token boundaries may cut UTF-8 sequences; any ill-formed
    /// sequence in the joined bytes becomes U+FFFD, as tiktoken's `decode(errors="replace")` does.
    public func decodeText<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> String where IDs.Element == TokenID {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }
}
