import Foundation
import Testing
import Tokkit

#if canImport(Glibc)
import Glibc
#endif

/// `tokkit shard`, run as a user runs it, including every way it can be handed bad input. After a
/// failure nothing may look complete: no manifest saying `complete: true`, no temporary file left,
/// and every file under a final name listed in the manifest and intact.
@Suite("tokkit shard on the command line, and its bad input")
struct ShardCLITests {
    func tokkit(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Subprocess.Result {
        try CLITests().tokkit(arguments, stdin: stdin)
    }

    /// Runs tokkit through `bash -c`, for a shell limit such as `ulimit -f`.
    func tokkitInShell(_ prefix: String, _ arguments: [String]) throws -> Subprocess.Result {
        let quoted = ([CLITests.executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try Subprocess.run("/bin/bash", ["-c", prefix + "; exec " + quoted.joined(separator: " ")])
    }

    /// Runs tokkit as an unprivileged user when the tests run as root (root writes anywhere).
    func tokkitUnprivileged(_ arguments: [String]) throws -> Subprocess.Result {
        guard getuid() == 0 else { return try tokkit(arguments) }
        return try Subprocess.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CLITests.executable] + arguments)
    }

    /// Checks that a failed run left nothing that looks complete in `directory`.
    static func expectNothingLooksComplete(_ directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        #expect(!names.contains { $0.hasSuffix(".partial") }, "temporary files left: \(names)", sourceLocation: sourceLocation)
        guard names.contains(ShardManifest.fileName) else {
            #expect(!names.contains { $0.hasSuffix(".bin") || $0.hasSuffix(".idx") }, "shards without a manifest: \(names)", sourceLocation: sourceLocation)
            return
        }
        let manifest = try ShardManifest.read(directory: directory)
        #expect(!manifest.complete, sourceLocation: sourceLocation)
        let listed = Set(manifest.shards.flatMap { [$0.tokenFile.file] + ($0.indexFile.map { [$0.file] } ?? []) })
        #expect(Set(names.filter { $0 != ShardManifest.fileName }) == listed, sourceLocation: sourceLocation)
        for shard in manifest.shards {
            try ShardVerifier.check(shard, settings: manifest.settings, directory: directory)
        }
    }

    @Test("shard, then verify and inspect what it wrote")
    func writeVerifyInspect() throws {
        let scratch = Scratch()
        let fixture = Repository.path("fixtures/english-prose.txt")
        let written = try tokkit(["shard", fixture, "--docs", "lines", "-o", scratch.file("out"), "--shard-tokens", "500", "--prefix", "prose"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stderr.contains("wrote prose_val_000000.bin: 500 tokens"))
        let verified = try tokkit(["shard", "verify", scratch.file("out")])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("ok  prose_train_000001.bin  500 tokens") && verified.stdout.contains("verified"))
        let inspected = try tokkit(["shard", "inspect", scratch.file("out/prose_val_000000.bin"), "--documents", "2"])
        #expect(inspected.status == 0, "\(inspected.stderr)")
        for expected in ["magic 20240520, version 1 (1 = uint16 tokens", "N = 500", "tokens          500", "(matches manifest.json)", "document 0 "] {
            #expect(inspected.stdout.contains(expected), "missing \(expected) in \(inspected.stdout)")
        }
        let megatron = try tokkit(["shard", "write", fixture, "--docs", "lines", "-o", scratch.file("m"), "--format", "megatron"])
        #expect(megatron.status == 0, "\(megatron.stderr)")
        let index = try tokkit(["shard", "inspect", scratch.file("m/tokkit_val_000000.idx")])
        #expect(index.stdout.contains("MMIDIDX version 1, dtype code 8 (uint16)"))
        for command in [["shard"], ["shard", "write"], ["shard", "verify"], ["shard", "inspect"]] {
            let help = try tokkit(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("OVERVIEW"))
        }
    }

    @Test("a missing or unreadable input is an error naming it, before anything is written")
    func unreadableInput() throws {
        let scratch = Scratch()
        let missing = try tokkit(["shard", scratch.file("nope.txt"), "-o", scratch.file("out")])
        #expect(missing.status != 0 && missing.stderr.contains("\(scratch.file("nope.txt")): cannot read: no such file"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
        let locked = scratch.file("locked.txt")
        try FileIO.writeAtomically(Array("secret\n".utf8), to: locked)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
        let output = scratch.file("open")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let denied = try tokkitUnprivileged(["shard", locked, "-o", output + "/out"])
        #expect(denied.status != 0 && denied.stderr.contains("\(locked): cannot read: permission denied"), "\(denied.stderr)")
        try Self.expectNothingLooksComplete(output + "/out")
    }

    @Test("a JSONL line without the field stops the run with file:line; the shards before it stay valid, the manifest says unfinished")
    func jsonlMissingField() throws {
        let scratch = Scratch()
        let input = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: input)
        let lineCount = try FileIO.read(input).filter { $0 == UInt8(ascii: "\n") }.count
        var bytes = try FileIO.read(input)
        bytes += Array("{\"id\": 7}\n".utf8)
        try FileIO.writeAtomically(bytes, to: input)
        // Batches of 4 MB: the bad line is in the first batch, so no shard gets written at all.
        let result = try tokkit(["shard", input, "--jsonl-field", "text", "-o", scratch.file("out"), "--shard-tokens", "2000"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(input):\(lineCount + 1): no string field \"text\""), "\(result.stderr)")
        try Self.expectNothingLooksComplete(scratch.file("out"))
    }

    @Test("an output directory that cannot be written is an error naming it, before any encoding")
    func unwritableOutput() throws {
        let scratch = Scratch()
        let fixture = Repository.path("fixtures/english-prose.txt")
        let locked = scratch.file("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o555])
        let inside = try tokkitUnprivileged(["shard", fixture, "-o", locked])
        #expect(inside.status != 0 && inside.stderr.contains("\(locked): cannot write: the output directory is not writable"), "\(inside.stderr)")
        let below = try tokkitUnprivileged(["shard", fixture, "-o", locked + "/out"])
        #expect(below.status != 0 && below.stderr.contains("\(locked)/out: cannot write: cannot create the output directory"), "\(below.stderr)")
        try FileIO.writeAtomically([1], to: scratch.file("file"))
        let notDirectory = try tokkit(["shard", fixture, "-o", scratch.file("file")])
        #expect(notDirectory.status != 0 && notDirectory.stderr.contains("it exists and is not a directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked).isEmpty)
    }

    @Test("a full disk (a file-size limit, ulimit -f) fails with the system's reason and leaves no partial shard")
    func fileSizeLimit() throws {
        let scratch = Scratch()
        let input = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: input)
        // 8 KiB per file: the manifest fits, the first shard (4,000 tokens = 9,024 bytes) does not.
        let result = try tokkitInShell("ulimit -f 8", ["shard", input, "--jsonl-field", "text", "-o", scratch.file("out"), "--shard-tokens", "4000"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("tokkit_val_000000.bin: cannot write: File too large"), "\(result.stderr)")
        try Self.expectNothingLooksComplete(scratch.file("out"))
    }

    @Test("a full disk (a 32 KiB tmpfs) fails with 'No space left on device' and leaves no partial shard",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDisk() throws {
        let scratch = Scratch()
        let input = scratch.file("docs.jsonl")
        try Sharding.writeJSONL(try Sharding.fixtureDocuments(), to: input)
        try scratch.withSmallDisk(size: "32k") { mountPoint in
            // Shards of 12 KiB: two fit, the third runs out of space.
            let result = try tokkit(["shard", input, "--jsonl-field", "text", "-o", mountPoint + "/out", "--shard-tokens", "6000"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("No space left on device"), "\(result.stderr)")
            try Self.expectNothingLooksComplete(mountPoint + "/out")
        }
    }

    @Test("an existing output without --resume or --force is an error and stays as it was; --resume and --force then work")
    func existingOutput() throws {
        let scratch = Scratch()
        let fixture = Repository.path("fixtures/english-prose.txt")
        let arguments = ["shard", fixture, "--docs", "lines", "-o", scratch.file("out"), "--shard-tokens", "700"]
        #expect(try tokkit(arguments).status == 0)
        let before = try Sharding.fileBytes(in: scratch.file("out"))
        let again = try tokkit(arguments)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds shards (manifest.json, tokkit_train_000001.bin") && again.stderr.contains("--resume")
                && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try Sharding.fileBytes(in: scratch.file("out")) == before)
        let resumed = try tokkit(arguments + ["--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("kept"), "\(resumed.stderr)")
        let forced = try tokkit(arguments + ["--force", "--threads", "1"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Sharding.fileBytes(in: scratch.file("out")) == before)
        let both = try tokkit(arguments + ["--force", "--resume"])
        #expect(both.status != 0 && both.stderr.contains("not both"))
    }

    @Test("a manifest from before BLAKE3 (SHA-256 records, no digest setting) still verifies and resumes with --digest sha256; resuming it with BLAKE3 is refused, naming the digest")
    func manifestBeforeBLAKE3() throws {
        let scratch = Scratch()
        let fixture = Repository.path("fixtures/english-prose.txt")
        let arguments = ["shard", fixture, "--docs", "lines", "-o", scratch.file("out"), "--shard-tokens", "700"]
        let written = try tokkit(arguments + ["--digest", "sha256"])
        #expect(written.status == 0, "\(written.stderr)")
        let path = scratch.file("out/manifest.json")
        let manifest = String(decoding: try FileIO.read(path), as: UTF8.self)
        let old = manifest.replacingOccurrences(of: "    \"digest\" : \"sha256\",\n", with: "")
        #expect(old != manifest && !old.contains("blake3") && old.contains("\"sha256\" : "))
        try FileIO.writeAtomically(Array(old.utf8), to: path)
        let files = try ShardManifest.read(directory: scratch.file("out")).shards.map(\.tokenFile)
        for file in files {
            #expect(file.digest == FileDigest(.sha256, hex: SHA256.hex(try FileIO.read(scratch.file("out/" + file.file)))))
        }
        let verified = try tokkit(["shard", "verify", scratch.file("out")])
        #expect(verified.status == 0, "\(verified.stderr)")
        let refused = try tokkit(arguments + ["--resume"])
        #expect(refused.status != 0 && refused.stderr.contains("digest: sha256 then, blake3 now"), "\(refused.stderr)")
        let resumed = try tokkit(arguments + ["--resume", "--digest", "sha256"])
        #expect(resumed.status == 0 && resumed.stderr.contains("kept") && resumed.stderr.contains("(sha256 matched)"), "\(resumed.stderr)")
    }
}
