import CICU

/// Unicode properties beyond the split patterns' classes, as ICU sees them: what reports and word
/// counts need. Never hand-typed ranges, which drift from the Unicode version ICU carries.
public enum UnicodeProperties {
    /// Whether a terminal shows `scalar` in two cells (East_Asian_Width Wide or Fullwidth, or
    /// Emoji_Presentation).
    public static func isWide(_ scalar: Unicode.Scalar) -> Bool { tk_is_wide(scalar.value) != 0 }

    /// Whether `scalar` belongs to a script written without spaces between words: its Script is Han,
    /// Hiragana, Katakana, Thai, Lao, Khmer or Myanmar, or it is a shared sign (Script Common or
    /// Inherited) used only by those scripts (Script_Extensions), like the long-vowel mark `ー`. Signs
    /// shared with spaced scripts (`·`, `ʼ`, `。`, also used by Latin, Hangul or Yi) are not.
    public static func isUnspaced(_ scalar: Unicode.Scalar) -> Bool { tk_is_unspaced_script(scalar.value) != 0 }

    /// Whether `scalar` is Unicode White_Space (what `\s` matches in every named pattern).
    public static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        CodePointClasses.shared.classes(of: scalar.value) & CodePointClasses.whiteSpace != 0
    }
}
