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
            if piece.count > 1, piece.count <= 64, tokenizer.vocabulary.rank(of: piece) == nil, seen.insert(piece).inserted { pieces.append(piece) }
        }
        let start = processCPUSeconds()
        let tables = BacktrackingTables(tokenizer.vocabulary)
        let build = processCPUSeconds() - start
        var merged: [[TokenID]] = [], backtracked: [[TokenID]] = []
        let mergeTime = bestTimes(common.repeats) {
            var merger = BytePairMerger()
            merged = pieces.map { piece in
                var ids: [TokenID] = []
                piece.withUnsafeBufferPointer { _ = merger.encode($0, with: tokenizer.vocabulary, into: &ids) }
                return ids
            }
        }.cpu
        let backtrackTime = bestTimes(common.repeats) {
            backtracked = pieces.map { piece in piece.withUnsafeBufferPointer { tables.encode($0, tokenizer.vocabulary) ?? [] } }
        }.cpu
        printJSON(["pieces": pieces.count, "equal": merged == backtracked ? 1 : 0, "tables_seconds": build,
                   "merger_ns": mergeTime / Double(pieces.count) * 1e9, "backtracking_ns": backtrackTime / Double(pieces.count) * 1e9])
    }
}
