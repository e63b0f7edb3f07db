import Foundation

/// A sorted run of one band's records on disk, in datatrove's `MinhashDedupSignature` layout:
/// little-endian `<{rows}Q I>` records (`rows` hash values, then the document number), sorted by
/// `(values, document)`. Written under a temporary name and renamed, so a run file is either whole
/// or absent.
enum SignatureRun {
    static func write(path: String, values: [UInt64], documents: [UInt32], order: [UInt32], rows: Int) throws {
        let recordSize = rows * 8 + 4
        var bytes = [UInt8](repeating: 0, count: order.count * recordSize)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            for record in order.map(Int.init) {
                for row in 0..<rows {
                    raw.storeBytes(of: values[record * rows + row].littleEndian, toByteOffset: offset, as: UInt64.self)
                    offset += 8
                }
                raw.storeBytes(of: documents[record].littleEndian, toByteOffset: offset, as: UInt32.self)
                offset += 4
            }
        }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw DedupError.io(path: temporary, reason: "cannot write a signature run (disk full or no permission?)")
        }
        guard rename(temporary, path) == 0 else {
            throw DedupError.io(path: path, reason: "cannot rename \(temporary) into place: \(String(cString: strerror(errno)))")
        }
    }
}

/// Reads one run file in chunks.
final class SignatureRunReader {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private let rows: Int
    private let recordSize: Int
    private var buffer: [UInt8]
    private var bufferCount = 0
    private var position = 0

    init(path: String, rows: Int, chunkRecords: Int = 8192) throws {
        self.path = path
        self.rows = rows
        recordSize = rows * 8 + 4
        guard let file = fopen(path, "rb") else {
            throw DedupError.io(path: path, reason: "cannot open a signature run: \(String(cString: strerror(errno)))")
        }
        self.file = file
        buffer = [UInt8](repeating: 0, count: chunkRecords * recordSize)
        var status = stat()
        if stat(path, &status) == 0, Int(status.st_size) % recordSize != 0 {
            fclose(file)
            throw DedupError.corruptRun(path: path, byteCount: Int(status.st_size), recordSize: recordSize)
        }
    }

    deinit { fclose(file) }

    /// The next record, or nil at the end.
    func next(into values: inout [UInt64]) throws -> UInt32? {
        if position == bufferCount {
            bufferCount = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            position = 0
            if bufferCount == 0 {
                if ferror(file) != 0 { throw DedupError.io(path: path, reason: "read error in a signature run") }
                return nil
            }
            if bufferCount % recordSize != 0 { throw DedupError.corruptRun(path: path, byteCount: bufferCount, recordSize: recordSize) }
        }
        let document: UInt32 = buffer.withUnsafeBytes { raw in
            for row in 0..<rows {
                values[row] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: position + row * 8, as: UInt64.self))
            }
            return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position + rows * 8, as: UInt32.self))
        }
        position += recordSize
        return document
    }
}

/// k-way merge of a band's spilled runs and its in-memory records, in `(values, document)` order.
struct SignatureRunMerger {
    private struct Head {
        var values: [UInt64]
        var document: UInt32
        var source: Int
    }

    private let readers: [SignatureRunReader]
    private let memory: (values: [UInt64], documents: [UInt32], order: [UInt32])
    private var memoryPosition = 0
    private let rows: Int
    private var heap: [Head] = []

    init(runs: [String], memory: (values: [UInt64], documents: [UInt32], order: [UInt32]), rows: Int) throws {
        readers = try runs.map { try SignatureRunReader(path: $0, rows: rows) }
        self.memory = memory
        self.rows = rows
        for source in 0...readers.count {
            if let head = try read(source) { push(head) }
        }
    }

    mutating func next() throws -> ([UInt64], UInt32)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        if let head = try read(top.source) { push(head) }
        return (top.values, top.document)
    }

    private mutating func read(_ source: Int) throws -> Head? {
        if source == readers.count {
            guard memoryPosition < memory.order.count else { return nil }
            let record = Int(memory.order[memoryPosition])
            memoryPosition += 1
            return Head(values: Array(memory.values[(record * rows)..<((record + 1) * rows)]), document: memory.documents[record], source: source)
        }
        var values = [UInt64](repeating: 0, count: rows)
        guard let document = try readers[source].next(into: &values) else { return nil }
        return Head(values: values, document: document, source: source)
    }

    private static func less(_ lhs: Head, _ rhs: Head) -> Bool {
        if lhs.values != rhs.values { return lhs.values.lexicographicallyPrecedes(rhs.values) }
        return lhs.document < rhs.document
    }

    private mutating func push(_ head: Head) {
        heap.append(head)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, Self.less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
