import Foundation
import Testing
import Tokkit

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

    @Test("a device, a FIFO, a directory or a symbolic link is never renamed over", arguments: ["device", "fifo", "directory", "symlink"])
    func notRegular(_ kind: String) throws {
        let scratch = Scratch()
        let target = scratch.file("target.txt")
        try FileIO.writeAtomically([1], to: target)
        let path: String
        switch kind {
        case "device": path = "/dev/null"
        case "fifo":
            path = scratch.file("pipe")
            #expect(mkfifo(path, 0o600) == 0)
        case "directory":
            path = scratch.file("folder")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        default:
            path = scratch.file("link")
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        }
        #expect {
            _ = try AtomicFileWriter(path: path)
        } throws: { error in
            guard case .unwritable(let errorPath, let reason)? = error as? FileError else { return false }
            return errorPath == path && reason.contains("not a regular file")
        }
        var status = stat()
        #expect(lstat(path, &status) == 0, "\(path) is still there")
        #expect(status.st_mode & S_IFMT != S_IFREG)
        #expect(try FileIO.read(target) == [1])
    }
}
