import CLibXML2

/// Writes an XML document to a file through libxml2's `xmlTextWriter`, the module's only way of
/// producing XML.
///
/// Element and attribute names are `StaticString`s, so no data can become markup; every text and
/// attribute value passes ``xmlSafe(_:)`` and is escaped by libxml2.
final class XMLStreamWriter {
    private var writer: xmlTextWriterPtr?
    let path: String

    /// Opens `path` for writing (truncating it) and writes the XML declaration.
    init(path: String) throws {
        LibXML2Setup.ensure()
        guard let writer = xmlNewTextWriterFilename(path, 0) else {
            throw ReportError.cannotWrite(path: path, reason: "libxml2 could not open the file for writing")
        }
        self.writer = writer
        self.path = path
        try check(xmlTextWriterSetIndent(writer, 1), "set indentation")
        try check(xmlTextWriterSetIndentString(writer, staticXML("  ")), "set indentation")
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil), "start the document")
    }

    deinit {
        if let writer { xmlFreeTextWriter(writer) }
    }

    /// Opens an element.
    func start(_ name: StaticString) throws {
        try check(xmlTextWriterStartElement(open(), staticXML(name)), "start element \(name)")
    }

    /// Closes the innermost open element.
    func end() throws {
        try check(xmlTextWriterEndElement(open()), "end an element")
    }

    /// Writes an attribute of the element just opened.
    func attribute(_ name: StaticString, _ value: String) throws {
        let writer = try open()
        let result = xmlSafe(value).withCString { value in
            xmlTextWriterWriteAttribute(writer, staticXML(name), xmlString(value))
        }
        try check(result, "write attribute \(name)")
    }

    /// Writes an attribute when `value` is present.
    func attribute(_ name: StaticString, _ value: String?) throws {
        if let value { try attribute(name, value) }
    }

    /// Writes text content.
    func text(_ value: String) throws {
        let writer = try open()
        let result = xmlSafe(value).withCString { xmlTextWriterWriteString(writer, xmlString($0)) }
        try check(result, "write text")
    }

    /// Writes `<name>value</name>`.
    func element(_ name: StaticString, _ value: String) throws {
        try start(name)
        try text(value)
        try end()
    }

    /// Writes an element whose attributes and children `body` writes.
    func element(_ name: StaticString, _ body: () throws -> Void) throws {
        try start(name)
        try body()
        try end()
    }

    /// Closes every open element, flushes and closes the file.
    func finish() throws {
        let writer = try open()
        try check(xmlTextWriterEndDocument(writer), "end the document")
        self.writer = nil
        xmlFreeTextWriter(writer)
    }

    private func open() throws -> xmlTextWriterPtr {
        guard let writer else {
            throw ReportError.cannotWrite(path: path, reason: "the document was already finished")
        }
        return writer
    }

    private func check(_ result: Int32, _ action: String) throws {
        if result < 0 {
            throw ReportError.cannotWrite(path: path, reason: "libxml2 failed to \(action) (disk full or closed?)")
        }
    }
}

/// A static string as libxml2's `const xmlChar *`.
private func staticXML(_ string: StaticString) -> UnsafePointer<xmlChar> {
    precondition(string.hasPointerRepresentation, "XML names are string literals")
    return UnsafeRawPointer(string.utf8Start).assumingMemoryBound(to: xmlChar.self)
}

/// A C string as libxml2's `const xmlChar *` (both are UTF-8 bytes).
private func xmlString(_ pointer: UnsafePointer<CChar>) -> UnsafePointer<xmlChar> {
    UnsafeRawPointer(pointer).assumingMemoryBound(to: xmlChar.self)
}
