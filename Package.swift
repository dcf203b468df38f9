// swift-tools-version: 6.1
import PackageDescription

/// Numeric code is optimized in every configuration: debug builds of the engine are otherwise far
/// too slow for the tests that run the real model. `haswell` (x86-64-v3) is AVX2 + FMA + F16C, present on every
/// x86-64 server CPU since 2015; other architectures build with their baseline.
#if arch(x86_64)
let vectorFlags = ["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-target-cpu", "haswell"]
#else
let vectorFlags: [String] = []
#endif
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"] + vectorFlags)]
/// The one target built for AVX-512 (F, BW, VL, VNNI; `cascadelake` is the oldest CPU model with all four):
/// `Kernels` calls it only after checking the processor.
#if arch(x86_64)
let avx512Flags = ["-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl", "-Xcc", "-mavx512vnni",
                   "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-target-cpu", "cascadelake"]
#else
let avx512Flags: [String] = []
#endif

let package = Package(
    name: "Gait",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gait", targets: ["gait"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .executableTarget(
            name: "gait",
            dependencies: [
                "GaitCore", "GaitStore", "Inference", "Generation", "ReviewConsole", "Statistics", "Rollout",
                "Tuning", "Reports", "ModelServer", "Evaluation", "ReportGathering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "GaitCore", dependencies: [.product(name: "Yams", package: "Yams")],
                plugins: ["EmbedResources"]),
        .target(name: "GaitStore", dependencies: ["GaitCore", "Kernels", "CWALWrites",
                                                  .product(name: "GRDB", package: "GRDB.swift"),
                                                  .product(name: "GRDBSQLite", package: "GRDB.swift")],
                plugins: ["EmbedResources"]),
        .target(name: "CWALWrites", dependencies: [.product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(name: "CPrefetch"),
        .target(name: "KernelsAVX512", dependencies: ["CPrefetch"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"] + avx512Flags)]),
        .target(name: "Kernels", dependencies: ["KernelsAVX512", "CPrefetch"], swiftSettings: numericSettings),
        .target(name: "Inference", dependencies: ["Kernels", "GaitCore"], swiftSettings: numericSettings),
        .target(name: "Generation", dependencies: ["GaitCore", "GaitStore", "Inference"]),
        .target(name: "ModelServer", dependencies: ["Inference"]),
        .target(name: "ReviewConsole", dependencies: ["GaitCore", "GaitStore"]),
        .target(name: "Statistics", swiftSettings: numericSettings),
        .target(name: "Evaluation", dependencies: ["GaitCore", "GaitStore", "Statistics"]),
        .target(name: "Rollout", dependencies: ["GaitCore", "GaitStore", "Statistics"]),
        .target(name: "Tuning", dependencies: ["GaitCore", "GaitStore", "Statistics"]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .target(name: "Reports", dependencies: ["GaitCore", "Statistics", "Kernels", "CLibXML2"],
                plugins: ["EmbedResources"]),
        .target(name: "ReportGathering", dependencies: ["GaitCore", "GaitStore", "Evaluation", "Rollout", "Reports", "Statistics"]),
        .executableTarget(name: "embed-resources"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["embed-resources"]),
        .executableTarget(
            name: "gait-bench",
            dependencies: ["GaitCore", "GaitStore", "Inference", "Kernels", "KernelsAVX512", "Statistics", "Reports",
                           "ReviewConsole", "Rollout", "ReportGathering"],
            path: "Benchmarks/gait-bench"
        ),
        .testTarget(name: "GaitCoreTests", dependencies: ["GaitCore"]),
        .testTarget(name: "GaitStoreTests", dependencies: ["GaitStore", "CWALWrites", "CFaultVFS"], exclude: ["Fixtures"]),
        .target(name: "CFaultVFS", dependencies: [.product(name: "GRDBSQLite", package: "GRDB.swift")],
                path: "Tests/CFaultVFS"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], swiftSettings: numericSettings),
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Kernels", "AllocationCounter"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], exclude: ["Fixtures"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CLibXML2"], exclude: ["Fixtures"]),
        .testTarget(name: "ReviewConsoleTests", dependencies: ["ReviewConsole", "GaitStore"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "GaitStore"]),
        .testTarget(name: "RolloutTests", dependencies: ["Rollout", "GaitStore"], exclude: ["Fixtures"]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning", "GaitStore"], exclude: ["Fixtures"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "GaitStore", "Inference"]),
        .testTarget(name: "ModelServerTests", dependencies: ["ModelServer", "Inference"]),
        .testTarget(name: "ReportGatheringTests", dependencies: ["ReportGathering", "GaitStore", "Rollout", "Reports", "Evaluation"]),
        .testTarget(name: "GaitCLITests", dependencies: ["GaitCore", "GaitStore"]),
    ],
    swiftLanguageModes: [.v6]
)
