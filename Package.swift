// swift-tools-version:6.0
import PackageDescription

// The targets follow the data flow of DESIGN.md: ICU (C) → text pre-splitting → core BPE → file formats →
// corpus reading (gzip/zstd in C) → shards and comparison → CLI.
let package = Package(
    name: "Tokkit",
    products: [
        .library(name: "TokkitCore", targets: ["TokkitCore"]),
        .library(name: "TokkitText", targets: ["TokkitText"]),
        .library(name: "TokkitFormats", targets: ["TokkitFormats"]),
        .library(name: "TokkitCorpus", targets: ["TokkitCorpus"]),
        .library(name: "TokkitShards", targets: ["TokkitShards"]),
        .library(name: "TokkitCompare", targets: ["TokkitCompare"]),
        .executable(name: "tokkit", targets: ["TokkitCLI"]),
        // The C ABI that integrations/python loads (libTokkitCAPI.so); see Sources/TokkitCAPI/tokkit.h.
        .library(name: "TokkitCAPI", type: .dynamic, targets: ["TokkitCAPI"]),
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
        .target(name: "TokkitText", dependencies: ["CICU", "TokkitCore"]),
        .target(name: "TokkitFormats", dependencies: ["TokkitCore", "TokkitText"]),
        .target(name: "TokkitCorpus", dependencies: ["CCompression", "TokkitCore", "TokkitText"]),
        .target(name: "TokkitShards", dependencies: ["TokkitCore", "TokkitText", "TokkitFormats", "TokkitCorpus"]),
        .target(name: "TokkitCompare", dependencies: ["TokkitCore", "TokkitText", "TokkitFormats", "TokkitCorpus"]),
        // Seeded adversarial text and piece-by-piece comparison, shared by the tests and the bench
        // (the proof that the scanners equal ICU); not a product.
        .target(name: "TokkitVerification", dependencies: ["CICU", "TokkitText"]),
        .executableTarget(
            name: "TokkitCLI",
            dependencies: [
                "TokkitCore", "TokkitText", "TokkitFormats", "TokkitCorpus", "TokkitShards", "TokkitCompare",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `@_cdecl` functions over opaque handles: what Python (ctypes) and any C caller link against.
        .target(
            name: "TokkitCAPI",
            dependencies: ["TokkitCore", "TokkitText", "TokkitFormats", "TokkitCorpus", "TokkitCompare"],
            exclude: ["tokkit.h"]
        ),
        // bench/encode_bench.py drives this; not a product.
        .executableTarget(
            name: "TokkitBench",
            dependencies: [
                "TokkitCore", "TokkitText", "TokkitFormats", "TokkitVerification",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/TokkitBench"
        ),
        .testTarget(
            name: "TokkitTests",
            dependencies: [
                "TokkitCore", "TokkitText", "TokkitFormats", "TokkitCorpus", "TokkitShards", "TokkitCompare",
                "TokkitVerification",
            ],
            exclude: ["Golden", "Training/Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
