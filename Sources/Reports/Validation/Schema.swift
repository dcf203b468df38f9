import CLibXML2

/// One of the XML schemas compiled into the module, parsed by libxml2.
final class Schema {
    /// The embedded file's path (`reports/gate.xsd`).
    let name: String
    private let schema: xmlSchemaPtr

    /// Parses the embedded schema at `path`.
    ///
    /// - Throws: ``ReportError/missingResource(_:)`` or ``ReportError/invalidSchema(name:issues:)``.
    init(embedded path: String) throws {
        LibXML2Setup.ensure()
        guard let data = EmbeddedResources.data(path) else { throw ReportError.missingResource(path) }
        let errors = LibXMLErrors()
        let parsed: xmlSchemaPtr? = errors.capture {
            data.withUnsafeBytes { bytes -> xmlSchemaPtr? in
                guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                      let context = xmlSchemaNewMemParserCtxt(base, Int32(bytes.count)) else { return nil }
                defer { xmlSchemaFreeParserCtxt(context) }
                xmlSchemaSetParserStructuredErrors(context, LibXMLErrors.handler, errors.context)
                return xmlSchemaParse(context)
            }
        }
        guard let parsed else { throw ReportError.invalidSchema(name: path, issues: errors.report) }
        self.name = path
        self.schema = parsed
    }

    deinit { xmlSchemaFree(schema) }

    /// Validates the file at `path` while streaming through it, so memory stays flat for large
    /// reports; well-formedness errors are reported as issues too.
    ///
    /// - Returns: every problem found, with its line; empty when the file is valid.
    func validate(fileAt path: String) -> [ValidationIssue] {
        let errors = LibXMLErrors()
        let result: Int32 = errors.capture {
            guard let context = xmlSchemaNewValidCtxt(schema) else { return -1 }
            defer { xmlSchemaFreeValidCtxt(context) }
            xmlSchemaSetValidStructuredErrors(context, LibXMLErrors.handler, errors.context)
            return xmlSchemaValidateFile(context, path, Int32(XML_PARSE_NONET.rawValue))
        }
        if result != 0 && errors.issues.isEmpty {
            errors.add(line: 0, message: "libxml2 could not validate the file (code \(result))")
        }
        return errors.report
    }
}
