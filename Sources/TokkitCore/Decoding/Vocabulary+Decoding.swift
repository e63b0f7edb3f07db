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
    /// - Complexity: O(number of ids + number of output bytes).
    public func decodeBytes<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> [UInt8] where IDs.Element == TokenID {
        let contiguous = ids.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecodingError) in try decodeBytes(of: buffer) }
        }
        if let contiguous { return try contiguous.get() }
        return try Array(ids).withUnsafeBufferPointer { buffer throws(DecodingError) in try decodeBytes(of: buffer) }
    }

    /// Appends the bytes that `ids` stand for to `output`.
    ///
    /// The bytes are decoded into a fresh array first (see `decodeBytes`), so appending to a
    /// non-empty `output` costs one more copy of them.
    public func appendBytes<IDs: Collection>(of ids: IDs, to output: inout [UInt8]) throws(DecodingError) where IDs.Element == TokenID {
        let bytes = try decodeBytes(ids)
        if output.isEmpty { output = bytes } else { output += bytes }
    }

    /// Two passes over the ids. The first sums their lengths (and finds any unknown id), so that the
    /// second writes into an array allocated once at its final size and never zero-filled; the
    /// second copies each token with one 16-byte load and store (see `DecodingTable`).
    private func decodeBytes(of ids: UnsafeBufferPointer<TokenID>) throws(DecodingError) -> [UInt8] {
        try decoding.withView(table, firstRank: firstRank) { view throws(DecodingError) in
            var total = 0
            var position = view.addLengths(of: ids, from: 0, to: &total)
            while position < ids.count {
                guard let special = specialBytes(of: ids[position]) else {
                    throw .unknownID(id: ids[position], position: position)
                }
                total += special.count
                position = view.addLengths(of: ids, from: position + 1, to: &total)
            }
            // 16 bytes of slack for the padding written after the last token.
            return Array(unsafeUninitializedCapacity: total + 16) { buffer, initialized in
                let output = UnsafeMutableRawPointer(buffer.baseAddress!)
                HugePages.advise(output, byteCount: total)
                var at = 0
                var position = view.write(ids, from: 0, to: output, at: &at)
                while position < ids.count {
                    // The first pass proved every id that is not mergeable to be special.
                    if let special = specialBytes(of: ids[position]) {
                        special.withUnsafeBytes { (output + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                        at += special.count
                    }
                    position = view.write(ids, from: position + 1, to: output, at: &at)
                }
                initialized = total
            }
        }
    }

    /// The bytes of the special token with this id; a linear search, as special tokens are few and
    /// rare in running text.
    private func specialBytes(of id: TokenID) -> [UInt8]? {
        specialTokens.first { $0.id == id }?.bytes
    }

    /// The text that `ids` stand for. Token boundaries may cut UTF-8 sequences; any ill-formed
    /// sequence in the joined bytes becomes U+FFFD, as tiktoken's `decode(errors="replace")` does.
    public func decodeText<IDs: Collection>(_ ids: IDs) throws(DecodingError) -> String where IDs.Element == TokenID {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }
}
