import ArgumentParser
import Foundation
import Tokkit

#if canImport(Glibc)
import Glibc
#endif

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print text with its token boundaries coloured, like the Tiktokenizer web app.",
        discussion: """
        Each token gets a background colour in turn; whitespace is made visible (· space, → tab, ↵ newline). \
        When stdout is not a terminal (or with --color never) tokens are separated by │ instead. \
        Tokens that only together make whole characters (a CJK character split into byte tokens) are shown \
        once as those characters, underlined in colour and between ⟨ ⟩ without it; bytes that never make \
        whole characters are shown as \\xNN. A summary line follows.
        """
    )

    @OptionGroup var vocabulary: VocabularyOptions
    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "Colour: auto (when stdout is a terminal), always, never.")
    var color: ColorChoice = .auto

    @Flag(name: .long, help: "Print each token's id after it.")
    var ids = false

    @Flag(name: .long, help: "Allow special tokens in the text (encode them as their ids).")
    var allowSpecial = false

    enum ColorChoice: String, ArgumentChoice { case auto, always, never }

    private static let palette = [153, 223, 193, 217, 189, 229, 159, 225]

    func run() throws {
        let tokenizer = try vocabulary.load()
        let bytes = Array(try input.readAll(default: .file).joined())
        let tokens: [TokenID]
        do {
            tokens = try tokenizer.encode(bytes: bytes, allowedSpecial: allowSpecial ? .all : .none)
        } catch {
            throw CLIError("\(input.inputs.first ?? "<stdin>"): \(error)")
        }
        let colored = color == .always || (color == .auto && isatty(STDOUT_FILENO) != 0)
        var out = ""
        for (index, group) in TokenText.characterGroups(tokens, vocabulary: tokenizer.vocabulary).enumerated() {
            let text = TokenText.visible(group.bytes)
            let split = group.tokens.count > 1
            let groupIDs = group.tokens.map { String($0.id) }.joined(separator: ",")
            if colored {
                let underline = split ? ";4" : ""
                out += "\u{1B}[30;48;5;\(Self.palette[index % Self.palette.count])\(underline)m\(text)\u{1B}[0m"
                if ids { out += "\u{1B}[2m\(groupIDs)\u{1B}[0m" }
            } else {
                if index > 0 { out += "│" }
                out += split ? "⟨\(text)⟩" : text
                if ids { out += "[\(groupIDs)]" }
            }
            if text.hasSuffix("↵") { out += "\n" }
        }
        try StandardStreams.print(out)
        try StandardStreams.print("\(tokens.count) tokens, \(bytes.count) bytes, \(String(format: "%.2f", tokens.isEmpty ? 0 : Double(bytes.count) / Double(tokens.count))) bytes/token")
    }
}
