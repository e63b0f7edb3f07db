import ArgumentParser
import Tokkit

/// `--resume` of the curation commands (dedup, decontaminate, select, mix).
struct ResumeOptions: ParsableArguments {
    @Flag(name: .long, help: "Continue an interrupted run into the same output directory (same settings and inputs): inputs already written are not written again.")
    var resume = false
}
