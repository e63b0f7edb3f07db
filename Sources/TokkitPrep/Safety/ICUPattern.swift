import CICU

/// A compiled ICU regular expression that finds all non-overlapping matches in a string, as
/// Python's `re.sub` visits them. Not thread-safe: one per stage instance, used sequentially.
///
/// ICU is a backtracking engine like Python's `re`, with the same leftmost-first alternation, so
/// datatrove's PII patterns mean the same thing; one difference is `\b`, whose word characters
/// are Unicode Alphabetic+Mark+Nd in ICU and `str.isalnum()` in Python (they differ only next to
/// combining marks and non-decimal numbers such as `²`).
final class ICUPattern: @unchecked Sendable {
    // @unchecked: the handle is used only by the stage that owns it, which runs sequentially.
    private let handle: OpaquePointer

    struct CompileError: Error, CustomStringConvertible {
        var pattern: String
        var name: String
        var description: String { "cannot compile the pattern \(pattern): \(name)" }
    }

    init(_ pattern: String) throws(CompileError) {
        var error = TKICUError()
        let bytes = Array(pattern.utf8)
        guard let handle = bytes.withUnsafeBufferPointer({ tk_regex_open($0.baseAddress, Int64($0.count), 0, &error) }) else {
            let name = withUnsafeBytes(of: error.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw CompileError(pattern: pattern, name: name)
        }
        self.handle = handle
    }

    deinit { tk_regex_close(handle) }

    /// Byte ranges of every match in `text`'s UTF-8.
    func matches(_ text: String) -> [Range<Int>] {
        var text = text
        return text.withUTF8 { bytes in
            var ranges: UnsafePointer<Int64>?
            var error = TKICUError()
            let count = tk_regex_matches(handle, bytes.baseAddress, Int64(bytes.count), &ranges, &error)
            guard count > 0, let ranges else { return [] }
            return (0..<Int(count)).map { Int(ranges[2 * $0])..<Int(ranges[2 * $0 + 1]) }
        }
    }
}
