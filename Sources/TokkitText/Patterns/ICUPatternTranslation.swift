/// Rewrites a pattern written for tiktoken's regex engine (fancy-regex over Rust `regex`) into one
/// that ICU reads the same way.
///
/// Checked against ICU 72 on this project's machines (see `ICUSemanticsTests`):
/// - `\s` is Unicode White_Space in both (U+000B, U+0085, U+00A0, U+3000 are; U+200B is not): kept.
/// - `(?i:s)` matches U+017F in both: kept.
/// - Possessive quantifiers (`++`, `?+`, `{1,3}+`) mean the same in both: kept.
/// - `$` differs: without `(?m)`, Rust matches only at the end of the text, while ICU also matches
///   before a final line terminator (`a$` finds `a` in `"a\n"`). Rewritten to `\z`. The named
///   patterns only use `$` after `\s++`, which has already eaten any final line terminator, so
///   for them the rewrite changes nothing; it matters for custom patterns.
/// - `.` differs: Rust excludes only `\n`, ICU excludes every line terminator (`\r`, U+0085,
///   U+2028, U+2029). Rewritten to `[^\n]`.
/// Patterns that turn on multi-line or dot-all mode (`(?m`, `(?s`) are left as written: the
/// rewrite would be wrong there, and ICU's meaning is documented as what you get.
public enum ICUPatternTranslation {
    public static func translate(_ pattern: String) -> String {
        if pattern.contains("(?m") || pattern.contains("(?s") { return pattern }
        var output = ""
        var inClass = 0
        var escaped = false
        for character in pattern {
            if escaped {
                output.append(character)
                escaped = false
                continue
            }
            switch character {
            case "\\":
                escaped = true
                output.append(character)
            case "[":
                inClass += 1
                output.append(character)
            case "]" where inClass > 0:
                inClass -= 1
                output.append(character)
            case "$" where inClass == 0:
                output += #"\z"#
            case "." where inClass == 0:
                output += #"[^\n]"#
            default:
                output.append(character)
            }
        }
        return output
    }
}
