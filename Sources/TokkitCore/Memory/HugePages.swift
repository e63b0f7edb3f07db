#if canImport(Glibc)
import Glibc
#endif

/// Advice to the kernel for large output buffers that are about to be written once, front to back.
package enum HugePages {
    /// Asks for transparent huge pages for the 2 MiB pages wholly inside `byteCount` bytes at `start`.
    ///
    /// Why: a fresh buffer of tens of megabytes (glibc maps every allocation above 32 MiB anew)
    /// costs one page fault per 4 KiB page on its first write. Decoding 46 MB took 11,300 faults and
    /// 30% of its time in them; with huge pages, 560 faults. It is only advice: where the system
    /// offers no huge pages (`/sys/kernel/mm/transparent_hugepage/enabled` is `never`), or on other
    /// platforms, nothing changes.
    package static func advise(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        let hugePage = 1 << 21
        let first = (Int(bitPattern: start) + hugePage - 1) & ~(hugePage - 1)
        let last = (Int(bitPattern: start) + byteCount) & ~(hugePage - 1)
        guard last > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(aligned, last - first, MADV_HUGEPAGE)
        #endif
    }
}

extension Array {
    /// `reserveCapacity`, then `HugePages.advise` over the whole buffer when it spans a 2 MiB page: for the arrays of
    /// ids an encode of a large text fills front to back.
    ///
    /// Why: such an array is tens of megabytes, which glibc maps afresh for each call (above its 32 MiB threshold),
    /// and each 4 KiB page of it faulted on its first write. `TokkitBench encode`, one text, one thread, paired runs of
    /// the binaries with and without (bench/RESULTS.md, "Session 36"): public_en cl100k_base 1.07–1.09× (wall and CPU),
    /// public_multi 1.10×. Capacity never written still costs no memory but the rest of its last 2 MiB page.
    package mutating func reserveCapacityInHugePages(_ minimumCapacity: Int) {
        reserveCapacity(minimumCapacity)
        let byteCount = capacity * MemoryLayout<Element>.stride
        guard byteCount >= 1 << 21, let start = withUnsafeMutableBufferPointer({ $0.baseAddress }) else { return }
        HugePages.advise(UnsafeMutableRawPointer(start), byteCount: byteCount)
    }
}
