import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The one place where Tokkit hands memory to worker threads that the compiler cannot prove safe.
// Every `@unchecked Sendable` of the package is in this file, each with the argument that makes it
// sound; the rest of the code shares work through these types only.

/// How much parallel work the machine can take.
public enum Parallelism {
    /// The number of online processors (at least 1).
    public static var processorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body(worker)` for `workers` workers on the system's threads and returns when all are
    /// done (every write a worker made is then visible to the caller).
    @inline(__always)
    package static func run(workers: Int, _ body: @Sendable (Int) -> Void) {
        if workers <= 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
        }
    }

    /// As ``run(workers:_:)``, but the calling thread first runs `meanwhile` (reading and writing, say)
    /// while workers `0 ..< workers - 1` start on other threads, and only then becomes the last worker.
    ///
    /// Why: a pipeline that read and wrote on its own thread beside `workers` busy workers kept one
    /// thread more runnable than there are cores: on two cores `tokkit encode --docs lines` preempted
    /// an encoding worker every few milliseconds for the reading. Here at most `workers` threads run,
    /// and work that claims its parts from a shared counter loses nothing to the caller's late start.
    package static func run(workers: Int, meanwhile: () -> Void, _ body: @Sendable (Int) -> Void) {
        guard workers > 1 else {
            meanwhile()
            body(0)
            return
        }
        // The closure escapes only into tasks that `group.wait()` outlives.
        withoutActuallyEscaping(body) { body in
            let group = DispatchGroup()
            for worker in 0..<workers - 1 {
                DispatchQueue.global().async(group: group) { body(worker) }
            }
            meanwhile()
            body(workers - 1)
            group.wait()
        }
    }
}

/// One slot per document (or per worker), written by exactly one worker each.
///
/// `@unchecked Sendable`: each index is handed to exactly one worker (by an atomic counter or by
/// the worker's own iteration number) and written through a raw buffer (no shared Swift array, so
/// no exclusivity conflict); the slots are read only after `Parallelism.run` returns, which
/// orders every write before the read.
package final class BatchSlots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value?>

    package init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    package func set(_ index: Int, _ value: Value) { storage[index] = value }

    /// Moves the value out of a slot, leaving it empty (no copy of a large result).
    package func take(_ index: Int) -> Value? {
        defer { storage[index] = nil }
        return storage[index]
    }
}

/// A buffer handed to the workers of one `Parallelism.run`.
///
/// `@unchecked Sendable`: the caller keeps the memory alive, and does not touch it, until
/// `Parallelism.run` returns; the workers only read it, or each writes ranges no other touches.
package struct UncheckedSendableBuffer<Buffer>: @unchecked Sendable {
    package let buffer: Buffer
    package init(_ buffer: Buffer) { self.buffer = buffer }
}

/// A value one thread at a time uses, handed between threads by a lock its owner holds.
///
/// `@unchecked Sendable`: the owner never lets two threads hold the same value at once (a pool
/// behind a mutex lends each to one caller), so the value itself needs no synchronisation. For
/// handles of C libraries that are not thread-safe, such as an ICU regex.
package final class Exclusive<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}

/// Work started now on a thread of its own, whose result a caller collects later (waiting if need be).
///
/// A thread of its own rather than Dispatch's pool: a work item there that runs for milliseconds makes
/// the pool start more threads (on the worker's own time) as soon as the caller queues anything else.
///
/// `@unchecked Sendable`: `result` is written once, by the work's thread, before it signals `done`, and
/// read only after `done.wait()` returns, which orders that write before every read.
package final class BackgroundTask<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Value?
    private let work: @Sendable () -> Value

    /// Starts `work`; when no thread can be started, runs it here and now.
    package init(_ work: @escaping @Sendable () -> Value) {
        self.work = work
        if !DetachedThread.start({ self.run() }) { run() }
    }

    private func run() {
        result = work()
        done.signal()
    }

    /// The work's result, once it is done.
    package func value() -> Value {
        done.wait()
        done.signal()  // a later call returns at once
        guard let result else { preconditionFailure("a BackgroundTask signalled before storing a result") }
        return result
    }
}

/// A thread started with a closure and left to end on its own (`pthread_create`, detached).
private enum DetachedThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread; `false` when none could be started.
    static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context) == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}
