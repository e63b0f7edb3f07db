import TokkitText

/// Random text for round-trip checks: every plane and every general category, the whitespace and
/// apostrophe cases the split patterns treat specially, special-token text, long runs, and (for lossy
/// mode) the ill-formed UTF-8 a real file can hold.
///
/// Each scalar comes from one of these pools, chosen with the weights below:
/// - ASCII (letters, digits, punctuation, space, tab, CR, LF, other controls);
/// - any scalar of a uniformly chosen plane 0–16 (so assigned, unassigned, private-use and
///   noncharacter code points of every plane all occur);
/// - a scalar of a uniformly chosen general category (all 29 that hold scalars, read from ICU by
///   `AdversarialText`, the package's one random Unicode generator);
/// - every White_Space scalar (from ICU) and the look-alikes that are not (U+200B, U+FEFF, U+180E);
/// - emoji pieces: ZWJ, variation selectors, skin tones, regional indicators, tags;
/// and, instead of a scalar, sometimes a contraction (`'s`, `'LL`, `'ſ`), a special-token string,
/// or a run of 20–600 copies of one scalar (long pieces take the encoder's heap path).
public enum RandomText {
    /// A random string of up to `maxLength` elements (scalars, snippets or runs).
    public static func scalars<Generator: RandomNumberGenerator>(maxLength: Int, using generator: inout Generator) -> [Unicode.Scalar] {
        let length = Int.random(in: 0...max(0, maxLength), using: &generator)
        var scalars: [Unicode.Scalar] = []
        for _ in 0..<length {
            let roll = Int.random(in: 0..<100, using: &generator)
            switch roll {
            case 0..<30: scalars.append(pick(ascii, using: &generator))
            case 30..<45: scalars.append(anyScalar(using: &generator))
            case 45..<75: scalars.append(categoryScalar(using: &generator))
            case 75..<85: scalars.append(pick(whitespace, using: &generator))
            case 85..<93: scalars.append(pick(emoji, using: &generator))
            case 93..<98: scalars += snippets[Int.random(in: 0..<snippets.count, using: &generator)].unicodeScalars
            default:
                let scalar = Bool.random(using: &generator) ? pick(ascii, using: &generator) : categoryScalar(using: &generator)
                scalars += repeatElement(scalar, count: Int.random(in: 20...600, using: &generator))
            }
        }
        return scalars
    }

    /// Random bytes for lossy mode: the UTF-8 of `scalars(maxLength:using:)` with ill-formed
    /// sequences mixed in (stray continuation bytes, truncated sequences, overlong forms, encoded
    /// surrogates, values above U+10FFFF, bytes that never occur in UTF-8).
    public static func bytes<Generator: RandomNumberGenerator>(maxLength: Int, using generator: inout Generator) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in scalars(maxLength: maxLength, using: &generator) {
            if Int.random(in: 0..<6, using: &generator) == 0 {
                bytes += illFormed[Int.random(in: 0..<illFormed.count, using: &generator)]
            }
            bytes += Array(String(scalar).utf8)
        }
        if Int.random(in: 0..<3, using: &generator) == 0 {
            bytes += illFormed[Int.random(in: 0..<illFormed.count, using: &generator)]
        }
        return bytes
    }

    /// The UTF-8 of `scalars`.
    public static func utf8(_ scalars: [Unicode.Scalar]) -> [UInt8] {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return Array(String(text).utf8)
    }

    private static func pick<Generator: RandomNumberGenerator>(_ pool: [Unicode.Scalar], using generator: inout Generator) -> Unicode.Scalar {
        pool[Int.random(in: 0..<pool.count, using: &generator)]
    }

    /// A uniformly chosen plane, then a uniformly chosen scalar in it (surrogates skipped).
    private static func anyScalar<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Unicode.Scalar {
        while true {
            let plane = UInt32.random(in: 0...16, using: &generator)
            if let scalar = Unicode.Scalar(plane << 16 | UInt32.random(in: 0...0xFFFF, using: &generator)) { return scalar }
        }
    }

    private static func scalars(_ values: [UInt32]) -> [Unicode.Scalar] { values.compactMap(Unicode.Scalar.init) }

    private static let ascii = scalars(Array(0x20...0x7E) + Array(0x20...0x7E) + [0x09, 0x0A, 0x0D, 0x0A, 0x00, 0x0B, 0x0C, 0x1B, 0x7F])

    /// General categories and White_Space come from ICU (`AdversarialText`), never from a hand-typed list.
    private static let alphabet = AdversarialText.shared

    /// A scalar of a uniformly chosen general category (surrogates never come: UTF-8 cannot hold them).
    private static func categoryScalar<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Unicode.Scalar {
        Unicode.Scalar(alphabet.codePointOfRandomCategory(using: &generator)) ?? "A"
    }

    /// Every White_Space scalar, and the look-alikes that are not (U+200B, U+FEFF, U+180E).
    private static let whitespace = scalars(alphabet.whiteSpace + [0x200B, 0xFEFF, 0x180E, 0x20, 0x20, 0x0A, 0x0A])

    private static let emoji = scalars([
        0x1F468, 0x1F469, 0x1F467, 0x200D, 0xFE0F, 0xFE0E, 0x1F3FB, 0x1F3FF, 0x1F1FA, 0x1F1F8, 0x1F3F4, 0xE0067,
        0xE007F, 0x2764, 0x1F525, 0x1F9D1, 0x20E3, 0x23,
    ])

    private static let snippets = [
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'ſ", "’s", "<|endoftext|>", "<|fim_prefix|>",
        "<|endofprompt|>", "<|endoftext", "\r\n", " \n ", "1234567", "...", "://", "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
    ]

    private static let illFormed: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0x81], [0xC3], [0xE6, 0x97], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
        [0xED, 0xBF, 0xBF], [0xF0, 0x9F, 0x98], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF],
    ]
}
