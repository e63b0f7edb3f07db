import ArgumentParser
import Tokkit

/// `--resume` of the curation commands (dedup, decontaminate, select, mix).
struct ResumeOptions: ParsableArguments {
    @Flag(name: .long, help: "Continue an interrupted run into the same output directory (same settings and inputs): inputs already written are not written again.")
    var resume = false
}

extension DocumentOutputOptions {
    /// The output directory of a curation stage reading `input`, resumable with --resume
    /// (`settings`: what decides its output besides the input and the output options).
    func curated(_ input: CorpusInput, stage: String, settings: [String], resume: ResumeOptions) throws -> CuratedOutput {
        try CuratedOutput.resumable(directory: directory(), input: input, stage: stage, settings: settings,
                                    compression: outputCompression(), writeRemoved: removed, resume: resume.resume)
    }
}
