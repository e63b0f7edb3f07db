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
    /// The pattern as compiled, for error messages.
    let source: String

    struct CompileError: Error, CustomStringConvertible {
        var pattern: String
        var name: String
        var description: String { "cannot compile the pattern \(pattern): \(name)" }
    }

    init(_ pattern: String) throws(CompileError) {
        source = pattern
        do {
            regex = try ICURegexPool(icuPattern: pattern)
        } catch {
            guard case .invalidPattern(let reason, _, _) = error else { throw CompileError(pattern: pattern, name: "\(error)") }
            throw CompileError(pattern: pattern, name: reason)
        }
    }

    /// Byte ranges of every match in `text`'s UTF-8.
    ///
    /// - Throws: `PrepError.matchingFailed` when ICU gives up on the text: its time limit (a text on
    ///   which this pattern backtracks catastrophically) or memory. "No match" would be a lie there:
    ///   an e-mail left in place, a banned word let through; the stage reports it and the run stops
    ///   at the document.
    func matches(_ text: String) throws(PrepError) -> [Range<Int>] {
        var text = text
        let found: Result<[Range<Int>], ICURegexPool.Failure> = text.withUTF8 { bytes in
            do {
                return .success(try regex.withMatches(in: bytes) { count, ranges in
                    guard let ranges else { return [Range<Int>]() }
                    return (0..<count).map { Int(ranges[2 * $0])..<Int(ranges[2 * $0 + 1]) }
                })
            } catch let failure as ICURegexPool.Failure {
                return .failure(failure)
            } catch {
                return .failure(.matchingFailed(reason: "\(error)"))
            }
        }
        switch found {
        case .success(let ranges):
            return ranges
        case .failure(.tooSlow(let offset)):
            throw .matchingFailed(pattern: source, reason: "ICU's time limit ran out at byte \(offset) of the text (the pattern backtracks too much on it)")
        case .failure(.matchingFailed(let reason)), .failure(.invalidPattern(let reason, _, _)):
            throw .matchingFailed(pattern: source, reason: reason)
        }
    }
}
