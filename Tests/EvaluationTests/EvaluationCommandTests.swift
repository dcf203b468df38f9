import Foundation
import GaitCore
import GaitStore
import Testing

/// `gait scores`, `gait agreement` and `gait audit` as a user runs them: the built executable on a workspace
/// file, its output, its errors on stderr and its exit codes.
@Suite struct EvaluationCommandTests {
    /// The built `gait` executable: next to the test bundle, or in `.build/debug`.
    static let executable: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("gait"), bundle.deletingLastPathComponent().appendingPathComponent("gait"),
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug/gait")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }()

    /// A folder with `gait.sqlite`: eight prompts (gender f/m alternating), each rated by ana and ben.
    final class Folder: Sendable {
        let url: URL
        var database: String { url.appendingPathComponent("gait.sqlite").path }

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-eval-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            var fixture = try EvaluationFixture(path: url.appendingPathComponent("gait.sqlite").path)
            try fixture.queue(EvaluationFixture.prompts("c", (0..<8).map { ["gender": $0 % 2 == 0 ? "f" : "m"] }), set: "c", overlap: 2)
            try fixture.rate("ana") { helpfulness($0.hasSuffix("1") || $0.hasSuffix("3") ? 2 : 5, "yes", "yes") }
            try fixture.rate("ben") { helpfulness($0.hasSuffix("1") ? 1 : 4, "yes", $0.hasSuffix("5") ? "no" : "yes") }
        }

        deinit { try? FileManager.default.removeItem(at: url) }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs gait in `folder` with output to files (no pipe can fill up), and waits.
    static func gait(_ arguments: [String], in folder: Folder) throws -> Result {
        let out = folder.url.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = folder.url.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments + ["--db", folder.database]
        process.currentDirectoryURL = folder.url
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }

    static func json(_ result: Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func scoresPrintsATableAndJSON() throws {
        let folder = try Folder()
        let text = try Self.gait(["scores", "--resamples", "200"], in: folder)
        #expect(text.status == 0 && text.stderr.isEmpty)
        #expect(text.stdout.hasPrefix("helpfulness v1\n"))
        #expect(text.stdout.contains("crawl  faq    gender=f  helpful"))
        #expect(text.stdout.contains("Method: Item-level"))
        let json = try Self.json(try Self.gait(["scores", "--resamples", "200", "--format", "json", "--stage", "crawl"], in: folder))
        #expect(json["stage"] as? String == "crawl" && json["resamples"] as? Int == 200)
        let groups = try #require(((json["rubrics"] as? [[String: Any]])?.first)?["groups"] as? [[String: Any]])
        #expect(groups.map { $0["value"] as? String ?? "all" } == ["all", "f", "m"])
        // Accepted by both: every item but c-5.
        #expect((groups[0]["acceptance"] as? [String: Any])?["successes"] as? Int == 7)
    }

    @Test func agreementAndAuditPrintTheirTablesAndMethod() throws {
        let folder = try Folder()
        let agreement = try Self.gait(["agreement", "--rubric", "helpfulness", "--resamples", "100"], in: folder)
        #expect(agreement.status == 0)
        #expect(agreement.stdout.contains("helpfulness v1: 8 items, 16 ratings"))
        #expect(agreement.stdout.contains("(ana vs ben, quadratic weights, 8 items)"))
        let audit = try Self.gait(["audit", "--min-n", "2", "--resamples", "100"], in: folder)
        #expect(audit.status == 0)
        #expect(audit.stdout.hasPrefix("Bias audit of helpfulness v1, quality 'helpful'\n"))
        #expect(audit.stdout.contains("gender: ") && audit.stdout.contains("f (ref)"))
        #expect(audit.stdout.contains("Method: Each item is rated"))
        let json = try Self.json(try Self.gait(["audit", "--format", "json", "--attribute", "gender", "--reference", "m",
                                                "--resamples", "100"], in: folder))
        let attribute = try #require((json["attributes"] as? [[String: Any]])?.first)
        #expect(attribute["reference"] as? String == "m")
        // Four items per slice, below the default minimum of 10.
        #expect(attribute["verdict"] as? String == "insufficient_data")
    }

    @Test func errorsGoToStderrWithTheDesignsExitCodes() throws {
        let folder = try Folder()
        let unknown = try Self.gait(["scores", "--rubric", "nope"], in: folder)
        #expect(unknown.status == 1 && unknown.stdout.isEmpty)
        #expect(unknown.stderr == "Error: no rubric named 'nope'; see `gait rubrics list`, or register it with `gait rubrics import FILE`\n")
        let none = try Self.gait(["agreement", "--rubric", "safety"], in: folder)
        #expect(none.status == 1)
        #expect(none.stderr == "Error: no ratings yet for rubric safety; raters add them with `gait review --rater NAME` (see `gait status`)\n")
        let attribute = try Self.gait(["audit", "--attribute", "age"], in: folder)
        #expect(attribute.status == 1 && attribute.stderr == "Error: no rated prompt has attribute 'age'; the attributes are: gender\n")
        let reference = try Self.gait(["audit", "--attribute", "gender", "--reference", "x"], in: folder)
        #expect(reference.stderr == "Error: attribute 'gender' has no rated slice 'x'; its values are: f, m\n")
        let usage = try Self.gait(["audit", "--reference", "f"], in: folder)
        #expect(usage.status == 64)
        #expect(usage.stderr.hasPrefix("Error: --reference f needs --attribute: a reference value belongs to one attribute\n"))
        let confidence = try Self.gait(["scores", "--confidence", "2"], in: folder)
        #expect(confidence.status == 64)
        #expect(confidence.stderr.hasPrefix("Error: invalid confidence 2: expected a number between 0 and 1, such as 0.95\n"))
    }
}
