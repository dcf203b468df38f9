import CLibXML2
import Foundation

/// The result of validating an XML file: its kind, the schemas checked and every problem found.
public struct ReportValidation: Sendable, Hashable {
    /// The kind, detected from the root element.
    public var kind: ReportKind
    /// The schemas the file was checked against (`reports/gate.xsd`).
    public var schemas: [String]
    /// Every problem, with its line; each message starts with the schema's name when there are several.
    public var issues: [ValidationIssue]

    /// Whether the file satisfies every schema.
    public var isValid: Bool { issues.isEmpty }
}

/// Validates an XML report against the schema of its kind, which it detects from the root element.
///
/// Session, gate and bias reports are checked against `reports/session.xsd`, `gate.xsd`, `bias.xsd`;
/// JUnit files (root `testsuites`) against both the Jenkins xUnit and the strict Ant JUnit schema.
/// The file is streamed, not loaded, so large reports validate in constant memory.
///
/// - Returns: the kind and the problems found, each with its line number (none when valid).
/// - Throws: ``ReportError/cannotRead(path:reason:)`` when the file cannot be opened,
///   ``ReportError/notWellFormed(path:issue:)`` when no root element can be read,
///   ``ReportError/unknownDocument(path:root:namespace:)`` when the root is not a Gait report.
public func validate(fileAt url: URL) throws -> ReportValidation {
    LibXML2Setup.ensure()
    let path = url.path
    guard FileManager.default.isReadableFile(atPath: path) else {
        let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
        throw ReportError.cannotRead(path: path, reason: reason)
    }
    let root = try rootElement(ofFileAt: path)
    guard let kind = ReportKind(root: root.name, namespace: root.namespace) else {
        throw ReportError.unknownDocument(path: path, root: root.name, namespace: root.namespace)
    }
    var issues: [ValidationIssue] = []
    for schemaPath in kind.schemaPaths {
        let schema = try Schema(embedded: schemaPath)
        let found = schema.validate(fileAt: path)
        if kind.schemaPaths.count == 1 {
            issues += found
        } else {
            let name = (schemaPath as NSString).lastPathComponent
            issues += found.map { ValidationIssue(line: $0.line, message: "\(name): \($0.message)") }
        }
    }
    return ReportValidation(kind: kind, schemas: kind.schemaPaths, issues: issues)
}

/// Validates a file Gait just wrote against its kind's schemas.
///
/// - Throws: ``ReportError/invalidOutput(path:schema:issues:)`` naming `reportedPath` (the final path,
///   not the temporary one) when the file is invalid.
func requireValid(_ kind: ReportKind, fileAt path: String, reportedPath: String) throws {
    for schemaPath in kind.schemaPaths {
        let issues = try Schema(embedded: schemaPath).validate(fileAt: path)
        if !issues.isEmpty {
            throw ReportError.invalidOutput(path: reportedPath, schema: schemaPath, issues: issues)
        }
    }
}

/// The name and namespace of a file's root element, read without reading the rest: a SAX parser is
/// fed the file in small chunks and stopped at the first start tag, so errors further on do not hide
/// the kind (they are reported by the validation).
private func rootElement(ofFileAt path: String) throws -> (name: String, namespace: String?) {
    final class Root {
        var name: String?
        var namespace: String?
        var parser: xmlParserCtxtPtr?
    }
    guard let file = fopen(path, "rb") else {
        throw ReportError.cannotRead(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    let root = Root()
    let errors = LibXMLErrors()
    var handler = xmlSAXHandler()
    handler.initialized = XML_SAX2_MAGIC
    handler.startElementNs = { context, localName, _, uri, _, _, _, _, _ in
        guard let context else { return }
        let root = Unmanaged<Root>.fromOpaque(context).takeUnretainedValue()
        root.name = localName.map { String(cString: $0) } ?? ""
        root.namespace = uri.map { String(cString: $0) }
        if let parser = root.parser { xmlStopParser(parser) }
    }
    return try withExtendedLifetime(root) {
        try errors.capture {
            guard let parser = xmlCreatePushParserCtxt(&handler, Unmanaged.passUnretained(root).toOpaque(),
                                                       nil, 0, path) else {
                throw ReportError.cannotRead(path: path, reason: "libxml2 could not create a parser")
            }
            defer { xmlFreeParserCtxt(parser) }
            xmlCtxtUseOptions(parser, Int32(XML_PARSE_NONET.rawValue))
            root.parser = parser
            var chunk = [CChar](repeating: 0, count: 256)
            while root.name == nil {
                let count = fread(&chunk, 1, chunk.count, file)
                let status = xmlParseChunk(parser, chunk, Int32(count), count == 0 ? 1 : 0)
                if root.name != nil { break }
                if status != 0 || count == 0 {
                    let issue = errors.issues.first ?? ValidationIssue(line: 1, message: "the document has no root element")
                    throw ReportError.notWellFormed(path: path, issue: issue)
                }
            }
            return (root.name ?? "", root.namespace)
        }
    }
}
