import Foundation
import GaitStore
import Kernels
import Testing
@testable import Tuning

/// The export of the demo workspace, file by file, against reviewed golden copies.
///
/// To regenerate after an intended change: `GAIT_UPDATE_GOLDEN=1 swift test --filter GoldenExportTests`,
/// then review the diff of `Tests/TuningTests/Fixtures/golden`.
@Suite struct GoldenExportTests {
    static let options = TuneOptions(rubric: "helpfulness", evalShare: 0.3, seed: 7, gaitVersion: "test")

    /// Exports the demo workspace into a fresh folder and returns the folder and the result.
    static func export(_ options: TuneOptions = options) throws -> (TemporaryDirectory, URL, TuneResult, WorkspaceBuilder) {
        let builder = try WorkspaceBuilder.demo()
        let temporary = try TemporaryDirectory()
        let out = temporary.url.appendingPathComponent("export")
        let result = try Tuner.export(from: builder.workspace, to: out.path, options: options)
        return (temporary, out, result, builder)
    }

    static let expectedFiles = [
        "axolotl_dpo.yaml", "axolotl_kto.yaml", "axolotl_sft.yaml",
        "dpo.jsonl", "eval_dpo.jsonl", "eval_kto.jsonl", "eval_kto_axolotl.jsonl", "eval_openai_dpo.jsonl",
        "eval_sft.jsonl", "eval_sft_prompt_completion.jsonl",
        "kto.jsonl", "kto_axolotl.jsonl", "manifest.json", "metadata.jsonl",
        "openai_dpo.jsonl", "openai_job_dpo.json", "openai_job_sft.json",
        "sft.jsonl", "sft_prompt_completion.jsonl",
        "trl_dpo.yaml", "trl_kto.yaml", "trl_sft.yaml",
    ]

    /// One export compared file by file (one export, because building the workspace dominates the time).
    @Test func everyFileMatchesItsGoldenCopy() throws {
        let (temporary, out, _, _) = try Self.export()
        defer { _ = temporary }
        let update = ProcessInfo.processInfo.environment["GAIT_UPDATE_GOLDEN"] == "1"
        for name in Self.expectedFiles {
            let actual = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            let golden = Fixtures.golden.appendingPathComponent(name)
            if update {
                try FileManager.default.createDirectory(at: Fixtures.golden, withIntermediateDirectories: true)
                try actual.write(to: golden, atomically: true, encoding: .utf8)
            }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(actual == expected, "\(name) differs from its golden copy")
        }
    }

    @Test func writesExactlyTheExpectedFiles() throws {
        let (temporary, out, _, _) = try Self.export()
        defer { _ = temporary }
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == Self.expectedFiles)
        // Nothing but the export is left next to it (the temporary folder was renamed away).
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path) == ["export"])
    }

    @Test func recordsTheExportWithAnAuditEvent() throws {
        let (temporary, out, result, builder) = try Self.export()
        defer { _ = temporary }
        let exports = try builder.workspace.exports()
        #expect(exports.count == 1)
        let manifest = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        #expect(exports.first?.manifestSHA256 == SHA256.hexHash(manifest))
        #expect(exports.first?.path == out.path)
        #expect(exports.first?.trainRows == result.trainRows)
        #expect(exports.first?.evalRows == result.evalRows)
        #expect(result.trainRows > 0 && result.evalRows > 0)
        #expect(try builder.workspace.verify().passed)
    }

    @Test func manifestHashesEveryOtherFile() throws {
        let (temporary, out, _, _) = try Self.export()
        defer { _ = temporary }
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        let files = try #require(manifest["files"] as? [String: String])
        #expect(files.keys.sorted() == Self.expectedFiles.filter { $0 != "manifest.json" })
        for (name, hash) in files {
            #expect(SHA256.hexHash(try Data(contentsOf: out.appendingPathComponent(name))) == hash, "hash of \(name)")
        }
    }

    @Test func sameSeedSameBytes() throws {
        let (first, firstOut, _, _) = try Self.export()
        let (second, secondOut, _, _) = try Self.export()
        defer { _ = (first, second) }
        for name in Self.expectedFiles {
            let a = try Data(contentsOf: firstOut.appendingPathComponent(name))
            let b = try Data(contentsOf: secondOut.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two exports with the same seed")
        }
    }
}
