import Foundation
import TokkitCorpus
import Yams

/// A `tokkit prep` configuration: where documents come from and go, and the stages in order with
/// their parameters, from a YAML file or a preset.
///
/// ```yaml
/// preset: fineweb-datatrove        # optional: start from a preset's stages
/// inputs: [raw/]
/// output: clean/
/// reader: {format: jsonl, text_key: text, id_key: id}
/// writer: {compression: zstd, level: 3}
/// blocklists: fixtures/prep/blocklists
/// stages:                          # replaces the preset's stages when given
///   - url_filter: {soft_word_threshold: 2}
///   - gopher_quality: {version: current, min_doc_words: 50}
///   - c4_quality: {filter_no_terminal_punct: false}
///   - pii: {version: current}
/// ```
///
/// Every name is checked: an unknown key, stage, parameter, preset or version is an error naming
/// it, its line in the file and the valid choices.
public struct PrepConfiguration {
    public var preset: String?
    public var inputs: [String] = []
    public var output: String?
    public var textKey: String?
    public var idKey: String?
    public var format: String?
    public var compression: String?
    public var level: Int?
    public var blocklists: String?
    public var publicSuffixList: String?
    /// Stages from the file: name, parameters, line.
    var stageSpecs: [(name: String, parameters: [(key: String, value: Node, line: Int)], line: Int)]?
    /// The file's text, part of the fingerprint.
    var source = ""

    public init(preset: String) { self.preset = preset }

    static let topKeys = ["preset", "inputs", "output", "reader", "writer", "blocklists", "public_suffix_list", "stages"]

    /// The YAML document at `path` and its text, with one error wording for every configuration file Tokkit reads.
    /// `text`, when given, is the document itself and `path` only names it in errors (a configuration
    /// built in memory, e.g. a Python dict written as JSON, which is YAML).
    static func composeYAML(path: String, what: String, text given: String? = nil) throws -> (root: Node, text: String) {
        guard let text = given ?? FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw PrepError.invalidConfiguration("\(path): cannot read the \(what)")
        }
        do {
            guard let node = try Yams.compose(yaml: text) else { throw PrepError.invalidConfiguration("\(path): the configuration is empty") }
            return (node, text)
        } catch let error as PrepError {
            throw error
        } catch {
            throw PrepError.invalidConfiguration("\(path): not valid YAML: \(error)")
        }
    }

    /// Reads and checks a YAML configuration: the file at `path`, or `text` named `path` in errors.
    public static func load(path: String, text given: String? = nil) throws -> PrepConfiguration {
        let (root, text) = try composeYAML(path: path, what: "configuration", text: given)
        var configuration = PrepConfiguration(preset: "")
        configuration.preset = nil
        configuration.source = text
        guard let mapping = root.mapping else { throw PrepError.invalidConfiguration("\(path): the configuration must be a mapping of \(topKeys.joined(separator: ", "))") }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line
            switch key {
            case "preset": configuration.preset = try string(value, key, path)
            case "inputs":
                if let single = value.string { configuration.inputs = [single] } else {
                    configuration.inputs = try (value.sequence ?? []).map { try string($0, key, path) }
                }
            case "output": configuration.output = try string(value, key, path)
            case "blocklists": configuration.blocklists = try string(value, key, path)
            case "public_suffix_list": configuration.publicSuffixList = try string(value, key, path)
            case "reader":
                for (inner, innerValue) in innerMapping(value) {
                    switch inner.string ?? "" {
                    case "format": configuration.format = try string(innerValue, "format", path)
                    case "text_key": configuration.textKey = try string(innerValue, "text_key", path)
                    case "id_key": configuration.idKey = try string(innerValue, "id_key", path)
                    case let other: throw PrepError.unknownName(kind: "reader parameter", name: other, line: inner.mark?.line, valid: ["format", "text_key", "id_key"])
                    }
                }
            case "writer":
                for (inner, innerValue) in innerMapping(value) {
                    switch inner.string ?? "" {
                    case "compression": configuration.compression = try string(innerValue, "compression", path)
                    case "level":
                        guard let level = innerValue.int else { throw PrepError.invalidConfiguration("\(path): line \(innerValue.mark?.line ?? 0): level must be an integer") }
                        configuration.level = level
                    case let other: throw PrepError.unknownName(kind: "writer parameter", name: other, line: inner.mark?.line, valid: ["compression", "level"])
                    }
                }
            case "stages":
                guard let items = value.sequence else { throw PrepError.invalidConfiguration("\(path): line \(line ?? 0): stages must be a list") }
                var specs: [(name: String, parameters: [(key: String, value: Node, line: Int)], line: Int)] = []
                for item in items {
                    let itemLine = item.mark?.line ?? 0
                    let (name, parameters): (String, Node?)
                    if let only = item.string {
                        (name, parameters) = (only, nil)
                    } else if let map = item.mapping, map.count == 1, let first = map.first {
                        (name, parameters) = (first.key.string ?? "", first.value)
                    } else {
                        throw PrepError.invalidConfiguration("\(path): line \(itemLine): a stage is a name, or a name with a mapping of parameters")
                    }
                    guard Stage.names.contains(name) || Self.corpusStageNames.contains(name) else {
                        throw PrepError.unknownName(kind: "stage", name: name, line: itemLine, valid: Stage.names + Self.corpusStageNames)
                    }
                    let params = innerMapping(parameters).map { (key: $0.key.string ?? "", value: $0.value, line: $0.key.mark?.line ?? itemLine) }
                    specs.append((name, params, itemLine))
                }
                configuration.stageSpecs = specs
            default:
                throw PrepError.unknownName(kind: "key", name: key, line: line, valid: topKeys)
            }
        }
        if let preset = configuration.preset, Preset(rawValue: preset) == nil {
            throw PrepError.unknownName(kind: "preset", name: preset, line: mapping.first { $0.key.string == "preset" }?.key.mark?.line,
                                        valid: Preset.allCases.map(\.rawValue))
        }
        if configuration.preset == nil, configuration.stageSpecs == nil {
            throw PrepError.invalidConfiguration("\(path): give a preset or a list of stages")
        }
        return configuration
    }

    private static func innerMapping(_ node: Node?) -> [(key: Node, value: Node)] {
        guard let node, let mapping = node.mapping else { return [] }
        return mapping.map { ($0.key, $0.value) }
    }

    private static func string(_ node: Node, _ key: String, _ path: String) throws -> String {
        guard let value = node.string else { throw PrepError.invalidConfiguration("\(path): line \(node.mark?.line ?? 0): \(key) must be a string") }
        return value
    }

    /// How input files are read: the `reader` section (JSON Lines with its keys, or a plain-text split).
    public func readFormat() throws -> DocumentFileReader.Format {
        switch format ?? "jsonl" {
        case "jsonl": return .jsonl(DocumentAdapter(textKey: textKey ?? "text", idKey: idKey ?? "id"))
        case let split:
            guard let text = DocumentSplit(rawValue: split) else {
                throw PrepError.unknownName(kind: "reader format", name: split, line: nil, valid: ["jsonl"] + DocumentSplit.allCases.map(\.rawValue))
            }
            return .text(text)
        }
    }

    /// How output files are compressed: the `writer` section.
    public func outputCompression() throws -> OutputCompression {
        switch compression ?? "none" {
        case "none": return .none
        case "gzip": return .gzip(level: level)
        case "zstd": return .zstd(level: level)
        case let other: throw PrepError.unknownName(kind: "writer compression", name: other, line: nil, valid: ["none", "gzip", "zstd"])
        }
    }

    /// Identifies the configuration in completion markers and `run.json`.
    public var fingerprint: String {
        "preset=\(preset ?? "-") blocklists=\(blocklists ?? "-") reader=\(format ?? "jsonl"),\(textKey ?? "text"),\(idKey ?? "id") config=\(source.hashValueStable)"
    }

    /// The URL filter with this configuration's block lists.
    func urlFilter(parameters: [(key: String, value: Node, line: Int)] = []) throws -> URLFilter {
        var filter = URLFilter(suffixes: nil)
        var directory = blocklists
        for parameter in parameters {
            switch parameter.key {
            case "blocklists": directory = parameter.value.string
            case "soft_word_threshold": filter.softWordThreshold = try Self.int(parameter)
            default: throw PrepError.unknownName(kind: "url_filter parameter", name: parameter.key, line: parameter.line,
                                                 valid: ["blocklists", "soft_word_threshold"])
            }
        }
        guard let directory else { return filter }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PrepError.unreadableList(path: directory, reason: "not a directory of block lists")
        }
        func list(_ name: String, normalized: Bool) throws -> [String] {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { return [] }
            return try URLFilter.readList(path, normalized: normalized)
        }
        filter.domains = Set(try list("domains", normalized: false))
        filter.urls = Set(try list("urls", normalized: false))
        filter.bannedWords = Set(try list("banned_words.txt", normalized: true))
        filter.bannedSubwords = Array(Set(try list("banned_subwords.txt", normalized: true))).sorted()
        filter.softBannedWords = Set(try list("soft_banned_words.txt", normalized: true))
        if !filter.domains.isEmpty { filter.suffixes = try PublicSuffixList(path: publicSuffixList ?? PublicSuffixList.systemPath) }
        return filter
    }

    /// The stages, built and checked: a pipeline of per-document stages only (the in-memory
    /// filter of the C ABI, `--explain`). A configuration with corpus-wide stages runs through ``steps(reading:)``.
    public func stages() throws -> [Stage] {
        guard let specs = stageSpecs else {
            guard let name = preset, let preset = Preset(rawValue: name) else {
                throw PrepError.unknownName(kind: "preset", name: preset ?? "", line: nil, valid: Preset.allCases.map(\.rawValue))
            }
            return try preset.stages(urlFilter: try urlFilter())
        }
        if let corpus = specs.first(where: { Self.corpusStageNames.contains($0.name) }) {
            throw PrepError.invalidConfiguration("line \(corpus.line): \(corpus.name) decides by looking at the whole corpus; "
                + "it runs in a whole `tokkit prep` run over files, not document by document")
        }
        let defaultVersion = preset.flatMap(Preset.init(rawValue:))?.version ?? .current
        return try specs.map { spec in try stage(spec.name, spec.parameters, defaultVersion: defaultVersion) }
    }

    func stage(_ name: String, _ parameters: [(key: String, value: Node, line: Int)], defaultVersion: RuleVersion) throws -> Stage {
        var version = defaultVersion
        var rest: [(key: String, value: Node, line: Int)] = []
        for parameter in parameters {
            if parameter.key == "version" {
                guard let text = parameter.value.string, let chosen = RuleVersion(rawValue: text) else {
                    throw PrepError.unknownName(kind: "version", name: parameter.value.string ?? "", line: parameter.line,
                                                valid: RuleVersion.allCases.map(\.rawValue))
                }
                version = chosen
            } else {
                rest.append(parameter)
            }
        }
        func unknown(_ parameter: (key: String, value: Node, line: Int), _ valid: [String]) -> PrepError {
            .unknownName(kind: "\(name) parameter", name: parameter.key, line: parameter.line, valid: valid + ["version"])
        }
        func configure<Target>(_ target: inout Target, _ setters: KeyValuePairs<String, (inout Target, Parameter) throws -> Void>) throws {
            try Self.configure(&target, rest, stage: name, alsoValid: ["version"], setters)
        }
        switch name {
        case "url_filter":
            return .urlFilter(try urlFilter(parameters: rest))
        case "language_score":
            var filter = LanguageScoreFilter()
            filter.languages = version == .v0_2_0 ? ["en"] : nil
            try configure(&filter, [
                "languages": { $0.languages = $1.value.sequence?.compactMap(\.string) ?? $1.value.string.map { language in [language] } },
                "threshold": { $0.threshold = try Self.double($1) },
            ])
            return .languageScore(filter)
        case "gopher_repetition":
            var filter = GopherRepetitionFilter(version: version)
            try configure(&filter, [
                "dup_line_frac": { $0.dupLineFrac = try Self.double($1) },
                "dup_para_frac": { $0.dupParaFrac = try Self.double($1) },
                "dup_line_char_frac": { $0.dupLineCharFrac = try Self.double($1) },
                "dup_para_char_frac": { $0.dupParaCharFrac = try Self.double($1) },
                "top_n_grams": { $0.topNGrams = try Self.nGrams($1) },
                "dup_n_grams": { $0.dupNGrams = try Self.nGrams($1) },
            ])
            return .gopherRepetition(filter)
        case "gopher_quality":
            var filter = GopherQualityFilter(version: version)
            try configure(&filter, [
                "min_doc_words": { $0.minDocWords = try Self.int($1) },
                "max_doc_words": { $0.maxDocWords = try Self.int($1) },
                "min_avg_word_length": { $0.minAvgWordLength = try Self.double($1) },
                "max_avg_word_length": { $0.maxAvgWordLength = try Self.double($1) },
                "max_symbol_word_ratio": { $0.maxSymbolWordRatio = try Self.double($1) },
                "max_bullet_lines_ratio": { $0.maxBulletLinesRatio = try Self.double($1) },
                "max_ellipsis_lines_ratio": { $0.maxEllipsisLinesRatio = try Self.double($1) },
                "max_non_alpha_words_ratio": { $0.maxNonAlphaWordsRatio = try Self.double($1) },
                "min_stop_words": { $0.minStopWords = try Self.int($1) },
                "stop_words": { $0.stopWords = Set($1.value.sequence?.compactMap(\.string) ?? []) },
            ])
            return .gopherQuality(filter)
        case "c4_quality":
            var filter = C4QualityFilter()
            try configure(&filter, [
                "remove_citations": { $0.removeCitations = try Self.bool($1) },
                "filter_no_terminal_punct": { $0.filterNoTerminalPunct = try Self.bool($1) },
                "min_num_sentences": { $0.minNumSentences = try Self.int($1) },
                "min_words_per_line": { $0.minWordsPerLine = try Self.int($1) },
                "max_word_length": { $0.maxWordLength = try Self.int($1) },
                "filter_lorem_ipsum": { $0.filterLoremIpsum = try Self.bool($1) },
                "filter_javascript": { $0.filterJavascript = try Self.bool($1) },
                "filter_curly_bracket": { $0.filterCurlyBracket = try Self.bool($1) },
                "filter_policy": { $0.filterPolicy = try Self.bool($1) },
            ])
            return .c4Quality(filter)
        case "c4_paragraph":
            if let parameter = rest.first { throw unknown(parameter, []) }
            return .c4Paragraph(C4ParagraphFilter())
        case "bad_words":
            var path: String?
            var directory: String?
            var defaultLanguage = "en"
            var failOnMissing = true
            var keepFraction = 0.0
            var seed = 0
            for parameter in rest {
                switch parameter.key {
                case "list": path = try Self.string(parameter)
                case "lists": directory = try Self.string(parameter)
                case "default_language": defaultLanguage = try Self.string(parameter)
                case "fail_on_missing_language": failOnMissing = try Self.bool(parameter)
                case "keep_fraction":
                    keepFraction = try Self.double(parameter)
                    guard (0...1).contains(keepFraction) else {
                        throw PrepError.invalidConfiguration("line \(parameter.line): keep_fraction must be between 0 and 1")
                    }
                case "seed": seed = try Self.int(parameter)
                default: throw unknown(parameter, ["list", "lists", "default_language", "fail_on_missing_language", "keep_fraction", "seed"])
                }
            }
            switch (path, directory) {
            case (let path?, nil):
                return .badWords(try BannedWordsFilter(path: path).keeping(fraction: keepFraction, seed: UInt64(truncatingIfNeeded: seed)))
            case (nil, let directory?):
                return .badWords(try BannedWordsFilter(directory: directory, defaultLanguage: defaultLanguage, failOnMissingLanguage: failOnMissing)
                    .keeping(fraction: keepFraction, seed: UInt64(truncatingIfNeeded: seed)))
            default:
                throw PrepError.invalidConfiguration("bad_words needs either `list: FILE` (one list for every document) or `lists: DIRECTORY` "
                    + "(one file per language, named by its code, chosen by metadata.language)")
            }
        case "script":
            var names: [String] = []
            var minShare = 0.5
            var keepWithoutLetters = false
            for parameter in rest {
                switch parameter.key {
                case "scripts":
                    guard let items = parameter.value.sequence ?? parameter.value.string.map({ [Node($0)] }) else {
                        throw PrepError.invalidConfiguration("line \(parameter.line): scripts must be a list of script codes or names")
                    }
                    names = try items.map { item in
                        guard let name = item.string else { throw PrepError.invalidConfiguration("line \(parameter.line): scripts must be a list of script codes or names") }
                        return name
                    }
                case "min_share": minShare = try Self.double(parameter)
                case "keep_without_letters": keepWithoutLetters = try Self.bool(parameter)
                default: throw unknown(parameter, ["scripts", "min_share", "keep_without_letters"])
                }
            }
            do {
                var filter = try ScriptFilter(scripts: names, minShare: minShare)
                filter.keepWithoutLetters = keepWithoutLetters
                return .script(filter)
            } catch {
                throw PrepError.invalidConfiguration("line \(parameters.first?.line ?? 0): \(error.description)")
            }
        case "fineweb_quality":
            var filter = FineWebQualityFilter(version: version)
            try configure(&filter, [
                "line_punct_thr": { $0.linePunctThreshold = try Self.double($1) },
                "line_punct_exclude_zero": { $0.linePunctExcludeZero = try Self.bool($1) },
                "short_line_thr": { $0.shortLineThreshold = try Self.double($1) },
                "short_line_length": { $0.shortLineLength = try Self.int($1) },
                "char_duplicates_ratio": { $0.charDuplicatesRatio = try Self.double($1) },
                "new_line_ratio": { $0.newLineRatio = try Self.double($1) },
            ])
            return .fineWebQuality(filter)
        case "length":
            var filter = LengthFilter()
            try configure(&filter, [
                "unit": { $0.unit = try Self.choice($1, kind: "length unit", LengthFilter.Unit.self) },
                "min": { $0.minimum = try Self.int($1) },
                "max": { $0.maximum = try Self.int($1) },
            ])
            return .length(filter)
        case "pii":
            var remove = (emails: true, ips: true, publicOnly: true)
            try configure(&remove, [
                "remove_emails": { $0.emails = try Self.bool($1) },
                "remove_ips": { $0.ips = try Self.bool($1) },
                "only_remove_public_ips": { $0.publicOnly = try Self.bool($1) },
            ])
            return .pii(try PIIFormatter(version: version, removeEmails: remove.emails, removeIPs: remove.ips, onlyPublicIPs: remove.publicOnly))
        case "control_characters":
            if let parameter = rest.first { throw unknown(parameter, []) }
            return .controlCharacters(ControlCharacterCleaner())
        case "replacement_characters":
            var cleaner = ReplacementCharacterCleaner()
            try configure(&cleaner, ["max_fraction": { $0.maxFraction = try Self.double($1) }])
            return .replacementCharacters(cleaner)
        case "symbol_lines":
            var cleaner = SymbolLinesCleaner()
            try configure(&cleaner, [
                "symbols": { $0.symbols = Set(($1.value.sequence?.compactMap(\.string) ?? []).flatMap { symbol in symbol.unicodeScalars }) },
                "replacement": { $0.replacement = $1.value.string ?? "" },
            ])
            return .symbolLines(cleaner)
        case "normalize":
            var normalizer = TextNormalizer()
            try configure(&normalizer, [
                "form": { $0.form = try Self.choice($1, kind: "normalization form", TextNormalizer.Form.self) },
                "fold_whitespace": { $0.foldWhitespace = try Self.bool($1) },
            ])
            return .normalize(normalizer)
        default:
            throw PrepError.unknownName(kind: "stage", name: name, line: nil, valid: Stage.names)
        }
    }

    typealias Parameter = (key: String, value: Node, line: Int)

    /// Sends each parameter through the setter of its key; an unknown key is an error naming the
    /// valid ones (the setters' keys and `alsoValid`).
    static func configure<Target>(_ target: inout Target, _ parameters: [Parameter], stage: String, alsoValid: [String] = [],
                                  _ setters: KeyValuePairs<String, (inout Target, Parameter) throws -> Void>) throws {
        for parameter in parameters {
            guard let setter = setters.first(where: { $0.key == parameter.key })?.value else {
                throw PrepError.unknownName(kind: "\(stage) parameter", name: parameter.key, line: parameter.line, valid: setters.map(\.key) + alsoValid)
            }
            try setter(&target, parameter)
        }
    }

    /// A parameter naming one case of a closed set (a unit, a normalization form).
    static func choice<Choice: RawRepresentable & CaseIterable>(_ parameter: Parameter, kind: String, _ type: Choice.Type) throws -> Choice
        where Choice.RawValue == String {
        guard let choice = parameter.value.string.flatMap(Choice.init(rawValue:)) else {
            throw PrepError.unknownName(kind: kind, name: parameter.value.string ?? "", line: parameter.line, valid: Choice.allCases.map(\.rawValue))
        }
        return choice
    }

    static func double(_ parameter: (key: String, value: Node, line: Int)) throws -> Double {
        guard let value = parameter.value.float ?? parameter.value.int.map(Double.init) else {
            throw PrepError.invalidConfiguration("line \(parameter.line): \(parameter.key) must be a number")
        }
        return value
    }

    static func string(_ parameter: (key: String, value: Node, line: Int)) throws -> String {
        guard let value = parameter.value.string else { throw PrepError.invalidConfiguration("line \(parameter.line): \(parameter.key) must be a string") }
        return value
    }

    static func int(_ parameter: (key: String, value: Node, line: Int)) throws -> Int {
        guard let value = parameter.value.int else { throw PrepError.invalidConfiguration("line \(parameter.line): \(parameter.key) must be an integer") }
        return value
    }

    static func bool(_ parameter: (key: String, value: Node, line: Int)) throws -> Bool {
        guard let value = parameter.value.bool else { throw PrepError.invalidConfiguration("line \(parameter.line): \(parameter.key) must be true or false") }
        return value
    }

    static func nGrams(_ parameter: (key: String, value: Node, line: Int)) throws -> [GopherRepetitionFilter.NGramLimit] {
        guard let items = parameter.value.sequence else { throw PrepError.invalidConfiguration("line \(parameter.line): \(parameter.key) must be a list of [n, fraction]") }
        return try items.map { item in
            guard let pair = item.sequence, pair.count == 2, let n = pair[0].int, let fraction = pair[1].float ?? pair[1].int.map(Double.init) else {
                throw PrepError.invalidConfiguration("line \(item.mark?.line ?? parameter.line): \(parameter.key) entries are [n, fraction]")
            }
            return .init(n, fraction)
        }
    }
}

extension String {
    /// FNV-1a of the UTF-8, in hex: stable across runs (Swift's `hashValue` is seeded per process).
    var hashValueStable: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}
