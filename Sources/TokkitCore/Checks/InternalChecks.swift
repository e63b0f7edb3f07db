/// Whether this build checks the invariants of the merge engine and the tables as it runs.
///
/// `TOKKIT_INTERNAL_CHECKS=1 swift build` (or `swift test`) defines the compilation condition of the
/// same name (Package.swift reads the environment; no unsafe flags), as swift-collections does with
/// `COLLECTIONS_INTERNAL_CHECKS`. The checks recompute what the fast structures keep incrementally —
/// every pair count of the trainer after each merge, every rank of a vocabulary, every slot of a count
/// table — so documented complexities do not hold in such a build: it is for one CI step, never for
/// releases or benchmarks.
public enum InternalChecks {
    public static var isEnabled: Bool {
        #if TOKKIT_INTERNAL_CHECKS
        return true
        #else
        return false
        #endif
    }

    /// Stops the process with `violation` when there is one: an invariant broken means a bug in
    /// Tokkit, never bad input, so it is a `precondition`, not an error a caller handles.
    @inline(__always)
    static func require(_ violation: @autoclosure () -> String?, _ structure: StaticString) {
        #if TOKKIT_INTERNAL_CHECKS
        if let violation = violation() { preconditionFailure("\(structure) invariant broken: \(violation)") }
        #endif
    }
}
