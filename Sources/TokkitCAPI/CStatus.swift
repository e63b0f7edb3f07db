import Foundation
import Tokkit
import TokkitCore
import TokkitFormats
import TokkitText

/// The status every C entry point returns: `0` for success, otherwise the kind of failure, so that a
/// caller can map each to its own error type (Python: `ValueError`, `KeyError`, `FileNotFoundError`, …)
/// without parsing messages. The numbers are part of the ABI (`tokkit.h`): never renumber them.
enum CStatus: Int32 {
    case ok = 0
    /// A null handle, a negative count, an unknown format or policy name: a bug in the caller.
    case invalidArgument = 1
    /// A vocabulary, corpus or output file could not be read or written (the message names it).
    case fileError = 2
    /// The text holds a special token the caller did not allow; `token` and `offset` say which and where.
    case disallowedSpecialToken = 3
    /// The input is not UTF-8; `offset` is the first bad byte.
    case invalidUTF8 = 4
    /// An id the vocabulary lacks was given to decode; `offset` is its position in the list.
    case unknownTokenID = 5
    /// Ranks or special tokens that do not form a vocabulary (duplicates, collisions, gaps).
    case invalidVocabulary = 6
    /// A split pattern ICU cannot compile, or a scanner asked for a pattern that has none.
    case patternError = 7
    /// Training could not run (vocabulary too small, empty corpus, bad special tokens).
    case trainingError = 8
    /// A comparison could not run.
    case compareError = 9
    /// A byte of the text has no single-byte token in this vocabulary; `offset` is where.
    case byteNotInVocabulary = 10
    /// A prep configuration or run failed (the message names the file and line, or the document).
    case prepError = 11
}

/// What a failed call reports through the caller's `tk_error` (see `tokkit.h`):
/// `{ int32_t code; int32_t reserved; int64_t offset; char *message; char *token; }`.
///
/// Swift cannot import the header of its own target, so the struct is written through its byte
/// layout; the two strings are `malloc`ed and the caller releases them with `tk_error_clear`.
struct CFailure: Error {
    var status: CStatus
    var message: String
    var offset: Int64 = -1
    var token: String?

    init(_ status: CStatus, _ message: String, offset: Int = -1, token: String? = nil) {
        self.status = status
        self.message = message
        self.offset = Int64(offset)
        self.token = token
    }

    /// Writes the failure into the caller's struct (if it passed one) and returns the status.
    func report(to error: UnsafeMutableRawPointer?) -> Int32 {
        guard let error else { return status.rawValue }
        error.storeBytes(of: status.rawValue, toByteOffset: 0, as: Int32.self)
        error.storeBytes(of: 0, toByteOffset: 4, as: Int32.self)
        error.storeBytes(of: offset, toByteOffset: 8, as: Int64.self)
        error.storeBytes(of: strdup(message), toByteOffset: 16, as: UnsafeMutablePointer<CChar>?.self)
        error.storeBytes(of: token.flatMap { strdup($0) }, toByteOffset: 24, as: UnsafeMutablePointer<CChar>?.self)
        return status.rawValue
    }

    init(_ error: EncodingError) {
        switch error {
        case .invalidUTF8(let offset):
            self.init(.invalidUTF8, error.description, offset: offset)
        case .disallowedSpecialToken(let text, let offset):
            self.init(.disallowedSpecialToken, error.description, offset: offset, token: text)
        case .byteNotInVocabulary(_, let offset):
            self.init(.byteNotInVocabulary, error.description, offset: offset)
        case .preTokenizer(let inner):
            self.init(.patternError, inner.description)
        case .invalidDocumentBoundaries:
            self.init(.invalidArgument, error.description)
        case .inDocument(_, let inner):
            // Keep the inner kind (a batch's caller wants to know it was a disallowed token), and the
            // whole description, which names the document.
            var failure = CFailure(inner)
            failure.message = error.description
            self = failure
        }
    }

    init(_ error: DecodingError) {
        switch error {
        case .unknownID(let id, let position):
            self.init(.unknownTokenID, error.description, offset: position, token: String(id))
        }
    }

    init(_ error: TokenizerLoadError) {
        switch error {
        case .file(let inner):
            switch inner {
            case .unreadable, .unknownVocabulary: self.init(.fileError, "\(error)")
            default: self.init(.invalidVocabulary, "\(error)")
            }
        case .pattern: self.init(.patternError, "\(error)")
        case .patternNeeded: self.init(.invalidArgument, "\(error)")
        }
    }
}

/// Runs a C entry point's body, turning any thrown failure into a status and an error report.
func reporting(_ error: UnsafeMutableRawPointer?, _ body: () throws(CFailure) -> Void) -> Int32 {
    do {
        try body()
        return CStatus.ok.rawValue
    } catch let failure {
        return failure.report(to: error)
    }
}

/// `count + 1` byte offsets a C caller passed as `UInt64` (document or piece `i` is `offsets[i] ..< offsets[i + 1]`),
/// as `Int`s, checked to start at 0 and ascend. Why checked here: `Int(_:)` traps on a value above `Int.max`, and a
/// C caller's mistake must come back as `TK_INVALID_ARGUMENT` naming the argument and index, never end the process.
func byteOffsets(_ pointer: UnsafePointer<UInt64>?, count: Int, argument: String) throws(CFailure) -> [Int] {
    guard count >= 0 else { throw CFailure(.invalidArgument, "negative count \(count) for \(argument)") }
    guard count > 0 else { return [0] }
    guard let pointer else { throw CFailure(.invalidArgument, "\(argument) is null") }
    var result: [Int] = []
    result.reserveCapacity(count + 1)
    for index in 0...count {
        guard let offset = Int(exactly: pointer[index]) else {
            throw CFailure(.invalidArgument, "\(argument)[\(index)] = \(pointer[index]) is larger than \(Int.max)")
        }
        guard index > 0 ? offset >= result[index - 1] : offset == 0 else {
            throw CFailure(.invalidArgument, index == 0 ? "\(argument)[0] = \(offset), not 0"
                           : "\(argument)[\(index)] = \(offset) is below \(argument)[\(index - 1)] = \(result[index - 1])")
        }
        result.append(offset)
    }
    return result
}

/// Copies `values` into a `malloc`ed buffer the caller frees with `tk_free` (never null, even when empty,
/// so that a caller can tell "no ids" from "not set").
func mallocCopy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
    let memory = malloc(max(1, values.count * MemoryLayout<T>.stride))!.bindMemory(to: T.self, capacity: max(1, values.count))
    values.withUnsafeBufferPointer { source in
        if let base = source.baseAddress { memory.initialize(from: base, count: source.count) }
    }
    return memory
}

/// Reads a C array of `count` C strings.
func strings(_ pointer: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int) throws(CFailure) -> [String] {
    guard count >= 0 else { throw CFailure(.invalidArgument, "negative count \(count)") }
    guard count > 0 else { return [] }
    guard let pointer else { throw CFailure(.invalidArgument, "a null string array with count \(count)") }
    var result: [String] = []
    for index in 0..<count {
        guard let string = pointer[index] else { throw CFailure(.invalidArgument, "string \(index) of the array is null") }
        result.append(String(cString: string))
    }
    return result
}

/// Reads a required C string argument.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(CFailure) -> String {
    guard let pointer else { throw CFailure(.invalidArgument, "\(name) is null") }
    return String(cString: pointer)
}

/// A byte buffer argument; a null pointer is allowed only with length 0.
func bytes(_ pointer: UnsafePointer<UInt8>?, _ count: Int) throws(CFailure) -> UnsafeBufferPointer<UInt8> {
    guard count >= 0 else { throw CFailure(.invalidArgument, "negative length \(count)") }
    guard let pointer else {
        guard count == 0 else { throw CFailure(.invalidArgument, "a null buffer with length \(count)") }
        return UnsafeBufferPointer(start: nil, count: 0)
    }
    return UnsafeBufferPointer(start: pointer, count: count)
}

@_cdecl("tk_free")
public func tk_free(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

@_cdecl("tk_error_clear")
public func tk_error_clear(_ error: UnsafeMutableRawPointer?) {
    guard let error else { return }
    free(error.load(fromByteOffset: 16, as: UnsafeMutableRawPointer?.self))
    free(error.load(fromByteOffset: 24, as: UnsafeMutableRawPointer?.self))
    error.storeBytes(of: 0, toByteOffset: 0, as: Int32.self)
    error.storeBytes(of: -1, toByteOffset: 8, as: Int64.self)
    error.storeBytes(of: nil, toByteOffset: 16, as: UnsafeMutableRawPointer?.self)
    error.storeBytes(of: nil, toByteOffset: 24, as: UnsafeMutableRawPointer?.self)
}

/// The ABI version: bumped whenever a signature in `tokkit.h` changes or a function the Python package needs is
/// added (4: `tk_encode_lent`, `tk_encode_batch_lent`; 5: `tk_encode_documents_lent` in its place, `tk_encode_into`'s
/// `flags`; 6: `tk_workspace_new`, `tk_workspace_free`, `tk_encode_into`'s `workspace`), checked by the Python package.
@_cdecl("tk_abi_version")
public func tk_abi_version() -> Int32 { 6 }
