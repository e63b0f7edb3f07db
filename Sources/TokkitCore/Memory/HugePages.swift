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
