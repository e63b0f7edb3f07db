// swift-tools-version:6.0
import PackageDescription

// The targets follow the data flow of DESIGN.md, and every arrow points one way (ARCHITECTURE.md draws it):
//
//   TokkitCore (plain data, vocabulary, merging, decoding, training; no Foundation)   TokkitIO (file plumbing)
//     ├─► TokkitText      (+ CICU)          pre-splitting, Tokenizer, streaming and parallel encoding, counting
//     ├─► TokkitFormats   (+ TokkitIO)      .tiktoken, tokenizer.json, GPT-2 files, count files, bundled vocabularies
//     └─► TokkitCorpus    (+ CCompression)  documents from files, directories, globs, stdin, JSONL, gzip/zstd
//   TokkitShards, TokkitCompare  (Core, IO, Text, Corpus)  corpus encoding, shards; metrics and reports
//   Tokkit  (everything)  the umbrella product: re-exports the API; Tokenizer(named:), the train pipeline
//   tokkit  (Tokkit)      the command line: parses options, calls the library, prints
//
// A target declares exactly the targets its files import.
let package = Package(
    name: "Tokkit",
    products: [
        .library(name: "Tokkit", targets: ["Tokkit"]),
        .library(name: "TokkitCore", targets: ["TokkitCore"]),
        .library(name: "TokkitIO", targets: ["TokkitIO"]),
        .library(name: "TokkitText", targets: ["TokkitText"]),
        .library(name: "TokkitFormats", targets: ["TokkitFormats"]),
        .library(name: "TokkitCorpus", targets: ["TokkitCorpus"]),
        .library(name: "TokkitShards", targets: ["TokkitShards"]),
        .library(name: "TokkitCompare", targets: ["TokkitCompare"]),
        .executable(name: "tokkit", targets: ["TokkitCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The only code that includes ICU headers; its public header exposes opaque types only, because a
        // Swift module that sees ICU headers and Foundation at once does not compile on Linux (DESIGN.md).
        .target(
            name: "CICU",
            linkerSettings: [
                .linkedLibrary("icui18n"),
                .linkedLibrary("icuuc"),
                .linkedLibrary("icudata"),
            ]
        ),
        // The only code that includes zlib and libzstd headers: one opaque streaming decompressor for
        // gzip and zstd corpus files, so Swift sees neither library's macros.
        .target(
            name: "CCompression",
            linkerSettings: [
                .linkedLibrary("z"),
                .linkedLibrary("zstd"),
            ]
        ),
        // One inline function, a cache prefetch, which Swift cannot express.
        .target(name: "CPrefetch"),
        .target(name: "TokkitCore", dependencies: ["CPrefetch"]),
        .target(name: "TokkitIO"),
        .target(name: "TokkitText", dependencies: ["CICU", "TokkitCore"]),
        // The bundled vocabularies are resources: they travel with every program that links Tokkit.
        .target(name: "TokkitFormats", dependencies: ["TokkitCore", "TokkitIO"],
                exclude: ["Catalog/Vocabularies/README.md", "Catalog/Vocabularies/SHA256SUMS"],
                resources: [.copy("Catalog/Vocabularies")]),
        .target(name: "TokkitCorpus", dependencies: ["CCompression", "TokkitCore"]),
        .target(name: "TokkitShards", dependencies: ["TokkitCore", "TokkitIO", "TokkitText", "TokkitCorpus"]),
        .target(name: "TokkitCompare", dependencies: ["TokkitCore", "TokkitIO", "TokkitText", "TokkitCorpus"]),
        .target(
            name: "Tokkit",
            dependencies: ["TokkitCore", "TokkitIO", "TokkitText", "TokkitFormats", "TokkitCorpus", "TokkitShards", "TokkitCompare"]
        ),
        // Seeded adversarial text and piece-by-piece comparison, shared by the tests and the bench
        // (the proof that the scanners equal ICU); not a product.
        .target(name: "TokkitVerification", dependencies: ["CICU", "TokkitText"]),
        .executableTarget(
            name: "TokkitCLI",
            dependencies: [
                "Tokkit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // bench/encode_bench.py drives this; not a product.
        .executableTarget(
            name: "TokkitBench",
            dependencies: [
                "Tokkit", "TokkitVerification",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/TokkitBench"
        ),
        // libFuzzer targets for the loaders and encode/decode; built normally it replays files (Tests/Fuzz/README.md).
        .executableTarget(name: "TokkitFuzz", dependencies: ["Tokkit"], path: "Tests/Fuzz/Sources"),
        .testTarget(
            name: "TokkitTests",
            dependencies: ["Tokkit", "TokkitVerification"],
            exclude: ["Golden", "Training/Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
