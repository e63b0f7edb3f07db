import Foundation
import TokkitCorpus

/// What a caller asks of a prep run besides the YAML file: a preset, inputs, output, reader and
/// writer settings, ranks and threads. The CLI fills it from its flags and the C ABI from its
/// options, and both get the same composition (settings given here override the file's), so a
/// Python user and a shell user given the same settings run the same pipeline.
public struct PrepRequest: Sendable {
    /// A YAML configuration file; with ``configurationText`` it only names the text in errors.
    public var configurationPath: String?
    /// A configuration held in memory (YAML, or JSON, which is YAML).
    public var configurationText: String?
    public var preset: String?
    public var inputs: [String] = []
    public var output: String?
    public var blocklists: String?
    public var publicSuffixList: String?
    /// Used when the configuration does not say (`reader:` / `writer:` in the file win).
    public var textKey = "text"
    public var idKey = "id"
    public var format = "jsonl"
    public var compression = "none"
    public var level: Int?
    public var rank = 0
    public var worldSize = 1
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var resume = false
    public var writeDropped = false
    public var skipBadLines = false
    public var lossy = false
    /// Loads the vocabulary a `mix` stage counts tokens with (the CLI and the C ABI pass the
    /// `Tokkit` module's `TokenizerLoader`); without it a configuration with `mix` is refused.
    public var tokenizers: PrepConfiguration.TokenizerLoading?

    public init() {}

    /// The configuration file (or preset) with this request's settings laid over it. A file's error
    /// that gives only a line is prefixed with the file's name, so every message says where.
    public func configuration() throws -> PrepConfiguration {
        var configuration: PrepConfiguration
        if let path = configurationPath ?? (configurationText == nil ? nil : "<configuration>") {
            do {
                configuration = try PrepConfiguration.load(path: path, text: configurationText)
            } catch let error as PrepError where !error.description.hasPrefix(path) {
                throw PrepError.invalidConfiguration("\(path): \(error.description)")
            }
            if let preset { configuration.preset = preset }
        } else {
            guard let preset else {
                throw PrepError.invalidConfiguration("give a configuration file or a preset (\(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard Preset(rawValue: preset) != nil else {
                throw PrepError.unknownName(kind: "preset", name: preset, line: nil, valid: Preset.allCases.map(\.rawValue))
            }
            configuration = PrepConfiguration(preset: preset)
        }
        if !inputs.isEmpty { configuration.inputs = inputs }
        if let output { configuration.output = output }
        if let blocklists { configuration.blocklists = blocklists }
        configuration.publicSuffixList = configuration.publicSuffixList ?? publicSuffixList ?? PublicSuffixList.systemPath
        return configuration
    }

    /// The configuration with this request's reader and writer settings filled in where it says nothing.
    public func completed(_ configuration: PrepConfiguration) -> PrepConfiguration {
        var completed = configuration
        completed.format = configuration.format ?? format
        completed.textKey = configuration.textKey ?? textKey
        completed.idKey = configuration.idKey ?? idKey
        completed.compression = configuration.compression ?? compression
        completed.level = configuration.level ?? level
        return completed
    }

    /// How input files are read, from the configuration's reader settings or this request's.
    public func readFormat(_ configuration: PrepConfiguration) throws -> DocumentFileReader.Format {
        try completed(configuration).readFormat()
    }

    /// The JSONL record → document rules (text and id keys).
    public func adapter(_ configuration: PrepConfiguration) -> DocumentAdapter {
        let filled = completed(configuration)
        return DocumentAdapter(textKey: filled.textKey ?? textKey, idKey: filled.idKey ?? idKey)
    }

    /// The whole run over the configuration's inputs into its output directory.
    public func makeRun(_ configuration: PrepConfiguration, processor: DocumentProcessor) throws -> PrepRun {
        PrepRun(options: try runOptions(configuration), processor: processor)
    }

    /// The whole run of a configuration that lists corpus-wide stages (``PrepConfiguration/hasCorpusStages``):
    /// its steps in order, the stages' own files read as the inputs are.
    public func makePipeline(_ configuration: PrepConfiguration) throws -> PrepPipeline {
        let options = try runOptions(configuration)
        let reading = CorpusInput(inputs: [], format: options.format, skipBadLines: skipBadLines, lossy: lossy)
        let steps: [PrepStep]
        do {
            steps = try configuration.steps(reading: reading, tokenizers: tokenizers)
        } catch let error as PrepError {
            // A stage's error gives its line; say in which file, as configuration() does.
            guard let path = configurationPath ?? (configurationText == nil ? nil : "<configuration>"), !error.description.hasPrefix(path) else { throw error }
            throw PrepError.invalidConfiguration("\(path): \(error.description)")
        }
        return try PrepPipeline(options: options, steps: steps)
    }

    private func runOptions(_ configuration: PrepConfiguration) throws -> PrepRun.Options {
        guard !configuration.inputs.isEmpty else { throw PrepError.invalidConfiguration("no inputs: give files, directories or globs") }
        guard let outputDirectory = configuration.output else { throw PrepError.invalidConfiguration("give the output directory") }
        let outputCompression = try completed(configuration).outputCompression()
        let plan: RankPartition
        do { plan = try RankPartition(rank: rank, worldSize: worldSize) } catch { throw PrepError.invalidConfiguration(error.description) }
        var options = PrepRun.Options(inputs: configuration.inputs, outputDirectory: outputDirectory, plan: plan,
                                      fingerprint: configuration.fingerprint + " compression=\(outputCompression) world=\(worldSize)")
        options.format = try readFormat(configuration)
        options.compression = outputCompression
        options.threads = max(1, threads)
        options.resume = resume
        options.writeDropped = writeDropped
        options.skipBadLines = skipBadLines
        options.lossy = lossy
        return options
    }
}
