import Foundation
import TokkitCore

/// A comparison as one self-contained HTML file: the tables, SVG bar charts and, for every file,
/// the text cut into tokens side by side for each tokenizer (hover a token for its id and bytes).
///
/// Nothing is fetched: styles, the script and the charts are inline, and a Content-Security-Policy
/// forbids any network or file access, so a report that renders once renders anywhere. The script
/// writes `data-status="ok"` on `<body>` when the page has loaded, or `"error"` with the message in
/// `#status` when a script error or a blocked load happens; tests read that marker in a real browser.
public struct HTMLReport: Sendable {
    public let comparison: Comparison
    private let report: ComparisonReport

    public init(_ comparison: Comparison) {
        self.comparison = comparison
        self.report = ComparisonReport(comparison)
    }

    /// Colours of the tokenizers in charts and headings, in the order given (cycled beyond eight).
    static let seriesColors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f"]

    /// The whole document.
    public func document() -> String {
        let labels = comparison.tokenizers.map(\.label)
        let totalBytes = comparison.files.reduce(0) { $0 + $1.measure.bytes }
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Tokenizer comparison: \(Self.escape(labels.joined(separator: ", ")))</title>
        <style>\(Self.style)</style>
        <script>\(Self.script)</script>
        </head>
        <body data-status="loading">
        <header>
        <h1>Tokenizer comparison</h1>
        <p>\(comparison.tokenizers.count) tokenizers × \(comparison.files.count) files, \(totalBytes) bytes. \
        Fewest tokens ranks first. Made by <code>tokkit compare</code>.</p>
        <p id="status">the report script has not run</p>
        </header>

        """
        html += "<section id=\"ranking\">\n<h2>Ranking</h2>\n" + Self.table(report.rankingTable(style: .html), id: "ranking-table") + "</section>\n"
        html += "<section id=\"charts\">\n<h2>Tokens per file</h2>\n" + tokensChart() + "\n<h2>Totals</h2>\n" + totalsChart() + "</section>\n"
        html += "<section id=\"files\">\n<h2>Per file</h2>\n" + Self.table(report.fileTable(style: .html), id: "file-table")
            + "<p class=\"note\">" + Self.escape(ComparisonReport.wordRule) + ".</p>\n"
            + (report.includeSpeed ? comparison.timingNote.map { "<p class=\"note\">" + Self.escape($0) + ".</p>\n" } ?? "" : "")
            + "</section>\n"
        html += "<section id=\"views\">\n<h2>Token views</h2>\n<p class=\"note\">Each token has its own background; hover one for its id and bytes. "
            + "A dashed box holds several tokens that only together make whole characters.</p>\n"
        for file in comparison.files.indices { html += tokenView(file: file) }
        html += "</section>\n</body>\n</html>\n"
        return html
    }

    // MARK: Tables

    static func table(_ table: TextTable, id: String) -> String {
        var html = "<div class=\"scroll\"><table id=\"\(id)\" class=\"sortable\">\n<thead><tr>"
        for column in table.columns {
            html += "<th class=\"\(column.alignment == .left ? "l" : "r")\" title=\"click to sort\">\(escape(column.title))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                let classes = (table.columns[index].alignment == .left ? "l" : "r") + (cell.hasPrefix("FAIL") ? " fail" : "")
                html += "<td class=\"\(classes)\">\(escape(cell))</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table></div>\n"
    }

    // MARK: Charts

    /// Grouped horizontal bars: one group per file, one bar per tokenizer.
    func tokensChart() -> String {
        let groups = comparison.files.indices.map { file in
            (label: comparison.files[file].name,
             values: comparison.tokenizers.indices.map { Double(comparison.encodings[$0][file].ids.count) })
        }
        return BarChart(id: "chart-tokens", title: "Tokens per file (fewer is better)", series: comparison.tokenizers.map(\.label),
                        colors: Self.seriesColors, groups: groups, format: { String(Int($0)) }).svg()
    }

    /// Bytes per token, characters per token and tokens per word over all files.
    func totalsChart() -> String {
        let totals = comparison.tokenizers.indices.map { comparison.totals(tokenizer: $0) }
        let groups: [(label: String, values: [Double])] = [
            ("bytes per token (higher packs more)", totals.map { $0.bytesPerToken ?? 0 }),
            ("characters per token", totals.map { $0.charactersPerToken ?? 0 }),
            ("tokens per word (lower is better)", totals.map { $0.tokensPerWord ?? 0 }),
        ]
        return BarChart(id: "chart-totals", title: "All files together", series: comparison.tokenizers.map(\.label),
                        colors: Self.seriesColors, groups: groups, format: { String(format: "%.2f", $0) }).svg()
    }

    // MARK: Token views

    /// One file's text per tokenizer, side by side.
    func tokenView(file: Int) -> String {
        let compared = comparison.files[file]
        let counts = comparison.tokenizers.indices.map { "\(comparison.tokenizers[$0].label) \(comparison.encodings[$0][file].ids.count)" }
        var html = "<details class=\"view\" id=\"view-\(file)\" open>\n<summary><b>\(Self.escape(compared.name))</b> "
            + "<span class=\"note\">\(compared.measure.bytes) bytes · tokens: \(Self.escape(counts.joined(separator: " · ")))</span></summary>\n"
        html += "<div class=\"columns\" style=\"grid-template-columns: repeat(\(comparison.tokenizers.count), minmax(0, 1fr))\">\n"
        for tokenizer in comparison.tokenizers.indices {
            let color = Self.seriesColors[tokenizer % Self.seriesColors.count]
            let ids = comparison.encodings[tokenizer][file].ids
            html += "<div><h3 style=\"border-color: \(color)\">\(Self.escape(comparison.tokenizers[tokenizer].label)) "
                + "<span class=\"note\">\(ids.count) tokens</span></h3>\n<pre class=\"tokens\">"
            html += Self.spans(ids, vocabulary: comparison.tokenizers[tokenizer].codec.vocabulary)
            html += "</pre></div>\n"
        }
        return html + "</div>\n</details>\n"
    }

    /// The ids as `<span>`s, one per token, except that tokens which only together form whole
    /// characters share one dashed span (`TokenText.characterGroups`).
    static func spans(_ ids: [TokenID], vocabulary: Vocabulary) -> String {
        var html = ""
        for group in TokenText.characterGroups(ids, vocabulary: vocabulary) {
            let title = group.tokens.map { "id \($0.id) · bytes \(TokenText.hex($0.bytes))" }.joined(separator: "&#10;")
            let text = group.complete ? visibleHTML(group.bytes) : escape(TokenText.visible(group.bytes))
            let classes = group.tokens.count > 1 ? " class=\"multi\"" : (group.complete ? "" : " class=\"partial\"")
            html += "<span\(classes) title=\"\(title)\">\(text)</span>"
        }
        return html
    }

    /// Token text for `<pre>`: line breaks stay line breaks (so the file keeps its shape) after a
    /// visible `↵`; other control characters are shown as escapes; everything is HTML-escaped.
    static func visibleHTML(_ bytes: [UInt8]) -> String {
        var html = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\n": html += "↵\n"
            case "\r": html += "␍"
            case "\t": html += "\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                html += "\\u{\(String(scalar.value, radix: 16))}"
            case "&": html += "&amp;"
            case "<": html += "&lt;"
            case ">": html += "&gt;"
            default: html.unicodeScalars.append(scalar)
            }
        }
        return html
    }

    static func escape(_ text: String) -> String {
        var html = ""
        for character in text {
            switch character {
            case "&": html += "&amp;"
            case "<": html += "&lt;"
            case ">": html += "&gt;"
            case "\"": html += "&quot;"
            case "'": html += "&#39;"
            default: html.append(character)
            }
        }
        return html
    }

    // MARK: Style and script

    static let style = """
    body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; background: #fff; }
    h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 14px; margin: 0 0 6px; border-bottom: 3px solid; }
    code, pre, td, th { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
    .scroll { overflow-x: auto; } table { border-collapse: collapse; } th, td { padding: 2px 8px; border-bottom: 1px solid #d0d7de; white-space: nowrap; }
    th { background: #f6f8fa; cursor: pointer; user-select: none; } .l { text-align: left; } .r { text-align: right; }
    td.fail { color: #fff; background: #cf222e; } .note { color: #59636e; font-weight: normal; }
    #status { font-size: 12px; color: #59636e; } body[data-status="error"] #status { color: #cf222e; font-weight: bold; }
    svg.chart { display: block; max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: #1f2328; }
    details.view { margin: 10px 0; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; }
    summary { cursor: pointer; } .columns { display: grid; gap: 12px; margin-top: 8px; }
    pre.tokens { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; line-height: 1.7; max-height: 420px; overflow: auto; }
    pre.tokens > span { border-radius: 2px; }
    pre.tokens > span:nth-child(5n+1) { background: #dbeafe; } pre.tokens > span:nth-child(5n+2) { background: #fde68a; }
    pre.tokens > span:nth-child(5n+3) { background: #bbf7d0; } pre.tokens > span:nth-child(5n+4) { background: #fbcfe8; }
    pre.tokens > span:nth-child(5n+5) { background: #ddd6fe; }
    pre.tokens > span.multi { outline: 1px dashed #57606a; outline-offset: -1px; } pre.tokens > span.partial { color: #cf222e; }
    pre.tokens > span:hover { outline: 2px solid #0969da; }
    """

    static let script = """
    (function () {
      function fail(message) {
        document.body.setAttribute('data-status', 'error');
        var status = document.getElementById('status');
        if (status) status.textContent = 'error: ' + message;
      }
      window.addEventListener('error', function (event) {
        var target = event.target || {};
        fail(event.message || ('cannot load ' + (target.src || target.href || 'a resource')));
      }, true);
      document.addEventListener('securitypolicyviolation', function (event) { fail('blocked ' + event.blockedURI); });
      window.addEventListener('load', function () {
        if (document.body.getAttribute('data-status') === 'error') return;
        var charts = document.querySelectorAll('svg.chart').length;
        var views = document.querySelectorAll('pre.tokens').length;
        var tokens = document.querySelectorAll('pre.tokens > span').length;
        document.body.setAttribute('data-status', 'ok');
        document.getElementById('status').textContent =
          'loaded: ' + charts + ' charts, ' + views + ' token views, ' + tokens + ' token spans';
      });
      document.addEventListener('DOMContentLoaded', function () {
        document.querySelectorAll('table.sortable').forEach(function (table) {
          table.querySelectorAll('th').forEach(function (header, column) {
            header.addEventListener('click', function () {
              var body = table.tBodies[0];
              var rows = Array.prototype.slice.call(body.rows);
              var ascending = header.getAttribute('data-sort') !== 'ascending';
              table.querySelectorAll('th').forEach(function (other) { other.removeAttribute('data-sort'); });
              header.setAttribute('data-sort', ascending ? 'ascending' : 'descending');
              function key(row) {
                var text = row.cells[column].textContent;
                var number = parseFloat(text.replace(/[^0-9.+-]/g, ''));
                return isNaN(number) ? text : number;
              }
              rows.sort(function (a, b) {
                var x = key(a), y = key(b);
                var order = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
                return ascending ? order : -order;
              });
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
        });
      });
    })();
    """
}
