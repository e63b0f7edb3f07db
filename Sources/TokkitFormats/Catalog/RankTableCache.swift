import Foundation
import TokkitCore
import TokkitIO
#if canImport(Glibc)
import Glibc
#endif

/// Prebuilt vocabulary tables on disk, keyed by the sha256 of the `.tiktoken` file they were built
/// from, so that loading a vocabulary maps one file and copies its tables instead of decoding
/// base64 and hashing every token again (cl100k: 100k tokens, 1.7 MB of text).
///
/// Where: `$TOKKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/tokkit`, else `~/.cache/tokkit`. A cache
/// directory that is missing and cannot be made, or is read-only, only means the tables are built
/// in memory, as without a cache: the cache never turns a load that would work into an error.
///
/// What is trusted: nothing in a cache file is used before its length, header checksum and
/// checksum over every table agree, its layout version and hash probe match this build
/// (`VocabularyTables`), and `Vocabulary(sections:…)` has checked every index the hot loops follow.
/// A file that fails any of these is rebuilt from the vocabulary and replaced (written under a
/// temporary name and renamed, not synced: a file torn by a crash fails its checksum and is rebuilt).
///
/// In place: the tables (all but 1 KB of them) are used where the file is mapped, read-only,
/// for as long as the vocabulary lives, rather than copied into fresh memory, which a new process
/// pays for three times (zeroed by the kernel, copied into, unmapped at exit): o200k's copy was a third
/// of `tokkit encode` of an empty file. A mapping sees the file's inode, and this cache never writes a
/// file in place: a new cache file is renamed over the old one, which stays intact, mapped, until the
/// last process using it lets go. What the mapping does not survive is a write into the same inode
/// by some other program after the checks ran: truncating the file ends the process with SIGBUS,
/// and changed bytes are read as they are, unchecked. Both need someone writing into the user's own
/// cache folder behind Tokkit's back, the case the checksum does not cover either (see `checksum`).
/// Once a process has encoded megabytes with the tables, they move into a private copy in huge pages at
/// the same address (`ReadOnlyRegion.noteWork`): from then on, the file is no longer read at all.
///
/// Skipping the vocabulary's own sha256: a cache file records the device, inode, size, mtime and
/// ctime of the vocabulary file it was built from, as seen before and after that file was read and
/// hashed. While the vocabulary file still shows the same five values it holds the same bytes
/// (a write changes ctime, which no user call can set back), so its sha256 is not computed again;
/// when any differs (another copy of the same file, or an edited one) the file is read and
/// hashed as before, and a mismatch is the same `checksumMismatch` error as without a cache.
public struct RankTableCache: Sendable, Equatable {
    /// The folder holding cache files, or `nil` for no cache.
    public let directory: String?

    public init(directory: String?) {
        self.directory = directory
    }

    /// No cache: every load builds the tables.
    public static let disabled = RankTableCache(directory: nil)

    /// The variable naming the cache folder.
    public static let environmentKey = "TOKKIT_CACHE_DIR"

    /// `$TOKKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/tokkit`, else `$HOME/.cache/tokkit`, else no cache.
    public static func standard() -> RankTableCache {
        standard(variable: ProcessEnvironment.value)
    }

    /// `standard()` for the variables in `environment`.
    public static func standard(environment: [String: String]) -> RankTableCache {
        standard { environment[$0] }
    }

    private static func standard(variable: (String) -> String?) -> RankTableCache {
        if let explicit = variable(environmentKey), !explicit.isEmpty { return RankTableCache(directory: explicit) }
        if let xdg = variable("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return RankTableCache(directory: xdg + "/tokkit") }
        if let home = variable("HOME"), !home.isEmpty { return RankTableCache(directory: home + "/.cache/tokkit") }
        return .disabled
    }

    /// How a load went, for tests and benchmarks.
    public enum Outcome: Sendable, Equatable {
        /// The tables came from the cache.
        case hit
        /// The tables were built from the vocabulary file; `stored` says whether a cache file was
        /// written, `reason` why the cache was not used (missing, stale, corrupt, no directory).
        case built(stored: Bool, reason: String)
    }

    /// The cache file for a vocabulary file with this sha256. Its name carries the table layout and the
    /// file format, so binaries that differ in either never read, refuse and replace each other's files.
    public func path(forSHA256 sha256: String) -> String? {
        directory.map { $0 + "/" + sha256.lowercased() + ".v\(VocabularyTables.layoutVersion)f\(Self.formatVersion).ranks" }
    }

    /// Loads the `.tiktoken` file at `path`, whose sha256 must be `sha256`, through the cache.
    /// - Throws: `VocabularyFileError` as `TiktokenFile.read(path:specialTokens:expectedSHA256:)` does.
    public func load(path: String, sha256: String, specialTokens: [SpecialToken]) throws(VocabularyFileError) -> Vocabulary {
        try loadReporting(path: path, sha256: sha256, specialTokens: specialTokens).vocabulary
    }

    /// `load`, also saying whether the cache was used.
    public func loadReporting(path: String, sha256: String,
                              specialTokens: [SpecialToken]) throws(VocabularyFileError) -> (vocabulary: Vocabulary, outcome: Outcome) {
        let expected = sha256.lowercased()
        let before = SourceIdentity(path: path)
        var reason = "no cache directory"
        if let file = self.path(forSHA256: expected) {
            switch Self.read(file, sha256: expected, specialTokens: specialTokens) {
            case .refused(let why):
                reason = why
            case .tables(let vocabulary, let source):
                if let before, vouches(for: before, as: source, sha256: expected) { return (vocabulary, .hit) }
                _ = try Self.verifiedContents(path: path, sha256: expected)
                if let before, SourceIdentity(path: path) == before { vouch(before, sha256: expected) }
                return (vocabulary, .hit)
            }
        }
        let contents = try Self.verifiedContents(path: path, sha256: expected)
        let vocabulary = try TiktokenFile.parse(contents, path: path, specialTokens: specialTokens)
        let after = SourceIdentity(path: path)
        let stored = store(vocabulary, sha256: expected, source: before != nil && before == after ? before : nil)
        return (vocabulary, .built(stored: stored, reason: reason))
    }

    /// The vocabulary of the `.tiktoken` file at `path` when the cache holds it and nothing else is needed:
    /// its cache file is intact and was built from (or vouched for) that file as it is now. Writes nothing
    /// and never reads the vocabulary file; `nil` means `load` would have more to do (build, hash, store).
    ///
    /// Why: a command can start this on another core while its arguments are still being parsed
    /// (`TokenizerLoader.startLoading`) and leave every write to the load that follows.
    public func cached(path: String, sha256: String, specialTokens: [SpecialToken]) -> Vocabulary? {
        let expected = sha256.lowercased()
        guard let file = self.path(forSHA256: expected), let before = SourceIdentity(path: path),
              case .tables(let vocabulary, let source) = Self.read(file, sha256: expected, specialTokens: specialTokens),
              vouches(for: before, as: source, sha256: expected) else { return nil }
        return vocabulary
    }

    /// Whether the vocabulary file seen now as `current` is known to hold `sha256` without hashing it:
    /// it is the copy the cache file was built from (`recorded`), or a voucher names it.
    private func vouches(for current: SourceIdentity, as recorded: SourceIdentity, sha256: String) -> Bool {
        current == recorded || vouched(current, sha256: sha256)
    }

    /// Loads a `.tiktoken` file already read (and hashed) by the caller through the cache, keyed by `sha256`.
    public func load(contents: [UInt8], path: String, sha256: String,
                     specialTokens: [SpecialToken]) throws(VocabularyFileError) -> Vocabulary {
        let expected = sha256.lowercased()
        if let file = self.path(forSHA256: expected),
           case .tables(let vocabulary, _) = Self.read(file, sha256: expected, specialTokens: specialTokens) {
            return vocabulary
        }
        let vocabulary = try TiktokenFile.parse(contents, path: path, specialTokens: specialTokens)
        _ = store(vocabulary, sha256: expected, source: nil)
        return vocabulary
    }

    // MARK: - Other copies of a vocabulary file

    /// The file saying that the vocabulary file seen as `source` was hashed and found to be `sha256`.
    ///
    /// Why: a cache file records one source identity, that of the copy it was built from, and every
    /// other copy of the same file (a second install, the Python wheel's own copy, another checkout
    /// sharing `~/.cache/tokkit`) would be read and hashed again on every load (cl100k: 1.7 MB, about
    /// 1 ms and 400 page faults). Once such a copy has been hashed, a small file named after its identity
    /// vouches for it, with the same reasoning as the identity in the cache file: while a file still shows
    /// these five values it holds the same bytes. One such file per copy and vocabulary (a few dozen
    /// bytes); an identity that no longer exists only leaves its file unused.
    private func voucherPath(for source: SourceIdentity, sha256: String) -> String? {
        let key = String(Self.checksum(words: source.words[...]), radix: 16)
        return directory.map { $0 + "/" + sha256 + ".source-" + key }
    }

    /// The words a voucher holds: the identity, the sha256, and a checksum of both.
    private static func voucherWords(_ source: SourceIdentity, sha256: String) -> [UInt64] {
        let words = source.words + shaWords(sha256)
        return words + [checksum(words: words[...])]
    }

    /// Whether a voucher says the file seen as `source` is `sha256`.
    private func vouched(_ source: SourceIdentity, sha256: String) -> Bool {
        guard let file = voucherPath(for: source, sha256: sha256) else { return false }
        let expected = Self.voucherWords(source, sha256: sha256)
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var words = [UInt64](repeating: 0, count: expected.count + 1)
        let size = words.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return size == 8 * expected.count && Array(words.prefix(expected.count)).map(\.littleEndian) == expected
    }

    /// Writes the voucher for `source` (temporary name, then rename); a failure only means the next load hashes again.
    private func vouch(_ source: SourceIdentity, sha256: String) {
        guard let file = voucherPath(for: source, sha256: sha256) else { return }
        var bytes: [UInt8] = []
        for word in Self.voucherWords(source, sha256: sha256) { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        do {
            let writer = try AtomicFileWriter(path: file)
            writer.durable = false
            try writer.write(bytes)
            try writer.commit()
        } catch {
            return
        }
    }

    private static func verifiedContents(path: String, sha256: String) throws(VocabularyFileError) -> [UInt8] {
        let contents = try VocabularyFiles.read(path)
        let actual = SHA256.hex(contents)
        guard actual == sha256 else { throw .checksumMismatch(path: path, expected: sha256, actual: actual) }
        return contents
    }

    // MARK: - File layout

    /// A cache file: a header of `headerWords` little-endian words (padded to `headerSize`), then the
    /// sections of `Vocabulary.withTableSections`, each padded to 64 bytes.
    ///
    /// Header words: magic, layout version, hash probe, sha256 (4 words), source identity (5),
    /// scalars (`VocabularyTables.scalarCount`), section byte counts (`VocabularyTables.sectionCount`),
    /// checksum of the sections, checksum of the words before it.
    static let magic: UInt64 = 0x3253_4B4E_4152_4B54  // "TKRANKS2"
    /// The file format (header and checksum; the tables' own layout is `VocabularyTables.layoutVersion`).
    /// 1: a multiply–xorshift checksum (files named `….v5.ranks`). 2: CRC-32C lanes (`SectionChecksum`).
    static let formatVersion = 2
    static let headerSize = 256
    static let alignment = 64
    static var headerWords: Int { 12 + VocabularyTables.scalarCount + VocabularyTables.sectionCount + 2 }

    private enum ReadResult {
        case tables(Vocabulary, source: SourceIdentity)
        case refused(String)
    }

    /// Maps the cache file and takes its tables, or says why not.
    private static func read(_ file: String, sha256: String, specialTokens: [SpecialToken]) -> ReadResult {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .refused(errno == ENOENT ? "no cache file" : "cache file unreadable") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return .refused("cache file is not a regular file") }
        let size = Int(status.st_size)
        guard size >= headerSize else { return .refused("cache file truncated (\(size) bytes)") }
        // Unmapped when the last table using it in place goes (at once, if the file is refused).
        guard let region = ReadOnlyRegion.mapping(file: descriptor, size: size) else { return .refused("cache file cannot be mapped") }
        let bytes = UnsafeRawBufferPointer(start: region.base, count: size)
        let words = (0..<headerWords).map { bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian }
        guard words[0] == magic else { return .refused("not a cache file") }
        guard words[headerWords - 1] == checksum(words: words.dropLast()) else { return .refused("cache header corrupt") }
        guard words[1] == VocabularyTables.layoutVersion, words[2] == VocabularyTables.hashProbe else {
            return .refused("cache written by another layout")
        }
        guard Array(words[3..<7]) == shaWords(sha256) else { return .refused("cache of another vocabulary file") }
        let source = SourceIdentity(words: Array(words[7..<12]))
        let scalars = Array(words[12..<(12 + VocabularyTables.scalarCount)])
        let lengthStart = 12 + VocabularyTables.scalarCount
        let lengths = words[lengthStart..<(lengthStart + VocabularyTables.sectionCount)].map { Int(clamping: $0) }
        var offset = headerSize
        var sections: [UnsafeRawBufferPointer] = []
        for length in lengths {
            guard length <= size - offset else { return .refused("cache file truncated") }
            sections.append(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
            offset += padded(length)
        }
        guard offset == size else { return .refused("cache file has \(size) bytes, its header says \(offset)") }
        // The tables are used in place; the checks and the checksum run over exactly what is
        // used (see "In place" above).
        let vocabulary: Vocabulary
        do {
            guard let built = try Vocabulary(sections: sections, scalars: scalars, specialTokens: specialTokens, region: region) else {
                return .refused("cache tables inconsistent")
            }
            vocabulary = built
        } catch {
            return .refused("special tokens: \(error)")
        }
        // The ascending gaps walked beside the sorted special ids rather than looked up in a `Set`, whose
        // first use costs the runtime 0.4 M instructions of conformance look-ups at every start.
        let specialIDs = specialTokens.map(\.id).sorted()
        var next = 0
        for gap in vocabulary.gaps {
            while next < specialIDs.count, specialIDs[next] < gap { next += 1 }
            guard next < specialIDs.count, specialIDs[next] == gap else { return .refused("a gap in the ranks without a special token") }
        }
        guard vocabulary.withTableSections({ sections, _ in checksum(sections: sections) }) == words[headerWords - 2] else {
            return .refused("cache tables corrupt (checksum)")
        }
        return .tables(vocabulary, source: source)
    }

    /// Writes the cache file for `vocabulary` (temporary name, then rename); `false` when it could not.
    private func store(_ vocabulary: Vocabulary, sha256: String, source: SourceIdentity?) -> Bool {
        guard let directory, let file = path(forSHA256: sha256) else { return false }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let writer = try AtomicFileWriter(path: file)
            writer.durable = false
            try vocabulary.withTableSections { sections, scalars in
                var words: [UInt64] = [Self.magic, VocabularyTables.layoutVersion, VocabularyTables.hashProbe]
                words += Self.shaWords(sha256)
                words += (source ?? SourceIdentity.none).words
                words += scalars
                words += sections.map { UInt64($0.count) }
                words.append(Self.checksum(sections: sections))
                words.append(Self.checksum(words: words[...]))
                var header = [UInt8](repeating: 0, count: Self.headerSize)
                for (index, word) in words.enumerated() {
                    header.withUnsafeMutableBytes { $0.storeBytes(of: word.littleEndian, toByteOffset: 8 * index, as: UInt64.self) }
                }
                try writer.write(header)
                for section in sections {
                    try writer.write(section)
                    try writer.write([UInt8](repeating: 0, count: Self.padded(section.count) - section.count))
                }
            }
            try writer.commit()
            return true
        } catch {
            return false
        }
    }

    static func padded(_ length: Int) -> Int {
        (length + alignment - 1) / alignment * alignment
    }

    /// The sha256 (64 hex digits) as four words, or zeros for text that is no sha256 (never matches a file).
    private static func shaWords(_ hex: String) -> [UInt64] {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return [0, 0, 0, 0] }
        return (0..<4).map { word in
            digits[(16 * word)..<(16 * word + 16)].reduce(UInt64(0)) { value, digit in
                let nibble: UInt64
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt64(digit - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt64(digit - UInt8(ascii: "a") + 10)
                default: nibble = 0
                }
                return value << 4 | nibble
            }
        }
    }

    // MARK: - Checksum

    /// The checksum over the sections (their lengths included): `SectionChecksum`, four CRC-32C lanes.
    ///
    /// What it guards against: a file torn or damaged on disk, or cut short, whose header still reads
    /// well; a change within 32 consecutive bits of a lane always changes it, any other change with
    /// probability 1 − 2⁻³² (the lanes are CRC-32C). Not someone forging a file in the user's own cache:
    /// `Vocabulary(sections:…)` then still keeps every read in bounds, but ids may be wrong.
    /// File format 1 used a multiply–xorshift chain here, compute-bound at 1.9 ms for cl100k's 12 MB;
    /// this runs at memory speed, and the format number in the file name keeps the two apart.
    static func checksum(sections: [UnsafeRawBufferPointer]) -> UInt64 {
        SectionChecksum.of(sections)
    }

    static func checksum(words: ArraySlice<UInt64>) -> UInt64 {
        Array(words).withUnsafeBytes { checksum(sections: [$0]) }
    }
}

/// What `stat` says about a file, to tell whether it changed since it was last hashed.
struct SourceIdentity: Equatable {
    let words: [UInt64]

    static let none = SourceIdentity(words: [0, 0, 0, 0, 0])

    init(words: [UInt64]) {
        self.words = words
    }

    /// The identity of the file at `path` (symbolic links followed), or `nil` when it cannot be read.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        func nanoseconds(_ time: timespec) -> UInt64 {
            UInt64(truncatingIfNeeded: time.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: time.tv_nsec)
        }
        words = [UInt64(truncatingIfNeeded: status.st_dev), UInt64(truncatingIfNeeded: status.st_ino),
                 UInt64(truncatingIfNeeded: status.st_size), nanoseconds(status.st_mtim), nanoseconds(status.st_ctim)]
    }
}
