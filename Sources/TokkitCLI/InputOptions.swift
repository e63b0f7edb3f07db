import ArgumentParser
import Foundation
import TokkitCore
import TokkitFormats

/// How input text is read and cut into documents.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Input file; standard input when absent or '-'.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: "What one document is: the whole input, each line, or each blank-line-separated paragraph.")
    var docs: DocumentSplit = .file

    @Flag(name: .long, help: "Replace invalid UTF-8 with U+FFFD instead of stopping with an error at its byte offset.")
    var lossy = false

    func readBytes() throws -> [UInt8] {
        if let file, file != "-" {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("\(file): cannot read (\(FileManager.default.fileExists(atPath: file) ? "permission denied or not a regular file" : "no such file"))")
            }
            return [UInt8](data)
        }
        return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    }


    /// Calls `body` with successive blocks of the input (1 MiB each), so that input of any size can
    /// be processed in bounded memory.
    func forEachBlock(_ body: ([UInt8]) throws -> Void) throws {
        let handle: FileHandle
        if let file, file != "-" {
            guard let opened = FileHandle(forReadingAtPath: file) else {
                throw CLIError("\(file): cannot read (\(FileManager.default.fileExists(atPath: file) ? "permission denied or not a regular file" : "no such file"))")
            }
            handle = opened
        } else {
            handle = FileHandle.standardInput
        }
        defer { if handle !== FileHandle.standardInput { try? handle.close() } }
        while true {
            let data: Data?
            do {
                data = try handle.read(upToCount: 1 << 20)
            } catch {
                throw CLIError("\(inputName): cannot read: \(error.localizedDescription)")
            }
            guard let data, !data.isEmpty else { return }
            try body([UInt8](data))
        }
    }

    var inputName: String { file.flatMap { $0 == "-" ? nil : $0 } ?? "<stdin>" }

    func documents() throws -> [[UInt8]] {
        docs.split(try readBytes())
    }
}

enum DocumentSplit: String, ExpressibleByArgument, CaseIterable {
    case file, lines, paragraphs

    /// Cuts input into documents. Lines drop their `\n` (and a `\r` before it); paragraphs are
    /// separated by one or more blank lines and keep their inner newlines.
    func split(_ bytes: [UInt8]) -> [[UInt8]] {
        switch self {
        case .file:
            return [bytes]
        case .lines:
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
                Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
            }
            if bytes.last == UInt8(ascii: "\n") { lines.removeLast() }
            return lines
        case .paragraphs:
            var paragraphs: [[UInt8]] = []
            var current: [UInt8] = []
            for line in DocumentSplit.lines.split(bytes) {
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                    if !current.isEmpty { paragraphs.append(current) }
                    current = []
                } else {
                    if !current.isEmpty { current.append(UInt8(ascii: "\n")) }
                    current += line
                }
            }
            if !current.isEmpty { paragraphs.append(current) }
            return paragraphs
        }
    }
}

/// An error the command line reports as it is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes bytes to a file atomically or to stdout.
enum Output {
    static func write(_ bytes: [UInt8], to path: String?) throws {
        try stream(to: path) { write in try write(bytes) }
    }

    /// Streams bytes to stdout, or into `path` atomically (the file appears only when all is written).
    static func stream(to path: String?, _ produce: (_ write: ([UInt8]) throws -> Void) throws -> Void) throws {
        guard let path, path != "-" else {
            try produce { bytes in FileHandle.standardOutput.write(Data(bytes)) }
            return
        }
        // An encoding error from `produce` must reach the user as it is, not as a write failure.
        var produceError: (any Error)?
        do {
            try FileIO.writeAtomically(to: path) { write in
                // `write` does not outlive this call; Swift cannot see that through two closures.
                try withoutActuallyEscaping(write) { write in
                    do { try produce(write) } catch {
                        produceError = error
                        throw error
                    }
                }
            }
        } catch {
            if let produceError { throw produceError }
            throw CLIError(error.description)
        }
    }
}
