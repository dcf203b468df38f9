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
        try writeXML(to: files[0])
        try writeHTML(to: files[1])
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
        try writeXML(to: files[0])
        try writeHTML(to: files[1])
        return files
    }
}

private func createFolder(_ directory: URL) throws {
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw ReportError.cannotWrite(path: directory.path, reason: "cannot create the folder (\(error.localizedDescription))")
    }
}
