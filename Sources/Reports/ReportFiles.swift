import Foundation

extension SessionReport {
    /// Writes `session.html` and `session.xml` into `directory` (created when missing).
    ///
    /// - Returns: the files written.
    /// - Throws: ``ReportError`` (see ``writeXML(to:)``, ``writeHTML(to:)``).
    @discardableResult
    public func write(into directory: URL) throws -> [URL] {
        try createFolder(directory)
        let files = [directory.appendingPathComponent("session.xml"), directory.appendingPathComponent("session.html")]
        try atOnce({ try writeXML(to: files[0]) }, { try writeHTML(to: files[1]) })
        return files
    }
}

extension GateReport {
    /// Writes `gate.html`, `gate.xml` and the JUnit file `gate-junit.xml` into `directory`.
    ///
    /// - Parameter hostname: the machine named in the JUnit file.
    /// - Returns: the files written.
    /// - Throws: ``ReportError``.
    @discardableResult
    public func write(into directory: URL, hostname: String) throws -> [URL] {
        try createFolder(directory)
        let files = [directory.appendingPathComponent("gate.xml"), directory.appendingPathComponent("gate.html"),
                     directory.appendingPathComponent("gate-junit.xml")]
        try writeXML(to: files[0])
        try writeHTML(to: files[1])
        try junit(hostname: hostname).write(to: files[2])
        return files
    }

    /// The JUnit view of the report's evaluations.
    public func junit(hostname: String) -> JUnitReport {
        JUnitReport(evaluations: evaluations, hostname: hostname)
    }
}

extension BiasReport {
    /// Writes `bias.html` and `bias.xml` into `directory` (created when missing).
    ///
    /// - Returns: the files written.
    /// - Throws: ``ReportError``.
    @discardableResult
    public func write(into directory: URL) throws -> [URL] {
        try createFolder(directory)
        let files = [directory.appendingPathComponent("bias.xml"), directory.appendingPathComponent("bias.html")]
        try atOnce({ try writeXML(to: files[0]) }, { try writeHTML(to: files[1]) })
        return files
    }
}

/// Runs two writers at once and rethrows the first one's error, else the second's.
///
/// The XML and the HTML of a report are independent files over the same facts; over a million
/// ratings each takes seconds, and on a machine with two cores they need not wait for each other.
/// libxml2 keeps its error handlers per thread (see `LibXMLErrors`), so the XML writer and its
/// validation run safely beside the HTML writer.
private func atOnce(_ first: @escaping @Sendable () throws -> Void, _ second: () throws -> Void) throws {
    let outcome = FirstOutcome()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        do { try first() } catch { outcome.failure = error }
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    var secondFailure: (any Error)?
    do { try second() } catch { secondFailure = error }
    done.wait()
    if let failure = outcome.failure ?? secondFailure { throw failure }
}

/// The error of the writer on the other thread, read after it signalled.
private final class FirstOutcome: @unchecked Sendable {
    // Sound: written by that thread before it signals, read by the caller after waiting.
    var failure: (any Error)?
}

private func createFolder(_ directory: URL) throws {
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw ReportError.cannotWrite(path: directory.path, reason: "cannot create the folder (\(error.localizedDescription))")
    }
}
