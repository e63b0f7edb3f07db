import Foundation
import Testing
import Tokkit

/// What a new user meets: a fresh clone of the repository, `bash scripts/demo` in it, and a Swift
/// package of their own that depends on Tokkit by path and runs far from either checkout.
///
/// The clone is made once (from the committed state: what `git clone` gives a user) and both tests use
/// it; the consumer package builds against the clone into the clone's own `.build`, so Tokkit's
/// modules compiled by the demo's release build are reused instead of compiled twice.
@Suite("First run: a clean clone and a package that depends on Tokkit", .serialized)
struct CleanCloneTests {
    /// A clone of this repository's HEAD, made once per test process; `nil` when cloning failed.
    static let clone: Result<String, TestSetupError> = {
        let directory = NSTemporaryDirectory() + "tokkit-clean-clone-" + UUID().uuidString
        do {
            let result = try Subprocess.run("/usr/bin/env", ["git", "clone", "--quiet", "--no-hardlinks", Repository.root.path, directory])
            guard result.status == 0 else { return .failure(TestSetupError("git clone failed: \(result.stderr)")) }
            return .success(directory)
        } catch {
            return .failure(TestSetupError("git clone could not start: \(error)"))
        }
    }()

    @Test("bash scripts/demo trains, shows and encodes in a fresh clone")
    func demo() throws {
        let clone = try Self.clone.get()
        let result = try Subprocess.run("/bin/bash", ["scripts/demo"], directory: clone)
        #expect(result.status == 0, "scripts/demo failed: \(result.stderr.suffix(2000))")
        for file in ["tokenizer.json", "vocab.tiktoken", "encoder.json", "vocab.bpe"] {
            #expect(FileManager.default.fileExists(atPath: clone + "/.build/demo-vocabulary/" + file), "\(file) missing")
        }
        // The last line is the JSON ids of a fixture, encoded with the vocabulary just trained.
        #expect(result.stdout.contains("["), "no ids printed: \(result.stdout.suffix(500))")
    }

    @Test("a separate package depending on Tokkit by path encodes with a bundled vocabulary, run from another directory")
    func consumerPackage() throws {
        let clone = try Self.clone.get()
        let scratch = Scratch()
        let package = scratch.file("consumer")
        let identity = URL(fileURLWithPath: clone).lastPathComponent.lowercased()
        try FileSystem.write("""
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "Consumer",
                dependencies: [.package(path: "\(clone)")],
                targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "Tokkit", package: "\(identity)")])]
            )
            """, to: package + "/Package.swift")
        try FileSystem.write("""
            import Foundation
            import Tokkit

            do {
                let enc = try Tokenizer(named: .cl100k_base)
                print(try enc.encode("hello world"))
                let gpt2 = try Tokenizer(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))
                print(try gpt2.encode("hello world"))
            } catch {
                FileHandle.standardError.write(Data("\\(error)\\n".utf8))
                exit(1)
            }
            """, to: package + "/Sources/Consumer/main.swift")
        // The demo's flags (scripts/build-release): other flags would compile every module again.
        let build = try Subprocess.run("/usr/bin/env", ["swift", "build", "-c", "release", "--static-swift-stdlib",
                                                        "--package-path", package, "--scratch-path", clone + "/.build"])
        try #require(build.status == 0, "the consumer package did not build: \(build.stderr.suffix(3000))")
        let executable = clone + "/.build/release/Consumer"

        // Run from a directory that holds no checkout, with no override: the resources travel with the binary.
        let elsewhere = scratch.file("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let vocabularyFile = Repository.path("vocabularies/gpt2.tiktoken")
        let run = try Subprocess.run(executable, [vocabularyFile], environment: ["TOKKIT_VOCABULARIES": ""], directory: elsewhere)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "[15339, 1917]\n[31373, 995]\n")

        // The override is honoured, and what it points at is sha256-checked: a changed file is refused.
        let planted = scratch.file("planted")
        var bytes = try FileIO.read(Repository.path("vocabularies/cl100k_base.tiktoken"))
        bytes[100] ^= 1
        try FileSystem.write(bytes, to: planted + "/cl100k_base.tiktoken")
        let refused = try Subprocess.run(executable, [vocabularyFile], environment: ["TOKKIT_VOCABULARIES": planted], directory: elsewhere)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("sha256"), "\(refused.stderr)")
    }
}
