import ArgumentParser
import Tokkit

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode token ids back to text or bytes.",
        discussion: """
        Text output replaces any ill-formed UTF-8 in the joined token bytes with U+FFFD (as tiktoken's \
        decode(errors="replace")); --bytes writes the exact bytes instead. An id the vocabulary lacks is an error \
        naming the id and its position. The ids are read, decoded and written block by block, so memory stays \
        flat however long the input is; with several threads each block is cut into one part per thread.
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

    @OptionGroup var workers: RunOptions

    func run() throws {
        let tokenizer = try vocabulary.load()
        try StandardStreams.checkInput([file ?? "-"])
        let input = try InputReader(path: file ?? "-")
        let sink = try OutputSink(path: output)
        try IDStreamDecoder.decode(input, format: format, tokenizer: tokenizer, bytes: bytes,
                                     threads: workers.threads) { try sink.write($0) }
        try sink.commit()
    }
}
