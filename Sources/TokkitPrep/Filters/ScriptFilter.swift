import CICU
import TokkitCorpus

/// Keeps a document written mostly in the scripts a corpus wants: the share of its letters whose
/// Unicode Script property (ICU's, through CICU) is one of `scripts` must be at least `minShare`.
///
/// A language filter that needs no model: it cannot tell French from English, but it does tell a
/// Russian, Chinese or Arabic page from a Latin-script corpus, which is what a tokenizer's
/// vocabulary budget cares about. Only letters (general category L*) count, so digits, punctuation
/// and markup in any amount do not move the share; letters whose Script is Common or Inherited
/// (a few signs shared by several scripts) belong to no script and are left out of both counts.
/// Japanese is three scripts (Han, Hiragana, Katakana): list all three.
public struct ScriptFilter: Sendable, Hashable {
    /// ICU script codes (UScriptCode) to keep.
    public var scripts: Set<Int32>
    public var minShare = 0.5
    /// Whether a document with no letters of any script passes (it is dropped with `no_letters` otherwise).
    public var keepWithoutLetters = false

    public static let reasons = ["script_share", "no_letters"]

    /// `names`: ISO 15924 codes or Unicode script names (`Latn`, `Latin`, `Cyrl`, `Hani`, `Arab`).
    public init(scripts names: [String], minShare: Double = 0.5) throws(PrepError) {
        var codes = Set<Int32>()
        for name in names {
            guard let code = Self.code(named: name) else {
                throw .invalidConfiguration("unknown script \(name.debugDescription): give an ISO 15924 code or a Unicode script name (Latn, Cyrl, Grek, Arab, Hebr, Hani, Hira, Kana, Hang, Deva, Thai, …)")
            }
            codes.insert(code)
        }
        guard !codes.isEmpty else { throw .invalidConfiguration("script: give at least one script to keep") }
        scripts = codes
        self.minShare = minShare
    }

    /// The ICU script code for an ISO 15924 code or script name, or `nil`.
    public static func code(named name: String) -> Int32? {
        let code = name.withCString { tk_script_code($0) }
        return code < 0 ? nil : code
    }

    /// The ISO 15924 code of an ICU script code (`Latn`).
    public static func name(of code: Int32) -> String {
        guard let name = tk_script_short_name(code) else { return "Zzzz" }
        return String(cString: name)
    }

    /// Letters per script in `text`, Common and Inherited left out.
    public static func letterCounts(_ text: String) -> [Int32: Int] {
        var counts: [Int32: Int] = [:]
        var latin = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                // ASCII letters are Latin; ICU says so for every one (checked in the tests), and this
                // path keeps mostly-ASCII text cheap.
                if (value | 0x20) >= 0x61, (value | 0x20) <= 0x7A { latin += 1 }
                continue
            }
            let script = value < 0x10000 ? Int32(bmpScripts[Int(value)]) : tk_letter_script(value)
            if script > 1 { counts[script, default: 0] += 1 }
        }
        if latin > 0 { counts[latinCode, default: 0] += latin }
        return counts
    }

    /// The script of each BMP code point that is a letter (−1 otherwise), read from ICU once.
    private static let bmpScripts: [Int16] = (0..<0x10000).map { Int16(tk_letter_script(UInt32($0))) }
    private static let latinCode = tk_letter_script(0x61)

    /// The dominant script (most letters; ties to the smaller code) and its share, the share of
    /// the kept scripts, and the letters counted.
    public func measure(_ text: String) -> (dominant: Int32?, dominantShare: Double, keptShare: Double, letters: Int) {
        let counts = Self.letterCounts(text)
        let letters = counts.values.reduce(0, +)
        guard letters > 0, let dominant = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) else {
            return (nil, 0, 0, 0)
        }
        let kept = counts.reduce(0) { $0 + (scripts.contains($1.key) ? $1.value : 0) }
        return (dominant.key, Double(dominant.value) / Double(letters), Double(kept) / Double(letters), letters)
    }

    public func evaluate(_ view: TextView, _ measured: inout Measurements) -> String? {
        let result = measure(view.text)
        measured.note("letters", result.letters)
        guard let dominant = result.dominant else { return keepWithoutLetters ? nil : "no_letters" }
        measured.append(("dominant_script", Self.name(of: dominant)))
        measured.note("dominant_share", result.dominantShare)
        measured.note("kept_scripts_share", result.keptShare)
        return result.keptShare >= minShare ? nil : "script_share"
    }
}
