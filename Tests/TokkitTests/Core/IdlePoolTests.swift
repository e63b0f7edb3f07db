import Synchronization
import Testing
@testable import TokkitCore

@Suite("An idle pool lends each value to one caller at a time and keeps it warm")
struct IdlePoolTests {
    @Test("the next caller gets back the value the last one left, not a fresh one")
    func reuse() {
        let made = Atomic<Int>(0)
        let pool = IdlePool<[Int]> { made.add(1, ordering: .relaxed); return [] }
        pool.lend { $0.append(1) }
        let seen = pool.lend { value -> [Int] in value.append(2); return value }
        #expect(seen == [1, 2])
        #expect(made.load(ordering: .relaxed) == 1)
        #expect(pool.idleCount == 1)
    }

    @Test("a value is kept after its body throws")
    func keptAfterThrow() {
        struct Failure: Error {}
        let pool = IdlePool<[Int]> { [] }
        #expect(throws: Failure.self) { try pool.lend { (value: inout [Int]) throws(Failure) in value.append(7); throw Failure() } }
        #expect(pool.lend { $0 } == [7])
    }

    @Test("at most `limit` values are kept, and none that `keeps` refuses")
    func limits() {
        let pool = IdlePool<[Int]>(limit: 1, keeps: { $0.count < 3 }) { [] }
        // Two callers at once: the inner one gets a fresh value; only one of the two is kept.
        pool.lend { outer in
            outer.append(1)
            pool.lend { inner in inner.append(2) }
        }
        #expect(pool.idleCount == 1)
        // A value grown past what `keeps` allows is freed, not kept.
        pool.lend { $0 += [3, 4, 5] }
        #expect(pool.idleCount == 0)
        #expect(pool.lend { $0 } == [])
    }

    @Test("callers on many threads never hold the same value at once")
    func exclusive() {
        let holders = Mutex<Set<ObjectIdentifier>>([])
        let overlaps = Atomic<Int>(0)
        final class Token: Sendable {}
        let tokens = IdlePool<Token> { Token() }
        Parallelism.run(workers: 4) { _ in
            for _ in 0..<2_000 {
                tokens.lend { token in
                    let id = ObjectIdentifier(token)
                    if !holders.withLock({ $0.insert(id).inserted }) { overlaps.add(1, ordering: .relaxed) }
                    holders.withLock { _ = $0.remove(id) }
                }
            }
        }
        #expect(overlaps.load(ordering: .relaxed) == 0)
        #expect(tokens.idleCount >= 1)
    }
}
