import ArgumentParser
import Tokkit

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode token ids back to text or bytes.",
        discussion: """
        Text output replaces any ill-formed UTF-8 in the joined token bytes with U+FFFD (as tiktoken's \
        decode(errors="replace")); --bytes writes the exact bytes instead. An id the vocabulary lacks is an error \
        naming the id and its position. The ids are read, decoded and written block by block, so memory stays \
        flat however long the input is.
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
        try StandardStreams.checkInput([file ?? "-"])
        let input = try InputReader(path: file ?? "-")
        let sink = try OutputSink(path: output)
        var parser = IDParser(format: format, source: input.path)
        var repair = UTF8Repair()
        var block: [UInt8] = []
        var decoded: [UInt8] = []
        var position = 0
        while true {
            block.removeAll(keepingCapacity: true)
            let more = try input.read(appendingTo: &block)
            let ids = more ? try parser.feed(block) : try parser.finish()
            decoded.removeAll(keepingCapacity: true)
            do {
                try tokenizer.vocabulary.appendBytes(of: ids, to: &decoded)
            } catch .unknownID(let id, let index) {
                throw CLIError("\(input.path): \(DecodingError.unknownID(id: id, position: position + index))")
            }
            position += ids.count
            try sink.write(bytes ? decoded : repair.text(decoded, final: !more))
            guard more else { break }
        }
        try sink.commit()
    }
}

/// Ill-formed UTF-8 replaced by U+FFFD, chunk by chunk, exactly as `String(decoding:as:)` replaces it in
/// the whole: a chunk is cut before a sequence it ends in the middle of, which waits for the next chunk.
///
/// The cut is safe because a byte that is not a continuation byte (`10xxxxxx`) always starts a new
/// maximal subpart: what comes before it decodes the same whether or not the rest follows. A chunk whose
/// last three bytes are continuation bytes ends at a boundary already (no sequence is longer than four).
struct UTF8Repair {
    private var pending: [UInt8] = []

    mutating func text(_ bytes: [UInt8], final: Bool) -> [UInt8] {
        var all = pending + bytes
        pending = []
        if !final, let start = (max(0, all.count - 3)..<all.count).last(where: { all[$0] & 0xC0 != 0x80 }) {
            let lead = all[start]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if all.count - start < length {
                pending = Array(all[start...])
                all.removeSubrange(start...)
            }
        }
        return Array(String(decoding: all, as: UTF8.self).utf8)
    }
}

/// Token ids read from a stream in any of the `IDFormat`s, block by block: a number or a binary id cut
/// between two blocks waits for the next one. Errors name the byte offset in the whole stream.
struct IDParser {
    let format: IDFormat
    let source: String
    private var offset = 0
    private var value: UInt64 = 0
    private var inNumber = false
    private var leftover: [UInt8] = []

    init(format: IDFormat, source: String) {
        self.format = format
        self.source = source
    }

    mutating func feed(_ bytes: [UInt8]) throws(CLIError) -> [TokenID] {
        var ids: [TokenID] = []
        switch format {
        case .text, .json:
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                    guard value <= UInt64(UInt32.max) else { throw CLIError("\(source): byte \(offset): id larger than 2^32-1") }
                    inNumber = true
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ","),
                     UInt8(ascii: "["), UInt8(ascii: "]"):
                    if inNumber { ids.append(TokenID(value)) }
                    value = 0
                    inNumber = false
                default:
                    throw CLIError("\(source): byte \(offset): expected a token id, found \(String(decoding: [byte], as: UTF8.self).debugDescription)")
                }
                offset += 1
            }
        case .uint16, .uint32:
            let width: LittleEndianIDs.Width = format == .uint16 ? .uint16 : .uint32
            let all = leftover + bytes
            let whole = all.count - all.count % width.rawValue
            ids = LittleEndianIDs.read(Array(all[0..<whole]), width: width) ?? []
            leftover = Array(all[whole...])
            offset += bytes.count
        }
        return ids
    }

    /// The last id, if the stream ended in one; an error for a binary stream cut inside an id.
    mutating func finish() throws(CLIError) -> [TokenID] {
        guard leftover.isEmpty else {
            throw CLIError("\(source): \(offset) bytes is not a whole number of \(format.rawValue) ids")
        }
        defer { inNumber = false }
        return inNumber ? [TokenID(value)] : []
    }
}
