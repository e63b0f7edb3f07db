import Foundation

/// A grouped horizontal bar chart as inline SVG: one group of bars per label, one bar per series,
/// each bar with a `<title>` tooltip and its value written after it.
struct BarChart {
    var id: String
    var title: String
    var series: [String]
    var colors: [String]
    var groups: [(label: String, values: [Double])]
    var format: (Double) -> String

    private let labelWidth = 250.0
    private let barArea = 560.0
    private let valueWidth = 70.0
    private let barHeight = 11.0
    private let barGap = 2.0
    private let groupGap = 10.0

    func svg() -> String {
        let width = labelWidth + barArea + valueWidth
        let legendHeight = 40.0
        let groupHeight = Double(series.count) * (barHeight + barGap) - barGap
        let height = legendHeight + Double(groups.count) * (groupHeight + groupGap) + 4
        let maximum = groups.flatMap(\.values).max() ?? 0
        let scale = maximum > 0 ? barArea / maximum : 0
        var svg = "<svg class=\"chart\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        svg += "<title>\(HTMLReport.escape(title))</title>\n"
        svg += "<text x=\"0\" y=\"14\" style=\"font-weight: bold\">\(HTMLReport.escape(title))</text>\n"
        var legendX = 0.0
        for (index, name) in series.enumerated() {
            svg += "<rect x=\"\(legendX)\" y=\"22\" width=\"10\" height=\"10\" fill=\"\(color(index))\"/>"
                + "<text x=\"\(legendX + 14)\" y=\"31\">\(HTMLReport.escape(name))</text>\n"
            legendX += 14 + Double(name.count) * 6.5 + 18
        }
        for (groupIndex, group) in groups.enumerated() {
            let top = legendHeight + Double(groupIndex) * (groupHeight + groupGap)
            svg += "<text x=\"\(labelWidth - 8)\" y=\(quoted(top + groupHeight / 2 + 4)) text-anchor=\"end\">\(HTMLReport.escape(group.label))</text>\n"
            for (index, value) in group.values.enumerated() {
                let y = top + Double(index) * (barHeight + barGap)
                let length = max(value * scale, value > 0 ? 1 : 0)
                let name = index < series.count ? series[index] : ""
                svg += "<rect class=\"bar\" x=\"\(labelWidth)\" y=\(quoted(y)) width=\(quoted(length)) height=\"\(barHeight)\" fill=\"\(color(index))\">"
                    + "<title>\(HTMLReport.escape("\(name) · \(group.label): \(format(value))"))</title></rect>"
                    + "<text x=\(quoted(labelWidth + length + 4)) y=\(quoted(y + barHeight - 2))>\(HTMLReport.escape(format(value)))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    private func color(_ index: Int) -> String { colors[index % colors.count] }

    private func quoted(_ value: Double) -> String { "\"" + String(format: "%.1f", value) + "\"" }
}
