import CLibXML2
import Foundation

/// libxml2 used independently of the Reports module: parsing HTML and XML into a small tree, and
/// validating against schema files from the fixtures.
enum LibXML2 {
    /// The fixtures folder of this test target.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// libxml2 asks threaded programs to initialize it once before use.
    private static let initialized: Void = { xmlInitParser() }()

    /// An element or text of a parsed document.
    final class Node {
        let name: String
        let attributes: [(name: String, value: String)]
        let children: [Node]
        /// The content of a text or CDATA node.
        let text: String?

        init(name: String, attributes: [(String, String)], children: [Node], text: String?) {
            self.name = name
            self.attributes = attributes
            self.children = children
            self.text = text
        }

        var isElement: Bool { text == nil }

        /// This node and all below it, depth first.
        var all: [Node] { [self] + children.flatMap(\.all) }

        /// The elements named `name` at or below this node.
        func elements(_ name: String) -> [Node] { all.filter { $0.isElement && $0.name == name } }

        /// All text below this node, concatenated.
        var textContent: String { text ?? children.map(\.textContent).joined() }

        func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }
    }

    private final class Collector {
        var messages: [String] = []
    }

    private static let handler: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
        let message = error.pointee.message.map { String(cString: $0) } ?? "?"
        collector.messages.append("line \(error.pointee.line): " + message.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Validates `file` against the schema file at `schema`; returns libxml2's messages (none when valid).
    static func validate(_ file: URL, schema: URL) -> [String] {
        _ = initialized
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        return withExtendedLifetime(collector) {
            guard let parser = xmlSchemaNewParserCtxt(schema.path) else { return ["cannot open \(schema.path)"] }
            defer { xmlSchemaFreeParserCtxt(parser) }
            xmlSchemaSetParserStructuredErrors(parser, handler, context)
            guard let parsed = xmlSchemaParse(parser) else { return ["schema does not parse"] + collector.messages }
            defer { xmlSchemaFree(parsed) }
            guard let validator = xmlSchemaNewValidCtxt(parsed) else { return ["no validation context"] }
            defer { xmlSchemaFreeValidCtxt(validator) }
            xmlSchemaSetValidStructuredErrors(validator, handler, context)
            xmlSetStructuredErrorFunc(context, handler)
            defer { xmlSetStructuredErrorFunc(nil, nil) }
            let result = xmlSchemaValidateFile(validator, file.path, 0)
            return result == 0 ? [] : collector.messages + ["result \(result)"]
        }
    }

    /// Parses HTML with libxml2's HTML parser (recovering, no network) into a tree rooted at the document.
    static func parseHTML(_ data: Data) throws -> Node {
        _ = initialized
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NOBLANKS.rawValue) | Int32(XML_PARSE_HUGE.rawValue)
        let document = data.withUnsafeBytes { bytes -> htmlDocPtr? in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return nil }
            return htmlReadMemory(base, Int32(bytes.count), "report.html", "UTF-8", options)
        }
        guard let document else { throw ParseFailure(message: "libxml2 could not parse the HTML") }
        defer { xmlFreeDoc(document) }
        return convert(UnsafeMutableRawPointer(document).assumingMemoryBound(to: xmlNode.self))
    }

    /// Parses XML (no network, no entity expansion) into a tree rooted at the document.
    static func parseXML(_ url: URL) throws -> Node {
        _ = initialized
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        xmlSetStructuredErrorFunc(context, handler)
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_HUGE.rawValue)
        guard let document = withExtendedLifetime(collector, { xmlReadFile(url.path, nil, options) }) else {
            throw ParseFailure(message: collector.messages.joined(separator: "; "))
        }
        defer { xmlFreeDoc(document) }
        return convert(UnsafeMutableRawPointer(document).assumingMemoryBound(to: xmlNode.self))
    }

    struct ParseFailure: Error { let message: String }

    private static func convert(_ node: UnsafeMutablePointer<xmlNode>) -> Node {
        var children: [Node] = []
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE, XML_DOCUMENT_NODE, XML_HTML_DOCUMENT_NODE:
                children.append(convert(current))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let text = current.pointee.content.map { String(cString: $0) } ?? ""
                children.append(Node(name: "#text", attributes: [], children: [], text: text))
            default:
                break
            }
            child = current.pointee.next
        }
        var attributes: [(String, String)] = []
        if node.pointee.type == XML_ELEMENT_NODE {
            var attribute = node.pointee.properties
            while let current = attribute {
                let name = current.pointee.name.map { String(cString: $0) } ?? ""
                let raw = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)
                attributes.append((name, raw.map { String(cString: $0) } ?? ""))
                free(raw)
                attribute = current.pointee.next
            }
        }
        let name = node.pointee.type == XML_ELEMENT_NODE ? (node.pointee.name.map { String(cString: $0) } ?? "") : "#document"
        return Node(name: name, attributes: attributes, children: children, text: nil)
    }
}
