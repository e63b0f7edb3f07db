import CMemory
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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

    /// `ReadOnlyRegion.noteWork` of the region the table lies in, if any.
    @inline(__always)
    func noteWork(_ bytes: Int) { region?.noteWork(bytes) }

    /// Whether the table lies in a region that has moved into huge pages (tests).
    var inHugePages: Bool { region?.movedIntoHugePages ?? false }

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
/// A region mapped by `tk_map_file_aligned` (`span` > 0) moves into huge pages once texts of
/// `hugePageWork` bytes in all have been encoded with its tables (`noteWork`), at the same address.
/// Why: the tables are read at random (rank slots, pair merges, the cutter's sets, 13.7 MB for
/// cl100k_base), and in the page cache's 4 KiB pages nearly every lookup also missed the TLB; in huge
/// pages (with the piece cache's records) a cold encode of public_multi ran 2–6% faster (bench/RESULTS.md,
/// "Session 38"). Why not at load:
/// the copy costs several times what loading from the mapping does, which only tens of megabytes of text
/// win back (see `hugePageWork`, and `TableBuffer` on fresh memory).
///
/// `@unchecked Sendable`: no one writes through it (the mapping is read-only, and the type hands out
/// only `UnsafeRawPointer`; the move into huge pages puts the same bytes at the same address),
/// `base` and `count` never change, and `release` runs once, in `deinit`, after every holder is gone.
package final class ReadOnlyRegion: @unchecked Sendable {
    package let base: UnsafeRawPointer
    package let count: Int
    /// The bytes reserved at `base` (`count` rounded up to 2 MiB) when the region can move into huge pages, else 0.
    private let span: Int
    private let release: @Sendable (UnsafeRawPointer, Int) -> Void
    /// Bytes encoded with the region's tables so far; `Int.min` (and a little more) once it has moved or tried to.
    private let work = Atomic<Int>(0)
    private let moved = Atomic<Bool>(false)

    /// Encoding this many bytes in all moves a region into huge pages. The move copies the whole file into fresh
    /// memory, 5.4 ms for cl100k_base's 13.8 MB and 8.6 ms for o200k_base's 22 MB on this project's machine, while
    /// a cold encode gains 2% (English) to 3–6% (public_multi): `tokkit encode` of public_en (24 MB), moved after
    /// 4 MB, took 1.09–1.11× the CPU time. From 32 MB on, what is left to encode pays for the copy.
    package static let hugePageWork = 32 << 20

    package init(base: UnsafeRawPointer, count: Int, span: Int = 0, release: @escaping @Sendable (UnsafeRawPointer, Int) -> Void) {
        self.base = base
        self.count = count
        self.span = span
        self.release = release
    }

    deinit { release(base, count) }

    /// The first `size` bytes of the file `descriptor`, mapped read-only (their pages read in at once) at a
    /// huge-page boundary, so that the region can move into huge pages; `nil` when it cannot be mapped.
    package static func mapping(file descriptor: Int32, size: Int) -> ReadOnlyRegion? {
        var reserved = 0
        guard size > 0, let base = tk_map_file_aligned(descriptor, size, &reserved) else { return nil }
        let span = reserved
        return ReadOnlyRegion(base: base, count: size, span: span) { base, _ in
            #if canImport(Glibc)
            munmap(UnsafeMutableRawPointer(mutating: base), span)
            #endif
        }
    }

    /// Counts `bytes` of text about to be encoded with tables in this region, and moves the region into huge
    /// pages when that makes `hugePageWork` in all.
    @inline(__always)
    package func noteWork(_ bytes: Int) {
        guard span > 0, work.load(ordering: .relaxed) >= 0 else { return }
        if work.add(bytes, ordering: .relaxed).newValue >= Self.hugePageWork { moveIntoHugePages() }
    }

    /// Whether the region has moved into huge pages (tests).
    package var movedIntoHugePages: Bool { moved.load(ordering: .relaxed) }

    @inline(never)
    private func moveIntoHugePages() {
        // One caller moves: the one that takes the count below zero. A failed move is not tried again.
        guard work.exchange(.min, ordering: .relaxed) >= 0 else { return }
        if tk_move_into_huge_pages(base, count, span) == 0 { moved.store(true, ordering: .relaxed) }
    }
}
