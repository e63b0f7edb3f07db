/// A growable, manually managed buffer of trivial values, owned by exactly one training run.
///
/// The trainer's hot loops index several tables per symbol. Swift arrays would pay a uniqueness
/// check and a bounds check on every write and cannot be held open across appends; this handle is
/// `~Copyable`, so there is never a second owner to copy for, and its accessors compile to plain
/// loads and stores. Indices are checked only in debug builds (`assert`): every index comes from the
/// trainer's own bookkeeping, never from input.
struct RawBuffer<Element: BitwiseCopyable>: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count: Int
    private(set) var capacity: Int

    /// An empty buffer with room for `capacity` elements.
    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        count = 0
    }

    /// A buffer of `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        capacity = Swift.max(count, 16)
        base = .allocate(capacity: capacity)
        base.initialize(repeating: value, count: count)
        self.count = count
    }

    deinit { base.deallocate() }

    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            assert(index >= 0 && index < count, "RawBuffer index out of range")
            return base[index]
        }
        nonmutating set {
            assert(index >= 0 && index < count, "RawBuffer index out of range")
            base[index] = newValue
        }
    }

    /// Appends one element, doubling the storage when full.
    ///
    /// - Complexity: amortized O(1).
    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { reserve(capacity &* 2) }
        base[count] = value
        count &+= 1
    }

    /// Appends `extra` copies of `value` and returns the index of the first.
    mutating func extend(by extra: Int, with value: Element) -> Int {
        let start = count
        if count + extra > capacity { reserve(Swift.max(capacity &* 2, count + extra)) }
        (base + count).initialize(repeating: value, count: extra)
        count += extra
        return start
    }

    /// Removes the last element and returns it; the buffer must not be empty.
    @inline(__always)
    mutating func removeLast() -> Element {
        assert(count > 0, "removeLast on an empty RawBuffer")
        count &-= 1
        return base[count]
    }

    /// Forgets every element but keeps the storage.
    mutating func removeAll() { count = 0 }

    /// Shrinks or keeps the logical size; `newCount` must not exceed `count`.
    mutating func truncate(to newCount: Int) {
        assert(newCount <= count)
        count = newCount
    }

    /// Makes room for at least `minimumCapacity` elements.
    mutating func reserve(_ minimumCapacity: Int) {
        guard minimumCapacity > capacity else { return }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: minimumCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = minimumCapacity
    }

    /// Replaces the contents with `count` copies of `value` (used when a table is rebuilt).
    mutating func reset(repeating value: Element, count newCount: Int) {
        if newCount > capacity {
            base.deallocate()
            base = .allocate(capacity: newCount)
            capacity = newCount
        }
        base.initialize(repeating: value, count: newCount)
        count = newCount
    }

    /// Copies the elements into an array (only at the edge of the trainer).
    func toArray() -> [Element] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }
}
