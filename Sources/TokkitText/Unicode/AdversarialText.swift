import CICU

/// The one random Unicode generator of the package (tests, the scanner proof in the bench, and the
/// round-trip harness's `RandomText` draw from it). Random strings built to break a pre-splitter: every general category (unassigned code points and
/// all planes included), every White_Space code point, and the characters the named patterns treat
/// specially, often repeated into runs.
///
/// The pools come from ICU at start-up, like the scanners' own tables, so the alphabet follows the
/// Unicode version the reference engine has. Example output: `"\u{2029}'ſ\r\n\r 𝟘𝟙9\u{301} ǅ\u{E0001}"`.
public struct AdversarialText: Sendable {
    /// Code points by ICU general category (30 pools; surrogates are left out: UTF-8 cannot hold them).
    private let categories: [[UInt32]]
    /// Every code point with the White_Space property.
    public let whiteSpace: [UInt32]
    /// Characters that sit on the edges of the named patterns' rules.
    public static let awkward: [UInt32] = Array("'\u{2019}\u{17F}sStTdDmMlLvVrReE\r\n /\t\u{B}\u{C}\u{1C}\u{1F}\u{85}\u{A0}".unicodeScalars.map(\.value))
        + [0x200D, 0x200B, 0xFEFF, 0x180E, 0x0301, 0x0308, 0x20DD, 0x00DF, 0x1E9E, 0x212A, 0x212B, 0x0130, 0x0131,
           0xFB00, 0xFB05, 0xFB06, 0x01C5, 0x02B0, 0x00AA, 0x1F3FD, 0x1F468, 0x2764, 0xFE0F, 0x00B2, 0x00BD, 0x216B,
           0x0660, 0x1D7D8, 0x3007, 0x4E00, 0x0E01, 0x0E31, 0x094D, 0x0915, 0x10FFFF, 0xE000, 0xFFFD, 0x0000, 0x007F]
    /// Short sequences that the rules treat as units or boundaries, inserted whole.
    public static let motifs: [[UInt32]] = [
        [0x0D, 0x0A], [0x20, 0x0301], [0x20, 0x20, 0x0A], [0x0A, 0x20, 0x20], [0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467],
        [0x27, 0x73], [0x27, 0x4C, 0x4C], [0x27, 0x17F], [0x27, 0x52, 0x45], [0x20, 0x27, 0x76, 0x65], [0x2F, 0x0A, 0x2F],
        [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37], [0x20, 0x31], [0x3000, 0x41], [0x41, 0x42, 0x63, 0x64], [0x0301, 0x5A],
    ]

    /// Built once per process (reading every code point from ICU takes a moment in debug builds).
    public static let shared = AdversarialText()

    /// A code point of a uniformly chosen general category (so rare categories occur as often as letters).
    public func codePointOfRandomCategory(using random: inout some RandomNumberGenerator) -> UInt32 {
        let pool = categories[Int.random(in: 0..<categories.count, using: &random)]
        return pool.randomElement(using: &random) ?? 0x41
    }

    /// Reads the category of every code point from ICU once.
    /// - Complexity: O(0x110000).
    public init() {
        var categories = [[UInt32]](repeating: [], count: 32)
        var whiteSpace: [UInt32] = []
        var category = [UInt8](repeating: 0, count: 0x10000)
        var classes = [UInt32](repeating: 0, count: 0x10000)
        for plane in 0..<17 {
            let first = UInt32(plane) << 16
            category.withUnsafeMutableBufferPointer { tk_general_categories_range(first, 0x10000, $0.baseAddress) }
            classes.withUnsafeMutableBufferPointer { tk_codepoint_classes_range(first, 0x10000, $0.baseAddress) }
            for k in 0..<0x10000 {
                let codePoint = first + UInt32(k)
                if (0xD800...0xDFFF).contains(codePoint) { continue }
                categories[Int(category[k]) & 31].append(codePoint)
                if classes[k] & UInt32(TK_CLASS_WHITE_SPACE) != 0 { whiteSpace.append(codePoint) }
            }
        }
        self.categories = categories.filter { !$0.isEmpty }
        self.whiteSpace = whiteSpace
    }

    /// A random string of up to `maxLength` code points (motifs may add a few more).
    public func string(maxLength: Int, using random: inout some RandomNumberGenerator) -> [UInt8] {
        var scalars = String.UnicodeScalarView()
        let length = Int.random(in: 0...maxLength, using: &random)
        var produced = 0
        while produced < length {
            var codePoints: [UInt32]
            switch Int.random(in: 0..<20, using: &random) {
            case 0..<5: codePoints = [Self.awkward.randomElement(using: &random) ?? 0x27]
            case 5..<8: codePoints = [whiteSpace.randomElement(using: &random) ?? 0x20]
            case 8..<11: codePoints = [UInt32.random(in: 0x20..<0x7F, using: &random)]
            case 11..<16:
                codePoints = [codePointOfRandomCategory(using: &random)]
            case 16: codePoints = [UInt32.random(in: 0...0x10FFFF, using: &random)]
            case 17: codePoints = Self.motifs.randomElement(using: &random) ?? []
            default:
                // A run of one character: whitespace runs, digit runs, letter runs, mark runs.
                let source = Bool.random(using: &random) ? Self.awkward : whiteSpace
                let unit: UInt32 = source.randomElement(using: &random) ?? 0x20
                codePoints = Array(repeating: unit, count: Int.random(in: 2...6, using: &random))
            }
            for value in codePoints {
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            produced += codePoints.count
        }
        return Array(String(scalars).utf8)
    }
}
