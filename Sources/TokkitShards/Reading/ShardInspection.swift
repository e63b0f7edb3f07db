import Foundation
import TokkitCore
import TokkitIO

/// What one token file holds, as `tokkit shard inspect` shows it: its layout (read from the file,
/// not assumed), its header or index, its counts and digest, and the ids of its first documents.
///
/// The layout comes from the file itself: an llm.c header (magic 20240520 = uint16 tokens, 20240801
/// = uint32), a Megatron `.idx` beside it, else headerless tokens (nanoGPT). Width, end token and
/// vocabulary size come from `manifest.json` beside the file when there is one, else from the
/// caller's defaults.
///
/// ```swift
/// let shard = try ShardInspection(path: "out/prose_val_000000.bin", vocabulary: vocabulary, documents: 3)
/// print(shard.summary.tokens, shard.documents.map { try vocabulary.decode($0) })
/// ```
public struct ShardInspection: Sendable {
    /// What the file's own bytes (or its `.idx`) say about its layout.
    public enum Layout: Sendable {
        case llmc(LLMCHeader)
        case megatron(MegatronIndex, indexPath: String)
        /// Headerless tokens of the manifest's width, or the caller's.
        case nanogpt
    }

    /// The `.bin` file (an `.idx` path is read as the `.bin` beside it).
    public let path: String
    public let format: ShardFormat
    public let layout: Layout
    public let width: TokenWidth
    public let endTokenID: TokenID
    public let summary: TokenFileSummary
    /// The digest `manifest.json` records for this file, when a manifest beside it lists it; `summary` then holds
    /// the file's digest by the same algorithm, else by BLAKE3 (what `tokkit shard` records by default).
    public let recordedDigest: FileDigest?
    /// llm.c only: the ids before the first end token, which finish a document begun in the
    /// previous shard (at most ``idsKept``).
    public let continued: [TokenID]
    /// The first documents' ids, end tokens left out (each at most ``idsKept``).
    public let documents: [[TokenID]]

    /// How many ids of one document are kept for showing.
    public static let idsKept = 4096

    /// Reads the file at `path` to its end (counts and digest) and keeps the first `documents` documents.
    /// - Parameters:
    ///   - vocabulary: gives the end token when no manifest is beside the file, and the vocabulary size ids are checked against.
    ///   - tokenWidth: the width of a headerless file without a manifest.
    ///   - endToken: the document delimiter's text when no manifest is beside the file.
    /// - Throws: ``ShardError`` for an unreadable file, a header or index that is not what its layout
    ///   needs, an id outside the vocabulary, or a vocabulary without `endToken`.
    public init(path: String, vocabulary: Vocabulary, documents: Int = 3, tokenWidth: TokenWidth = .uint16,
                endToken: String = "<|endoftext|>") throws(ShardError) {
        let path = path.hasSuffix(".idx") ? String(path.dropLast(4)) + ".bin" : path
        let url = URL(fileURLWithPath: path)
        let manifest = try? ShardManifest.read(directory: url.deletingLastPathComponent().path)
        let indexPath = String(path.dropLast(4)) + ".idx"
        // The throwing read: a directory, /proc/self/mem or a vanished file is an error with the system's reason.
        let head: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = [UInt8](try handle.read(upToCount: LLMCHeader.byteCount) ?? Data())
        } catch {
            throw .unreadable(path: path, reason: FileIO.reason(for: error))
        }
        let magic = head.count >= 8 ? Int32(bitPattern: UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24) : 0
        var width = manifest?.settings.tokenWidth ?? tokenWidth
        let layout: Layout
        if [LLMCHeader.uint16Magic, LLMCHeader.uint32Magic].contains(magic) {
            let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            let header = try LLMCHeader.parse(head, fileSize: fileSize, path: path)
            width = header.width
            layout = .llmc(header)
            format = .llmc
        } else if FileManager.default.fileExists(atPath: indexPath) {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(indexPath) } catch { throw .unreadable(path: indexPath, reason: error.reason) }
            let index = try MegatronIndex.parse(bytes, path: indexPath)
            width = index.width
            layout = .megatron(index, indexPath: indexPath)
            format = .megatron
        } else {
            layout = .nanogpt
            format = .nanogpt
        }
        if let settings = manifest?.settings {
            endTokenID = settings.vocabulary.endTokenID
        } else {
            guard let end = vocabulary.specialToken(named: endToken) else {
                throw .noEndToken(text: endToken, known: vocabulary.specialTokens.map(\.text))
            }
            endTokenID = end.id
        }
        (self.path, self.layout, self.width) = (path, layout, width)
        recordedDigest = manifest?.shards.first { $0.tokenFile.file == url.lastPathComponent }?.tokenFile.digest
        let scanner = TokenFileScanner(format: format, width: width, vocabularySize: manifest?.settings.vocabulary.size ?? vocabulary.size,
                                       endTokenID: endTokenID, digest: recordedDigest?.algorithm ?? .blake3)
        var documentsSplitter = DocumentSplitter(endTokenID: endTokenID, endBefore: format.delimiter == .before, wanted: documents)
        summary = try scanner.scan(path) { ids in
            documentsSplitter.add(ids)
            return true
        }
        continued = documentsSplitter.continued
        self.documents = documentsSplitter.documents
    }
}

/// Cuts a stream of ids into its first documents. llm.c puts the end token before each document,
/// so ids before the first one continue a document begun in the previous shard; the other layouts
/// end every document with it.
private struct DocumentSplitter {
    let endTokenID: TokenID
    let endBefore: Bool
    let wanted: Int
    var continued: [TokenID] = []
    var documents: [[TokenID]] = []
    private var current: [TokenID] = []

    init(endTokenID: TokenID, endBefore: Bool, wanted: Int) {
        (self.endTokenID, self.endBefore, self.wanted) = (endTokenID, endBefore, wanted)
    }

    mutating func add(_ ids: ArraySlice<TokenID>) {
        for id in ids {
            if endBefore {
                if id == endTokenID {
                    guard documents.count < wanted else { return }
                    documents.append([])
                } else if documents.isEmpty {
                    if continued.count < ShardInspection.idsKept { continued.append(id) }
                } else if documents[documents.count - 1].count < ShardInspection.idsKept {
                    documents[documents.count - 1].append(id)
                }
            } else if documents.count < wanted {
                if id == endTokenID {
                    documents.append(current)
                    current = []
                } else if current.count < ShardInspection.idsKept {
                    current.append(id)
                }
            } else {
                return
            }
        }
    }
}
