import Foundation
import ArgumentParser
import Tokkit
import TokkitCore

/// Work in progress (branch bt35): the distinct pieces of --file that are no token, encoded by a fresh merger and by
/// the backtracking encoder; ns per piece of each, ids checked equal.
struct BacktrackBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backtrack",
        abstract: "Distinct non-token pieces of --file: BytePairMerger against the backtracking encoder (ns per piece).")
    @OptionGroup var common: Common

    func run() throws {
        let tokenizer = try common.tokenizer()
        let text = try common.text()
        var seen = Set<[UInt8]>()
        var pieces: [[UInt8]] = []
        for range in try tokenizer.preTokenizer.pieces(of: text) {
            let piece = Array(text[range])
            if piece.count > 1, piece.count < 100, tokenizer.vocabulary.rank(of: piece) == nil, seen.insert(piece).inserted { pieces.append(piece) }
        }
        let start = processCPUSeconds()
        let tables = BacktrackingTables(tokenizer.vocabulary)
        let build = processCPUSeconds() - start
        var merged: [[TokenID]] = [], backtracked: [[TokenID]] = []
        let flat = pieces.flatMap { $0 }
        var starts = [0]
        for piece in pieces { starts.append(starts.last! + piece.count) }
        // Both in one rank lookup, ids into one scratch block, so that only the encoders are timed.
        func run(_ encode: (UnsafePointer<UInt8>, Int, RankLookup, UnsafeMutablePointer<TokenID>) -> Int?) -> (Double, [[TokenID]]) {
            var out = [[TokenID]](), best = Double.infinity
            var scratch = [TokenID](repeating: 0, count: 128), counts = [Int](repeating: 0, count: pieces.count)
            var ids = [TokenID](repeating: 0, count: flat.count)
            for _ in 0..<max(1, common.repeats) {
                let t0 = processCPUSeconds()
                tokenizer.vocabulary.withRankLookup { lookup in
                    flat.withUnsafeBufferPointer { bytes in
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            ids.withUnsafeMutableBufferPointer { ids in
                                for i in pieces.indices {
                                    let n = encode(bytes.baseAddress! + starts[i], starts[i + 1] - starts[i], lookup, ids.baseAddress! + starts[i]) ?? 0
                                    counts[i] = n
                                }
                            }
                        }
                    }
                }
                best = min(best, processCPUSeconds() - t0)
            }
            _ = scratch
            out = pieces.indices.map { Array(ids[starts[$0]..<(starts[$0] + counts[$0])]) }
            return (best, out)
        }
        let (mergeTime, m) = run { BytePairMerger.mergeByRescanning($0, $1, $2, $3) }
        let (backtrackTime, bt) = tables.withView { view in run { view.encode($0, $1, $2, $3) } }
        merged = m
        backtracked = bt
        // Prototype: pieces cut where no token can cross, each segment through a merger (whole-token probe, cache, merge).
        let f0 = processCPUSeconds()
        let filter = CrossingFilter(tokenizer.vocabulary)
        let filterSeconds = processCPUSeconds() - f0
        let all = ProcessInfo.processInfo.environment["CF_ALL"] != nil
        var wholeTime = Double.infinity, cutTime = Double.infinity
        var whole = [[TokenID]](), cut = [[TokenID]](), segmentCount = 0, splitPieces = 0
        for _ in 0..<max(1, common.repeats) {
            var merger = BytePairMerger()
            var out = [[TokenID]]()
            out.reserveCapacity(pieces.count)
            let t0 = processCPUSeconds()
            tokenizer.vocabulary.withRankLookup { lookup in
                for piece in pieces {
                    var ids: [TokenID] = []
                    piece.withUnsafeBufferPointer { _ = merger.encode($0, with: lookup, into: &ids) }
                    out.append(ids)
                }
            }
            wholeTime = min(wholeTime, processCPUSeconds() - t0)
            whole = out
        }
        for _ in 0..<max(1, common.repeats) {
            var merger = BytePairMerger()
            var out = [[TokenID]]()
            out.reserveCapacity(pieces.count)
            segmentCount = 0; splitPieces = 0
            let t0 = processCPUSeconds()
            tokenizer.vocabulary.withRankLookup { lookup in
                for piece in pieces {
                    var ids: [TokenID] = []
                    piece.withUnsafeBufferPointer { buffer in
                        var parts = 0
                        filter.segments(buffer.baseAddress!, buffer.count, lookup, allBoundaries: all) { start, end in
                            parts += 1
                            _ = merger.encode(UnsafeBufferPointer(rebasing: buffer[start..<end]), with: lookup, into: &ids)
                        }
                        segmentCount += parts
                        if parts > 1 { splitPieces += 1 }
                    }
                    out.append(ids)
                }
            }
            cutTime = min(cutTime, processCPUSeconds() - t0)
            cut = out
        }
        printJSON(["cut_equal": cut == whole ? 1 : 0, "cut_differing": pieces.indices.filter { cut[$0] != whole[$0] }.count,
                   "whole_ns": wholeTime / Double(pieces.count) * 1e9, "cut_ns": cutTime / Double(pieces.count) * 1e9,
                   "split_pieces": splitPieces, "filter_ms": filterSeconds * 1000, "segments": segmentCount, "pieces": pieces.count])
        let differing = pieces.indices.filter { merged[$0] != backtracked[$0] }
        for i in differing.prefix(4) {
            FileHandle.standardError.write("\(pieces[i]) \(String(decoding: pieces[i], as: UTF8.self)): merger \(merged[i]) backtracking \(backtracked[i])\n".data(using: .utf8)!)
        }
        printJSON(["differing": differing.count, "pieces": pieces.count, "equal": merged == backtracked ? 1 : 0, "tables_seconds": build, "inconsistent": tables.inconsistentTokens,
                   "merger_ns": mergeTime / Double(pieces.count) * 1e9, "backtracking_ns": backtrackTime / Double(pieces.count) * 1e9])
    }
}
