import ArgumentParser
import Foundation
import Reports

/// `gait report`: writes HTML and XML reports, or validates an XML report against its schema.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write session, gate and bias reports (HTML and XML), or validate an XML report.",
        discussion: """
        gait report --validate FILE checks an XML report (session, gate, bias or JUnit) against its schema \
        and prints every problem with its line. Exit codes: 0 valid, 65 invalid, 1 unreadable.
        """
    )

    /// The output formats of the command.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    /// The kinds of report the command writes.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case session, gate, bias
    }

    @Argument(help: "The report to write: session, gate or bias.")
    var kind: Kind?

    @Option(name: .customLong("validate"), help: ArgumentHelp("Validate an XML report instead of writing one.",
                                                               valueName: "file"))
    var fileToValidate: String?

    @Option(help: "The folder to write KIND.html and KIND.xml into.")
    var out: String?

    @Option(help: "Only this scope (request class).")
    var scope: String?

    @Option(help: "Only this rater.")
    var rater: String?

    @Option(help: "Only facts since this date (YYYY-MM-DD).")
    var since: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func validate() throws {
        if fileToValidate != nil, kind != nil {
            throw ValidationError("Give either a report kind to write or --validate FILE, not both.")
        }
        if fileToValidate == nil, kind == nil {
            throw ValidationError("Missing a report kind (session, gate or bias) or --validate FILE.")
        }
    }

    func run() throws {
        guard let fileToValidate else {
            throw ValidationError("gait report \(kind?.rawValue ?? "") needs the workspace store to gather its facts, "
                + "which this build does not provide yet; only `gait report --validate FILE` is available.")
        }
        let url = URL(fileURLWithPath: fileToValidate)
        let result: ReportValidation
        do {
            result = try Reports.validate(fileAt: url)
        } catch let error as ReportError {
            let exit: ExitCode
            switch error {
            case .unknownDocument, .notWellFormed: exit = ExitCode(65)
            default: exit = .failure
            }
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw exit
        }
        switch format {
        case .text:
            if result.isValid {
                print("\(fileToValidate): valid \(result.kind.rawValue) report (\(result.schemas.joined(separator: ", ")))")
            } else {
                for issue in result.issues {
                    print("\(fileToValidate):\(issue.line): \(issue.message)")
                }
                let count = result.issues.count
                print("\(fileToValidate): invalid \(result.kind.rawValue) report: \(count) problem\(count == 1 ? "" : "s")")
            }
        case .json:
            print(try ValidationJSON(file: fileToValidate, result: result).encoded())
        }
        if !result.isValid { throw ExitCode(65) }
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

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
