import ArgumentParser
import Foundation
import Tokkit

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode token ids back to text or bytes.",
        discussion: """
        Text output replaces any ill-formed UTF-8 in the joined token bytes with U+FFFD (as tiktoken's \
        decode(errors="replace")); --bytes writes the exact bytes instead. An id the vocabulary lacks is an error \
        naming the id and its position.
        """
    )

    @OptionGroup var vocabulary: VocabularyOptions

    @Argument(help: ArgumentHelp("File of ids; standard input when absent or '-'.", valueName: "file"))
    var file: String?

    @Option(name: .long, help: "How the ids are written: text or json (any numbers separated by spaces, commas, brackets), uint16, uint32.")
    var format: IDFormat = .text

    @Flag(name: .long, help: "Write the raw bytes, without replacing invalid UTF-8.")
    var bytes = false

    @Option(name: [.short, .long], help: "Write here (atomically) instead of stdout.")
    var output: String?

    func run() throws {
        let tokenizer = try vocabulary.load()
        let source = file.flatMap { $0 == "-" ? nil : $0 } ?? "<stdin>"
        let input: [UInt8]
        if let file, file != "-" {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read") }
            input = [UInt8](data)
        } else {
            input = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        let ids = try format.parse(input, source: source)
        let decoded: [UInt8]
        do {
            decoded = try tokenizer.decodeBytes(ids)
        } catch {
            throw CLIError("\(source): \(error)")
        }
        try OutputSink.write(bytes ? decoded : Array(String(decoding: decoded, as: UTF8.self).utf8), to: output)
    }
}
