import TokkitText

/// A table of text cells, rendered as aligned plain text, GitHub Markdown or CSV.
public struct TextTable: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, right }

    public struct Column: Sendable, Equatable {
        public var title: String
        public var alignment: Alignment

        public init(_ title: String, _ alignment: Alignment = .right) {
            self.title = title
            self.alignment = alignment
        }
    }

    public var columns: [Column]
    public var rows: [[String]]

    public init(columns: [Column], rows: [[String]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Columns padded to their widest cell and separated by two spaces, a rule under the header.
    /// Widths count East Asian wide characters and emoji as two terminal cells; trailing spaces are trimmed.
    public func plainText() -> String {
        let widths = columns.indices.map { column in
            ([columns[column].title] + rows.map { $0[column] }).map(Self.displayWidth).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (column, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - Self.displayWidth(cell))
                parts.append(columns[column].alignment == .left ? cell + padding : padding + cell)
            }
            return trimmingTrailingSpaces(parts.joined(separator: "  "))
        }
        var lines = [line(columns.map(\.title))]
        lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        lines += rows.map(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table; `|` in cells is escaped.
    public func markdown() -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingPipes() }.joined(separator: " | ") + " |"
        }
        var lines = [line(columns.map(\.title))]
        lines.append("|" + columns.map { $0.alignment == .left ? "---|" : "---:|" }.joined())
        lines += rows.map(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV: a header line, then one line per row; cells with `,`, `"` or line breaks are quoted.
    public func csv() -> String {
        func field(_ cell: String) -> String {
            guard cell.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return cell }
            return "\"" + cell.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        return ([columns.map(\.title)] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// How many terminal cells `text` takes: two for East Asian wide and full-width characters and
    /// emoji (East_Asian_Width and Emoji_Presentation from ICU), one for anything else (combining
    /// marks belong to their grapheme, so count nothing).
    public static func displayWidth(_ text: String) -> Int {
        text.reduce(0) { width, character in
            guard let first = character.unicodeScalars.first else { return width }
            return width + (UnicodeProperties.isWide(first) ? 2 : 1)
        }
    }

    private func trimmingTrailingSpaces(_ text: String) -> String {
        var text = text
        while text.last == " " { text.removeLast() }
        return text
    }
}

extension String {
    fileprivate func replacingPipes() -> String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
