/// Random text for round-trip checks: every plane and every general category, the whitespace and
/// apostrophe cases the split patterns treat specially, special-token text, long runs, and (for lossy
/// mode) the ill-formed UTF-8 a real file can hold.
///
/// Each scalar comes from one of these pools, chosen with the weights below:
/// - ASCII (letters, digits, punctuation, space, tab, CR, LF, other controls);
/// - any scalar of a uniformly chosen plane 0–16 (so assigned, unassigned, private-use and
///   noncharacter code points of every plane all occur);
/// - a curated list covering each general category: Lu Ll Lt Lm Lo, Mn Mc Me, Nd Nl No, Pc Pd Ps Pe
///   Pi Pf Po, Sm Sc Sk So, Zs Zl Zp, Cc Cf Co Cn;
/// - every White_Space scalar and the look-alikes that are not (U+200B, U+FEFF, U+180E);
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
            case 45..<75: scalars.append(pick(categories, using: &generator))
            case 75..<85: scalars.append(pick(whitespace, using: &generator))
            case 85..<93: scalars.append(pick(emoji, using: &generator))
            case 93..<98: scalars += snippets[Int.random(in: 0..<snippets.count, using: &generator)].unicodeScalars
            default:
                let scalar = Bool.random(using: &generator) ? pick(ascii, using: &generator) : pick(categories, using: &generator)
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

    private static let categories = scalars([
        0x41, 0xC9, 0x391, 0x416, 0x1E9E,            // Lu
        0x61, 0xDF, 0x3C2, 0x436, 0x17F, 0x1D44E,    // Ll (ſ, a math italic)
        0x1C5, 0x1F88,                               // Lt
        0x2B0, 0x3005, 0x30FC, 0xFF9E,               // Lm
        0x5D0, 0x627, 0x905, 0xE01, 0x4E2D, 0x3042, 0x30A2, 0xAC00, 0x10D0, 0x1200, 0x20000, // Lo
        0x301, 0x308, 0x5B4, 0x64B, 0x94D, 0xE31, 0x3099, 0xFE0F, 0xE0100, // Mn
        0x93E, 0x9BE, 0xBCD,                         // Mc
        0x20DD, 0x20E3,                              // Me
        0x30, 0x39, 0x660, 0x6F5, 0x966, 0xE51, 0xFF11, 0x1D7CE, // Nd
        0x2160, 0x216B, 0x3007, 0x10140,             // Nl
        0xB2, 0xBD, 0x2153, 0x2460, 0x1F100,         // No
        0x5F, 0x203F,                                // Pc
        0x2D, 0x2013, 0x2014, 0x30A0,                // Pd
        0x28, 0x5B, 0x300C, 0xFF08,                  // Ps
        0x29, 0x5D, 0x300D, 0xFF09,                  // Pe
        0xAB, 0x2018, 0x201C,                        // Pi
        0xBB, 0x2019, 0x201D,                        // Pf
        0x21, 0x27, 0x2C, 0x2E, 0xBF, 0x3001, 0x3002, 0x589, 0x55E, 0x1362, 0x60C, // Po
        0x2B, 0x3D, 0x2211, 0x2212, 0x221E, 0x1D6C1, // Sm
        0x24, 0x20AC, 0xA5, 0x20B9,                  // Sc
        0x5E, 0x60, 0xA8, 0x2C2,                     // Sk
        0xA9, 0x2122, 0x2500, 0x1F600, 0x1F3F3,      // So
        0x20, 0xA0, 0x3000, 0x202F,                  // Zs
        0x2028,                                      // Zl
        0x2029,                                      // Zp
        0x00, 0x09, 0x1F, 0x7F, 0x85, 0x9F,          // Cc
        0xAD, 0x200B, 0x200C, 0x200D, 0x200E, 0x2060, 0xFEFF, 0xE0041, // Cf
        0xE000, 0xF8FF, 0xF0000, 0x10FFFD,           // Co
        0x378, 0xFDD0, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF, 0xE0080, // Cn
    ])

    private static let whitespace = scalars([
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
        0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x200B, 0xFEFF, 0x180E,
        0x20, 0x20, 0x0A, 0x0A,
    ])

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
