import Synchronization
import TokkitCore
import TokkitCorpus
import TokkitFormats
import TokkitText

/// What a `tk_trainer *` points to: the piece counts gathered so far and the pattern they were split with.
///
/// Counting is the map step of training: documents can arrive in many calls (Python feeds an
/// iterator in batches) and files are read and split on all cores; `tk_trainer_finish` runs the merges.
final class TrainerHandle: Sendable {
    let pattern: SplitPattern
    let counter: PieceCounter
    let counts = Mutex(WordCounts())

    init(pattern: SplitPattern) throws(CFailure) {
        self.pattern = pattern
        do {
            counter = try PieceCounter(pattern: pattern)
        } catch {
            throw CFailure(.patternError, "\(error)")
        }
    }

    func count(_ documents: [[UInt8]], threads: Int) throws(CFailure) {
        var local = WordCounts()
        do {
            _ = try counter.count(documents, into: &local, threads: threads)
        } catch {
            throw CFailure(.patternError, "\(error)")
        }
        do {
            try counts.withLock { try $0.merge(local) }
        } catch {
            throw CFailure(.trainingError, "\(error)")
        }
    }

    static func from(_ pointer: OpaquePointer?) throws(CFailure) -> TrainerHandle {
        guard let pointer else { throw CFailure(.invalidArgument, "the trainer handle is null") }
        return Unmanaged<TrainerHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

@_cdecl("tk_trainer_new")
public func tk_trainer_new(_ pattern: UnsafePointer<CChar>?, _ output: UnsafeMutablePointer<OpaquePointer?>?,
                           _ error: UnsafeMutableRawPointer?) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let trainer = try TrainerHandle(pattern: SplitPattern(regex: try string(pattern, "pattern")))
        output.pointee = OpaquePointer(Unmanaged.passRetained(trainer).toOpaque())
    }
}

@_cdecl("tk_trainer_free")
public func tk_trainer_free(_ trainer: OpaquePointer?) {
    guard let trainer else { return }
    Unmanaged<TrainerHandle>.fromOpaque(UnsafeRawPointer(trainer)).release()
}

/// Counts the pieces of documents stored back to back (as in `tk_encode_batch`). Invalid UTF-8 is an
/// error naming the document and byte.
@_cdecl("tk_trainer_add_documents")
public func tk_trainer_add_documents(
    _ trainer: OpaquePointer?, _ text: UnsafePointer<UInt8>?, _ offsets: UnsafePointer<UInt64>?, _ documentCount: Int,
    _ threads: Int, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        let handle = try TrainerHandle.from(trainer)
        guard documentCount >= 0 else { throw CFailure(.invalidArgument, "negative document count \(documentCount)") }
        guard documentCount > 0 else { return }
        let bounds = try byteOffsets(offsets, count: documentCount, argument: "offsets")
        let all = try bytes(text, bounds[documentCount])
        var documents: [[UInt8]] = []
        documents.reserveCapacity(documentCount)
        for index in 0..<documentCount {
            let document = Array(all[bounds[index]..<bounds[index + 1]])
            if let bad = UTF8Validation.firstInvalidOffset(document) {
                throw CFailure(EncodingError.inDocument(index: index, .invalidUTF8(offset: bad)))
            }
            documents.append(document)
        }
        try handle.count(documents, threads: threads <= 0 ? Tokenizer.defaultThreadCount : threads)
    }
}

/// Reads files, directories or globs (plain, gzip or zstd) as documents (`split`: `lines`,
/// `paragraphs` or `file`) and counts their pieces on all cores, streaming.
@_cdecl("tk_trainer_add_files")
public func tk_trainer_add_files(
    _ trainer: OpaquePointer?, _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ pathCount: Int,
    _ split: UnsafePointer<CChar>?, _ threads: Int, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        let handle = try TrainerHandle.from(trainer)
        let inputs = try strings(paths, pathCount)
        let splitName = try string(split, "split")
        guard let documentSplit = DocumentSplit(rawValue: splitName) else {
            throw CFailure(.invalidArgument, "document split \(splitName.debugDescription) is not lines, paragraphs or file")
        }
        do {
            let reader = try DocumentReader(inputs: inputs, format: .text(documentSplit))
            while let batch = try reader.nextBatch(targetBytes: 8 << 20) {
                try handle.count(batch.documents, threads: threads <= 0 ? Tokenizer.defaultThreadCount : threads)
            }
        } catch let failure as CFailure {
            throw failure
        } catch {
            throw CFailure(.fileError, "\(error)")
        }
    }
}

/// Runs the merges on everything counted and returns the trained tokenizer (which remembers its
/// merge list, for saving). `tiePolicy` is `hf` or `bytes`; `maxTokenLength` 0 means no limit.
@_cdecl("tk_trainer_finish")
public func tk_trainer_finish(
    _ trainer: OpaquePointer?, _ vocabularySize: Int, _ minFrequency: UInt64,
    _ specialTexts: UnsafePointer<UnsafePointer<CChar>?>?, _ specialCount: Int, _ specialsFirst: Int32,
    _ tiePolicy: UnsafePointer<CChar>?, _ maxTokenLength: Int,
    _ output: UnsafeMutablePointer<OpaquePointer?>?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        guard let output else { throw CFailure(.invalidArgument, "the output pointer is null") }
        let handle = try TrainerHandle.from(trainer)
        let policyName = try string(tiePolicy, "tie policy")
        guard let policy = TiePolicy(rawValue: policyName) else {
            throw CFailure(.invalidArgument, "tie policy \(policyName.debugDescription) is not one of: "
                           + TiePolicy.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let specials = try strings(specialTexts, specialCount).map { Array($0.utf8) }
        let configuration = TrainerConfiguration(
            vocabularySize: vocabularySize, minFrequency: minFrequency, specialTokens: specials,
            specialsFirst: specialsFirst != 0, maxTokenLength: maxTokenLength > 0 ? maxTokenLength : nil, tiePolicy: policy)
        let trained: TrainedVocabulary
        do {
            let counts = handle.counts.withLock { $0 }
            trained = try BPETrainer(configuration).train(counts)
        } catch {
            throw CFailure(.trainingError, "\(error)")
        }
        let vocabulary: Vocabulary
        do {
            vocabulary = try Vocabulary(tokens: trained.tokens, firstRank: trained.firstTokenID, specialTokens: trained.specialTokens)
        } catch {
            throw CFailure(.trainingError, "the trained vocabulary is inconsistent: \(error)")
        }
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(vocabulary: vocabulary, pattern: handle.pattern)
        } catch {
            throw CFailure(.patternError, "\(error)")
        }
        let merges = trained.merges.map { Vocabulary.Merge(left: $0.left, right: $0.right) }
        output.pointee = TokenizerHandle(tokenizer, trainedMerges: merges).retained()
    }
}

/// Writes the vocabulary: `format` is `tiktoken` (`path`), `huggingface` (`tokenizer.json` at `path`)
/// or `gpt2` (`encoder.json` at `path`, `vocab.bpe` at `secondPath`). Files are written atomically.
@_cdecl("tk_tokenizer_save")
public func tk_tokenizer_save(
    _ tokenizer: OpaquePointer?, _ format: UnsafePointer<CChar>?, _ path: UnsafePointer<CChar>?,
    _ secondPath: UnsafePointer<CChar>?, _ error: UnsafeMutableRawPointer?
) -> Int32 {
    reporting(error) { () throws(CFailure) in
        let handle = try TokenizerHandle.from(tokenizer)
        let formatName = try string(format, "format")
        let target = try string(path, "path")
        let vocabulary = handle.tokenizer.vocabulary
        do {
            switch formatName {
            case "tiktoken":
                try TiktokenFile.write(vocabulary, to: target)
            case "huggingface":
                try HuggingFaceTokenizerFile.write(vocabulary, pattern: handle.tokenizer.pattern,
                                                   merges: handle.trainedMerges, to: target)
            case "gpt2":
                try GPT2Files.write(vocabulary, merges: handle.trainedMerges, encoderPath: target,
                                    mergesPath: try string(secondPath, "the vocab.bpe path"))
            default:
                throw CFailure(.invalidArgument, "format \(formatName.debugDescription) is not tiktoken, huggingface or gpt2")
            }
        } catch let failure as CFailure {
            throw failure
        } catch {
            throw CFailure(.fileError, "\(error)")
        }
    }
}
