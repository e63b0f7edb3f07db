// swift-tools-version:6.0
import PackageDescription

// The targets follow the data flow of DESIGN.md, and every arrow points one way (ARCHITECTURE.md draws it):
//
//   CICU (ICU)   CCompression (zlib, zstd)   CMemory   CMerge   CPieceEnds   CPrefetch   CTableChecks   CUTF8   CSHA256
//   CBLAKE3   CWriteback   CNewlines   CDelimit   the only C: opaque handles, one prefetch, AVX2 short merges, SSE2/AVX-512
//                     piece ends, table and UTF-8 checks, SHA instructions, BLAKE3 in vector lanes, early writeback, AVX2 line
//                     ends, token files' end tokens copied in and counted back in masked vectors
//   TokkitCore (+ CMemory, CMerge, CPrefetch, CTableChecks, CUTF8)   plain data, vocabulary, merging, decoding, training; no Foundation
//   TokkitIO (+ CSHA256, CBLAKE3, CWriteback)   file plumbing: atomic writer, file errors, SHA-256, BLAKE3, JSON, LE ids
//     ├─► TokkitText      (Core, CICU, CPieceEnds, CPrefetch)   pre-splitting, Tokenizer, streaming and parallel encoding, counting
//     ├─► TokkitFormats   (Core, IO)                .tiktoken, tokenizer.json, GPT-2 files, count files, bundled vocabularies
//     └─► TokkitCorpus    (Core, IO, CCompression, CNewlines)  documents from files, dirs, globs, stdin, JSONL, gzip/zstd; one reading loop
//   TokkitShards, TokkitCompare  (Core, IO, Text, Corpus; Shards + CDelimit)   corpus encoding, shards; metrics and reports
//   TokkitPrep    (Core, IO, Text, Corpus, CICU, Yams)            filters, PII, dedup, decontamination, selection, mixing
//   Tokkit        (every library)   the umbrella product: re-exports the API; Tokenizer(named:), the train pipeline
//   TokkitCAPI    (Tokkit, the libraries)   the C ABI the Python package loads
//   tokkit        (Tokkit, ArgumentParser)   the command line: parses options, calls the library, prints
//   not products: TokkitVerification (Text) adversarial text for tests and bench; TokkitTestSupport (Tokkit);
//                 TokkitBench (Tokkit, TokkitVerification, ArgumentParser); TokkitFuzz (Tokkit)
//
// A target declares exactly the targets its files import, and TokkitText also CPrefetch: Core's inlinable
// encoding code that its scanner loops inline calls the C prefetch, which only a client that sees CPrefetch can inline.
// `TOKKIT_INTERNAL_CHECKS=1 swift test` compiles the invariant checks of the merge engine and the tables
// (InternalChecks.swift), as swift-collections' COLLECTIONS_INTERNAL_CHECKS does: a plain define, no
// unsafe flags, so the package stays usable as a dependency. One CI step runs the unit tests that way.
let internalChecks: [SwiftSetting] = Context.environment["TOKKIT_INTERNAL_CHECKS"] == "1"
    ? [.define("TOKKIT_INTERNAL_CHECKS")] : []

let package = Package(
    name: "Tokkit",
    products: [
        .library(name: "Tokkit", targets: ["Tokkit"]),
        .library(name: "TokkitCore", targets: ["TokkitCore"]),
        .library(name: "TokkitIO", targets: ["TokkitIO"]),
        .library(name: "TokkitText", targets: ["TokkitText"]),
        .library(name: "TokkitFormats", targets: ["TokkitFormats"]),
        .library(name: "TokkitCorpus", targets: ["TokkitCorpus"]),
        .library(name: "TokkitPrep", targets: ["TokkitPrep"]),
        .library(name: "TokkitShards", targets: ["TokkitShards"]),
        .library(name: "TokkitCompare", targets: ["TokkitCompare"]),
        .executable(name: "tokkit", targets: ["TokkitCLI"]),
        // The C ABI that integrations/python loads (libTokkitCAPI.so); see Sources/TokkitCAPI/tokkit.h.
        .library(name: "TokkitCAPI", type: .dynamic, targets: ["TokkitCAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
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
        // The structure checks of mapped rank tables, four 64-bit lanes at a time (AVX2), which Swift's baseline cannot express.
        .target(name: "CTableChecks"),
        // The UTF-8 check 32 bytes at a time (AVX2's byte shuffles), which Swift's baseline cannot express.
        .target(name: "CUTF8", dependencies: ["CTableChecks"]),
        // A read-only file mapping placed for huge pages and moved into them in place (mremap, which Swift does not import).
        .target(name: "CMemory"),
        // The short-piece merge with the joins' order in AVX2 registers, which Swift's baseline cannot express.
        .target(name: "CMerge"),
        .target(name: "TokkitCore", dependencies: ["CMemory", "CMerge", "CPrefetch", "CTableChecks", "CUTF8"], swiftSettings: internalChecks),
        // SHA-256 block compression with the CPU's SHA instructions and CRC-32C with SSE4.2's, which Swift cannot express.
        .target(name: "CSHA256"),
        // BLAKE3 with sixteen chunks in the lanes of AVX-512 (eight in AVX2's), which Swift's baseline cannot express.
        .target(name: "CBLAKE3"),
        // Starting a file's writeback early (Linux sync_file_range), which glibc hides from Swift.
        .target(name: "CWriteback"),
        .target(name: "TokkitIO", dependencies: ["CBLAKE3", "CSHA256", "CWriteback"]),
        // The piece starts of a block of 64 bytes of ASCII from its bytes' class masks (SSE2's byte compares, or AVX-512's
        // where the CPU has them), which Swift's baseline cannot express.
        .target(name: "CPieceEnds"),
        .target(name: "TokkitText", dependencies: ["CICU", "CPieceEnds", "CPrefetch", "TokkitCore"]),
        // The bundled vocabularies are resources: they travel with every program that links Tokkit.
        .target(name: "TokkitFormats", dependencies: ["TokkitCore", "TokkitIO"],
                exclude: ["Catalog/Vocabularies/README.md", "Catalog/Vocabularies/SHA256SUMS"],
                resources: [.copy("Catalog/Vocabularies")]),
        // The line ends of a buffer 64 bytes a step (AVX2's byte compares and masks), which Swift's baseline cannot express.
        .target(name: "CNewlines", dependencies: ["CTableChecks"]),
        .target(name: "TokkitCorpus", dependencies: ["CCompression", "CNewlines", "TokkitCore", "TokkitIO"]),
        // A token file's end tokens: a batch's documents copied in with them, a document per masked vector (AVX-512's or
        // AVX2's), and counted back with every id checked on read-back, which Swift's baseline cannot express.
        .target(name: "CDelimit"),
        .target(name: "TokkitShards", dependencies: ["CDelimit", "TokkitCore", "TokkitIO", "TokkitText", "TokkitCorpus"]),
        .target(name: "TokkitCompare", dependencies: ["TokkitCore", "TokkitIO", "TokkitText", "TokkitCorpus"]),
        // The stages upstream of tokenization: cleaning, filters, PII (datatrove's decisions), and curation
        // (dedup, decontamination, relevance, mixing, synthetic-data seeds).
        .target(name: "TokkitPrep", dependencies: ["CICU", "TokkitCore", "TokkitIO", "TokkitText", "TokkitCorpus", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "Tokkit",
            dependencies: ["TokkitCore", "TokkitIO", "TokkitText", "TokkitFormats", "TokkitCorpus", "TokkitShards", "TokkitCompare", "TokkitPrep"]
        ),
        // Piece-by-piece comparison of two pre-splitters, shared by the tests and the bench (the proof
        // that the scanners equal ICU); not a product.
        .target(name: "TokkitVerification", dependencies: ["TokkitText"]),
        .executableTarget(
            name: "TokkitCLI",
            dependencies: [
                "Tokkit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `@_cdecl` functions over opaque handles: what Python (ctypes) and any C caller link against.
        .target(
            name: "TokkitCAPI",
            dependencies: ["Tokkit", "TokkitCore", "TokkitIO", "TokkitText", "TokkitFormats", "TokkitCorpus", "TokkitCompare", "TokkitPrep"],
            exclude: ["tokkit.h"]
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
        // Paths, scratch folders, subprocesses and the reference libraries' runner, shared by both test
        // targets; not a product.
        .target(name: "TokkitTestSupport", dependencies: ["Tokkit"], path: "Tests/TokkitTestSupport"),
        // Hermetic unit tests: no network, no Python, no corpus, no browser (`swift test --filter TokkitTests.`).
        .testTarget(
            name: "TokkitTests",
            dependencies: ["Tokkit", "TokkitVerification", "TokkitTestSupport", "CDelimit", "CICU", "CTableChecks", "TokkitCore", "TokkitIO", "TokkitText",
                           "TokkitFormats", "TokkitCorpus", "TokkitShards", "TokkitPrep"],
            exclude: ["Golden"]
        ),
        // Parity with the real reference libraries (Python), on the real-text corpus, in headless Chromium,
        // and the first run of a new user (a clean clone, a package depending on Tokkit).
        .testTarget(
            name: "TokkitParityTests",
            dependencies: ["Tokkit", "TokkitVerification", "TokkitTestSupport", "TokkitCore", "TokkitIO", "TokkitCorpus", "TokkitPrep"],
            exclude: ["Training/Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
