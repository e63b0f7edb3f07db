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
        output.reserveCapacity(ids.count * 4)
        try appendBytes(of: ids, to: &output)
        return output
    }

    /// Appends the bytes that `ids` stand for to `output`.
    public func appendBytes<IDs: Collection>(of ids: IDs, to output: inout [UInt8]) throws(DecodingError) where IDs.Element == TokenID {
        let count = table.count
        let first = firstRank
        try table.arena.withUnsafeBufferPointer { arena throws(DecodingError) in
            try table.offsets.withUnsafeBufferPointer { offsets throws(DecodingError) in
                for (position, id) in ids.enumerated() {
                    let index = Int(id &- first)
                    if id >= first, index < count {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: arena[Int(offsets[index])..<Int(offsets[index + 1])]))
                    } else if let special = specialTokens.first(where: { $0.id == id }) {
                        output.append(contentsOf: special.bytes)
                    } else {
                        throw .unknownID(id: id, position: position)
                    }
                }
            }
        }
    }

    /// The text that `ids` stand for. Token boundaries may cut UTF-8 sequences; any ill-formed
    /// sequence in the joined bytes becomes U+FFFD, as tiktoken's `decode(errors="replace")` does.
    public func decodeText<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> String where IDs.Element == TokenID {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }
}
