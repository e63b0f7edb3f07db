import CWriteback
#if canImport(Glibc)
import Glibc
#endif

/// A file read from its start past the page cache (O_DIRECT), a megabyte at a time into one aligned
/// buffer the caller reads in place: the read-back of a file written with ``DirectFileStream``.
///
/// Why: a file written directly has no pages in the page cache, so reading it back the ordinary way
/// takes a fresh page for every 4 KiB and a copy into it, the cost the stream spared on the way out
/// (a host fault per page on this project's machines; see ``DirectFileStream``). The buffer is touched
/// once and reused. Where the file system refuses a direct read (EINVAL), the buffer is filled through
/// the caller's ordinary descriptor from then on.
package final class DirectFileReader {
    private let descriptor: Int32
    /// The same file opened without O_DIRECT (the caller's).
    private let ordinary: Int32
    private let buffer: UnsafeMutableRawPointer
    private var direct = true
    /// Bytes in the buffer, and how many of them the caller has taken.
    private var filled = 0
    private var taken = 0
    /// Where the next read starts: a whole number of blocks until the end of the file is reached.
    private var fileOffset = 0
    private var reachedEnd = false
    /// Bytes that came from the file by direct reads.
    package private(set) var directBytes = 0

    /// Opens `path`, the file `ordinary` reads, for direct reads; `nil` where the file system or the
    /// system has none or memory for the buffer is lacking.
    package init?(path: String, ordinary: Int32) {
        let descriptor = tk_open_direct(path, 0)
        guard descriptor >= 0 else { return nil }
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, DirectFileStream.alignment, DirectFileStream.capacity) == 0, let memory else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.ordinary = ordinary
        self.buffer = memory
    }

    deinit {
        free(buffer)
        close(descriptor)
    }

    /// The next bytes of the file, at most `count`, where they lie in the buffer (valid until the next
    /// call): empty at the end of the file, `nil` with `errno` set when a read failed.
    ///
    /// Why lent, not copied out: the shard writer's read-back hashes and counts each megabyte where it
    /// lies, and the copy into the scanner's own buffer was 0.65% of `tokkit shard` (public_en lines,
    /// cl100k, one thread), with fresh pages for that buffer.
    package func next(upTo count: Int) -> UnsafeRawBufferPointer? {
        if taken == filled {
            guard !reachedEnd else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            let got = fill()
            guard got >= 0 else { return nil }
            guard got > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        }
        let lent = UnsafeRawBufferPointer(start: buffer + taken, count: min(count, filled - taken))
        taken += lent.count
        return lent
    }

    /// Reads the next megabyte into the buffer: directly while the file system allows it.
    private func fill() -> Int {
        while true {
            let got = pread(direct ? descriptor : ordinary, buffer, DirectFileStream.capacity, off_t(fileOffset))
            if got < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL, direct {
                    direct = false
                    continue
                }
                return -1
            }
            // A read that stops short of a whole block has met the end of the file; one that stops at a
            // block boundary (or a later read at the end) finds 0 next time.
            if got == 0 || got % DirectFileStream.alignment != 0 { reachedEnd = true }
            if direct { directBytes += got }
            filled = got
            taken = 0
            fileOffset += got
            return got
        }
    }
}
