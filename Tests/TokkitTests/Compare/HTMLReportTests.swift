import Foundation
import Testing
import Tokkit

/// The HTML report's structure (how it renders in headless Chromium: `HTMLRenderingTests`, parity target).
@Suite("HTML report")
struct HTMLReportTests {
    @Test("tokens are spans titled with their id and bytes; pieces of one character share a dashed span")
    func tokenSpans() throws {
        let html = HTMLReport(try MetricsTests.comparison()).document()
        #expect(html.contains("<span title=\"id 256 · bytes 61 62\">ab</span><span title=\"id 32 · bytes 20\"> </span>"))
        #expect(html.contains("<span class=\"multi\" title=\"id 230 · bytes e6&#10;id 151 · bytes 97&#10;id 165 · bytes a5\">日</span>"))
        #expect(html.components(separatedBy: "<pre class=\"tokens\">").count - 1 == 4)
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 2)
    }

    @Test("the report is self-contained: a strict Content-Security-Policy, nothing to fetch")
    func selfContained() throws {
        let html = HTMLReport(try MetricsTests.comparison()).document()
        #expect(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\""))
        for reference in [" src=", " href=", "@import", "url("] { #expect(!html.contains(reference), "found \(reference)") }
    }
}
