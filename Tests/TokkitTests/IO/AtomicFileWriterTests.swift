import Foundation
import Testing
import Tokkit
import TokkitIO

@Suite("Atomic file writing")
struct AtomicFileWriterTests {
    @Test("nothing appears under the final name until commit; an abandoned writer removes its partial file")
    func abandoned() throws {
        let scratch = Scratch()
        let path = scratch.file("out.bin")
        do {
            let writer = try AtomicFileWriter(path: path)
            try writer.write([UInt8](repeating: 7, count: 3 << 20))
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(FileManager.default.fileExists(atPath: writer.temporaryPath))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.directory).isEmpty)
    }

    @Test("small and large writes, arrays and other collections, land in order; a header overwritten after a large write; each megabyte in the file is handed to the disk while writing goes on")
    func mixedWrites() throws {
        let scratch = Scratch()
        let path = scratch.file("mixed.bin")
        let writer = try AtomicFileWriter(path: path)
        var expected: [UInt8] = []
        var random = SplitMix64(seed: 13)
        for round in 0..<40 {
            let count = [0, 1, 1000, (1 << 20) - 1, 1 << 20, (1 << 20) + 5, 3 << 20][Int.random(in: 0..<7, using: &random)]
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round) }
            if round % 3 == 0 { try writer.write(bytes[...]) } else { try writer.write(bytes) }
            expected += bytes
            #expect(writer.bytesWritten == expected.count)
            // Up to 1 MiB waits in the buffer, and less than 1 MiB more in the file before its writeback starts.
            #expect(writer.writebackStarted <= expected.count)
            #expect(expected.count - writer.writebackStarted < 2 << 20)
        }
        try writer.overwrite([0xAB, 0xCD], at: 1)
        expected[1] = 0xAB
        expected[2] = 0xCD
        try writer.commit()
        #expect(try FileIO.read(path) == expected)
        #expect(expected.count > 8 << 20)
    }

    /// Runs `body` in a fresh folder on the disk the package is on (NSTemporaryDirectory may be tmpfs elsewhere),
    /// then in one on tmpfs, with whether the folder is on the disk. Both take direct I/O here; the way back to
    /// ordinary reads and writes when a file system refuses it (EINVAL) has no file system on this machine to test it with.
    static func onDiskAndTmpfs(_ body: (_ folder: String, _ onDisk: Bool) throws -> Void) throws {
        for (parent, onDisk) in [(FileManager.default.currentDirectoryPath + "/.build", true), ("/dev/shm", false)] {
            let folder = parent + "/tokkit-direct-test-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try body(folder, onDisk)
        }
    }

    @Test("writesDirectly: a large output goes to disk with O_DIRECT, synced as it goes; small and large writes, collections, a header overwrite and the last partial block land in order, byte for byte, on a disk and on tmpfs")
    func directWrites() throws {
        try Self.onDiskAndTmpfs { folder, onDisk in
            let path = folder + "/direct.bin"
            let writer = try AtomicFileWriter(path: path)
            writer.writesDirectly = true
            var expected: [UInt8] = []
            var random = SplitMix64(seed: 29)
            // A small header first (buffered, then handed to the direct stream), then sizes around the
            // staging buffer's megabyte and its 4 KiB blocks, and odd ones.
            // Every fifth round fills the staging buffer in place instead (none of it before direct writing starts), up to
            // its room or fewer bytes, scribbling on the slack past what it keeps.
            let sizes = [1000, 1 << 16, (1 << 20) - 1, 1 << 20, (1 << 20) + 5, 3 << 20, 4095, 4097, 0, 7, 70_000]
            for round in 0..<30 {
                let count = round == 0 ? 1000 : round == 1 ? 1 << 16 : sizes[Int.random(in: 0..<sizes.count, using: &random)]
                let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ round &* 7) }
                if round % 5 == 0 {
                    var stored: [UInt8] = []
                    let inPlace = try writer.fillInPlace { room in
                        let keep = min(room.count, count)
                        for k in 0..<(keep + AtomicFileWriter.stagingSlack) { room.baseAddress!.storeBytes(of: k < keep ? bytes[k] : 0xEE, toByteOffset: k, as: UInt8.self) }
                        stored = Array(bytes[..<keep])
                        return keep
                    }
                    #expect(inPlace == (round > 0), "round \(round)")
                    expected += stored
                } else if round % 4 == 3 {
                    try writer.write(bytes[...])
                    expected += bytes
                } else {
                    try writer.write(bytes)
                    expected += bytes
                }
                #expect(writer.bytesWritten == expected.count)
            }
            expected += [1, 2, 3]  // a partial block at the end
            try writer.write([1, 2, 3])
            try writer.overwrite([0xAB, 0xCD], at: 1)
            expected[1] = 0xAB
            expected[2] = 0xCD
            try writer.write([UInt8](repeating: 5, count: 100_000))  // after the overwrite: the ordinary way
            expected += [UInt8](repeating: 5, count: 100_000)
            try writer.commit()
            #expect(try FileIO.read(path) == expected, "\(onDisk ? "disk" : "tmpfs")")
            #expect(expected.count > 8 << 20)
            // Every whole block before the overwrite went directly (tmpfs takes direct writes since Linux 6.6).
            #expect(writer.bytesWrittenDirectly > 8 << 20, "\(onDisk ? "disk" : "tmpfs")")
            // Synced as it went: a sync for every 8 MiB written directly, when the one before had ended.
            #expect(writer.dataSyncsStarted >= 1, "\(onDisk ? "disk" : "tmpfs")")
        }
    }

    @Test("a direct write refused with writes still on the queue (a 3 MiB tmpfs filled by a 24 MiB output, as root) fails with the system's reason and leaves nothing under the final name",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func directWriteFailureInFlight() throws {
        try Scratch().withSmallDisk(size: "3m") { mountPoint in
            let path = mountPoint + "/out.bin"
            var failure: (any Error)?
            do {
                let writer = try AtomicFileWriter(path: path)
                writer.writesDirectly = true
                // Whole megabytes: each write fills a staging buffer and sends it, and no tail is left for the
                // ordinary descriptor, whose own write would fail too: only the queue's writes can report it.
                for round in 0..<24 { try writer.write([UInt8](repeating: UInt8(round), count: 1 << 20)) }
                try writer.commit()
            } catch {
                failure = error
            }
            let reason = failure.map { "\($0)" } ?? "no error"
            #expect(reason.contains("No space left on device"), "\(reason)")
            #expect(!FileManager.default.fileExists(atPath: path))
            let left = try FileManager.default.contentsOfDirectory(atPath: mountPoint)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test("DirectFileReader: files of 0 bytes to several megabytes, around its 4 KiB blocks and megabyte buffer, read back past the page cache in pieces of any size, byte for byte, on a disk and on tmpfs")
    func directReads() throws {
        var random = SplitMix64(seed: 31)
        try Self.onDiskAndTmpfs { folder, _ in
            for size in [0, 1, 4095, 4096, 4097, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (3 << 20) + 17] {
                let path = folder + "/read-\(size).bin"
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ size) }
                try FileIO.writeAtomically(bytes, to: path)
                let handle = try #require(FileHandle(forReadingAtPath: path))
                defer { try? handle.close() }
                let reader = try #require(DirectFileReader(path: path, ordinary: handle.fileDescriptor))
                var back: [UInt8] = []
                while true {
                    let ask = [1, 1000, 4096, 256 << 10, 3 << 20][Int(random.next() % 5)]
                    let lent = try #require(reader.next(upTo: ask))
                    #expect(lent.count <= ask)
                    if lent.isEmpty { break }
                    back += lent
                }
                #expect(back == bytes, "\(folder) \(size) bytes: read \(back.count)")
                #expect(reader.next(upTo: 1)?.count == 0)
                #expect(reader.directBytes == size, "\(folder) \(size)")
            }
        }
    }

    @Test("an existing file stays whole until the new one is committed over it")
    func replace() throws {
        let scratch = Scratch()
        let path = scratch.file("out.bin")
        try FileIO.writeAtomically([1, 2, 3], to: path)
        let writer = try AtomicFileWriter(path: path)
        try writer.write([9, 9])
        #expect(try FileIO.read(path) == [1, 2, 3])
        try writer.commit()
        #expect(try FileIO.read(path) == [9, 9])
    }

    @Test("a folder that cannot take the file is an error naming the path")
    func unwritable() {
        #expect {
            _ = try AtomicFileWriter(path: "/nonexistent-folder/out.bin")
        } throws: { error in
            (error as? FileError)?.path == "/nonexistent-folder/out.bin"
        }
    }

    @Test("a directory is refused; a device is written in place and stays a device (never renamed over)")
    func notRegular() throws {
        let scratch = Scratch()
        let folder = scratch.file("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect {
            _ = try AtomicFileWriter(path: folder)
        } throws: { error in
            guard case .unwritable(let errorPath, let reason)? = error as? FileError else { return false }
            return errorPath == folder && reason.contains("it is a directory")
        }
        let writer = try AtomicFileWriter(path: "/dev/null")
        #expect(writer.writesInPlace)
        try writer.write([1, 2, 3])
        try writer.write([UInt8](repeating: 1, count: 3 << 20))
        #expect(writer.writebackStarted == 0)
        try writer.commit()
        var status = stat()
        #expect(lstat("/dev/null", &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.directory) == ["folder"])
    }

    @Test("a symbolic link is followed: its target is replaced atomically and the link stays a link; a dangling one is refused")
    func symbolicLink() throws {
        let scratch = Scratch()
        let target = scratch.file("target.txt")
        try FileIO.writeAtomically([1], to: target)
        let link = scratch.file("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try FileIO.writeAtomically([2, 2], to: link)
        #expect(try FileIO.read(target) == [2, 2])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        let dangling = scratch.file("dangling")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: scratch.file("missing/x"))
        #expect(throws: FileError.self) { _ = try AtomicFileWriter(path: dangling) }
    }
}
