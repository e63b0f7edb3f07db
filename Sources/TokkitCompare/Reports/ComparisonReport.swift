import Foundation
import TokkitCore
import TokkitIO

/// The tables and documents made from a `Comparison`: per-file rows and per-tokenizer totals with
/// the ranking, as aligned text, Markdown, CSV or JSON.
public struct ComparisonReport: Sendable {
    public let comparison: Comparison
    /// Whether to show the encode speed (omit it for output that is the same on every run).
    public let includeSpeed: Bool

    public init(_ comparison: Comparison) {
        self.comparison = comparison
        self.includeSpeed = comparison.encodings.contains { $0.contains { $0.seconds != nil } }
    }

    /// The rule words are counted by, stated in every report so readers can judge fertility.
    public static let wordRule = "words: whitespace-separated runs, except that each character of Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar is a word; characters are Unicode scalars"

    // MARK: Tables

    /// Where a table will be shown, which decides how its cells are written.
    public enum TableStyle: Sendable {
        /// A terminal: each file's name only on its first row, so groups stand out.
        case terminal
        /// Markdown: names on every row (rendered tables get sorted and filtered), tokens as code spans.
        case markdown
        /// HTML: names on every row, plain cells (the page escapes them).
        case html
    }

    /// One row per file and tokenizer.
    public func fileTable(style: TableStyle = .terminal) -> TextTable {
        var table = TextTable(columns: [.init("file", .left), .init("tokenizer", .left)] + metricColumns)
        for file in comparison.files.indices {
            for tokenizer in comparison.tokenizers.indices {
                let name = tokenizer == 0 || style != .terminal ? comparison.files[file].name : ""
                let metrics = comparison.metrics(tokenizer: tokenizer, file: file)
                table.rows.append([name, comparison.tokenizers[tokenizer].label]
                                  + metricCells(metrics, roundTrip: roundTripCell(comparison.encodings[tokenizer][file].roundTrip), style: style))
            }
        }
        return table
    }

    /// One row per tokenizer over all files, in ranking order (fewest tokens first).
    public func rankingTable(style: TableStyle = .terminal) -> TextTable {
        var table = TextTable(columns: [.init("rank"), .init("tokenizer", .left), .init("vocab size"), .init("vs best")]
                                       + metricColumns)
        let ranking = comparison.ranking
        let best = ranking.first.map { comparison.totals(tokenizer: $0).tokens } ?? 0
        for (place, tokenizer) in ranking.enumerated() {
            let totals = comparison.totals(tokenizer: tokenizer)
            let versus = best == 0 ? "–" : String(format: "%+.1f%%", (Double(totals.tokens) / Double(best) - 1) * 100)
            table.rows.append([String(place + 1), comparison.tokenizers[tokenizer].label, String(totals.vocabularySize), versus]
                              + metricCells(totals, roundTrip: "\(totals.roundTripsPassed)/\(totals.roundTripsChecked)", style: style))
        }
        return table
    }

    private var metricColumns: [TextTable.Column] {
        var columns: [TextTable.Column] = [
            .init("bytes"), .init("tokens"), .init("bytes/token"), .init("chars/token"), .init("tokens/word"),
            .init("distinct ids"), .init("vocab used"), .init("round trip"),
        ]
        if includeSpeed { columns.append(.init("encode MB/s")) }
        columns.append(.init("longest token", .left))
        return columns
    }

    private func metricCells(_ metrics: TokenMetrics, roundTrip: String, style: TableStyle) -> [String] {
        var cells = [
            String(metrics.text.bytes), String(metrics.tokens), Self.fixed(metrics.bytesPerToken, 2),
            Self.fixed(metrics.charactersPerToken, 2), Self.fixed(metrics.tokensPerWord, 2), String(metrics.distinctIDs),
            metrics.vocabularyShare.map { String(format: "%.2f%%", $0 * 100) } ?? "–", roundTrip,
        ]
        if includeSpeed { cells.append(Self.fixed(metrics.megabytesPerSecond, 1)) }
        cells.append(metrics.longestToken.map { token in
            let text = TokenText.visible(token.bytes, limit: 24)
            return "\(token.bytes.count) B " + (style == .markdown ? Self.codeSpan(text) : text)
        } ?? "–")
        return cells
    }

    private func roundTripCell(_ outcome: RoundTripOutcome) -> String {
        switch outcome {
        case .exact: return "ok"
        case .differs(let offset): return "FAIL at byte \(offset)"
        case .decodingFailed: return "FAIL: decode error"
        }
    }

    static func fixed(_ value: Double?, _ decimals: Int) -> String {
        value.map { String(format: "%.\(decimals)f", $0) } ?? "–"
    }

    /// A Markdown code span that survives backticks inside (CommonMark: a longer fence).
    static func codeSpan(_ text: String) -> String {
        var longestRun = 0
        var run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        let fence = String(repeating: "`", count: longestRun + 1)
        let padding = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + padding + text + padding + fence
    }

    // MARK: Documents

    /// The default terminal output: both tables, aligned.
    public func plainText() -> String {
        "Per file\n\n" + fileTable().plainText()
            + "\nTotals over \(comparison.files.count) files, fewest tokens first\n\n" + rankingTable().plainText()
            + "\n" + Self.wordRule + "\n" + (includeSpeed ? comparison.timingNote.map { $0 + "\n" } ?? "" : "")
    }

    /// Both tables as a Markdown document.
    public func markdown() -> String {
        "## Ranking over \(comparison.files.count) files (fewest tokens first)\n\n" + rankingTable(style: .markdown).markdown()
            + "\n## Per file\n\n" + fileTable(style: .markdown).markdown() + "\n" + Self.wordRule.prefix(1).uppercased()
            + Self.wordRule.dropFirst() + ".\n" + (includeSpeed ? comparison.timingNote.map { "\n" + $0 + ".\n" } ?? "" : "")
    }

    /// One CSV table: a row per file and tokenizer, then a row per tokenizer over all files (file `*`),
    /// with raw numbers rather than rounded text.
    public func csv() -> String {
        var table = TextTable(columns: ["file", "tokenizer", "rank", "bytes", "characters", "words", "tokens", "bytes_per_token",
                                        "chars_per_token", "tokens_per_word", "distinct_ids", "vocab_size", "vocab_share",
                                        "round_trips_passed", "round_trips_checked", "encode_mb_per_s", "longest_token_id",
                                        "longest_token_bytes", "longest_token"].map { TextTable.Column($0) })
        func number(_ value: Double?) -> String { value.map { String(format: "%.6f", $0) } ?? "" }
        func row(_ file: String, _ tokenizer: Int, rank: String, _ metrics: TokenMetrics) -> [String] {
            [file, comparison.tokenizers[tokenizer].label, rank, String(metrics.text.bytes), String(metrics.text.characters),
             String(metrics.text.words), String(metrics.tokens), number(metrics.bytesPerToken), number(metrics.charactersPerToken),
             number(metrics.tokensPerWord), String(metrics.distinctIDs), String(metrics.vocabularySize),
             number(metrics.vocabularyShare), String(metrics.roundTripsPassed), String(metrics.roundTripsChecked),
             number(metrics.megabytesPerSecond), metrics.longestToken.map { String($0.id) } ?? "",
             metrics.longestToken.map { String($0.bytes.count) } ?? "", metrics.longestToken.map { TokenText.visible($0.bytes) } ?? ""]
        }
        for file in comparison.files.indices {
            for tokenizer in comparison.tokenizers.indices {
                table.rows.append(row(comparison.files[file].name, tokenizer, rank: "", comparison.metrics(tokenizer: tokenizer, file: file)))
            }
        }
        for (place, tokenizer) in comparison.ranking.enumerated() {
            table.rows.append(row("*", tokenizer, rank: String(place + 1), comparison.totals(tokenizer: tokenizer)))
        }
        return table.csv()
    }

    /// Everything as JSON: the ranking, each tokenizer's totals, and each file's metrics per tokenizer.
    public func json() -> String {
        func object(_ metrics: TokenMetrics) -> [(String, JSONValue)] {
            [("bytes", .integer(metrics.text.bytes)), ("characters", .integer(metrics.text.characters)),
             ("words", .integer(metrics.text.words)), ("tokens", .integer(metrics.tokens)),
             ("bytes_per_token", .number(orNull: metrics.bytesPerToken)),
             ("chars_per_token", .number(orNull: metrics.charactersPerToken)),
             ("tokens_per_word", .number(orNull: metrics.tokensPerWord)), ("distinct_ids", .integer(metrics.distinctIDs)),
             ("vocab_share", .number(orNull: metrics.vocabularyShare)),
             ("round_trips_passed", .integer(metrics.roundTripsPassed)),
             ("round_trips_checked", .integer(metrics.roundTripsChecked)),
             ("encode_mb_per_s", .number(orNull: metrics.megabytesPerSecond)),
             ("longest_token", metrics.longestToken.map { token in
                 .object(entries: [("id", .integer(Int(token.id))), ("bytes", .integer(token.bytes.count)),
                          ("text", .string(TokenText.visible(token.bytes))), ("hex", .string(TokenText.hex(token.bytes)))])
             } ?? .null)]
        }
        let ranking = comparison.ranking
        let tokenizers: [JSONValue] = ranking.enumerated().map { place, tokenizer in
            let totals = comparison.totals(tokenizer: tokenizer)
            return .object(entries: [("label", .string(comparison.tokenizers[tokenizer].label)), ("rank", .integer(place + 1)),
                            ("vocab_size", .integer(totals.vocabularySize))] + object(totals))
        }
        let files: [JSONValue] = comparison.files.indices.map { file in
            let measure = comparison.files[file].measure
            return .object(entries: [
                ("name", .string(comparison.files[file].name)), ("bytes", .integer(measure.bytes)),
                ("characters", .integer(measure.characters)), ("words", .integer(measure.words)),
                ("results", .array(comparison.tokenizers.indices.map { tokenizer in
                    .object(entries: [("tokenizer", .string(comparison.tokenizers[tokenizer].label))]
                            + object(comparison.metrics(tokenizer: tokenizer, file: file)))
                })),
            ])
        }
        return JSONValue.object(entries: [
            ("ranking", .array(ranking.map { .string(comparison.tokenizers[$0].label) })),
            ("word_rule", .string(Self.wordRule)),
            ("timing", comparison.timingNote.map { .string($0) } ?? .null),
            ("tokenizers", .array(tokenizers)),
            ("files", .array(files)),
        ]).serialized() + "\n"
    }
}
