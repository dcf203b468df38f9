import Foundation

/// The parts every Gait XML report shares.
extension XMLStreamWriter {
    /// Writes the root element of `kind` with its namespace and version; `body` writes the content.
    func report(_ kind: ReportKind, root: StaticString, _ body: () throws -> Void) throws {
        try start(root)
        try attribute("xmlns", kind.namespace ?? "")
        try attribute("version", "1")
        try body()
        try end()
    }

    /// Writes `<header>` (see `headerType` in the schemas).
    func header(_ header: ReportHeader) throws {
        try element("header") {
            try element("title", header.title)
            try element("generated-at", xmlDateTime(header.generatedAt))
            try element("workspace", header.workspace)
            try element("generator", header.generator)
            for filter in header.filters {
                try element("filter") {
                    try attribute("name", filter.name)
                    try attribute("value", filter.value)
                }
            }
            for note in header.notes {
                try element("note", note)
            }
        }
    }

    /// Writes an estimate as an element named `name` (see `estimateType` in the schemas).
    func estimate(_ name: StaticString, _ estimate: ReportEstimate?) throws {
        guard let estimate else { return }
        try element(name) {
            try attribute("value", xmlDouble(estimate.value))
            try attribute("lower", estimate.lower.map(xmlDouble))
            try attribute("upper", estimate.upper.map(xmlDouble))
            try attribute("level", estimate.level.map(xmlDouble))
        }
    }

    /// Writes a histogram as an element named `name`.
    func histogram(_ name: StaticString, _ histogram: ReportHistogram) throws {
        try element(name) {
            try attribute("unit", histogram.unit)
            try attribute("total", String(histogram.total))
            for bin in histogram.bins {
                try element("bin") {
                    try attribute("lower", xmlDouble(bin.lower))
                    try attribute("upper", xmlDouble(bin.upper))
                    try attribute("count", String(bin.count))
                }
            }
        }
    }

    /// Writes an integer attribute.
    func attribute(_ name: StaticString, _ value: Int) throws {
        try attribute(name, String(value))
    }

    /// Writes a double attribute when present.
    func attribute(_ name: StaticString, _ value: Double?) throws {
        try attribute(name, value.map(xmlDouble))
    }
}

/// Writes one XML report of `kind` to `url`: into a temporary sibling, validated against the kind's
/// schema, then renamed; when validation fails nothing is left at `url`.
func writeValidatedXML(_ kind: ReportKind, to url: URL, _ body: (XMLStreamWriter) throws -> Void) throws {
    try AtomicFile.write(to: url, { temporary in
        let xml = try XMLStreamWriter(path: temporary)
        try body(xml)
        try xml.finish()
    }, check: { temporary in
        try requireValid(kind, fileAt: temporary, reportedPath: url.path)
    })
}

/// Writes one HTML report to `url` through a temporary sibling.
func writeHTMLFile(to url: URL, _ body: (HTMLWriter) throws -> Void) throws {
    try AtomicFile.write(to: url) { temporary in
        let sink = try FileSink(path: temporary)
        try body(HTMLWriter(sink: sink))
        try sink.flush()
    }
}
