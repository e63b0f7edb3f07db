import Foundation
import Testing
import TokkitTestSupport
import TokkitCorpus
import TokkitIO
import TokkitPrep

/// The bad-words stage with per-language lists against the real datatrove `C4BadWordsFilter` given the
/// same lists (fixtures/prep/badwords), and the script filter's letter counts against Python's `regex`
/// module, on real multilingual text from the public corpus plus hand-made edge cases.
/// Fails, never skips, when Python, datatrove, regex or the corpus are missing.
@Suite("Live parity: per-language bad words (datatrove) and scripts (regex)", .serialized)
struct BadWordsAndScriptParityTests {
    struct Fixture: Sendable {
        var documents: [(document: Document, reason: String?, missing: Bool)]
        var scripts: [(id: String, text: String, counts: [String: Int])]
    }

    static let fixture: Result<Fixture, TestSetupError> = {
        do { return .success(try build()) } catch let error as TestSetupError { return .failure(error) } catch {
            return .failure(TestSetupError("\(error)"))
        }
    }()

    static func build() throws -> Fixture {
        let directory = NSTemporaryDirectory() + "tokkit-badwords-parity-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let corpus = (try Repository.corpusFile("public_multi.txt") as NSString).deletingLastPathComponent
        let reference = directory + "/badwords.jsonl"
        let run = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/badwords_datatrove.py"), "--corpus", corpus,
                                                      "--lists", Repository.path("fixtures/prep/badwords"), "--output", reference])
        guard run.status == 0 else { throw TestSetupError("datatrove's C4BadWordsFilter failed (is `pip install datatrove` done?): \(run.stderr)") }
        let scripts = directory + "/scripts.jsonl"
        let counted = try Subprocess.run("/usr/bin/env", ["python3", Repository.path("scripts/reference/script_reference.py"),
                                                          "--input", reference, "--output", scripts])
        guard counted.status == 0 else { throw TestSetupError("the script reference failed (is `pip install regex` done?): \(counted.stderr)") }
        var fixture = Fixture(documents: [], scripts: [])
        for line in try InputReader.contents(of: reference).split(separator: 0x0A) {
            guard case .object(let object) = try JSONParser.parse(Array(line)), let id = object["id"]?.stringValue,
                  let text = object["text"]?.stringValue else { throw TestSetupError("\(reference): a line without id or text") }
            var document = Document(id: id, text: text)
            if let language = object["language"]?.stringValue { document.metadata["language"] = .string(language) }
            fixture.documents.append((document, object["reason"]?.stringValue, object["missing"] == .bool(true)))
        }
        for line in try InputReader.contents(of: scripts).split(separator: 0x0A) {
            guard case .object(let object) = try JSONParser.parse(Array(line)), let id = object["id"]?.stringValue,
                  let text = object["text"]?.stringValue, case .object(let counts)? = object["counts"] else {
                throw TestSetupError("\(scripts): a line without id, text or counts")
            }
            var numbers: [String: Int] = [:]
            for (name, value) in counts { numbers[name] = value.doubleValue.map { Int($0) } }
            fixture.scripts.append((id, text, numbers))
        }
        return fixture
    }

    /// Documents whose decision (keep, drop, no list) differs from datatrove's; `language` overrides metadata.
    static func disagreements(_ filter: BannedWordsFilter, _ fixture: Fixture, language: String?? = nil) throws -> [String] {
        var found: [String] = []
        for (document, reason, missing) in fixture.documents {
            var document = document
            if let language { document.metadata["language"] = language.map { .string($0) } }
            var measured: Measurements = []
            let result = try filter.evaluate(document, TextView(document.text), &measured)
            if result.reason != reason || (result.missingLanguage != nil) != missing {
                found.append("\(document.id) [\(document.metadata["language"]?.stringValue ?? "-")]: tokkit \(result.reason ?? (result.missingLanguage != nil ? "no list" : "keep")), "
                             + "datatrove \(reason ?? (missing ? "no list" : "keep"))")
            }
        }
        return found
    }

    @Test("bad words with per-language lists make datatrove's decision on every document, and every kind of decision occurs")
    func badWordsParity() throws {
        let fixture = try Self.fixture.get()
        let filter = try BannedWordsFilter(directory: Repository.path("fixtures/prep/badwords"), failOnMissingLanguage: false)
        let differ = try Self.disagreements(filter, fixture)
        let total = fixture.documents.count
        print("bad words parity (datatrove C4BadWordsFilter, lists \(filter.languages.joined(separator: ","))): same decision \(total - differ.count)/\(total)")
        for line in differ.prefix(30) { print("  disagreement: \(line)") }
        #expect(total >= 1500)
        #expect(differ.isEmpty)
        // A test of the test: drops in a no-boundary language and in a spaced one, kept documents, documents without a list.
        let dropped = fixture.documents.filter { $0.reason != nil }
        let unspaced = dropped.filter { BannedWordsFilter.unspacedLanguages.contains($0.document.metadata["language"]?.stringValue ?? "en") }.count
        let spaced = dropped.count - unspaced
        let missing = fixture.documents.filter(\.missing).count
        print("bad words parity coverage: dropped \(dropped.count) (no-boundary languages \(unspaced), others \(spaced)), "
              + "kept \(total - dropped.count - missing), no list \(missing)")
        #expect(unspaced >= 20 && spaced >= 20 && missing >= 20 && total - dropped.count - missing >= 20)
    }

    @Test("a planted difference (every document read as English) is caught by the bad-words comparison")
    func badWordsPlanted() throws {
        let fixture = try Self.fixture.get()
        let filter = try BannedWordsFilter(directory: Repository.path("fixtures/prep/badwords"), failOnMissingLanguage: false)
        let differ = try Self.disagreements(filter, fixture, language: .some("en"))
        print("bad words planted difference (language forced to en): \(differ.count) disagreements")
        #expect(differ.count >= 20)
    }

    static func scriptDifferences(_ fixture: Fixture, counts: (String) -> [Int32: Int]) -> [String] {
        fixture.scripts.compactMap { item in
            let mine = Dictionary(uniqueKeysWithValues: counts(item.text).map { (ScriptFilter.name(of: $0.key), $0.value) })
            return mine == item.counts ? nil : "\(item.id): tokkit \(mine.sorted { $0.key < $1.key }), regex \(item.counts.sorted { $0.key < $1.key })"
        }
    }

    @Test("the script filter counts the same letters per script as Python's regex on real text in seven languages and hand-made ones")
    func scriptParity() throws {
        let fixture = try Self.fixture.get()
        let differ = Self.scriptDifferences(fixture) { ScriptFilter.letterCounts($0) }
        var seen: [String: Int] = [:]
        for item in fixture.scripts { for (name, count) in item.counts { seen[name, default: 0] += count } }
        print("script parity (ICU via CICU vs regex \\p{Script}): identical letter counts per script \(fixture.scripts.count - differ.count)/\(fixture.scripts.count) documents; "
              + "letters seen: \(seen.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        for line in differ.prefix(20) { print("  disagreement: \(line)") }
        #expect(differ.isEmpty)
        for script in ["Latn", "Cyrl", "Hani", "Hira", "Kana", "Arab", "Hebr", "Grek", "Hang", "Deva", "Thai"] {
            #expect((seen[script] ?? 0) > 0, "no \(script) letters in the test set")
        }
        // The keep decisions that follow from the counts, for a Latin-script corpus.
        let filter = try ScriptFilter(scripts: ["Latn"])
        let kept = fixture.scripts.filter { item in
            var measured: Measurements = []
            return filter.evaluate(TextView(item.text), &measured) == nil
        }.count
        print("script filter (Latn, min_share 0.5): keeps \(kept) of \(fixture.scripts.count)")
        #expect(kept > 0 && kept < fixture.scripts.count)
    }

    @Test("a planted difference (letters counted after upper-casing: ß becomes SS) is caught by the script comparison")
    func scriptPlanted() throws {
        let fixture = try Self.fixture.get()
        let differ = Self.scriptDifferences(fixture) { ScriptFilter.letterCounts($0.uppercased()) }
        print("script planted difference (upper-cased): \(differ.count) disagreements")
        #expect(differ.count >= 5)
    }
}
