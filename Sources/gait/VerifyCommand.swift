import ArgumentParser
import Foundation
import GaitStore

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit log's hash chain, the audited rows, SQLite's integrity and the schema version.",
        discussion: """
            Recomputes every event's content from the rows as they are now and the hash chain; the \
            first event that no longer matches is reported. Exits 1 on any failure.
            """)

    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        var passed: Bool
        var events: Int
        var rows: Int
        var schema_version: Int
        var expected_schema_version: Int
        var integrity: String
        var problem: String?
    }

    func run() async throws {
        try await withErrorHandling {
            let report = try global.openWorkspace().verify()
            if global.format == .json {
                try Terminal.json(Output(passed: report.passed, events: report.events, rows: report.rows,
                                         schema_version: report.schemaVersion,
                                         expected_schema_version: report.expectedSchemaVersion,
                                         integrity: report.integrity, problem: report.firstProblem))
            } else if report.passed {
                Terminal.out("Verified \(report.events) events over \(report.rows) rows: the chain holds, integrity ok, schema version \(report.schemaVersion).")
            }
            if !report.passed {
                if let problem = report.firstProblem { Terminal.error("Error: \(problem)") }
                if report.integrity != "ok" { Terminal.error("Error: SQLite integrity check: \(report.integrity)") }
                if report.schemaVersion != report.expectedSchemaVersion {
                    Terminal.error("Error: schema version \(report.schemaVersion), expected \(report.expectedSchemaVersion)")
                }
                throw ExitCode(Exit.runtime)
            }
        }
    }
}
