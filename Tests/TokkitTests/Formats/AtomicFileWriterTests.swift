import Foundation
import Testing
import TokkitFormats

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
        #expect(throws: VocabularyFileError.self) { _ = try AtomicFileWriter(path: "/nonexistent-folder/out.bin") }
    }
}
