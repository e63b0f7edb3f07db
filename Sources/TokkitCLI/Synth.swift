import ArgumentParser
import Foundation
import Tokkit

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthetic-data seeds: build OpenAI batch requests from a YAML template, and ingest the outputs as documents.",
        subcommands: [Requests.self, Ingest.self]
    )

    struct Requests: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "requests",
            abstract: "Write the template's prompts (topics × audiences × formats × seed documents, repeats removed) as an OpenAI batch JSONL file.",
            discussion: "No model is called. Each request's custom_id is <name>-<SHA-1 of the prompt, 12 hex digits>."
        )
        @Argument(help: "The template (YAML).") var template: String
        @Option(name: [.short, .long], help: "The batch request file to write (.jsonl).") var output: String

        func run() throws {
            let recipe = try SyntheticTemplate.load(path: template)
            var requests = SyntheticRequests(template: recipe, requestFile: output)
            if let path = recipe.seedsPath { requests.input = CorpusInput(inputs: [path]) }
            let summary = try requests.run()
            try log("synth: \(summary.requests) distinct requests for \(recipe.model) in \(output)")
        }
    }

    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ingest",
            abstract: "Turn OpenAI batch output files into documents tagged source: synthetic with their prompt id.",
            discussion: "Failed requests (error set, status ≠ 200, no message) are counted and skipped. Writes <output>/<NNNNN>.jsonl."
        )
        @Argument(help: "Batch output files.") var inputs: [String]
        @Option(name: [.short, .long], help: "The output directory (must be empty or absent).") var output: String

        func run() throws {
            let summary = try SyntheticIngest(batchOutputs: inputs, outputDirectory: output).run()
            try log("synth ingest: \(summary.documents) documents, \(summary.failed) failed requests skipped")
        }
    }
}
