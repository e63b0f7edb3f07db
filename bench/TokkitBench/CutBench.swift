import ArgumentParser
import Foundation
import Tokkit
import TokkitCore

/// The distinct pieces of --file that are no token, each encoded once by a merger that cuts them (`PieceCutter`) and
/// by one that merges them whole: what the cutter saves where a cold encode spends its merging time. Ids checked
/// equal before any time is printed.
struct CutBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cut",
        abstract: "Distinct pieces of --file that are no token: merged whole against cut (ns per piece, ids checked equal).")
    @OptionGroup var common: Common

    func run() throws {
        let tokenizer = try common.tokenizer()
        let text = try common.text()
        let vocabulary = tokenizer.vocabulary
        var seen = Set<[UInt8]>()
        var pieces: [[UInt8]] = []
        for range in try tokenizer.preTokenizer.pieces(of: text) {
            let piece = Array(text[range])
            if piece.count > 1, vocabulary.rank(of: piece) == nil, seen.insert(piece).inserted { pieces.append(piece) }
        }
        /// Best CPU seconds of the repeats, a fresh merger each, and the ids of the last.
        func time(cutting: Bool) -> (Double, [[TokenID]]) {
            var best = Double.infinity, out: [[TokenID]] = []
            for _ in 0..<max(1, common.repeats) {
                var merger = BytePairMerger(cutting: cutting ? .always : .never)
                var ids = [[TokenID]]()
                ids.reserveCapacity(pieces.count)
                let start = processCPUSeconds()
                vocabulary.withRankLookup { lookup in
                    for piece in pieces {
                        var pieceIDs: [TokenID] = []
                        piece.withUnsafeBufferPointer { _ = merger.encode($0, with: lookup, into: &pieceIDs) }
                        ids.append(pieceIDs)
                    }
                }
                best = min(best, processCPUSeconds() - start)
                out = ids
            }
            return (best, out)
        }
        let (wholeSeconds, whole) = time(cutting: false)
        let (cutSeconds, cut) = time(cutting: true)
        guard whole == cut else {
            let differing = pieces.indices.filter { whole[$0] != cut[$0] }
            throw ValidationError("\(differing.count) of \(pieces.count) pieces get other ids cut, e.g. \(pieces[differing[0]])")
        }
        printJSON(["pieces": pieces.count, "whole_ns": wholeSeconds / Double(pieces.count) * 1e9,
                   "cut_ns": cutSeconds / Double(pieces.count) * 1e9, "whole_over_cut": wholeSeconds / cutSeconds])
    }
}
