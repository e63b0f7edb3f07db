import Synchronization

/// Values kept between calls so the next call starts warm, lent to one caller at a time.
///
/// Why: the warm parts of Tokkit's work — a merger's piece cache, a scratch buffer's mapped pages — pay off
/// only if the next call gets them back; a value made afresh for every call starts cold. The batch loop's
/// per-worker mergers and the C ABI's per-handle scratches are both such values.
///
/// Safe to share between threads: a value is moved out under the lock and used outside it, so two callers
/// never hold the same one; when none is idle (more callers at once than ever before) a fresh one is made.
/// What comes back is kept unless the pool already holds `limit` values or `keeps` refuses it (e.g. a
/// buffer that one huge call grew, which an idle pool would otherwise hold for its whole life).
package final class IdlePool<Value: Sendable>: Sendable {
    private let idle = Mutex<[Value]>([])
    private let make: @Sendable () -> Value
    private let limit: Int
    private let keeps: @Sendable (Value) -> Bool

    /// - Parameters:
    ///   - limit: the most values kept idle (the rest are freed when given back).
    ///   - keeps: whether a value given back is worth keeping.
    ///   - make: a fresh value, when none is idle.
    package init(limit: Int = .max, keeps: @escaping @Sendable (Value) -> Bool = { _ in true },
                 make: @escaping @Sendable () -> Value) {
        self.limit = limit
        self.keeps = keeps
        self.make = make
    }

    /// Runs `body` with a value no one else holds (an idle one, or a fresh one), then keeps it for the next
    /// caller, also when `body` throws (its state is then whatever `body` left: values here are caches and
    /// buffers that every user resets or overwrites before reading).
    package func lend<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        var value = idle.withLock { $0.popLast() } ?? make()
        defer {
            if keeps(value) {
                idle.withLock { if $0.count < limit { $0.append(value) } }
            }
        }
        return try body(&value)
    }

    /// How many values are idle now (for tests).
    package var idleCount: Int { idle.withLock { $0.count } }
}
