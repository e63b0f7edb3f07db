import Foundation
import Synchronization
import Tokkit
import TokkitCorpus
import TokkitIO
import TokkitPrep

/// What a `tk_prep *` points to: one pipeline (a YAML configuration or preset with the caller's
/// settings, composed by ``PrepRequest`` exactly as `tokkit prep` composes its flags), and the
/// statistics of the documents filtered in memory so far.
///
/// A configuration with corpus-wide stages (dedup, decontamination, selection, …) has no
/// `processor`: those stages decide by looking at every document, so they run only over files
/// (`tk_prep_run`, as `tokkit prep` runs them), never on a batch in memory.
///
/// In-memory calls hold the lock for their whole batch: the PII stage numbers its placeholders in
/// document order across calls, so two batches must not interleave (within a batch the filters
/// still run on every core).
final class PrepHandle: Sendable {
    let request: PrepRequest
    let processor: DocumentProcessor?
    /// The corpus-wide stages, by name and YAML line, for the message that refuses in-memory filtering.
    let corpusStages: String
    let adapter: DocumentAdapter
    let state: Mutex<(statistics: RunStatistics, documents: Int)>

    init(_ request: PrepRequest) throws {
        self.request = request
        let configuration = try request.configuration()
        if configuration.hasCorpusStages {
            // Every stage and parameter is checked now, as for a per-document pipeline, so a mistake
            // is named with its line before any document is read.
            let steps = try request.steps(configuration)
            processor = nil
            corpusStages = steps.compactMap { if case .corpus(let stage) = $0 { stage.name } else { nil } }.joined(separator: ", ")
        } else {
            processor = DocumentProcessor(stages: try request.stages(configuration))
            corpusStages = ""
        }
        adapter = request.adapter(configuration)
        state = Mutex((RunStatistics(stages: processor?.emptyStatistics() ?? []), 0))
    }

    static func from(_ pointer: OpaquePointer?) throws(CFailure) -> PrepHandle {
        guard let pointer else { throw CFailure(.invalidArgument, "the prep handle is null") }
        return Unmanaged<PrepHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

extension CFailure {
    /// A prep failure: a configuration or run error (its message names the file and line), or a file
    /// that cannot be read.
    init(prep error: any Error) {
        switch error {
        case let corpus as CorpusError:
            switch corpus {
            case .unreadable, .noInputs, .emptyDirectory: self.init(.fileError, corpus.description)
            default: self.init(.prepError, corpus.description)
            }
        case let prep as PrepError: self.init(.prepError, prep.description)
        default: self.init(.prepError, "\(error)")
        }
    }
}

/// The request an options object describes (`tokkit.h` lists its keys); an unknown key is an error,
/// so a misspelt option is never silently ignored.
func prepRequest(_ json: String) throws(CFailure) -> PrepRequest {
    let object: JSONObject
    do {
        guard case .object(let parsed) = try JSONParser.parse(Array(json.utf8)) else {
            throw CFailure(.invalidArgument, "the prep options are not a JSON object")
        }
        object = parsed
    } catch let failure as CFailure {
        throw failure
    } catch {
        throw CFailure(.invalidArgument, "the prep options are not JSON: \(error)")
    }
    var request = PrepRequest()
    var vocabularies: String?
    for (key, value) in object {
        func text() throws(CFailure) -> String {
            guard let text = value.stringValue else { throw CFailure(.invalidArgument, "prep option \(key) must be a string") }
            return text
        }
        func number() throws(CFailure) -> Int {
            guard let number = value.doubleValue, let integer = Int(exactly: number) else {
                throw CFailure(.invalidArgument, "prep option \(key) must be an integer")
            }
            return integer
        }
        func flag() throws(CFailure) -> Bool {
            guard case .bool(let flag) = value else { throw CFailure(.invalidArgument, "prep option \(key) must be true or false") }
            return flag
        }
        switch key {
        case "config_path": request.configurationPath = try text()
        case "config_text": request.configurationText = try text()
        case "preset": request.preset = try text()
        case "inputs":
            guard case .array(let items) = value else { throw CFailure(.invalidArgument, "prep option inputs must be a list of paths") }
            request.inputs = try items.map { item throws(CFailure) in
                guard let path = item.stringValue else { throw CFailure(.invalidArgument, "prep option inputs must be a list of paths") }
                return path
            }
        case "output": request.output = try text()
        case "blocklists": request.blocklists = try text()
        case "public_suffix_list": request.publicSuffixList = try text()
        case "text_key": request.textKey = try text()
        case "id_key": request.idKey = try text()
        case "format": request.format = try text()
        case "compression": request.compression = try text()
        case "level": request.level = try number()
        case "rank": request.rank = try number()
        case "world_size": request.worldSize = try number()
        case "threads": request.threads = try number() > 0 ? try number() : ProcessInfo.processInfo.activeProcessorCount
        case "resume": request.resume = try flag()
        case "dropped": request.writeDropped = try flag()
        case "skip_bad_lines": request.skipBadLines = try flag()
        case "lossy": request.lossy = try flag()
        case "vocabularies": vocabularies = try text()
        default:
            throw CFailure(.invalidArgument, "unknown prep option \(key.debugDescription); valid: config_path, config_text, preset, inputs, "
                + "output, blocklists, public_suffix_list, text_key, id_key, format, compression, level, rank, world_size, threads, "
                + "resume, dropped, skip_bad_lines, lossy, vocabularies")
        }
    }
    // A `mix` stage counts tokens with a vocabulary, loaded as `tokkit prep` loads it. In a Python
    // process no resource bundle sits beside the executable, so a bundled name is read from the folder
    // the package ships (`vocabularies`), as its encoders are.
    request.tokenizers = { [vocabularies] name in
        if let vocabularies, let named = NamedVocabulary.named(name) {
            return try Tokenizer(vocabulary: try named.load(from: vocabularies), pattern: named.pattern)
        }
        return try TokenizerLoader.load(name)
    }
    return request
}

/// Builds a pipeline from options (JSON text; see `tokkit.h`). Configuration errors are reported
/// here, before any document is read.
@_cdecl("tk_prep_new")
public func tk_prep_new(_ options: UnsafePointer<CChar>?, _ output: UnsafeMutablePointer<OpaquePointer?>?,
                        _ error: UnsafeMutableRawPointer?) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let request = try prepRequest(try string(options, "options"))
        do {
            output.pointee = OpaquePointer(Unmanaged.passRetained(try PrepHandle(request)).toOpaque())
        } catch {
            throw CFailure(prep: error)
        }
    }
}

@_cdecl("tk_prep_free")
public func tk_prep_free(_ prep: OpaquePointer?) {
    guard let prep else { return }
    Unmanaged<PrepHandle>.fromOpaque(UnsafeRawPointer(prep)).release()
}

/// Runs the pipeline over its inputs into its output directory, as `tokkit prep` does (same files,
/// markers and statistics); returns this rank's statistics as `malloc`ed JSON (`stats/<rank>.json`).
@_cdecl("tk_prep_run")
public func tk_prep_run(_ prep: OpaquePointer?, _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                        _ error: UnsafeMutableRawPointer?) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let request = try PrepHandle.from(prep).request
        do {
            // Built afresh per call (a run starts PII's placeholder numbering anew), by the code
            // `tokkit prep` calls: per-document stages, or steps with corpus-wide ones.
            let statistics = try request.makeWholeRun(try request.configuration()).run()
            output.pointee = strdup(String(decoding: JSONWriter.bytes(statistics.json), as: UTF8.self))
        } catch {
            throw CFailure(prep: error)
        }
    }
}

/// Filters documents in memory: `jsonl` holds one JSON record per line (read with the pipeline's
/// text and id keys). Returns a `malloc`ed JSON array with one entry per record, in order:
/// `{"text": …}` for a kept document (its text after every rewriting stage) or `{"stage": …,
/// "reason": …}` for a dropped one (`reader`/`empty_text` for an empty text, which `tokkit prep`
/// skips). Statistics accumulate in the handle (`tk_prep_statistics`).
@_cdecl("tk_prep_process")
public func tk_prep_process(_ prep: OpaquePointer?, _ jsonl: UnsafePointer<UInt8>?, _ length: Int, _ threads: Int,
                            _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                            _ error: UnsafeMutableRawPointer?) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let handle = try PrepHandle.from(prep)
        guard let processor = handle.processor else {
            throw CFailure(.prepError, "this configuration has corpus-wide stages (\(handle.corpusStages)): they decide by looking at "
                + "every document, so they run over files (tokkit.prep, tk_prep_run), not on documents in memory")
        }
        let lines = try bytes(jsonl, length).split(separator: 0x0A, omittingEmptySubsequences: false)
        let records = lines.last?.isEmpty == true ? lines.dropLast() : lines[...]
        let workers = threads > 0 ? threads : handle.request.threads
        let results = try handle.state.withLock { state throws(CFailure) -> [JSONValue] in
            var documents: [Document] = []
            var slots: [JSONValue?] = []
            var bytesRead = 0
            for (index, line) in records.enumerated() {
                let number = state.documents + index
                let record: JSONObject
                do {
                    guard case .object(let object) = try JSONParser.parse(Array(line)) else {
                        throw CFailure(.prepError, "document \(number): not a JSON object")
                    }
                    record = object
                } catch let failure as CFailure {
                    throw failure
                } catch {
                    throw CFailure(.prepError, "document \(number): \(error)")
                }
                switch handle.adapter.adapt(record, path: "documents", lineIndex: number) {
                case .document(let document):
                    documents.append(document)
                    bytesRead += document.text.utf8.count
                    slots.append(nil)
                case .empty:
                    state.statistics.reader.add("empty_text_skipped")
                    slots.append(.object(JSONObject([("stage", .string("reader")), ("reason", .string("empty_text"))])))
                case .missingText:
                    throw CFailure(.prepError, "document \(number): no text under the key \(handle.adapter.textKey.debugDescription)")
                case .nonStringText(let kind):
                    throw CFailure(.prepError, "document \(number): the text under \(handle.adapter.textKey.debugDescription) is \(kind), not a string")
                }
            }
            var stages = state.statistics.stages
            let processed = processor.runBatch(documents, threads: max(1, workers), statistics: &stages)
            var next = processed.makeIterator()
            for index in slots.indices where slots[index] == nil {
                guard let result = next.next() else { break }
                if let failure = result.failure {
                    throw CFailure(.prepError, "document \(result.document.id.debugDescription): \(failure)")
                }
                if let drop = result.drop {
                    slots[index] = .object(JSONObject([("stage", .string(processor.stages[drop.stage].name)),
                                                       ("reason", .string(drop.reason))]))
                } else {
                    var document = result.document
                    if let failure = processor.runSequentialStages(&document, &stages) {
                        throw CFailure(.prepError, "document \(document.id.debugDescription): \(failure)")
                    }
                    slots[index] = .object(JSONObject([("text", .string(document.text))]))
                }
            }
            state.statistics.stages = stages
            state.statistics.reader.add("documents", documents.count)
            state.statistics.reader.add("bytes", bytesRead)
            state.documents += records.count
            return slots.map { $0 ?? .null }
        }
        output.pointee = strdup(String(decoding: JSONWriter.bytes(.array(results)), as: UTF8.self))
    }
}

/// The statistics of every document filtered in memory with this handle so far, as `malloc`ed JSON
/// in the shape of `stats/<rank>.json`.
@_cdecl("tk_prep_statistics")
public func tk_prep_statistics(_ prep: OpaquePointer?, _ output: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                               _ error: UnsafeMutableRawPointer?) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let statistics = try PrepHandle.from(prep).state.withLock { $0.statistics }
        output.pointee = strdup(String(decoding: JSONWriter.bytes(statistics.json), as: UTF8.self))
    }
}
