import Foundation
import Testing
import Tokkit

/// The HTML report as a browser user sees it: rendered by headless Chromium, its script's load
/// marker read back from the DOM.
@Suite("HTML report in a real browser")
struct HTMLRenderingTests {
    /// gpt2 against cl100k on one fixture: enough for a report with charts and token views.
    static func smallComparison() throws -> Comparison {
        let tokenizers = [ComparedTokenizer(label: "gpt2", codec: try Loaded.tokenizer("gpt2")),
                          ComparedTokenizer(label: "cl100k_base", codec: try Loaded.tokenizer("cl100k_base"))]
        return try Comparison.run(tokenizers, on: try ComparedFile.collect([Repository.path("fixtures/english-prose.txt")]))
    }

    @Test("gpt2, cl100k and gpt2+o200k on every fixture render in headless Chromium with charts, token views and no errors")
    func rendersInChromium() throws {
        let tokenizers = [
            ComparedTokenizer(label: "gpt2", codec: try Loaded.tokenizer("gpt2")),
            ComparedTokenizer(label: "cl100k_base", codec: try Loaded.tokenizer("cl100k_base")),
            ComparedTokenizer(label: "gpt2+o200k", codec: try Loaded.tokenizer("gpt2", pattern: .o200k)),
        ]
        let files = try ComparedFile.collect([Repository.path("fixtures")])
        let comparison = try Comparison.run(tokenizers, on: files)
        let scratch = Scratch()
        let page = scratch.file("report.html")
        try FileSystem.write(HTMLReport(comparison).document(), to: page)
        let dom = try Chromium.dumpDOM(page, scratch: scratch)
        #expect(dom.contains("<body data-status=\"ok\">"), "\(Chromium.status(in: dom))")
        let views = files.count * tokenizers.count
        #expect(Chromium.status(in: dom).hasPrefix("loaded: 2 charts, \(views) token views, "))
        #expect(dom.components(separatedBy: "<rect class=\"bar\"").count - 1 == views + 3 * tokenizers.count)
        #expect(dom.components(separatedBy: "<pre class=\"tokens\">").count - 1 == views)
        #expect(dom.contains("title=\"id 464 · bytes 54 68 65\">The</span>"))
        let picture = scratch.file("report.png")
        try Chromium.screenshot(page, to: picture, scratch: scratch)
        let png = try FileSystem.read(picture)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)
    }

    @Test("the load marker turns to error on a script error and on a blocked network request", arguments: [
        ("<script>throw new Error('planted failure')</script>", "planted failure"),
        ("<img alt=\"\" src=\"https://example.invalid/x.png\">", "https://example.invalid/x.png"),
    ])
    func errorMarker(injected: String, message: String) throws {
        let html = HTMLReport(try Self.smallComparison()).document().replacingOccurrences(of: "</body>", with: injected + "</body>")
        let scratch = Scratch()
        let page = scratch.file("broken.html")
        try FileSystem.write(html, to: page)
        let dom = try Chromium.dumpDOM(page, scratch: scratch)
        #expect(dom.contains("<body data-status=\"error\">"))
        #expect(Chromium.status(in: dom).contains(message), "\(Chromium.status(in: dom))")
    }
}

/// Headless Chromium (Debian package `chromium`), run as a browser user would open the file.
enum Chromium {
    static func run(_ arguments: [String], scratch: Scratch) throws -> Subprocess.Result {
        let flags = ["--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run",
                     "--hide-scrollbars", "--user-data-dir=" + scratch.file("chromium-profile")]
        let result = try Subprocess.run("/usr/bin/env", ["chromium"] + flags + arguments)
        guard result.status == 0 else {
            throw TestSetupError("chromium failed (\(result.status)); is it installed (apt-get install chromium)? \(result.stderr.suffix(500))")
        }
        return result
    }

    /// The DOM after the page's load event, as Chromium serializes it.
    static func dumpDOM(_ page: String, scratch: Scratch) throws -> String {
        try run(["--dump-dom", URL(fileURLWithPath: page).absoluteString], scratch: scratch).stdout
    }

    static func screenshot(_ page: String, to picture: String, scratch: Scratch) throws {
        _ = try run(["--window-size=1280,2000", "--screenshot=" + picture, URL(fileURLWithPath: page).absoluteString], scratch: scratch)
    }

    /// The text the report's script wrote into `#status`.
    static func status(in dom: String) -> String {
        guard let start = dom.range(of: "<p id=\"status\">"), let end = dom.range(of: "</p>", range: start.upperBound..<dom.endIndex) else {
            return "no #status element"
        }
        return String(dom[start.upperBound..<end.lowerBound])
    }
}
