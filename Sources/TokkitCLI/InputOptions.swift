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
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        do {
            try FileIO.writeAtomically(bytes, to: path)
        } catch {
            throw CLIError(error.description)
        }
    }
}
