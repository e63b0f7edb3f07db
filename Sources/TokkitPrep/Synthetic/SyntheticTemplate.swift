import Foundation
import TokkitCorpus
import TokkitIO
import Yams

/// A synthetic-data recipe (the phi / Cosmopedia approach): a prompt template filled from topic,
/// audience and format lists and, optionally, seed documents, read from YAML:
///
/// ```yaml
/// name: textbook                       # prefix of every request id
/// model: gpt-4o-mini
/// system: You are an expert teacher.   # optional
/// prompt: "Write a {format} about {topic} for {audience}. Draw on this extract:\n{seed}"
/// topics: [photosynthesis, binary search]
/// audiences: [high-school students, professionals]
/// formats: [textbook section, blog post]
/// seeds: seeds.jsonl                   # optional: JSONL documents, {seed} = their text
/// max_seed_characters: 2000            # optional
/// max_tokens: 1024                     # optional request parameters
/// temperature: 0.7
/// ```
/// Every placeholder used must have a list; the prompts are the product of the lists used, in
/// order, with repeats removed (two identical prompts are one request).
public struct SyntheticTemplate: Sendable {
    public var name: String
    public var model: String
    public var system: String?
    public var prompt: String
    public var lists: [String: [String]]
    public var seedsPath: String?
    public var maxSeedCharacters = 2000
    public var maxTokens: Int?
    public var temperature: Double?

    static let keys = ["name", "model", "system", "prompt", "topics", "audiences", "formats", "seeds", "max_seed_characters",
                       "max_tokens", "temperature"]

    public static func load(path: String) throws -> SyntheticTemplate {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PrepError.invalidConfiguration("\(path): cannot read the template")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw PrepError.invalidConfiguration("\(path): the template is empty") }
            root = node
        } catch let error as PrepError {
            throw error
        } catch {
            throw PrepError.invalidConfiguration("\(path): not valid YAML: \(error)")
        }
        guard let mapping = root.mapping else { throw PrepError.invalidConfiguration("\(path): the template must be a mapping of \(keys.joined(separator: ", "))") }
        var template = SyntheticTemplate(name: "", model: "", prompt: "", lists: [:])
        func string(_ node: Node, _ key: String) throws -> String {
            guard let value = node.string else {
                throw PrepError.invalidConfiguration("\(path):\((node.mark?.line).map(String.init) ?? "?"): \(key) must be a string")
            }
            return value
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "name": template.name = try string(value, key)
            case "model": template.model = try string(value, key)
            case "system": template.system = try string(value, key)
            case "prompt": template.prompt = try string(value, key)
            case "topics", "audiences", "formats":
                guard let sequence = value.sequence else {
                    throw PrepError.invalidConfiguration("\(path):\((value.mark?.line).map(String.init) ?? "?"): \(key) must be a list")
                }
                template.lists[String(key.dropLast())] = try sequence.map { try string($0, key) }
            case "seeds": template.seedsPath = try string(value, key)
            case "max_seed_characters":
                guard let number = Int(try string(value, key)), number > 0 else { throw PrepError.invalidConfiguration("\(path): max_seed_characters must be a positive integer") }
                template.maxSeedCharacters = number
            case "max_tokens":
                guard let number = Int(try string(value, key)), number > 0 else { throw PrepError.invalidConfiguration("\(path): max_tokens must be a positive integer") }
                template.maxTokens = number
            case "temperature":
                guard let number = Double(try string(value, key)) else { throw PrepError.invalidConfiguration("\(path): temperature must be a number") }
                template.temperature = number
            default:
                throw PrepError.unknownName(kind: "template key", name: key, line: keyNode.mark?.line, valid: keys)
            }
        }
        if let seeds = template.seedsPath, !seeds.hasPrefix("/") {
            template.seedsPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(seeds).path
        }
        for required in ["name", "model", "prompt"] where (required == "name" ? template.name : required == "model" ? template.model : template.prompt).isEmpty {
            throw PrepError.invalidConfiguration("\(path): the template needs \(required)")
        }
        return template
    }

    /// Everything that decides the requests, in a fixed order (for resume fingerprints).
    public var fingerprint: String {
        let fields = [name, model, system ?? "-", prompt, String(maxSeedCharacters), maxTokens.map(String.init) ?? "-",
                      temperature.map { String($0) } ?? "-"]
        return (fields + lists.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "\u{1F}")
    }

    /// One generation request.
    public struct Request: Sendable, Equatable {
        /// `<name>-<first 12 hex digits of SHA-1 of the prompt>`: stable across runs and orderings.
        public var id: String
        public var prompt: String
        /// The values that filled the placeholders (and `seed_id` when a seed document was used).
        public var fields: [String: String]
    }

    /// The placeholders the prompt uses, in order of first use.
    public var placeholders: [String] {
        var found: [String] = []
        var rest = Substring(prompt)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = String(rest[rest.index(after: open)..<close])
            if !found.contains(name) { found.append(name) }
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// Every distinct prompt: the product of the lists the template uses (seed documents as `{seed}`).
    public func requests(seeds: [Document] = []) throws -> [Request] {
        var axes: [(String, [(value: String, id: String?)])] = []
        for placeholder in placeholders {
            if placeholder == "seed" {
                guard !seeds.isEmpty else { throw PrepError.invalidConfiguration("the prompt uses {seed} but the template has no seeds file (or it is empty)") }
                axes.append(("seed", seeds.map { (String($0.text.prefix(maxSeedCharacters)), $0.id) }))
            } else {
                guard let values = lists[placeholder], !values.isEmpty else {
                    throw PrepError.unknownName(kind: "placeholder", name: placeholder, line: nil, valid: ["topic", "audience", "format", "seed"])
                }
                axes.append((placeholder, values.map { ($0, nil) }))
            }
        }
        var combinations: [[(String, String, String?)]] = [[]]
        for (name, values) in axes {
            combinations = combinations.flatMap { prefix in values.map { prefix + [(name, $0.value, $0.id)] } }
        }
        var seen = Set<String>()
        var requests: [Request] = []
        for combination in combinations {
            var text = prompt
            var fields: [String: String] = [:]
            for (name, value, seedID) in combination {
                text = text.replacingOccurrences(of: "{\(name)}", with: value)
                if let seedID { fields["seed_id"] = seedID } else { fields[name] = value }
            }
            guard seen.insert(text).inserted else { continue }
            let digest = Array(text.utf8).withUnsafeBytes { SHA1.digest($0) }
            let id = name + "-" + digest.prefix(6).map { String(format: "%02x", $0) }.joined()
            requests.append(Request(id: id, prompt: text, fields: fields))
        }
        return requests
    }

    /// One line of an OpenAI Batch API input file (`/v1/chat/completions`).
    public func batchLine(_ request: Request) -> [UInt8] {
        var messages: [JSONValue] = []
        if let system { messages.append(.object(JSONObject([("role", .string("system")), ("content", .string(system))]))) }
        messages.append(.object(JSONObject([("role", .string("user")), ("content", .string(request.prompt))])))
        var body = JSONObject([("model", .string(model)), ("messages", .array(messages))])
        if let maxTokens { body["max_tokens"] = .integer(maxTokens) }
        if let temperature { body["temperature"] = .double(temperature) }
        var line = JSONWriter.bytes(.object(JSONObject([("custom_id", .string(request.id)), ("method", .string("POST")),
                                                        ("url", .string("/v1/chat/completions")), ("body", .object(body))])))
        line.append(0x0A)
        return line
    }
}
