import Foundation
import Testing
import Tokkit

/// Tables and documents: alignment, escaping, and formats that parse back to the metrics.
@Suite("Comparison reports")
struct ReportTests {
    @Test("plain text pads every column, counting wide characters as two cells")
    func plainAlignment() {
        let table = TextTable(columns: [.init("name", .left), .init("n")], rows: [["日本", "1"], ["abcdef", "100"]])
        #expect(table.plainText() == """
        name      n
        ──────  ───
        日本      1
        abcdef  100

        """)
        #expect(TextTable.displayWidth("日本語") == 6)
        #expect(TextTable.displayWidth("e\u{301}🙂") == 3)
    }

    @Test("Markdown escapes pipes and aligns numbers right; CSV quotes what needs quoting")
    func markdownAndCSV() {
        let table = TextTable(columns: [.init("token", .left), .init("n")], rows: [["a|b", "1"], ["say \"hi\", ok", "2"]])
        #expect(table.markdown() == "| token | n |\n|---|---:|\n| a\\|b | 1 |\n| say \"hi\", ok | 2 |\n")
        #expect(table.csv() == "token,n\r\na|b,1\r\n\"say \"\"hi\"\", ok\",2\r\n")
    }

    @Test("tokens are shown with visible whitespace, bytes of a cut character as \\xNN")
    func tokenText() {
        #expect(TokenText.visible(Array(" world\n\t\r".utf8)) == "·world↵→␍")
        #expect(TokenText.visible([0xE6, 0x97]) == "\\xE6\\x97")
        #expect(TokenText.visible([0x1B, 0x41]) == "\\u{1b}A")
        #expect(TokenText.visible(Array("abcdef".utf8), limit: 4) == "abc…")
        #expect(TokenText.hex([0x68, 0x0A, 0xFF]) == "68 0a ff")
    }

    @Test("the Markdown document has the ranking, every file row and the word rule")
    func markdownDocument() throws {
        let markdown = ComparisonReport(try MetricsTests.comparison()).markdown()
        #expect(markdown.contains("| 1 | ab | 301 | +0.0% | 11 | 9 | 1.22 | 0.78 | 2.25 | 7 | 2.33% | 2/2 | 2 B `ab` |"))
        #expect(markdown.contains("| 2 | bytes | 256 | +22.2% | 11 | 11 | 1.00 | 0.64 | 2.75 | 8 | 3.12% | 2/2 | 1 B `·` |"))
        #expect(markdown.contains("| ab | ab | 5 | 3 | 1.67 | 1.67 | 1.50 | 2 | 0.66% | ok | 2 B `ab` |"))
        #expect(markdown.contains("| cjk | bytes | 6 | 6 | 1.00 | 0.33 | 3.00 | 5 | 1.95% | ok | 1 B `\\x97` |"))
        #expect(markdown.contains("Words: whitespace-separated runs"))
    }

    @Test("CSV has a row per file and tokenizer, then totals in ranking order")
    func csv() throws {
        let lines = ComparisonReport(try MetricsTests.comparison()).csv().split(separator: "\r\n").map(String.init)
        #expect(lines.count == 1 + 4 + 2)
        #expect(lines[0].hasPrefix("file,tokenizer,rank,bytes,characters,words,tokens,bytes_per_token"))
        #expect(lines[2].hasPrefix("ab,ab,,5,5,2,3,1.666667,1.666667,1.500000,2,301,0.006645,1,1,,256,2,ab"))
        #expect(lines[5].hasPrefix("*,ab,1,11,7,4,9,"))
        #expect(lines[6].hasPrefix("*,bytes,2,11,7,4,11,"))
    }

    @Test("JSON parses back to the same numbers")
    func json() throws {
        let comparison = try MetricsTests.comparison()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ComparisonReport(comparison).json().utf8)) as? [String: Any])
        #expect(object["ranking"] as? [String] == ["ab", "bytes"])
        let tokenizers = try #require(object["tokenizers"] as? [[String: Any]])
        #expect(tokenizers[0]["tokens"] as? Int == 9)
        #expect(tokenizers[0]["vocab_size"] as? Int == 301)
        #expect(tokenizers[0]["encode_mb_per_s"] is NSNull)
        let longest = try #require(tokenizers[0]["longest_token"] as? [String: Any])
        #expect(longest["id"] as? Int == 256 && longest["hex"] as? String == "61 62")
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["ab", "cjk"])
        let results = try #require(files[1]["results"] as? [[String: Any]])
        #expect(results[1]["tokens_per_word"] as? Double == 3)
        #expect(files[1]["words"] as? Int == 2)
    }
}
