import TokkitCorpus

/// The per-stage statistics as a text table: documents and bytes in and out, drops by reason,
/// documents passed for lack of metadata, and CPU-seconds.
public enum StatisticsTable {
    public static func render(_ statistics: RunStatistics) -> String {
        var rows: [[String]] = [["stage", "docs in", "docs out", "dropped", "MB in", "MB out", "cpu s", "reasons"]]
        for stage in statistics.stages {
            let reasons = (stage.drops.entries.sorted { $0.count > $1.count }.map { "\($0.name) \($0.count)" }
                + stage.counters.entries.map { "\($0.name) \($0.count)" }).joined(separator: ", ")
            rows.append([stage.name, "\(stage.documentsIn)", "\(stage.documentsOut)", "\(stage.dropped)",
                         megabytes(stage.bytesIn), megabytes(stage.bytesOut), String(format2: stage.seconds), reasons])
        }
        var widths = Array(repeating: 0, count: rows[0].count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        var lines = rows.map { row in
            row.enumerated().map { index, cell in
                index == 0 || index == row.count - 1 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        let reader = statistics.reader.entries.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
        if !reader.isEmpty { lines.append("read: " + reader) }
        return lines.joined(separator: "\n")
    }

    static func megabytes(_ bytes: Int) -> String { String(format2: Double(bytes) / 1e6) }
}

extension String {
    /// `value` with two decimals.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
