/// GPT-2's reversible map from the 256 byte values to printable Unicode scalars.
///
/// Byte-level BPE files written for Hugging Face `tokenizers` and GPT-2 (`encoder.json`, `vocab.bpe`,
/// `tokenizer.json`) cannot hold raw bytes, so every byte is stored as one printable character:
/// bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves, and the other 68 bytes map in increasing
/// order to U+0100, U+0101, … (space becomes `Ġ` U+0120, `\n` becomes `Ċ` U+010A).
///
/// The same order decides ties in Hugging Face's `BpeTrainer`: its initial alphabet is sorted by the
/// code point of these characters, so byte `!` has id 0 and space has id 220.
public enum ByteLevelAlphabet {
    /// The scalar that stands for each byte, indexed by byte value.
    public static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // Every value in 256..<324 is a valid scalar, so this never fails.
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The 256 byte values in the order of their stand-in scalars' code points (GPT-2's `encoder.json` order).
    ///
    /// `gpt2Order[0] == UInt8(ascii: "!")`, `gpt2Order[220] == UInt8(ascii: " ")`.
    public static let gpt2Order: [UInt8] = (0..<256).map { UInt8($0) }.sorted {
        scalarForByte[Int($0)].value < scalarForByte[Int($1)].value
    }

    /// The byte that a stand-in scalar represents, or `nil` when the scalar is not one of the 256.
    @inline(__always)
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256, standsForItself(UInt8(value)) { return UInt8(value) }
        guard value >= 256, value < 256 + 68 else { return nil }
        return remappedBytes[Int(value - 256)]
    }

    /// Encodes raw bytes as the byte-level string used by GPT-2 and Hugging Face files.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarForByte[Int(byte)]) }
        return String(scalars)
    }

    /// Decodes a byte-level string back to bytes, or `nil` when it holds a scalar outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    @inline(__always)
    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The 68 bytes that do not stand for themselves, in increasing order (U+0100 + index).
    private static let remappedBytes: [UInt8] = (0..<256).map { UInt8($0) }.filter { !standsForItself($0) }
}
