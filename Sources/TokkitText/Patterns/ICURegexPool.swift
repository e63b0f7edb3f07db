import CICU
import Synchronization
import TokkitCore

/// A compiled ICU regular expression that any thread may match with.
///
/// A compiled ICU regex is not thread-safe (it holds the text being matched and Tokkit's UTF-16
/// buffers), so the pool keeps a prototype that never matches and lends clones of it, one caller at
/// a time: a clone is made, under the pool's mutex, only when every earlier one is lent out, so a
/// pool holds as many clones as threads ever matched at once. Shared by the regex pre-tokenizer
/// and the preprocessing stages' patterns (PII, banned words).
package final class ICURegexPool: Sendable {
    private let prototype: Exclusive<ICURegex>
    private let pool = Mutex<[Exclusive<ICURegex>]>([])

    /// Why compiling or matching failed.
    package enum Failure: Error, Sendable {
        /// ICU refused the pattern: its reason, and where (1-based line, column).
        case invalidPattern(reason: String, line: Int, column: Int)
        /// Matching ran past ICU's time limit, at this byte offset of the text.
        case tooSlow(offset: Int)
        case matchingFailed(reason: String)
    }

    /// Compiles `pattern`, in ICU's syntax, as it is.
    package init(icuPattern pattern: String) throws(Failure) {
        var error = TKICUError()
        let bytes = Array(pattern.utf8)
        guard let handle = bytes.withUnsafeBufferPointer({ tk_regex_open($0.baseAddress, Int64($0.count), 0, &error) }) else {
            throw .invalidPattern(reason: error.reason, line: Int(error.line), column: Int(error.offset))
        }
        prototype = Exclusive(ICURegex(handle))
    }

    /// Calls `body` with the matches of the pattern in `text`: `count` pairs of byte offsets,
    /// start then end, valid only during the call.
    package func withMatches<Result>(in text: UnsafeBufferPointer<UInt8>,
                                     _ body: (_ count: Int, _ ranges: UnsafePointer<Int64>?) throws -> Result) throws -> Result {
        let regex = try borrow()
        defer { pool.withLock { $0.append(regex) } }
        var error = TKICUError()
        var ranges: UnsafePointer<Int64>?
        let count = tk_regex_matches(regex.value.handle, text.baseAddress, Int64(text.count), &ranges, &error)
        guard count >= 0 else {
            if error.timedOut != 0 { throw Failure.tooSlow(offset: Int(error.textOffset)) }
            throw Failure.matchingFailed(reason: error.reason)
        }
        return try body(Int(count), ranges)
    }

    private func borrow() throws(Failure) -> Exclusive<ICURegex> {
        let prototype = self.prototype
        let borrowed: Swift.Result<Exclusive<ICURegex>, Failure> = pool.withLock { pool in
            if let pooled = pool.popLast() { return .success(pooled) }
            // Cloning under the lock: the prototype is then touched by one thread at a time.
            var error = TKICUError()
            guard let handle = tk_regex_clone(prototype.value.handle, &error) else {
                return .failure(.matchingFailed(reason: error.reason))
            }
            return .success(Exclusive(ICURegex(handle)))
        }
        return try borrowed.get()
    }
}

/// Owns one ICU regex handle; closes it when dropped.
///
/// Not `Sendable` itself: a handle is used by one thread at a time, so `ICURegexPool` keeps each
/// one as an `Exclusive` value, lends it from its mutex-guarded pool, and clones its prototype
/// (never used for matching) only while holding that mutex.
final class ICURegex {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { tk_regex_close(handle) }
}

extension TKICUError {
    var reason: String {
        withUnsafeBytes(of: name) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
