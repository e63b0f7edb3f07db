import Foundation
import Testing
import Tokkit

/// The internal-checks build is the one the environment asked for, so the CI step that sets
/// `TOKKIT_INTERNAL_CHECKS=1` cannot pass while running unchecked code.
@Suite("Internal checks")
struct InternalChecksTests {
    @Test("the invariant checks are compiled in exactly when TOKKIT_INTERNAL_CHECKS=1")
    func matchesEnvironment() {
        let asked = ProcessInfo.processInfo.environment["TOKKIT_INTERNAL_CHECKS"] == "1"
        #expect(InternalChecks.isEnabled == asked)
    }
}
