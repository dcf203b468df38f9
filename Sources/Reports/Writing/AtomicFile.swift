import Foundation

/// Writes a file by writing a temporary sibling and renaming it over the destination, so that readers
/// see the old file or the complete new one, never a part; when writing or checking fails, the
/// temporary file is removed and nothing is left.
enum AtomicFile {
    /// Calls `write` with a temporary path in `url`'s folder, then `check` on it, then renames it to `url`.
    ///
    /// - Throws: whatever `write` or `check` throw, or ``ReportError/cannotWrite(path:reason:)``.
    static func write(to url: URL, _ write: (_ temporaryPath: String) throws -> Void,
                      check: (_ temporaryPath: String) throws -> Void = { _ in }) throws {
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ReportError.cannotWrite(path: url.path, reason: "the folder \(folder) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).tmp").path
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        try write(temporary)
        try check(temporary)
        guard rename(temporary, url.path) == 0 else {
            throw ReportError.cannotWrite(path: url.path, reason: String(cString: strerror(errno)))
        }
        renamed = true
    }
}
