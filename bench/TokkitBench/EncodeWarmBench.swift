import ArgumentParser
import Synchronization
import Tokkit

/// The Swift engine's side of `bench/python_bench.py`: one timed encode of a text it has not seen, by a
/// merger already warm from other text.
///
/// Why warm, and why once: a merger keeps a cache of the pieces it merged, and the Python package keeps
/// its mergers between calls. Timing the best of several runs on the same text would time a cache that
/// already holds every piece of that text (Python's second call ran at 1.5–2× its first), and timing a
/// fresh merger would charge the engine for a cold cache that neither the CLI (one warm merger per worker
/// across a corpus) nor a Python caller pays. So every tool in python_bench is warmed on the same earlier
/// texts and then timed once on a new one; this command does the same for the engine.
struct EncodeWarmBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encode-warm",
        abstract: "Warm one merger on --warm texts, then time one encode of --file (one thread, CPU time).")
    @OptionGroup var common: Common
    @Option(help: "Texts encoded first, untimed, by the same merger (in order).") var warm: [String] = []
    @Option(help: "Little-endian uint64 document boundaries of --file (0, end of document 1, …, file size): time the flat document batch instead of one text.")
    var documents: String?

    func run() throws {
        let tokenizer = try common.tokenizer()
        let text = try common.text()
        let specials = tokenizer.prepareSpecials(allowed: .none, disallowed: .none)
        let merger = Mutex(BytePairMerger())
        for path in warm {
            var ids: [TokenID] = []
            try FileIO.read(path).withUnsafeBufferPointer { buffer in
                try merger.withLock { try tokenizer.encode(validUTF8: buffer, specials: specials, merger: &$0, into: &ids) }
            }
        }
        var tokens = 0
        var cpu = 0.0
        if let documents {
            let bytes = try FileIO.read(documents)
            let boundaries = (0..<bytes.count / 8).map { Int(LittleEndianIDs.readInteger(bytes, at: $0 * 8, as: UInt64.self)) }
            try Tokenizer.checkBoundaries(boundaries, length: text.count)
            var encoded = EncodedDocuments()
            cpu = try bestTimes(1) {
                try text.withUnsafeBufferPointer { text in
                    try boundaries.withUnsafeBufferPointer { boundaries in
                        try tokenizer.encodeDocuments(text, boundaries: boundaries, specials: specials, checkUTF8: true, threads: 1,
                                                      lend: { body in merger.withLock { body(&$0) } }, into: &encoded)
                    }
                }
            }.cpu
            tokens = encoded.ids.count
        } else {
            var ids: [TokenID] = []
            cpu = try bestTimes(1) {
                ids.reserveCapacity(text.count / 3 + 1)
                try text.withUnsafeBufferPointer { buffer in
                    // Checked in the clock, as the documents above are and as `tokkit encode` checks its input:
                    // unchecked, one text was 1.8% fewer instructions than the same text as documents for a
                    // reason that is not a cost per document.
                    if let bad = UTF8Validation.firstInvalidOffset(buffer) { throw EncodingError.invalidUTF8(offset: bad) }
                    try merger.withLock { try tokenizer.encode(validUTF8: buffer, specials: specials, merger: &$0, into: &ids) }
                }
            }.cpu
            tokens = ids.count
        }
        printJSON(["bytes": text.count, "tokens": tokens, "cpu_seconds": cpu, "cpu_mbps": Double(text.count) / cpu / 1e6])
    }
}
