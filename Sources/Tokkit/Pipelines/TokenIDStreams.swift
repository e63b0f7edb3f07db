#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TokkitCore
import TokkitCorpus
import TokkitIO
import TokkitShards
import TokkitText

/// Why a stream of token ids could not be written or read.
public enum TokenIDStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An id that uint16 cannot hold, at this position of the ids written.
    case tooWide(id: TokenID, position: Int)
    /// The input is not ids in the format: where, and what was found.
    case malformed(path: String, byteOffset: Int, reason: String)
    /// An id the vocabulary lacks.
    case unknownID(path: String, DecodingError)
    /// The ids could not be read.
    case input(CorpusError)

    public var description: String {
        switch self {
        case .tooWide(let id, let position): return "token id \(id) at position \(position) does not fit in uint16; use --format uint32"
        case .malformed(let path, let offset, let reason): return "\(path): byte \(offset): \(reason)"
        case .unknownID(let path, let error): return "\(path): \(error)"
        case .input(let error): return error.description
        }
    }
}

/// `tokkit decode`: ids from `input` in `format`, decoded block by block (memory stays flat however
/// long the input is) and handed to `write`: exact bytes, or with ill-formed UTF-8 replaced by
/// U+FFFD as `String(decoding:as:)` replaces it in the whole (tiktoken's `errors="replace"`).
public enum IDStreamDecoder {
    /// With `threads` above 1, the input is read `parallelBlockBytes(threads:)` at a time, so that each
    /// block holds enough ids for `Vocabulary.appendBytes(of:to:threads:)` to split it over the threads.
    ///
    /// - Throws: ``TokenIDStreamError`` for input that is not ids, an id the vocabulary lacks (with
    ///   its position in the stream), or a read error; whatever `write` throws.
    public static func decode(_ input: InputReader, format: IDFormat, tokenizer: Tokenizer, bytes: Bool, threads: Int = 1,
                              write: ([UInt8]) throws -> Void) throws {
        #if _endian(little)
        if format == .uint32, input.compression == nil, input.path != "<stdin>",
           case let descriptor = open(input.path, O_RDONLY | O_CLOEXEC), descriptor >= 0 {
            defer { close(descriptor) }
            var status = stat()
            if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG {
                return try decodeInPlace(descriptor, path: input.path, tokenizer: tokenizer, bytes: bytes, threads: threads, write: write)
            }
        }
        #endif
        var parser = IDParser(format: format, source: input.path)
        var repair = UTF8Repair()
        var block: [UInt8] = []
        // Reused from block to block: a fresh multi-megabyte array per block cost its page clearing.
        var decoded: [UInt8] = []
        var ids: [TokenID] = []
        var position = 0
        while true {
            block.removeAll(keepingCapacity: true)
            var more = true
            do {
                repeat { more = try input.read(appendingTo: &block) } while more && block.count < parallelBlockBytes(threads: threads)
            } catch { throw TokenIDStreamError.input(error) }
            // The last read may have found the end after some bytes: those are parsed now, and the
            // next round finds the end at once.
            if !more && !block.isEmpty { more = true }
            ids.removeAll(keepingCapacity: true)
            if more { try parser.feed(block, appendingTo: &ids) } else { ids = try parser.finish() }
            decoded.removeAll(keepingCapacity: true)
            do {
                try tokenizer.vocabulary.appendBytes(of: ids, to: &decoded, threads: threads)
            } catch .unknownID(let id, let index) {
                throw TokenIDStreamError.unknownID(path: input.path, .unknownID(id: id, position: position + index))
            }
            position += ids.count
            try write(bytes ? decoded : repair.text(decoded, final: !more))
            guard more else { break }
        }
    }

    /// `decode` of a regular file of uint32 ids on a little-endian machine: each block is read straight into
    /// the id array the decoder reads, which is the file's bytes. The general path copies every id twice
    /// more (from the reader's buffer into a block, and from the block into ids, one `LittleEndianIDs` pass),
    /// which cost a quarter of the CPU of decoding `tokkit encode --format uint32`'s output. Errors,
    /// positions and writes are those of the general path: every whole id is decoded and written, then a
    /// file that ends inside an id is malformed at its last byte.
    ///
    /// Why `read` and not a memory map: a mapped file that another process truncates kills the reader
    /// with SIGBUS; a `read` of it just ends early.
    private static func decodeInPlace(_ descriptor: Int32, path: String, tokenizer: Tokenizer, bytes: Bool, threads: Int,
                                      write: ([UInt8]) throws -> Void) throws {
        let width = MemoryLayout<TokenID>.size
        var ids = [TokenID](repeating: 0, count: parallelBlockBytes(threads: threads) / width)
        var repair = UTF8Repair()
        var decoded: [UInt8] = []
        var position = 0, offset = 0, atEnd = false
        repeat {
            // A block of whole ids; only the file's end can leave a partial one.
            var filled = 0, failure: Int32 = 0
            ids.withUnsafeMutableBytes { raw in
                while filled < raw.count, !atEnd, failure == 0 {
                    let got = read(descriptor, raw.baseAddress! + filled, raw.count - filled)
                    if got < 0 {
                        if errno != EINTR { failure = errno }
                        continue
                    }
                    atEnd = got == 0
                    filled += got
                }
            }
            guard failure == 0 else { throw TokenIDStreamError.input(.unreadable(path: path, reason: String(cString: strerror(failure)))) }
            offset += filled
            let whole = filled / width
            decoded.removeAll(keepingCapacity: true)
            do {
                try tokenizer.vocabulary.appendBytes(of: ids[0..<whole], to: &decoded, threads: threads)
            } catch .unknownID(let id, let index) {
                throw TokenIDStreamError.unknownID(path: path, .unknownID(id: id, position: position + index))
            }
            position += whole
            let cut = filled % width != 0
            try write(bytes ? decoded : repair.text(decoded, final: atEnd && !cut))
            if cut { throw TokenIDStreamError.malformed(path: path, byteOffset: offset, reason: "\(offset) bytes is not a whole number of uint32 ids") }
        } while !atEnd
    }

    /// How much of the input a block holds: 1 MiB for each thread (on one thread, one read). A thread's
    /// part of a block, 256K uint32 ids and their bytes, then stays in its core's cache from parsing to
    /// writing; blocks of 16 MiB cost 1.5× the CPU of one thread's blocks of 1 MiB.
    public static func parallelBlockBytes(threads: Int) -> Int { max(1, threads) << 20 }
}

/// How token ids are written and read by `tokkit encode` and `tokkit decode`: decimal ids separated by
/// spaces (one document a line), JSON arrays (one a line), or little-endian uint16/uint32 with no separators.
public enum IDFormat: String, Sendable, CaseIterable {
    case text, json, uint16, uint32

    /// A batch's documents in this format, into `output`, emptied first so that one buffer serves
    /// batch after batch (a fresh array per batch was a third of `tokkit encode --docs lines` in page clearing).
    /// - Throws: ``TokenIDStreamError/tooWide(id:position:)`` for an id that uint16 cannot hold.
    public func render(_ documents: EncodedDocuments, into output: inout [UInt8]) throws(TokenIDStreamError) {
        output.removeAll(keepingCapacity: true)
        if self == .uint16 || self == .uint32 {
            // No separators between documents: the batch's ids run after run.
            var renderer = IDRenderer(format: self)
            try documents.forEachRun { ids throws(TokenIDStreamError) in try renderer.part(ids, to: &output) }
            return
        }
        for index in 0..<documents.count {
            var renderer = IDRenderer(format: self)
            renderer.begin(to: &output)
            try renderer.part(documents[index], to: &output)
            renderer.end(to: &output)
        }
    }
}

extension IDFormat {
    /// A batch's documents in this format, handed to `write` as bytes: uint32 ids on a little-endian
    /// machine are their own bytes, handed over where they lie (scattered ids run by run, never gathered);
    /// any other format is rendered into `scratch` first (``render(_:into:)``).
    ///
    /// Why: the uint32 rendering was a copy of every id into a buffer of its own (10 MB of lines, one
    /// thread: 9.3 M instructions of `tokkit encode`'s 887 M, callgrind, and its fresh pages).
    public func write(_ documents: EncodedDocuments, rendering scratch: inout [UInt8],
                      to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        if self == .uint16 || self == .uint32 {
            // No separators between documents: the batch's ids run after run.
            var renderer = IDRenderer(format: self)
            try documents.forEachRun { try renderer.write($0, rendering: &scratch, to: write) }
            return
        }
        try render(documents, into: &scratch)
        try scratch.withUnsafeBytes { try write($0) }
    }
}

/// Renders one document's ids in a format, in parts, so that a streamed document is written as it
/// is encoded: `begin()`, `part(_:)` for each run of ids, `end()`.
public struct IDRenderer: Sendable {
    public let format: IDFormat
    /// Ids written so far: decides separators, and names the position of an id too large for uint16.
    @usableFromInline var written = 0

    public init(format: IDFormat) { self.format = format }

    public func begin() -> [UInt8] {
        var output: [UInt8] = []
        begin(to: &output)
        return output
    }

    public func end() -> [UInt8] {
        var output: [UInt8] = []
        end(to: &output)
        return output
    }

    /// Appends what opens a document. Appended in place: a batch of short lines allocated an array
    /// per document for its newline (`_int_malloc` 3% of `tokkit encode --docs lines`, perf).
    @inlinable
    public func begin(to output: inout [UInt8]) {
        if format == .json { output.append(UInt8(ascii: "[")) }
    }

    /// Appends what closes a document.
    @inlinable
    public func end(to output: inout [UInt8]) {
        switch format {
        case .text: output.append(UInt8(ascii: "\n"))
        case .json: output.append(UInt8(ascii: "]")); output.append(UInt8(ascii: "\n"))
        case .uint16, .uint32: break
        }
    }

    /// The ids of one run, after the ones already written, handed to `write` as bytes: uint32 ids on a
    /// little-endian machine are their own bytes, handed over where they lie; any other format is rendered
    /// into `scratch` first, emptied so that one buffer serves run after run.
    ///
    /// Why: `tokkit encode` of a file as one text rendered each chunk's ids into a fresh array of their own
    /// bytes, a copy of every id (10 MB of public_en, cl100k, uint32, 12 runs against that: one thread CPU
    /// 0.985, two threads 1.000). One rule for the batches too (`IDFormat.write(_:rendering:to:)`).
    public mutating func write(_ ids: [TokenID], rendering scratch: inout [UInt8],
                               to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try ids.withUnsafeBufferPointer { try self.write($0, rendering: &scratch, to: write) }
    }

    /// ``write(_:rendering:to:)`` of ids in memory the caller holds.
    public mutating func write(_ ids: UnsafeBufferPointer<TokenID>, rendering scratch: inout [UInt8],
                               to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        #if _endian(little)
        if format == .uint32 {
            try write(UnsafeRawBufferPointer(ids))
            written += ids.count
            return
        }
        #endif
        scratch.removeAll(keepingCapacity: true)
        try part(ids, to: &scratch)
        try scratch.withUnsafeBytes { try write($0) }
    }

    /// The ids of one run, after the ones already written. Inlinable: encode's output loop runs it per
    /// id, and a generic call across the module boundary would not be specialized.
    @inlinable
    public mutating func part<IDs: Collection<TokenID>>(_ ids: IDs) throws(TokenIDStreamError) -> [UInt8] {
        var output: [UInt8] = []
        try part(ids, to: &output)
        return output
    }

    /// Appends the rendering of the ids of one run to `output`.
    @inlinable
    public mutating func part<IDs: Collection<TokenID>>(_ ids: IDs, to output: inout [UInt8]) throws(TokenIDStreamError) {
        switch format {
        case .text, .json:
            let separator = format == .text ? UInt8(ascii: " ") : UInt8(ascii: ",")
            var separate = written > 0
            // Rendered into a block on the stack and appended a block at a time: appending digit by digit
            // checked the array's uniqueness and capacity for every byte, and with a division per digit this
            // was a quarter of the CPU of `tokkit encode` in its default format (public_multi, cl100k, perf).
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.decimalBlock) { block in
                let base = block.baseAddress!
                var used = 0
                for id in ids {
                    if used > Self.decimalBlock - Self.longestDecimal - 1 {
                        output.append(contentsOf: UnsafeBufferPointer(start: base, count: used))
                        used = 0
                    }
                    if separate { base[used] = separator; used += 1 }
                    separate = true
                    used += Self.renderDecimal(id, at: base + used)
                }
                output.append(contentsOf: UnsafeBufferPointer(start: base, count: used))
            }
            written += ids.count
        case .uint16:
            if let tooWide = LittleEndianIDs.append(ids, width: .uint16, to: &output) {
                throw .tooWide(id: ids[tooWide], position: written + ids.distance(from: ids.startIndex, to: tooWide))
            }
            written += ids.count
        case .uint32:
            LittleEndianIDs.append(ids, width: .uint32, to: &output)
            written += ids.count
        }
    }

    /// 1 KiB: the most `withUnsafeTemporaryAllocation` always takes from the stack; at 4 KiB it asked the
    /// heap, once per document (`posix_memalign` 3% of `tokkit encode --docs lines`, perf).
    @inlinable static var decimalBlock: Int { 1024 }
    /// Digits of the largest id, `UInt32.max`.
    @inlinable static var longestDecimal: Int { 10 }

    /// Writes `value` in decimal at `destination`; returns how many digits. Two digits at a time, from the
    /// last: a division by 100 and one by 10 per pair (each a multiply and a shift), where digit by digit
    /// took a dependent division per digit.
    @inlinable @inline(__always)
    static func renderDecimal(_ value: TokenID, at destination: UnsafeMutablePointer<UInt8>) -> Int {
        let length = decimalLength(value)
        var rest = value, end = length
        while rest >= 100 {
            let pair = rest % 100
            rest /= 100
            end &-= 2
            destination[end] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair / 10)
            destination[end &+ 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair % 10)
        }
        if rest >= 10 {
            destination[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / 10)
            destination[1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
        } else {
            destination[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
        return length
    }

    /// How many decimal digits `value` has: one comparison per power of ten, added without branches (ids of
    /// four, five and six digits alternate at random).
    @inlinable @inline(__always)
    static func decimalLength(_ value: TokenID) -> Int {
        func atLeast(_ bound: TokenID) -> Int { value >= bound ? 1 : 0 }
        return 1 &+ atLeast(10) &+ atLeast(100) &+ atLeast(1_000) &+ atLeast(10_000) &+ atLeast(100_000)
            &+ atLeast(1_000_000) &+ atLeast(10_000_000) &+ atLeast(100_000_000) &+ atLeast(1_000_000_000)
    }
}

/// Ill-formed UTF-8 replaced by U+FFFD, chunk by chunk, exactly as `String(decoding:as:)` replaces it in
/// the whole: a chunk is cut before a sequence it ends in the middle of, which waits for the next chunk.
///
/// The cut is safe because a byte that is not a continuation byte (`10xxxxxx`) always starts a new
/// maximal subpart: what comes before it decodes the same whether or not the rest follows. A chunk whose
/// last three bytes are continuation bytes ends at a boundary already (no sequence is longer than four).
public struct UTF8Repair: Sendable {
    public init() {}

    private var pending: [UInt8] = []

    /// `bytes` repaired, less an incomplete sequence at the end that waits for the next chunk (unless `final`).
    public mutating func text(_ bytes: [UInt8], final: Bool) -> [UInt8] {
        var all = pending.isEmpty ? bytes : pending + bytes
        pending = []
        if !final, let start = (max(0, all.count - 3)..<all.count).last(where: { all[$0] & 0xC0 != 0x80 }) {
            let lead = all[start]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if all.count - start < length {
                pending = Array(all[start...])
                all.removeSubrange(start...)
            }
        }
        // Valid text, nearly all there is, is its own repair: checked 32 bytes at a time, where decoding it
        // into a String and back was a sixth of `tokkit decode` of text ids (public_multi, cl100k, perf).
        if all.withUnsafeBufferPointer(UTF8Validation.isValid) { return all }
        return UTF8Validation.repaired(all)
    }
}

/// Token ids read from a stream in any of the `IDFormat`s, block by block: a number or a binary id cut
/// between two blocks waits for the next one. Errors name the byte offset in the whole stream.
public struct IDParser: Sendable {
    public let format: IDFormat
    /// The input, for error messages.
    public let source: String
    private var offset = 0
    private var value: UInt64 = 0
    private var inNumber = false
    private var leftover: [UInt8] = []

    public init(format: IDFormat, source: String) {
        self.format = format
        self.source = source
    }

    /// The ids completed by the next block of the stream.
    public mutating func feed(_ bytes: [UInt8]) throws(TokenIDStreamError) -> [TokenID] {
        var ids: [TokenID] = []
        try feed(bytes, appendingTo: &ids)
        return ids
    }

    /// Appends the ids completed by the next block of the stream to `ids` (one buffer for every block).
    public mutating func feed(_ bytes: [UInt8], appendingTo ids: inout [TokenID]) throws(TokenIDStreamError) {
        switch format {
        case .text, .json:
            // The number in progress in locals, the block read through a pointer, ids gathered on the stack:
            // byte by byte through `self` and `append`'s checks this was half of `tokkit decode` of text ids
            // (public_multi, cl100k, perf). An id of up to seven digits followed by a separator, nearly every
            // id, is read eight bytes at a time (`leadingDigits`, `digitsValue`); the rest byte by byte.
            var value = value, inNumber = inNumber
            let start = offset
            try bytes.withUnsafeBufferPointer { block throws(TokenIDStreamError) in
                guard let base = block.baseAddress else { return }
                try withUnsafeTemporaryAllocation(of: TokenID.self, capacity: Self.gathered) { gathered throws(TokenIDStreamError) in
                    var count = 0
                    // The ids gathered so far go to `ids`: when the stack block is full, at an error, at the end.
                    func flush() {
                        ids.append(contentsOf: UnsafeBufferPointer(rebasing: gathered[..<count]))
                        count = 0
                    }
                    func emit(_ id: UInt64) {
                        if count == Self.gathered { flush() }
                        gathered[count] = TokenID(truncatingIfNeeded: id)
                        count &+= 1
                    }
                    var index = 0
                    while index < block.count {
                        if !inNumber, index &+ 8 <= block.count {
                            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                            let length = Self.leadingDigits(word)
                            if length > 0, length < 8, Self.isSeparator(base[index &+ length]) {
                                emit(Self.digitsValue(word, count: length))
                                index &+= length &+ 1
                                continue
                            }
                        }
                        let byte = base[index]
                        let digit = byte &- UInt8(ascii: "0")
                        if digit < 10 {
                            value = value &* 10 &+ UInt64(digit)
                            guard value <= UInt64(UInt32.max) else {
                                flush()
                                throw .malformed(path: source, byteOffset: start + index, reason: "id larger than 2^32-1")
                            }
                            inNumber = true
                        } else if Self.isSeparator(byte) {
                            if inNumber { emit(value) }
                            value = 0
                            inNumber = false
                        } else {
                            flush()
                            throw .malformed(path: source, byteOffset: start + index,
                                             reason: "expected a token id, found \(String(decoding: [byte], as: UTF8.self).debugDescription)")
                        }
                        index &+= 1
                    }
                    flush()
                }
            }
            self.value = value
            self.inNumber = inNumber
            offset += bytes.count
        case .uint16, .uint32:
            let width: LittleEndianIDs.Width = format == .uint16 ? .uint16 : .uint32
            // An id cut by the previous block is completed first; the block's whole ids are then
            // read in place, and its last partial id kept for the next block.
            var start = 0
            if !leftover.isEmpty {
                start = min(width.rawValue - leftover.count, bytes.count)
                leftover += bytes[0..<start]
                if leftover.count == width.rawValue {
                    leftover.withUnsafeBytes { LittleEndianIDs.append($0, width: width, to: &ids) }
                    leftover.removeAll()
                }
            }
            let end = start + (bytes.count - start) / width.rawValue * width.rawValue
            bytes.withUnsafeBytes { LittleEndianIDs.append(UnsafeRawBufferPointer(rebasing: $0[start..<end]), width: width, to: &ids) }
            leftover += bytes[end...]
            offset += bytes.count
        }
    }

    /// Ids gathered on the stack before they are appended: 1 KiB, what `withUnsafeTemporaryAllocation` always
    /// takes from the stack.
    private static var gathered: Int { 256 }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ","),
             UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }

    /// How many of the eight bytes of `word` (the first in its low byte) are ASCII digits before the first
    /// that is not. Each byte less `"0"` is a digit's value when below 10: adding 0x76 to its low seven bits
    /// carries into its top bit exactly when it is 10 or more, and never into the next byte.
    @inline(__always)
    private static func leadingDigits(_ word: UInt64) -> Int {
        let values = word ^ 0x3030_3030_3030_3030
        let notDigits = (((values & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | values) & 0x8080_8080_8080_8080
        return notDigits.trailingZeroBitCount >> 3
    }

    /// The number written by the first `count` (1–7) bytes of `word`, all digits: moved to the top of the word
    /// so that zeros lead, then the eight digits combined in pairs, fours and eights by three multiplications.
    @inline(__always)
    private static func digitsValue(_ word: UInt64, count: Int) -> UInt64 {
        var digits = (word & 0x0F0F_0F0F_0F0F_0F0F) << UInt64((8 &- count) &* 8)
        digits = (digits &* 10 &+ (digits >> 8)) & 0x00FF_00FF_00FF_00FF
        digits = (digits &* 100 &+ (digits >> 16)) & 0x0000_FFFF_0000_FFFF
        return (digits &* 10_000 &+ (digits >> 32)) & 0xFFFF_FFFF
    }

    /// The last id, if the stream ended in one; an error for a binary stream cut inside an id.
    public mutating func finish() throws(TokenIDStreamError) -> [TokenID] {
        guard leftover.isEmpty else {
            throw .malformed(path: source, byteOffset: offset, reason: "\(offset) bytes is not a whole number of \(format.rawValue) ids")
        }
        defer { inNumber = false }
        return inNumber ? [TokenID(value)] : []
    }
}
