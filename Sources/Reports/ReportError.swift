/// What went wrong writing or validating a report; the message names the file, the value and the place.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// A file could not be created or written.
    case cannotWrite(path: String, reason: String)
    /// A file could not be read.
    case cannotRead(path: String, reason: String)
    /// A report Gait generated does not validate against its own schema; nothing was written.
    case invalidOutput(path: String, schema: String, issues: [ValidationIssue])
    /// A file given for validation is not an XML document Gait knows.
    case unknownDocument(path: String, root: String, namespace: String?)
    /// A file given for validation is not well-formed XML before its root element.
    case notWellFormed(path: String, issue: ValidationIssue)
    /// A resource compiled into the module is missing or unreadable (a build defect).
    case missingResource(String)
    /// A schema compiled into the module does not parse (a build defect).
    case invalidSchema(name: String, issues: [ValidationIssue])
    /// A trusted constant (stylesheet, script) would end its element early.
    case unsafeConstant(name: String, reason: String)

    /// The message: what failed, the offending value and where.
    public var description: String {
        switch self {
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .cannotRead(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidOutput(path, schema, issues):
            let list = issues.map { "  \($0)" }.joined(separator: "\n")
            return "the report for \(path) does not validate against \(schema); nothing was written:\n\(list)"
        case let .unknownDocument(path, root, namespace):
            let qualified = namespace.map { "{\($0)}\(root)" } ?? root
            return "\(path): root element \(qualified) is not a Gait report "
                + "(expected session-report, gate-report, bias-report in their Gait namespaces, or JUnit testsuites)"
        case let .notWellFormed(path, issue):
            return "\(path):\(issue.line): not well-formed XML: \(issue.message)"
        case let .missingResource(name):
            return "resource \(name) is not compiled into the Reports module"
        case let .invalidSchema(name, issues):
            return "schema \(name) does not parse: " + issues.map(\.description).joined(separator: "; ")
        case let .unsafeConstant(name, reason):
            return "\(name) cannot be embedded: \(reason)"
        }
    }
}

/// One problem libxml2 found in a document: the line it is on and libxml2's message.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line in the document (0 when libxml2 gave none).
    public var line: Int
    /// libxml2's message, without its trailing newline.
    public var message: String

    /// An issue on `line`.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}
