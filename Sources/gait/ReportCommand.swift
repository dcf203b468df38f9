import ArgumentParser
import Foundation
import GaitStore
import ReportGathering
import Reports

/// `gait report`: writes HTML and XML reports, or validates an XML report against its schema.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write session, gate and bias reports (HTML and XML), or validate an XML report.",
        discussion: """
            gait report session|gate|bias --out DIR writes KIND.html and KIND.xml into DIR (and \
            gate-junit.xml for gate), each XML validated against its schema first, and prints their paths. \
            session takes --rater and --since; gate takes --scope; bias takes --scope and --rubric (default: \
            the rubric with most ratings). A workspace with nothing to report still gets a report that says so.

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

    @Option(help: "The rubric to audit (bias; default: the rubric with most ratings).")
    var rubric: String?

    func validate() throws {
        if fileToValidate != nil, kind != nil {
            throw ValidationError("Give either a report kind to write or --validate FILE, not both.")
        }
        if fileToValidate == nil, kind == nil {
            throw ValidationError("Missing a report kind (session, gate or bias) or --validate FILE.")
        }
        guard let kind else { return }
        if out == nil { throw ValidationError("Missing --out DIR: the folder to write \(kind.rawValue).html and \(kind.rawValue).xml into.") }
        let unused: [(String, String?, Set<Kind>)] = [("--scope", scope, [.gate, .bias]), ("--rater", rater, [.session]),
                                                       ("--since", since, [.session]), ("--rubric", rubric, [.bias])]
        for (name, value, kinds) in unused where value != nil && !kinds.contains(kind) {
            let names = Kind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: " and ")
            throw ValidationError("\(name) does not apply to the \(kind.rawValue) report (only to \(names)).")
        }
        if let since {
            do { _ = try sinceBound(since) } catch { throw ValidationError(String(describing: error)) }
        }
    }

    func run() async throws {
        guard let fileToValidate else {
            if let kind, let out { try await write(kind, into: URL(fileURLWithPath: out)) }
            return
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

extension ReportCommand {
    /// Gathers the report's facts from the workspace, writes its files and prints their paths.
    func write(_ kind: Kind, into directory: URL) async throws {
        try await withErrorHandling {
            let gatherer = ReportGatherer(workspace: try global.openWorkspace(), generator: "gait")
            let files: [URL]
            let notes: [String]
            switch kind {
            case .session:
                let report = try gatherer.sessionReport(rater: rater, since: since)
                notes = report.header.notes
                files = try report.write(into: directory)
            case .gate:
                let report = try gatherer.gateReport(scope: scope)
                notes = report.header.notes
                files = try report.write(into: directory, hostname: ProcessInfo.processInfo.hostName)
            case .bias:
                let report = try gatherer.biasReport(rubric: rubric, scope: scope)
                notes = report.header.notes
                files = try report.write(into: directory)
            }
            if global.format == .json {
                try Terminal.json(WrittenJSON(kind: kind.rawValue, files: files.map(\.path), notes: notes))
                return
            }
            for note in notes where !note.hasPrefix("Method: ") { Terminal.error("Note: \(note)") }
            for file in files { Terminal.out(file.path) }
        }
    }
}

/// The JSON shape of the files a report wrote.
private struct WrittenJSON: Encodable {
    let kind: String
    let files: [String]
    let notes: [String]
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
