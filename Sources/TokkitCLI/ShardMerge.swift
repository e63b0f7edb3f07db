import ArgumentParser
import Foundation
import Tokkit

/// `tokkit shard merge DIR`: the shards of a partitioned run, from its ranks' parts.
struct ShardMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Assemble the shards and the global manifest from the parts of every rank.",
        discussion: """
        Reads DIR/parts/PREFIX-RRRRR.json from every rank of a tokkit shard --rank R --world-size W run, checks they \
        belong to one run (same settings and world size, every rank present, rank R holding sorted(files)[R::W]) and \
        writes DIR's shards and manifest.json: byte-identical to a single tokkit shard over the same files in sorted \
        order, so shard numbering does not depend on the number of ranks. Every part file is hashed while it is read \
        and must match its manifest. Check the result with tokkit shard verify DIR.

        Split over many processes: tokkit shard merge DIR --rank R --world-size W writes shards R, R+W, … (their \
        starting points follow from the parts' document lengths) and records them in DIR/merge/RRRRR.json; then \
        tokkit shard merge DIR --finalize writes manifest.json from the records. Same bytes as the serial merge.
        """
    )

    @Argument(help: ArgumentHelp("The output directory the ranks wrote into.", valueName: "dir"))
    var directory: String

    @OptionGroup var ranks: RankOptions

    @Flag(name: .long, help: "Write manifest.json from the records of every merge rank (after tokkit shard merge --rank R --world-size W).")
    var finalize = false

    @OptionGroup var overwrite: OverwriteOptions

    @Flag(name: .long, help: "Delete the parts folder after a successful merge (they are kept by default).")
    var removeParts = false

    func validate() throws {
        if finalize && ranks.isPartitioned { throw ValidationError("give --finalize or --rank/--world-size, not both") }
    }

    func run() throws {
        if ranks.isPartitioned {
            let partition = try ranks.partition()
            let records = try ShardMerger.runRange(directory: directory, partition: partition) { record in
                // A per-shard progress line; the summary printed after the run is checked.
                try? log("wrote \(record.tokenFile.file)\(record.indexFile.map { " + \($0.file)" } ?? ""): \(record.tokens) tokens, \(record.documents) documents")
            }
            try StandardStreams.print("merge rank \(partition.label) of \(partition.worldSize): \(records.count) shards, \(records.reduce(0) { $0 + $1.tokens }) tokens")
            return
        }
        if finalize {
            let manifest = try ShardMerger.finalize(directory: directory, command: CommandLine.arguments)
            try StandardStreams.print("\(manifest.shards.count) shards, \(manifest.totalTokens) tokens, \(manifest.totalDocuments) documents → \(directory)/\(ShardManifest.fileName)")
            return
        }
        let result = try ShardMerger.run(directory: directory, command: CommandLine.arguments, replace: overwrite.force) { record in
            // A per-shard progress line; the summary printed after the run is checked.
            try? log("wrote \(record.tokenFile.file)\(record.indexFile.map { " + \($0.file)" } ?? ""): \(record.tokens) tokens, \(record.documents) documents")
        }
        let manifest = result.manifest
        if removeParts {
            try? FileManager.default.removeItem(atPath: directory + "/" + ShardPart.folder)
        }
        try StandardStreams.print("merged \(result.parts.count) rank parts: \(manifest.shards.count) shards, \(manifest.totalTokens) tokens, "
              + "\(manifest.totalDocuments) documents → \(directory)/\(ShardManifest.fileName)")
    }
}
