/// Standard base64 (RFC 4648, with padding), as tiktoken files use it.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            output.append(alphabet[Int((n >> 18) & 63)])
            output.append(alphabet[Int((n >> 12) & 63)])
            output.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
        return output
    }

    /// Decodes padded base64, or returns `nil` for anything else (bad characters, bad length, bad padding).
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard !text.isEmpty, text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var index = text.startIndex
        while index < text.endIndex {
            let isLast = index + 4 == text.endIndex
            var n: UInt32 = 0
            var padding = 0
            for k in 0..<4 {
                let character = text[index + k]
                if character == UInt8(ascii: "=") {
                    // Padding only at the end of the last group, in the last two places.
                    guard isLast, k >= 2 else { return nil }
                    padding += 1
                    n <<= 6
                    continue
                }
                guard padding == 0 else { return nil }
                let value = values[Int(character)]
                guard value != 0xFF else { return nil }
                n = n << 6 | UInt32(value)
            }
            output.append(UInt8(truncatingIfNeeded: n >> 16))
            if padding < 2 { output.append(UInt8(truncatingIfNeeded: n >> 8)) }
            if padding < 1 { output.append(UInt8(truncatingIfNeeded: n)) }
            index += 4
        }
        return output
    }
}
