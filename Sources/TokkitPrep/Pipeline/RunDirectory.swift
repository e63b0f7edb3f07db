import Foundation
import TokkitCorpus

/// The output directory of a curation or prep run, checked before the run writes into it: the one rule for
/// `tokkit prep`, its ranks, every curation stage and `mix`.
///
/// A run creates its directory and folders first, then records its fingerprint in `run.json` (under a
/// temporary name, renamed), then writes outputs. Killed before the rename, it leaves empty folders and
/// perhaps `.run.json.tmp-<pid>`: no output, and no `run.json` to resume by. Those leftovers count as
/// nothing, so the rerun starts (or resumes) instead of refusing a directory that holds no output.
enum RunDirectory {
    /// Checks `directory`: absent or empty (leftovers aside) is fine; a directory that a killed run marked
    /// incomplete, or that holds other files, needs `resume`; with `resume` and a `fingerprint`, its
    /// `run.json` must hold that fingerprint.
    ///
    /// - Returns: whether `run.json` is already there (so the run does not write it again).
    static func check(_ directory: String, fingerprint: String?, resume: Bool) throws(PrepError) -> Bool {
        let hasRunFile = try checkOutputs(directory, fingerprint: fingerprint, resume: resume)
        // A run killed while recording run.json left its temporary, which nothing else would remove; a live
        // process's is another rank recording it now.
        AtomicFile.removeStaleTemporaries(of: directory + "/" + runFile, keepingLiveProcesses: true)
        return hasRunFile
    }

    private static func checkOutputs(_ directory: String, fingerprint: String?, resume: Bool) throws(PrepError) -> Bool {
        let entries = outputs(in: directory)
        if entries.contains(DocumentReader.incompleteMarker) && !resume { throw .interruptedOutput(directory: directory) }
        guard !entries.isEmpty else { return false }
        guard resume else { throw .outputNotEmpty(directory: directory) }
        guard let fingerprint else { return entries.contains(runFile) }
        guard let previous = FileManager.default.contents(atPath: directory + "/" + runFile) else {
            throw .invalidConfiguration("\(directory): cannot resume: no run.json (not written by a resumable curation run)")
        }
        guard String(decoding: previous, as: UTF8.self) == fingerprint else {
            throw .invalidConfiguration("\(directory): cannot resume: it was written with other settings or inputs (run.json differs); use a new output directory")
        }
        return true
    }

    static let runFile = "run.json"

    /// The names in `directory` other than what a run killed before recording `run.json` leaves (empty
    /// folders, temporaries of `run.json`); none when it does not exist.
    static func outputs(in directory: String) -> [String] {
        let manager = FileManager.default
        let leftoverPrefix = "." + runFile + ".tmp-"
        return ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).filter { name in
            if name.hasPrefix(leftoverPrefix) { return false }
            var isDirectory: ObjCBool = false
            let path = directory + "/" + name
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return true }
            return !((try? manager.contentsOfDirectory(atPath: path))?.isEmpty ?? false)
        }
    }
}
