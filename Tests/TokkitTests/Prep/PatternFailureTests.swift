import Testing
@testable import TokkitPrep

/// ICU stops a match that runs past its time limit. A stage that read that as "no match" would
/// leave an e-mail in place or let a banned word through; it is an error naming the pattern.
@Suite("ICU patterns: a match ICU gives up on is an error, never \"no match\"")
struct PatternFailureTests {
    @Test("a catastrophically backtracking pattern runs out of ICU's time limit and says so")
    func timeLimit() throws {
        let pattern = try ICUPattern("(a|aa)+b")
        #expect(try pattern.matches("xaaab") == [1..<5], "a text it can finish on still matches")
        #expect {
            _ = try pattern.matches(String(repeating: "a", count: 80))
        } throws: { error in
            guard case .matchingFailed(let source, let reason) = error as? PrepError else { return false }
            return source == "(a|aa)+b" && reason.contains("time limit")
        }
    }
}
