import Foundation
import Testing
import TokkitTestSupport
import TokkitCorpus
import TokkitPrep

/// The script filter (ICU's Script property through CICU) and the per-language bad-words lists,
/// on hand-made documents; their agreement with the references on real text is in the parity suite.
@Suite("Prep: the script filter and per-language bad-word lists")
struct ScriptAndBadWordsTests {
    static func verdict(_ filter: ScriptFilter, _ text: String) -> (reason: String?, measured: [String: String]) {
        var measured: Measurements = []
        let reason = filter.evaluate(TextView(text), &measured)
        return (reason, Dictionary(measured.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    @Test("each script's text is dominated by its own script, digits and punctuation aside", arguments: [
        ("The quick brown fox — 1234, 5678!", "Latn"),
        ("Команда ls выводит список файлов.", "Cyrl"),
        ("打开这个文件夹，然后关闭它。", "Hani"),
        ("اللغة العربية هي إحدى اللغات السامية", "Arab"),
        ("עברית היא שפה שמית", "Hebr"),
        ("Η ελληνική γλώσσα", "Grek"),
        ("한국어는 공용어이다", "Hang"),
        ("हिन्दी भारत की राजभाषा है", "Deva"),
        ("ภาษาไทยเป็นภาษาราชการ", "Thai"),
        ("ひらがなのぶんしょうです", "Hira"),
    ])
    func dominantScript(_ text: String, _ script: String) throws {
        let filter = try ScriptFilter(scripts: [script], minShare: 0.9)
        let result = Self.verdict(filter, text)
        #expect(result.measured["dominant_script"] == script)
        #expect(result.reason == nil, "\(text): \(result.measured)")
    }

    @Test("a Cyrillic page is dropped from a Latin corpus with the reason script_share, and kept by a Cyrillic one")
    func dropsOtherScripts() throws {
        let russian = "Этот файл пуст; see ls(1)."
        #expect(Self.verdict(try ScriptFilter(scripts: ["Latn"]), russian).reason == "script_share")
        #expect(Self.verdict(try ScriptFilter(scripts: ["Cyrillic"]), russian).reason == nil)
        // 12 Cyrillic letters and 5 Latin ones: 5/17 Latin.
        let measured = Self.verdict(try ScriptFilter(scripts: ["Latn"]), russian).measured
        #expect(measured["letters"] == "17")
        #expect(measured["kept_scripts_share"] == "0.2941")
    }

    @Test("Japanese is three scripts: listing Han, Hiragana and Katakana keeps mixed text that any one of them alone would drop")
    func japaneseIsThreeScripts() throws {
        let text = "このプログラムはLinuxで動きます。設定ファイルを開く。"
        #expect(Self.verdict(try ScriptFilter(scripts: ["Hani", "Hira", "Kana"], minShare: 0.8), text).reason == nil)
        #expect(Self.verdict(try ScriptFilter(scripts: ["Hira"], minShare: 0.8), text).reason == "script_share")
        // ー (U+30FC) is Common with Hiragana/Katakana extensions: it counts for no script.
        #expect(ScriptFilter.letterCounts("ーーー").isEmpty)
    }

    @Test("a text without letters is dropped with no_letters unless keep_without_letters")
    func noLetters() throws {
        var filter = try ScriptFilter(scripts: ["Latn"])
        #expect(Self.verdict(filter, "1234 -- 5678 !!!").reason == "no_letters")
        filter.keepWithoutLetters = true
        #expect(Self.verdict(filter, "1234 -- 5678 !!!").reason == nil)
    }

    @Test("script names are ISO 15924 codes or Unicode names; an unknown one is an error naming it")
    func scriptNames() throws {
        #expect(ScriptFilter.code(named: "Cyrl") == ScriptFilter.code(named: "Cyrillic"))
        #expect(ScriptFilter.name(of: try #require(ScriptFilter.code(named: "Han"))) == "Hani")
        #expect(throws: PrepError.self) { try ScriptFilter(scripts: ["Klingon"]) }
        #expect(throws: PrepError.self) { try ScriptFilter(scripts: []) }
        // The ASCII shortcut agrees with ICU for every ASCII letter.
        let latin = try #require(ScriptFilter.code(named: "Latn"))
        let ascii = String(String.UnicodeScalarView((0x41...0x7A).compactMap { Unicode.Scalar(UInt32($0)) }))
        #expect(ScriptFilter.letterCounts(ascii) == [latin: 52])
        #expect(ScriptFilter.letterCounts("ÀÉ" + ascii) == [latin: 54])
    }

    @Test("the script stage reads from YAML with typed parameters, and --explain's measurements name the dominant script")
    func scriptStageFromYAML() throws {
        let scratch = Scratch()
        try "stages:\n  - script: {scripts: [Latn, Grek], min_share: 0.75}\n".write(toFile: scratch.file("s.yaml"), atomically: true, encoding: .utf8)
        let stages = try PrepConfiguration.load(path: scratch.file("s.yaml")).stages()
        guard case .script(let filter)? = stages.first else { Issue.record("not a script stage"); return }
        #expect(filter.minShare == 0.75)
        #expect(Self.verdict(filter, "Η ελληνική γλώσσα").measured["dominant_script"] == "Grek")
        try "stages:\n  - script: {scripts: [Latn], share: 0.75}\n".write(toFile: scratch.file("bad.yaml"), atomically: true, encoding: .utf8)
        try expectUnknown(kind: "script parameter", name: "share", line: 2, valid: ["scripts", "min_share", "keep_without_letters", "version"]) {
            try PrepConfiguration.load(path: scratch.file("bad.yaml")).stages()
        }
    }

    static func lists(_ files: [String: String]) throws -> Scratch {
        let scratch = Scratch()
        for (name, text) in files { try text.write(toFile: scratch.file(name), atomically: true, encoding: .utf8) }
        return scratch
    }

    static func badWords(_ filter: BannedWordsFilter, _ text: String, language: String?) throws -> (reason: String?, missing: String?) {
        var document = Document(id: "d", text: text)
        if let language { document.metadata["language"] = .string(language) }
        var measured: Measurements = []
        let result = try filter.evaluate(document, TextView(text), &measured)
        return (result.reason, result.missingLanguage)
    }

    @Test("per-language lists: the list follows metadata.language (default en); ja/th/zh match inside words, others between non-word characters")
    func perLanguageLists() throws {
        let scratch = try Self.lists(["en": "kernel\nc++\n", "ja": "設定\nsm\n", "hi": "नम\n", "README.md": "not a list\n\nat all\n"])
        let filter = try BannedWordsFilter(directory: scratch.directory)
        #expect(filter.languages == ["en", "hi", "ja"])
        #expect(try Self.badWords(filter, "The Kernel.", language: nil).reason == BannedWordsFilter.reason)
        #expect(try Self.badWords(filter, "kernels", language: "en").reason == nil)
        #expect(try Self.badWords(filter, "kernel_x", language: "en").reason == nil)
        #expect(try Self.badWords(filter, "kernel²", language: "en").reason == nil)  // ² is \w for Python
        #expect(try Self.badWords(filter, "I like C++.", language: "en").reason == BannedWordsFilter.reason)
        #expect(try Self.badWords(filter, "この設定ファイル", language: "ja").reason == BannedWordsFilter.reason)
        #expect(try Self.badWords(filter, "smallな例", language: "ja").reason == nil)  // sm is allow-listed
        #expect(try Self.badWords(filter, "यह नमो है", language: "hi").reason == BannedWordsFilter.reason)  // ो is \W for Python
        #expect(try Self.badWords(filter, "यह नमस्ते है", language: "hi").reason == nil)
        #expect(try Self.badWords(filter, "kernel", language: "ja").reason == nil)  // the ja list, not en's
        #expect(try Self.badWords(filter, "kernel", language: "pl").missing == "pl")
    }

    @Test("a missing language stops the run by default (datatrove's), or passes and is counted")
    func missingLanguage() throws {
        let scratch = try Self.lists(["en": "kernel\n"])
        let stopping = DocumentProcessor(stages: [.badWords(try BannedWordsFilter(directory: scratch.directory))])
        var statistics = stopping.emptyStatistics()
        var document = Document(id: "d", text: "kernel")
        document.metadata["language"] = .string("pl")
        #expect(stopping.runParallelStages(document, &statistics).failure?.contains("no list for language \"pl\"") == true)
        let passing = DocumentProcessor(stages: [.badWords(try BannedWordsFilter(directory: scratch.directory, failOnMissingLanguage: false))])
        statistics = passing.emptyStatistics()
        let result = passing.runParallelStages(document, &statistics)
        #expect(result.failure == nil && result.drop == nil)
        #expect(statistics[0].counters["missing_badwords_lang_pl"] == 1)
    }

    @Test("a list with a blank line, an empty list or a directory without lists is refused with the file and line")
    func refusedLists() throws {
        let blank = try Self.lists(["en": "kernel\n\nrace\n"])
        #expect(throws: PrepError.unreadableList(path: blank.file("en"), reason: "line 2 is blank; datatrove would match the empty word in nearly every document")) {
            try BannedWordsFilter(directory: blank.directory)
        }
        let allowed = try Self.lists(["zh": "性\n"])
        #expect(throws: PrepError.self) { try BannedWordsFilter(directory: allowed.directory) }
        let none = try Self.lists(["README.md": "x\n"])
        #expect(throws: PrepError.self) { try BannedWordsFilter(directory: none.directory) }
        #expect(throws: PrepError.self) { try BannedWordsFilter(directory: none.file("missing")) }
    }

    @Test("keep_fraction keeps that share of matching documents, the same ones on every run, and is validated")
    func keepFraction() throws {
        let scratch = try Self.lists(["en": "kernel\n", "bad.yaml": "stages:\n  - bad_words: {list: en, keep_fraction: 1.5}\n"])
        let all = try BannedWordsFilter(path: scratch.file("en"))
        let some = try all.keeping(fraction: 0.3, seed: 7)
        func kept(_ filter: BannedWordsFilter) throws -> [Int] {
            try (0..<2000).filter { index in
                var measured: Measurements = []
                let result = try filter.evaluate(Document(id: "doc-\(index)", text: "the kernel"), TextView("the kernel"), &measured)
                return result.reason == nil
            }
        }
        let first = try kept(some)
        // 2000 draws at p = 0.3: mean 600, standard deviation 20.5; five deviations either side.
        #expect((498...702).contains(first.count), "kept \(first.count) of 2000")
        #expect(try kept(some) == first)
        #expect(try kept(all.keeping(fraction: 0.3, seed: 8)) != first)
        #expect(try kept(all).isEmpty)
        #expect(try kept(all.keeping(fraction: 1, seed: 0)).count == 2000)
        // A kept matching document passes the stage and is counted, as datatrove counts it.
        let processor = DocumentProcessor(stages: [.badWords(try all.keeping(fraction: 1, seed: 0))])
        var statistics = processor.emptyStatistics()
        #expect(processor.runParallelStages(Document(id: "d", text: "kernel"), &statistics).drop == nil)
        #expect(statistics[0].counters["document_kept_with_badwords"] == 1)
        #expect(throws: PrepError.self) { try all.keeping(fraction: -0.1, seed: 0) }
        #expect(throws: PrepError.self) { try PrepConfiguration.load(path: scratch.file("bad.yaml")).stages() }
    }
}
