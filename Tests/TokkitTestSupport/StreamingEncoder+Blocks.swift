import Tokkit

extension StreamingEncoder {
    /// Feeds `text` in blocks of `block` bytes, as a reader hands them over, and gathers every id.
    public func encodeInBlocks(_ text: [UInt8], block: Int) throws -> [TokenID] {
        var ids: [TokenID] = []
        var offset = 0
        while offset < text.count {
            let end = min(text.count, offset + block)
            ids += try text[offset..<end].withUnsafeBufferPointer { try feed($0) }
            offset = end
        }
        return ids + (try finish())
    }
}
