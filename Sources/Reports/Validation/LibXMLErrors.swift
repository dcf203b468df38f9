import CLibXML2

/// Collects the structured errors libxml2 reports during one call.
///
/// libxml2 reports parser errors through a per-thread global handler and schema errors through the
/// validation context; ``capture(_:)`` installs this collector on the calling thread for the duration of
/// a synchronous call and restores what was there before.
final class LibXMLErrors {
    private(set) var issues: [ValidationIssue] = []
    /// Errors are capped so that a file with a million invalid rows cannot exhaust memory.
    static let limit = 200
    private(set) var dropped = 0

    func add(line: Int, message: String) {
        if issues.count < Self.limit {
            issues.append(ValidationIssue(line: line, message: message))
        } else {
            dropped += 1
        }
    }

    /// The issues, with a last line saying how many were left out.
    var report: [ValidationIssue] {
        dropped == 0 ? issues : issues + [ValidationIssue(line: 0, message: "\(dropped) more errors not shown")]
    }

    /// The C callback libxml2 calls; `context` is an unretained `LibXMLErrors`.
    static let handler: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let errors = Unmanaged<LibXMLErrors>.fromOpaque(context).takeUnretainedValue()
        var message = error.pointee.message.map { String(cString: $0) } ?? "unknown libxml2 error"
        while message.last?.isWhitespace == true { message.removeLast() }
        errors.add(line: Int(error.pointee.line), message: message)
    }

    /// An opaque pointer to pass as libxml2's user data; valid while `self` is alive.
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Runs `body` with this collector as the thread's structured error handler.
    func capture<T>(_ body: () throws -> T) rethrows -> T {
        let previousHandler = __xmlStructuredError().pointee
        let previousContext = __xmlStructuredErrorContext().pointee
        xmlSetStructuredErrorFunc(context, Self.handler)
        defer { xmlSetStructuredErrorFunc(previousContext, previousHandler) }
        return try withExtendedLifetime(self) { try body() }
    }
}
