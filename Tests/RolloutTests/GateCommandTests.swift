import Foundation
import GaitCore
import GaitStore
import Testing
@testable import Rollout

/// `gait gate` as a CI job runs it: the built executable, its exit code and its JUnit file.
@Suite struct GateCommandTests {
    /// The `gait` executable built next to this test bundle (`swift build` / `swift test` build both).
    static func executable() throws -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gait")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw InputError(source: bundle.path, problem: "no gait executable next to the test bundle; run `swift build` first")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static let rules = """
        gates:
          crawl->walk:
            evidence: {min_items: 20, min_raters: 2}
            conditions:
              - {metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.7}
              - {metric: flag_rate, flag: harmful, statistic: ci_low, comparison: "<=", threshold: 0.05, critical: true}
        """

    @Test(arguments: [
        ("pass", 40, 0, Int32(0)),      // 40 of 40 accepted, nothing flagged
        ("fail", 40, 10, 100),          // 10 of 40 flagged harmful: critical, proven above 5%
        ("inconclusive", 10, 0, 101),   // 10 items: below the floor
    ])
    func exitCodesAsCISeesThem(name: String, items: Int, flagged: Int, code: Int32) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gait-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("gait.sqlite").path
        let w = try GateWorkspace(path: db)
        try w.rateAll(try w.items(items, stage: .crawl), by: ["ana", "ben"]) { Answer(accept: true, flags: $0 < flagged ? ["harmful"] : []) }
        let rules = directory.appendingPathComponent("rules.yaml").path
        try Self.rules.write(toFile: rules, atomically: true, encoding: .utf8)
        let junit = directory.appendingPathComponent("gate.xml").path

        let result = try Self.run(["gate", "--db", db, "--scope", "faq", "--from", "crawl", "--to", "walk",
                                   "--rules", rules, "--junit", junit, "--rater", "ana"])
        #expect(result.status == code, "\(name): \(result.stderr)")
        #expect(result.stdout.hasPrefix("Gate for scope 'faq' crawl -> walk: \(name.uppercased()) — "))
        #expect(result.stdout.contains("acceptance_rate ci_low >= 0.7"))
        try JUnitFile.expectValid(junit)
        #expect(try JUnitFile.xpath(junit, "string(//property[@name='gait.decision']/@value)") == name)
        #expect(try JUnitFile.xpath(junit, "string(/testsuites/testsuite/@name)") == "gate faq crawl-to-walk")
        let failures = try JUnitFile.xpath(junit, "string(/testsuites/testsuite/@failures)")
        #expect(failures == (name == "fail" ? "1" : "0"))

        let json = try Self.run(["gate", "--db", db, "--scope", "faq", "--from", "crawl", "--to", "walk",
                                 "--rules", rules, "--format", "json"])
        #expect(json.status == code)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["outcome"] as? String == name)
        #expect(object["exitCode"] as? Int == Int(code))
        #expect(object["decisionID"] as? Int == 2)
    }

    @Test func usageAndInputErrorsHaveTheirOwnCodes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gait-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("gait.sqlite").path
        _ = try GateWorkspace(path: db)
        let skip = try Self.run(["gate", "--db", db, "--scope", "faq", "--from", "crawl", "--to", "run"])
        #expect(skip.status == 64)
        #expect(skip.stderr.hasPrefix("Error: --from crawl --to run is not a gate transition; gates decide crawl->walk and walk->run"))
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "gates:\n  crawl->walk:\n    conditions:\n      - {metric: flag_rate, flag: rude, comparison: \"<=\", threshold: 0.1}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let unknown = try Self.run(["gate", "--db", db, "--scope", "faq", "--from", "crawl", "--to", "walk", "--rules", bad])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.hasPrefix("Error: \(bad):4:35: gates.crawl->walk.conditions[0].flag: unknown flag 'rude'"))
        let refused = try Self.run(["promote", "--db", db, "--scope", "faq", "--to", "walk", "--rater", "ben",
                                    "--override", "--reason", "ship it"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: ben is a rater; only a lead may override a gate, so nothing was changed\n")
    }
}
