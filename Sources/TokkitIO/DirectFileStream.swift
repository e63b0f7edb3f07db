import CWriteback
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A large output written from its start with O_DIRECT: bytes gather in one of four aligned staging
/// buffers, and each full buffer goes to the disk, without a copy in the page cache, on a queue of its
/// own while the next fills; the last partial block goes through the file's ordinary descriptor
/// (`finish`).
///
/// Why: writing through the page cache takes a fresh page of memory for every 4 KiB of output, and
/// on a virtual machine that hands free memory back to its host (free page reporting, as the
/// Firecracker machines this project runs on do) a fresh page costs the host a fault and a zeroed
/// page: `dd` of 10 MB into a new file took 70–80 ms of system time there, against under 10 ms with
/// O_DIRECT, and in `tokkit encode --docs lines` the kernel's copy into those pages was 30% of the
/// process's samples. The staging buffers are touched once and reused. Why a queue: a direct write
/// returns when the disk has the data, so written inline the encoder would wait for the disk, where
/// the page cache let the two overlap; with buffers going round they still do. Why four: a direct write
/// issued while a data sync (below) runs waits for the sync, 8–16 ms here (strace); with two buffers the
/// encoder then waited for the write once the second was full. Three in flight hold 3 MB, the ids of
/// more than 30 ms of two encoding threads.
///
/// The file is also synced as it goes: every 8 MiB of direct writes, a data sync runs on a queue of its
/// own. Why: a direct write returns when the disk has the data, but a disk that keeps a write cache (on
/// this project's virtual machines, their host's page cache) still holds all of it at the end, and the
/// fsync before the rename (or the shard writer's syncfs) then waited for all of it while nothing else
/// ran: 100–115 ms for the 65 MB of ids of `tokkit encode --docs lines` of public_multi with
/// cl100k_base, a tenth of the two-thread run's wall time. Synced as it goes, the disk flushes while the
/// encoder works, and the last fsync finds a few megabytes. The syncs never hold up a write (one at a
/// time, and one still running is not waited for) and report nothing: the fsync before the rename
/// reports what failed.
///
/// Used for the CLI's outputs and for shards; a shard's read-back before its rename then comes from
/// the disk, and the whole `tokkit shard write` still costs a quarter less CPU here. Where the file
/// system takes no direct writes (`init` fails: tmpfs before Linux 6.6) or the disk refuses one
/// (EINVAL), the bytes go the ordinary way.
final class DirectFileStream: @unchecked Sendable {
    /// Direct I/O wants the buffer's address, the length and the file offset in whole blocks of the
    /// device; 4 KiB is a whole number of the blocks of every disk in use (512 or 4,096 bytes).
    static let alignment = 4096
    /// Each staging buffer: 256 blocks, so a megabyte per write call.
    static let capacity = 1 << 20
    /// Staging buffers: one filling, the others written in turn on the queue.
    static let bufferCount = 4
    /// Bytes past each staging buffer's capacity that a caller filling it in place (`fillInPlace`) may
    /// overwrite: copies in whole vector blocks store a little past what they keep.
    static let slack = 64
    /// Direct writes between the starts of two data syncs.
    static let syncInterval = 8 << 20

    private let descriptor: Int32
    /// The same file opened without O_DIRECT (the caller's): the tail, and everything once the disk
    /// has refused a direct write.
    private let ordinary: Int32
    private let buffers: [UnsafeMutableRawPointer]
    /// The buffer being filled, and its bytes.
    private var current = 0
    private var used = 0
    /// The file offset of the current buffer's first byte.
    private var fileOffset = 0
    /// False once the disk refused a direct write: everything after goes through `ordinary`. Read and
    /// written by the writes on the queue, then by `finish` once they are done.
    private var direct = true
    /// Bytes that reached the file by direct writes (complete after `finish`).
    private(set) var directBytes = 0

    private let queue = DispatchQueue(label: "tokkit.direct-file-stream")
    /// Signalled by each write on the queue as it ends.
    private let written = DispatchSemaphore(value: 0)
    /// Buffers sent to the queue whose `written` signal has not been taken: the ones before `current`.
    private var inFlight = 0
    /// How each buffer's last write ended: set by the write on the queue, read after taking its signal
    /// (the writes end in the order they were sent).
    private let failures: UnsafeMutablePointer<DirectWriteFailure?>

    /// `directBytes` when the last data sync started; read and written only where `directBytes` is.
    private var syncedThrough = 0
    /// Data syncs started (complete after `finish`, as `directBytes`).
    private(set) var syncsStarted = 0
    /// Taken by the data sync that is running (at most one); the syncs run on `syncQueue`.
    private let syncSlot = DispatchSemaphore(value: 1)
    private let syncQueue = DispatchQueue(label: "tokkit.direct-file-sync")

    /// Opens `path`, the file `ordinary` writes (empty so far), for direct writes; `nil` where the
    /// file system or the system has none or memory for the buffers is lacking.
    init?(path: String, ordinary: Int32) {
        let descriptor = tk_open_direct(path, 1)
        guard descriptor >= 0 else { return nil }
        var buffers: [UnsafeMutableRawPointer] = []
        for _ in 0..<Self.bufferCount {
            var memory: UnsafeMutableRawPointer?
            guard posix_memalign(&memory, Self.alignment, Self.capacity + Self.slack) == 0, let memory else {
                buffers.forEach { free($0) }
                close(descriptor)
                return nil
            }
            buffers.append(memory)
        }
        self.descriptor = descriptor
        self.ordinary = ordinary
        self.buffers = buffers
        failures = .allocate(capacity: Self.bufferCount)
        failures.initialize(repeating: nil, count: Self.bufferCount)
    }

    deinit {
        // Writes still on the queue use buffers: wait for them before freeing them.
        for _ in 0..<inFlight { written.wait() }
        buffers.forEach { free($0) }
        failures.deinitialize(count: Self.bufferCount)
        failures.deallocate()
        close(descriptor)
    }

    /// Bytes handed to the stream so far.
    var byteCount: Int { fileOffset + used }

    /// Appends `bytes`, sending each buffer it fills to the disk.
    /// - Throws: the `errno` of a write that failed (this one's or an earlier buffer's).
    func append(_ bytes: UnsafeRawBufferPointer) throws(DirectWriteFailure) {
        guard var source = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let take = min(left, Self.capacity - used)
            (buffers[current] + used).copyMemory(from: source, byteCount: take)
            used += take
            source += take
            left -= take
            if used == Self.capacity { try send() }
        }
    }

    /// Lets `body` store bytes straight into the buffer being filled: it gets the buffer's free room (never
    /// empty; `slack` more bytes past it may be overwritten) and returns how many bytes it stored there,
    /// at most the room. Sends the buffer to the disk when that fills it.
    ///
    /// Why: the shard writer converted each batch into an array of its own that `append` then copied here,
    /// 0.62% of `tokkit shard` (public_en lines, cl100k, one thread) with fresh pages for that array.
    func fillInPlace(_ body: (UnsafeMutableRawBufferPointer) -> Int) throws(DirectWriteFailure) {
        let room = UnsafeMutableRawBufferPointer(start: buffers[current] + used, count: Self.capacity - used)
        let stored = body(room)
        precondition(stored >= 0 && stored <= room.count, "stored more than the room")
        used += stored
        if used == Self.capacity { try send() }
    }

    /// Writes everything not yet in the file and waits for it: the whole blocks directly, the rest
    /// through `ordinary`. The stream takes no bytes after this.
    func finish() throws(DirectWriteFailure) {
        try waitForWrites(leaving: 0)
        let whole = used / Self.alignment * Self.alignment
        if whole > 0 { try write(current, count: whole, at: fileOffset) }
        try Self.writeAll(ordinary, buffers[current] + whole, count: used - whole, at: fileOffset + whole)
        fileOffset += used
        used = 0
    }

    /// Sends the full current buffer to the queue and fills the next, once its own write has ended.
    private func send() throws(DirectWriteFailure) {
        let job = (buffer: current, count: used, offset: fileOffset)
        queue.async { [self] in
            do throws(DirectWriteFailure) {
                try write(job.buffer, count: job.count, at: job.offset)
                failures[job.buffer] = nil
            } catch {
                failures[job.buffer] = error
            }
            written.signal()
        }
        inFlight += 1
        fileOffset += used
        used = 0
        current = (current + 1) % Self.bufferCount
        // The next buffer is the oldest on the queue when all the others are.
        try waitForWrites(leaving: Self.bufferCount - 1)
    }

    /// Waits until at most `left` writes are on the queue, oldest first, and reports the first of them that failed.
    private func waitForWrites(leaving left: Int) throws(DirectWriteFailure) {
        while inFlight > left {
            written.wait()
            let oldest = (current + Self.bufferCount - inFlight) % Self.bufferCount
            inFlight -= 1
            if let failure = failures[oldest] { throw failure }
        }
    }

    /// Writes `count` bytes of a buffer at `offset`: directly while the disk takes direct writes, and
    /// the ordinary way from the first it refuses (EINVAL) on.
    private func write(_ buffer: Int, count: Int, at offset: Int) throws(DirectWriteFailure) {
        if direct {
            do throws(DirectWriteFailure) {
                try Self.writeAll(descriptor, buffers[buffer], count: count, at: offset)
                directBytes += count
                startSyncIfDue()
                return
            } catch where error.code == EINVAL {
                direct = false
            }
        }
        try Self.writeAll(ordinary, buffers[buffer], count: count, at: offset)
    }

    /// Starts a data sync of what the direct writes have put in the file, when `syncInterval` bytes have come
    /// since the last one started and none is running. The sync keeps the stream alive until it ends, so the
    /// descriptor is not closed under it.
    private func startSyncIfDue() {
        guard directBytes - syncedThrough >= Self.syncInterval, syncSlot.wait(timeout: .now()) == .success else { return }
        syncedThrough = directBytes
        syncsStarted += 1
        syncQueue.async { [self] in
            _ = tk_sync_data(descriptor)
            syncSlot.signal()
        }
    }

    /// `pwrite` until all `count` bytes are written (a direct write of whole blocks that comes back short
    /// stops at a block boundary, so the rest continues aligned).
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawPointer, count: Int, at offset: Int) throws(DirectWriteFailure) {
        var done = 0
        while done < count {
            let wrote = pwrite(descriptor, bytes + done, count - done, off_t(offset + done))
            if wrote < 0 {
                if errno == EINTR { continue }
                throw DirectWriteFailure(code: errno)
            }
            if wrote == 0 { throw DirectWriteFailure(code: EIO) }
            done += wrote
        }
    }
}

/// A write that failed, with its `errno`.
struct DirectWriteFailure: Error, Equatable {
    let code: Int32
}
