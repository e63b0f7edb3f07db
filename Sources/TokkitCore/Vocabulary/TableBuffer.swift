/// A read-only table of plain values: an array built in this process, or a stretch of a read-only
/// file mapping (`ReadOnlyRegion`) used in place.
///
/// Why: a vocabulary taken from the rank-table cache used to copy its tables out of the mapping into
/// fresh memory, and fresh memory is what a new process pays most for: o200k's 19 MB of tables cost
/// a third of `tokkit encode` of an empty file (perf: the copy, the kernel zeroing the new pages,
/// and unmapping them at exit). Mapped in place, the tables are the page cache's pages, shared by
/// every process that loads the same vocabulary. Every table but the 256 byte ranks and the gaps
/// takes this form; the hot loops see a buffer pointer either way.
struct TableBuffer<Element: BitwiseCopyable & Sendable>: Sendable, RandomAccessCollection {
    private let array: [Element]
    private let region: ReadOnlyRegion?
    private let offset: Int
    /// The number of elements.
    let count: Int

    init(_ array: [Element]) {
        self.array = array
        region = nil
        offset = 0
        count = array.count
    }

    /// The elements at `bytes`, which lie inside `region` and are suitably aligned; `nil` when they
    /// are not, or are no whole number of elements.
    init?(_ bytes: UnsafeRawBufferPointer, in region: ReadOnlyRegion) {
        let stride = MemoryLayout<Element>.stride
        guard let base = bytes.baseAddress, bytes.count % stride == 0, Int(bitPattern: base) % MemoryLayout<Element>.alignment == 0,
              base >= region.base, base + bytes.count <= region.base + region.count else { return nil }
        _ = base.bindMemory(to: Element.self, capacity: bytes.count / stride)
        array = []
        self.region = region
        offset = base - region.base
        count = bytes.count / stride
    }

    @inline(__always)
    func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Element>) throws(E) -> R) throws(E) -> R {
        guard let region else {
            return try array.withUnsafeBufferPointer { buffer throws(E) in try body(buffer) }
        }
        let result = try body(UnsafeBufferPointer(start: (region.base + offset).assumingMemoryBound(to: Element.self), count: count))
        withExtendedLifetime(region) {}
        return result
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    /// One element, for the cold paths (building, checks); hot loops take the buffer pointer once.
    subscript(position: Int) -> Element {
        precondition(position >= 0 && position < count, "index out of range")
        return withUnsafeBufferPointer { $0[position] }
    }

    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBufferPointer { buffer throws(E) in try body(UnsafeRawBufferPointer(buffer)) }
    }
}

/// A read-only memory region (a file mapped with `PROT_READ`) that lives as long as the tables
/// using it in place (`TableBuffer`), and is released by `release` when the last of them goes.
///
/// `@unchecked Sendable`: no one writes through it (the mapping is read-only, and the type hands out
/// only `UnsafeRawPointer`), `base` and `count` never change, and `release` runs once, in `deinit`,
/// after every holder is gone.
package final class ReadOnlyRegion: @unchecked Sendable {
    package let base: UnsafeRawPointer
    package let count: Int
    private let release: @Sendable (UnsafeRawPointer, Int) -> Void

    package init(base: UnsafeRawPointer, count: Int, release: @escaping @Sendable (UnsafeRawPointer, Int) -> Void) {
        self.base = base
        self.count = count
        self.release = release
    }

    deinit { release(base, count) }
}
