import ArgumentParser
import Foundation
import Reports

/// `gait report`: writes HTML and XML reports, or validates an XML report against its schema.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write session, gate and bias reports (HTML and XML), or validate an XML report.",
        discussion: """
            gait report --validate FILE checks an XML report (session, gate, bias, or JUnit from \
            gait gate --junit) against its schema, detected from the root element, and prints every \
            problem with its line. Exit codes: 0 valid, 65 invalid or unreadable.
            """
    )

    /// The kinds of report the command writes.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case session, gate, bias
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The report to write: session, gate or bias.")
    var kind: Kind?

    @Option(name: .customLong("validate"),
            help: ArgumentHelp("Validate an XML report instead of writing one.", valueName: "file"))
    var fileToValidate: String?

    @Option(help: ArgumentHelp("The folder to write KIND.html and KIND.xml into.", valueName: "dir"))
    var out: String?

    @Option(help: "Only this scope (request class).")
    var scope: String?

    @Option(help: "Only this rater.")
    var rater: String?

    @Option(help: ArgumentHelp("Only facts since this date.", valueName: "YYYY-MM-DD"))
    var since: String?

    func validate() throws {
        if fileToValidate != nil, kind != nil {
            throw ValidationError("Give either a report kind to write or --validate FILE, not both.")
        }
        if fileToValidate == nil, kind == nil {
            throw ValidationError("Missing a report kind (session, gate or bias) or --validate FILE.")
        }
    }

    func run() async throws {
        guard let fileToValidate else {
            throw ValidationError("gait report \(kind?.rawValue ?? "") cannot gather its facts from the workspace "
                + "in this build yet; only `gait report --validate FILE` is available.")
        }
        try await withErrorHandling {
            let result: ReportValidation
            do {
                result = try Reports.validate(fileAt: URL(fileURLWithPath: fileToValidate))
            } catch let error as ReportError {
                switch error {
                case .cannotRead, .notWellFormed, .unknownDocument:
                    Terminal.error("Error: \(error.description)")
                    throw ExitCode(Exit.dataError)
                default:
                    throw error
                }
            }
            if global.format == .json {
                try Terminal.json(ValidationJSON(file: fileToValidate, result: result))
            } else if result.isValid {
                Terminal.out("\(fileToValidate): valid \(result.kind.rawValue) report (\(result.schemas.joined(separator: ", ")))")
            } else {
                for issue in result.issues {
                    Terminal.out("\(fileToValidate):\(issue.line): \(issue.message)")
                }
                let count = result.issues.count
                Terminal.out("\(fileToValidate): invalid \(result.kind.rawValue) report: \(count) problem\(count == 1 ? "" : "s")")
            }
            if !result.isValid { throw ExitCode(Exit.dataError) }
        }
    }
}

/// The JSON shape of a validation result.
private struct ValidationJSON: Encodable {
    struct Issue: Encodable {
        let line: Int
        let message: String
    }

    let file: String
    let kind: String
    let valid: Bool
    let schemas: [String]
    let issues: [Issue]

    init(file: String, result: ReportValidation) {
        self.file = file
        kind = result.kind.rawValue
        valid = result.isValid
        schemas = result.schemas
        issues = result.issues.map { Issue(line: $0.line, message: $0.message) }
    }
}
