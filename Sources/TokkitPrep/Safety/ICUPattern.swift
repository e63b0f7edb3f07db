import TokkitText

/// A compiled ICU regular expression that finds all non-overlapping matches in a string, as
/// Python's `re.sub` visits them. Any thread may match with it (an `ICURegexPool` lends each caller
/// its own clone), so the parallel filters share one.
///
/// ICU is a backtracking engine like Python's `re`, with the same leftmost-first alternation, so
/// datatrove's PII patterns mean the same thing; one difference is `\b`, whose word characters
/// are Unicode Alphabetic+Mark+Nd in ICU and `str.isalnum()` in Python (they differ only next to
/// combining marks and non-decimal numbers such as `²`).
struct ICUPattern: Sendable {
    private let regex: ICURegexPool

    struct CompileError: Error, CustomStringConvertible {
        var pattern: String
        var name: String
        var description: String { "cannot compile the pattern \(pattern): \(name)" }
    }

    init(_ pattern: String) throws(CompileError) {
        do {
            regex = try ICURegexPool(icuPattern: pattern)
        } catch {
            guard case .invalidPattern(let reason, _, _) = error else { throw CompileError(pattern: pattern, name: "\(error)") }
            throw CompileError(pattern: pattern, name: reason)
        }
    }

    /// Byte ranges of every match in `text`'s UTF-8 (none when ICU gives up on the text, as before
    /// this type was shared: a filter then sees no match).
    func matches(_ text: String) -> [Range<Int>] {
        var text = text
        return text.withUTF8 { bytes in
            (try? regex.withMatches(in: bytes) { count, ranges in
                guard let ranges else { return [Range<Int>]() }
                return (0..<count).map { Int(ranges[2 * $0])..<Int(ranges[2 * $0 + 1]) }
            }) ?? []
        }
    }
}
