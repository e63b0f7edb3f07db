import CUTF8

/// UTF-8 checks at the edge: everything inside Tokkit works on bytes that are known to be valid.
public enum UTF8Validation {
    /// The offset of the first byte that does not start a well-formed UTF-8 sequence, or `nil` when
    /// all of `bytes` is valid. Overlong forms, surrogates (U+D800–U+DFFF) and values above U+10FFFF
    /// are invalid, as in the Unicode standard and Python's strict decoder.
    /// - Complexity: O(n): from `vectorMinimum` bytes on, 32 bytes at a time where the CPU has AVX2 (`tk_utf8_valid`),
    ///   and byte by byte, with an eight-bytes-at-a-time lane for ASCII, below that, without AVX2, or to find the
    ///   offset in text found invalid.
    package static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.count >= vectorMinimum && vectorCheck(bytes) == true { return nil }
        return firstInvalidOffsetByBytes(bytes)
    }

    /// Whether `bytes` is all valid UTF-8: `firstInvalidOffset(bytes) == nil`, without looking for the offset when
    /// the vector check refuses the bytes.
    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.count >= vectorMinimum, let valid = vectorCheck(bytes) { return valid }
        return firstInvalidOffsetByBytes(bytes) == nil
    }

    /// Below this many bytes the byte-by-byte check is as fast: a line of ASCII is a few eight-byte steps.
    static let vectorMinimum = 32

    /// Whether the AVX2 check says `bytes` is valid UTF-8: `nil` where the CPU has no AVX2. For the tests that
    /// hold it against Swift's decoder (`firstInvalidOffset` takes it only from `vectorMinimum` bytes on).
    package static func vectorCheck(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let base = bytes.baseAddress else { return true }
        let valid = tk_utf8_valid(base, bytes.count)
        return valid < 0 ? nil : valid == 1
    }

    /// `firstInvalidOffset` byte by byte.
    static func firstInvalidOffsetByBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            // Fewer than eight bytes left: when the last eight (some already passed) are ASCII, so is the
            // rest. A corpus line ends in such a tail, byte by byte before: a third of checking its lines.
            if i + 8 > n, n >= 8, raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                return nil
            }
            let lead = base[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            var length = 0
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            let second = base[i + 1]
            guard second >= low, second <= high else { return i }
            for k in 2..<length where base[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// Replaces every ill-formed sequence with U+FFFD, the way Python's `errors="replace"` and Swift's
    /// `String(decoding:as:)` do (one replacement per maximal ill-formed subpart).
    public static func repaired(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).utf8)
    }
}

extension UTF8Validation {
    /// The offset of the first invalid byte of `bytes`, or `nil` when it is all valid UTF-8.
    public static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstInvalidOffset($0) }
    }
}
