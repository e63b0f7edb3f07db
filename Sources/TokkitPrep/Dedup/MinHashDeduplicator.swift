import Foundation
import Synchronization
import TokkitCore

/// MinHash LSH de-duplication over documents numbered in input order: signatures (parallel), band
/// matches, union-find clusters, one document kept per cluster.
///
/// What it computes is datatrove's four-stage pipeline (reference §5.2) on one machine:
/// 1. every document's signature (`MinHashSigner`), split into `buckets` bands of `rowsPerBucket`;
/// 2. per band, the records sorted by `(band values, document)`, and every two *consecutive* records
///    with equal values become a pair `(earlier, later)` — datatrove's `MinhashDedupBuckets`;
/// 3. the pairs, band 0 first, each band in sorted order, joined with a union-find;
/// 4. every document that is not its cluster's representative is removed.
///
/// **Which document a cluster keeps** (`Keep`): `.first` keeps the lowest-numbered document (the
/// first in input order), whatever the pair order — deterministic and easy to explain. `.datatrove`
/// replays datatrove's union by size (ties: the earlier pair element's root wins, path compression),
/// so the removed set equals what datatrove's `MinhashDedupCluster` writes. Both give the same
/// clusters and the same number of removals; they differ only in which member survives a cluster of
/// three or more.
///
/// **Memory** is proportional to the documents, not their signatures: band records
/// (`rowsPerBucket` × 8 + 4 bytes per band per document) stay in memory up to `memoryBudget`; beyond
/// it each band's records are sorted and spilled to a run file in datatrove's `<8Q I>` layout, and
/// the bands are merged from the runs at the end. What stays is 4 bytes per document (the shared
/// ``ClusterForest``) with `.first`; `.datatrove` also keeps the pairs found (8 bytes each).
///
/// **Parallel clustering**: the bands are sorted, merged and joined on `threads` workers at once.
///
/// **Determinism**: the output depends only on the documents and their order — not on the thread
/// count, the memory budget or how documents were batched — because every step orders records by
/// `(values, document)` before looking at them, and the forest's roots are each cluster's smallest
/// document however the workers' unions interleave.
public final class MinHashDeduplicator {
    public enum Keep: String, Sendable, CaseIterable {
        /// Keep the first document (lowest number) of each cluster.
        case first
        /// Keep the root datatrove's union by size leaves (its removed set, exactly).
        case datatrove
    }

    public struct Options: Sendable {
        public var configuration: MinHashConfiguration
        public var keep: Keep
        /// Bytes of band records held in memory before a sorted run is spilled to `scratchDirectory`.
        public var memoryBudget: Int
        /// Where runs are spilled; a fresh temporary directory when nil. Removed by `finish()`.
        public var scratchDirectory: String?
        /// Worker threads for signatures and band merging.
        public var threads: Int

        public init(configuration: MinHashConfiguration = .fineWeb, keep: Keep = .first, memoryBudget: Int = 1 << 30,
                    scratchDirectory: String? = nil, threads: Int = Parallelism.processorCount) {
            self.configuration = configuration
            self.keep = keep
            self.memoryBudget = memoryBudget
            self.scratchDirectory = scratchDirectory
            self.threads = threads
        }
    }

    public let options: Options
    public let signer: MinHashSigner
    /// Documents added so far (the next document's number).
    public private(set) var documentCount = 0
    /// Documents that had at least one shingle.
    public private(set) var signedCount = 0
    /// Runs spilled so far (per band).
    public private(set) var spilledRuns = 0

    private let rows: Int
    private var bandValues: [[UInt64]]
    private var bandDocuments: [[UInt32]]
    private var runFiles: [[String]]
    private var scratch: String?
    private var ownsScratch = false

    public init(options: Options = Options()) throws {
        guard options.threads >= 1 else { throw DedupError.invalidParameter("threads must be ≥ 1, got \(options.threads)") }
        guard options.memoryBudget >= 1 << 16 else {
            throw DedupError.invalidParameter("memory budget must be ≥ 64 KiB, got \(options.memoryBudget) bytes")
        }
        self.options = options
        signer = try MinHashSigner(configuration: options.configuration)
        rows = options.configuration.rowsPerBucket
        bandValues = Array(repeating: [], count: options.configuration.buckets)
        bandDocuments = Array(repeating: [], count: options.configuration.buckets)
        runFiles = Array(repeating: [], count: options.configuration.buckets)
    }

    deinit {
        if ownsScratch, let scratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    /// Adds documents in order; their numbers are `documentCount ..< documentCount + texts.count`.
    /// Signatures are computed on `threads` workers.
    public func add(_ texts: [String]) throws {
        let hashCount = options.configuration.hashCount
        var signatures = [UInt64](repeating: 0, count: texts.count * hashCount)
        var signed = [Bool](repeating: false, count: texts.count)
        let workers = min(options.threads, max(1, texts.count / 64))
        let signer = self.signer
        signatures.withUnsafeMutableBufferPointer { signatureBuffer in
            signed.withUnsafeMutableBufferPointer { signedBuffer in
                // Each worker writes only its own slice of both buffers.
                nonisolated(unsafe) let signatureOut = signatureBuffer
                nonisolated(unsafe) let signedOut = signedBuffer
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let start = texts.count * worker / workers, end = texts.count * (worker + 1) / workers
                    for index in start..<end {
                        let slice = UnsafeMutableBufferPointer(rebasing: signatureOut[(index * hashCount)..<((index + 1) * hashCount)])
                        signedOut[index] = signer.signature(of: texts[index], into: slice)
                    }
                }
            }
        }
        try append(signatures: signatures, signed: signed)
    }

    /// Adds precomputed signatures (`hashCount` values per document, bucket-major); `signed[i]` false
    /// marks a document without shingles (never matched, never removed).
    public func append(signatures: [UInt64], signed: [Bool]) throws {
        let hashCount = options.configuration.hashCount
        guard signatures.count == signed.count * hashCount else {
            throw DedupError.invalidParameter("\(signatures.count) signature values for \(signed.count) documents of \(hashCount) hashes")
        }
        guard documentCount + signed.count < Int(UInt32.max) else {
            throw DedupError.invalidParameter("more than 2³² − 2 documents in one MinHash run: split the input (datatrove's limit too)")
        }
        for (local, hasSignature) in signed.enumerated() where hasSignature {
            let document = UInt32(documentCount + local)
            for band in 0..<options.configuration.buckets {
                let base = local * hashCount + band * rows
                bandValues[band].append(contentsOf: signatures[base..<(base + rows)])
                bandDocuments[band].append(document)
            }
            signedCount += 1
        }
        documentCount += signed.count
        if inMemoryBytes > options.memoryBudget { try spill() }
    }

    private var inMemoryBytes: Int { bandDocuments[0].count * options.configuration.buckets * (rows * 8 + 4) }

    /// Sorts every band's in-memory records and writes them as one run per band.
    private func spill() throws {
        let directory = try scratchDirectory()
        let runIndex = spilledRuns
        let bands = options.configuration.buckets
        var failures = [DedupError?](repeating: nil, count: bands)
        let values = bandValues, documents = bandDocuments, rows = self.rows
        failures.withUnsafeMutableBufferPointer { failureBuffer in
            nonisolated(unsafe) let failureOut = failureBuffer
            DispatchQueue.concurrentPerform(iterations: bands) { band in
                let order = Self.sortedOrder(values[band], documents[band], rows: rows)
                let path = "\(directory)/bucket_\(String(format: "%03d", band))/\(String(format: "%05d", runIndex)).minhash.sig"
                do {
                    try SignatureRun.write(path: path, values: values[band], documents: documents[band], order: order, rows: rows)
                } catch let error as DedupError {
                    failureOut[band] = error
                } catch {
                    failureOut[band] = .io(path: path, reason: "\(error)")
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        for band in 0..<bands {
            runFiles[band].append("\(directory)/bucket_\(String(format: "%03d", band))/\(String(format: "%05d", runIndex)).minhash.sig")
            bandValues[band].removeAll(keepingCapacity: true)
            bandDocuments[band].removeAll(keepingCapacity: true)
        }
        spilledRuns += 1
    }

    private func scratchDirectory() throws -> String {
        if let scratch { return scratch }
        let directory = options.scratchDirectory ?? (NSTemporaryDirectory() + "tokkit-minhash-" + UUID().uuidString)
        ownsScratch = options.scratchDirectory == nil
        do {
            for band in 0..<options.configuration.buckets {
                try FileManager.default.createDirectory(atPath: "\(directory)/bucket_\(String(format: "%03d", band))",
                                                        withIntermediateDirectories: true)
            }
        } catch {
            throw DedupError.io(path: directory, reason: "cannot create the MinHash scratch directory: \(error.localizedDescription)")
        }
        scratch = directory
        return directory
    }

    /// Finds the clusters. The deduplicator cannot take more documents afterwards.
    ///
    /// Bands are taken by `threads` workers; each sorts (or merges) its band and joins every pair
    /// it finds at once. With `.first` the pairs go straight into a ``ClusterForest`` shared by the
    /// workers (no pair is stored, and every cluster's root is its first document whatever the
    /// interleaving); `.datatrove` keeps each band's pairs and replays datatrove's union by size
    /// in its order (band 0 first), which that rule needs.
    public func finish() throws -> MinHashClusters {
        let bands = options.configuration.buckets
        let values = bandValues, documents = bandDocuments, runs = runFiles, rows = self.rows
        bandValues = []
        bandDocuments = []
        let forest = options.keep == .first ? ClusterForest(count: documentCount) : nil
        let results = BatchSlots<Result<(pairs: [UInt64], count: Int), DedupError>>(count: bands)
        let nextBand = Atomic<Int>(0)
        Parallelism.run(workers: min(options.threads, bands)) { _ in
            while true {
                let band = nextBand.add(1, ordering: .relaxed).oldValue
                guard band < bands else { return }
                var pairs: [UInt64] = []
                var count = 0
                do {
                    try Self.forEachPair(values: values[band], documents: documents[band], runs: runs[band], rows: rows) { earlier, later in
                        count += 1
                        if let forest { forest.union(earlier, later) } else { pairs.append(UInt64(earlier) << 32 | UInt64(later)) }
                    }
                    results.set(band, .success((pairs, count)))
                } catch let error as DedupError {
                    results.set(band, .failure(error))
                } catch {
                    results.set(band, .failure(.io(path: runs[band].first ?? "", reason: "\(error)")))
                }
            }
        }
        var pairsPerBand: [[UInt64]] = []
        var pairCount = 0
        for band in 0..<bands {
            switch results.take(band) {
            case .success(let result)?:
                pairCount += result.count
                pairsPerBand.append(result.pairs)
            case .failure(let error)?:
                throw error
            case nil:
                throw DedupError.io(path: runs[band].first ?? "", reason: "band \(band) was not processed")
            }
        }
        if ownsScratch, let scratch {
            try? FileManager.default.removeItem(atPath: scratch)
            self.scratch = nil
        }
        if let forest { return Self.clusters(of: forest, pairCount: pairCount, signedCount: signedCount, threads: options.threads) }
        var clusters = ClusterUnion(count: documentCount)
        for pairs in pairsPerBand {
            for pair in pairs { clusters.union(UInt32(truncatingIfNeeded: pair >> 32), UInt32(truncatingIfNeeded: pair)) }
        }
        return clusters.result(pairCount: pairCount, signedCount: signedCount)
    }

    /// Every document's root and cluster size, the roots found on `threads` workers.
    static func clusters(of forest: ClusterForest, pairCount: Int, signedCount: Int, threads: Int) -> MinHashClusters {
        let count = forest.count
        let chunk = 1 << 16
        let chunks = (count + chunk - 1) / chunk
        let roots = BatchSlots<[UInt32]>(count: chunks)
        let nextChunk = Atomic<Int>(0)
        Parallelism.run(workers: min(threads, chunks)) { _ in
            while true {
                let index = nextChunk.add(1, ordering: .relaxed).oldValue
                guard index < chunks else { return }
                roots.set(index, (index * chunk..<min(count, (index + 1) * chunk)).map { forest.find(UInt32($0)) })
            }
        }
        var representative: [UInt32] = []
        representative.reserveCapacity(count)
        for index in 0..<chunks { representative += roots.take(index) ?? [] }
        var size = [UInt32](repeating: 0, count: count)
        for root in representative { size[Int(root)] += 1 }
        return MinHashClusters(representative: representative, clusterSize: representative.map { size[Int($0)] },
                               pairCount: pairCount, signedCount: signedCount)
    }

    /// Record order within one band: by values (lexicographic), then document. Sorting 16-byte keys
    /// `(first value, record)` and consulting the other values only on a tie keeps the sort in cache.
    static func sortedOrder(_ values: [UInt64], _ documents: [UInt32], rows: Int) -> [UInt32] {
        var keys = [(UInt64, UInt32)]()
        keys.reserveCapacity(documents.count)
        for record in 0..<documents.count { keys.append((values[record * rows], UInt32(record))) }
        values.withUnsafeBufferPointer { values in
            documents.withUnsafeBufferPointer { documents in
                keys.sort { lhs, rhs in
                    if lhs.0 != rhs.0 { return lhs.0 < rhs.0 }
                    let l = Int(lhs.1) * rows, r = Int(rhs.1) * rows
                    for row in 1..<rows where values[l + row] != values[r + row] { return values[l + row] < values[r + row] }
                    return documents[Int(lhs.1)] < documents[Int(rhs.1)]
                }
            }
        }
        return keys.map(\.1)
    }

    /// Calls `body(earlier, later)` for every pair of one band, in datatrove's order: records sorted
    /// by `(values, document)`, each two consecutive ones with equal values.
    static func forEachPair(values: [UInt64], documents: [UInt32], runs: [String], rows: Int,
                            _ body: (UInt32, UInt32) -> Void) throws {
        let order = sortedOrder(values, documents, rows: rows)
        if runs.isEmpty {
            values.withUnsafeBufferPointer { values in
                var previous = -1
                for record in order.map(Int.init) {
                    if previous >= 0, (0..<rows).allSatisfy({ values[previous * rows + $0] == values[record * rows + $0] }) {
                        body(documents[previous], documents[record])
                    }
                    previous = record
                }
            }
            return
        }
        var merger = try SignatureRunMerger(runs: runs, memory: (values, documents, order), rows: rows)
        var previous = [UInt64](repeating: 0, count: rows)
        var previousDocument: UInt32?
        while let (current, document) = try merger.next() {
            if let previousDocument, previous == current { body(previousDocument, document) }
            previous = current
            previousDocument = document
        }
    }
}

/// The clusters a MinHash run found.
public struct MinHashClusters: Sendable {
    /// For every document, its cluster's kept document (itself when kept or not duplicated).
    public let representative: [UInt32]
    /// Members of each document's cluster (1 when not duplicated).
    public let clusterSize: [UInt32]
    /// Band matches found (datatrove's `total_matches`).
    public let pairCount: Int
    /// Documents with at least one shingle.
    public let signedCount: Int

    public var documentCount: Int { representative.count }

    /// Whether document `index` is a duplicate to drop.
    public func isRemoved(_ index: Int) -> Bool { representative[index] != UInt32(index) }

    /// The removed documents, ascending.
    public var removed: [Int] { (0..<representative.count).filter(isRemoved) }

    /// Clusters of two or more documents.
    public var clusterCount: Int { (0..<representative.count).filter { !isRemoved($0) && clusterSize[$0] > 1 }.count }
}

/// datatrove's union-find, replayed in its order: union by size, the earlier pair element's root
/// winning ties, path compression (`--keep datatrove`; `--keep first` uses ``ClusterForest``).
struct ClusterUnion {
    private var parent: [UInt32]
    private var size: [UInt32]

    init(count: Int) {
        parent = (0..<count).map { UInt32($0) }
        size = Array(repeating: 1, count: count)
    }

    mutating func find(_ node: UInt32) -> UInt32 {
        var root = node
        while parent[Int(root)] != root { root = parent[Int(root)] }
        var current = node
        while parent[Int(current)] != root {
            let next = parent[Int(current)]
            parent[Int(current)] = root
            current = next
        }
        return root
    }

    /// Joins the clusters of `a` (the earlier record of a pair) and `b`.
    mutating func union(_ a: UInt32, _ b: UInt32) {
        var rootA = find(a), rootB = find(b)
        guard rootA != rootB else { return }
        // The smaller set joins the larger; on equal sizes `a`'s root stays the root.
        if size[Int(rootA)] < size[Int(rootB)] { swap(&rootA, &rootB) }
        parent[Int(rootB)] = rootA
        size[Int(rootA)] += size[Int(rootB)]
    }

    mutating func result(pairCount: Int, signedCount: Int) -> MinHashClusters {
        var representative = [UInt32](repeating: 0, count: parent.count)
        var clusterSize = [UInt32](repeating: 1, count: parent.count)
        for node in 0..<parent.count {
            let root = find(UInt32(node))
            representative[node] = root
            clusterSize[node] = size[Int(root)]
        }
        return MinHashClusters(representative: representative, clusterSize: clusterSize, pairCount: pairCount, signedCount: signedCount)
    }
}
