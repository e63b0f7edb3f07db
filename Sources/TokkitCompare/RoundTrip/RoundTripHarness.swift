import TokkitCore

/// Proves `decode(encode(x)) == x` for a tokenizer, on files and on seeded random text, and checks
/// its ids: every id of the vocabulary decodes, an id outside it is refused, and re-encoding the
/// decoded text gives the same ids. A failing input is shrunk to a minimal one before it is reported.
///
/// ```swift
/// let harness = RoundTripHarness(randomCount: 1000, seed: 42)
/// let report = harness.run(ComparedTokenizer(label: "gpt2", codec: gpt2), files: fixtures)
/// report.passed          // true
/// report.failures.first  // the minimal failing input, its ids and what they decoded to
/// ```
public struct RoundTripHarness: Sendable {
    /// How many random inputs to check per tokenizer.
    public var randomCount: Int
    /// The seed of the random inputs; input `i` depends only on the seed and `i`.
    public var seed: UInt64
    /// The most elements (scalars, snippets or runs) in one random input.
    public var maxLength: Int
    /// Random inputs include ill-formed UTF-8, encoded after U+FFFD repair; the expected decoding is
    /// the repaired input.
    public var lossy: Bool
    /// Stop collecting failures for a tokenizer after this many (each one is shrunk, which takes time).
    public var failureLimit: Int

    public init(randomCount: Int = 1000, seed: UInt64 = 0, maxLength: Int = 64, lossy: Bool = false, failureLimit: Int = 5) {
        self.randomCount = randomCount
        self.seed = seed
        self.maxLength = maxLength
        self.lossy = lossy
        self.failureLimit = failureLimit
    }

    /// Runs every check on one tokenizer.
    public func run(_ tokenizer: ComparedTokenizer, files: [ComparedFile]) -> RoundTripReport {
        var report = RoundTripReport(tokenizer: tokenizer.label)
        let codec = tokenizer.codec
        func record(_ failure: RoundTripFailure?) {
            if let failure, report.failures.count < failureLimit { report.failures.append(failure) }
        }
        for file in files {
            report.inputsChecked += 1
            record(checkAndShrink(file.bytes, source: file.name, codec: codec, lossy: false))
        }
        for index in 0..<randomCount {
            var generator = SplitMix64(seed: seed, index: index)
            let input = lossy ? RandomText.bytes(maxLength: maxLength, using: &generator)
                              : RandomText.utf8(RandomText.scalars(maxLength: maxLength, using: &generator))
            report.inputsChecked += 1
            record(checkAndShrink(input, source: "random input #\(index) (seed \(seed)\(lossy ? ", lossy" : ""))",
                                  codec: codec, lossy: lossy))
        }
        for failure in checkIDs(codec, count: &report.idsChecked) { record(failure) }
        return report
    }

    /// What goes wrong with one input, if anything.
    public enum Problem: Sendable, Equatable {
        case encodingFailed(reason: String)
        case decodingFailed(reason: String)
        /// The decoded bytes differ from the input (or from its U+FFFD repair in lossy mode).
        case mismatch
        /// Decoding was exact, but encoding the decoded bytes gave other ids.
        case unstable
        /// An id of the vocabulary does not decode, or decodes to no bytes.
        case idDoesNotDecode(reason: String)
        /// An id outside the vocabulary decoded instead of being refused.
        case unknownIDAccepted

        /// Whether two problems are the same kind, ignoring messages (shrinking keeps the kind).
        func sameKind(as other: Problem) -> Bool {
            switch (self, other) {
            case (.encodingFailed, .encodingFailed), (.decodingFailed, .decodingFailed), (.mismatch, .mismatch),
                 (.unstable, .unstable), (.idDoesNotDecode, .idDoesNotDecode), (.unknownIDAccepted, .unknownIDAccepted):
                return true
            default:
                return false
            }
        }
    }

    /// Encodes, decodes and re-encodes `input`; returns the failure (unshrunk) or `nil`.
    public func check(_ input: [UInt8], source: String, codec: any TokenCodec, lossy: Bool) -> RoundTripFailure? {
        let expected = lossy ? UTF8Validation.repaired(input) : input
        var failure = RoundTripFailure(problem: .mismatch, source: source, input: input, originalByteCount: input.count,
                                       expected: expected)
        do {
            failure.ids = try codec.encodeOrdinary(bytes: input, lossy: lossy)
        } catch {
            failure.problem = .encodingFailed(reason: "\(error)")
            return failure
        }
        let decoded: [UInt8]
        do {
            decoded = try codec.decodeBytes(failure.ids)
        } catch {
            failure.problem = .decodingFailed(reason: "\(error)")
            return failure
        }
        failure.decoded = decoded
        // Re-encode leniently: a broken decoder may hand back ill-formed UTF-8.
        let reencoded = try? codec.encodeOrdinary(bytes: decoded, lossy: true)
        failure.reencoded = reencoded
        if decoded != expected { return failure }
        guard reencoded == failure.ids else {
            failure.problem = .unstable
            return failure
        }
        return nil
    }

    /// `check`, then, on a failure, shrinks the input while it fails the same way: by scalars when
    /// it is valid UTF-8 (so every candidate is valid too), by bytes otherwise.
    func checkAndShrink(_ input: [UInt8], source: String, codec: any TokenCodec, lossy: Bool) -> RoundTripFailure? {
        guard let failure = check(input, source: source, codec: codec, lossy: lossy) else { return nil }
        // The minimizer keeps exactly the candidates this returns true for, so the last failure seen
        // belongs to the minimal input (no re-check, which a stateful bug might pass).
        var latest = failure
        func stillFails(_ candidate: [UInt8]) -> Bool {
            guard let again = check(candidate, source: source, codec: codec, lossy: lossy),
                  again.problem.sameKind(as: failure.problem) else { return false }
            latest = again
            return true
        }
        if UTF8Validation.firstInvalidOffset(input) == nil {
            let scalars = Array(String(decoding: input, as: UTF8.self).unicodeScalars)
            _ = Shrinker.minimize(scalars) { stillFails(RandomText.utf8($0)) }
        } else {
            _ = Shrinker.minimize(input) { stillFails($0) }
        }
        latest.originalByteCount = input.count
        return latest
    }

    /// Every id of the vocabulary must decode to some bytes, and ids outside it must be refused.
    func checkIDs(_ codec: any TokenCodec, count: inout Int) -> [RoundTripFailure] {
        let vocabulary = codec.vocabulary
        var failures: [RoundTripFailure] = []
        let mergeable = vocabulary.firstRank..<vocabulary.mergeableEnd
        let gaps = Set(vocabulary.gaps)
        let defined = mergeable.filter { !gaps.contains($0) } + vocabulary.specialTokens.map(\.id)
        for id in defined where failures.count < failureLimit {
            count += 1
            let problem: Problem?
            do {
                problem = try codec.decodeBytes([id]).isEmpty ? .idDoesNotDecode(reason: "it decodes to no bytes") : nil
            } catch {
                problem = .idDoesNotDecode(reason: "\(error)")
            }
            if let problem {
                failures.append(RoundTripFailure(problem: problem, source: "id \(id)", input: [], originalByteCount: 0,
                                                 expected: vocabulary.bytes(of: id) ?? [], ids: [id]))
            }
        }
        // The first id past the end, the gaps between special tokens (cl100k has some), and gaps in
        // the ranks that no special token fills.
        let definedSet = Set(defined)
        let probes = [TokenID(vocabulary.size)] + (vocabulary.gaps + (Int(mergeable.upperBound)..<vocabulary.size).map(TokenID.init))
            .filter { !definedSet.contains($0) }
        for id in probes.prefix(64) {
            count += 1
            if let bytes = try? codec.decodeBytes([id]) {
                failures.append(RoundTripFailure(problem: .unknownIDAccepted, source: "id \(id)", input: [], originalByteCount: 0,
                                                 expected: [], ids: [id], decoded: bytes))
            }
        }
        return failures
    }
}

/// The result of the harness for one tokenizer.
public struct RoundTripReport: Sendable {
    public var tokenizer: String
    /// Files and random inputs encoded and decoded.
    public var inputsChecked = 0
    /// Ids decoded one by one (the whole vocabulary, plus ids outside it).
    public var idsChecked = 0
    /// The first failures, each shrunk.
    public var failures: [RoundTripFailure] = []

    public init(tokenizer: String) { self.tokenizer = tokenizer }

    public var passed: Bool { failures.isEmpty }
}

/// One failing input (after shrinking) and what the tokenizer made of it.
public struct RoundTripFailure: Sendable, CustomStringConvertible {
    public var problem: RoundTripHarness.Problem
    /// Where the input came from: a file name, a random input's index and seed, or an id.
    public var source: String
    /// The (shrunk) input.
    public var input: [UInt8]
    /// The size of the input before shrinking.
    public var originalByteCount: Int
    /// What decoding should give: the input, or its U+FFFD repair in lossy mode.
    public var expected: [UInt8]
    public var ids: [TokenID] = []
    public var decoded: [UInt8]?
    public var reencoded: [TokenID]?

    public var description: String {
        func count(_ bytes: Int) -> String { bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        func bytes(_ value: [UInt8]) -> String {
            "\"\(TokenText.visible(value))\" (\(count(value.count))\(value.isEmpty ? "" : ": " + TokenText.hex(value)))"
        }
        var lines: [String]
        switch problem {
        case .encodingFailed(let reason): lines = ["cannot encode \(source): \(reason)"]
        case .decodingFailed(let reason): lines = ["cannot decode the ids of \(source): \(reason)"]
        case .mismatch: lines = ["round trip broken on \(source)"]
        case .unstable: lines = ["re-encoding the decoded text of \(source) gives other ids"]
        case .idDoesNotDecode(let reason): return "\(source) does not decode: \(reason)"
        case .unknownIDAccepted:
            return "\(source) is outside the vocabulary but decoded to \(bytes(decoded ?? [])) instead of being refused"
        }
        lines[0] += originalByteCount == input.count ? "" : "; shrunk from \(count(originalByteCount)) to \(count(input.count))"
        lines.append("  input      \(bytes(input))")
        if expected != input { lines.append("  expected   \(bytes(expected))") }
        if !ids.isEmpty || decoded != nil { lines.append("  ids        \(ids)") }
        if let decoded { lines.append("  decoded    \(bytes(decoded))") }
        if let reencoded, reencoded != ids { lines.append("  re-encoded \(reencoded)") }
        return lines.joined(separator: "\n")
    }
}
