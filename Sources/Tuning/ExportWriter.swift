import Foundation
import Kernels

/// Writes an export folder all at once: into a hidden temporary folder next to the target, then renamed
/// into place, so a failure leaves no half-written export behind.
public enum ExportWriter {
    /// Refuses a target that is a file or a folder with anything in it.
    public static func checkTarget(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw TuningError.outputIsFile(path: directory.path) }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        if !contents.isEmpty { throw TuningError.outputNotEmpty(path: directory.path) }
    }

    /// Writes `files`, then `manifest.json` made from their hashes, then renames the folder into place.
    ///
    /// - Parameter manifest: builds the manifest text from each file's SHA-256 (hex, by file name).
    /// - Returns: the manifest's SHA-256.
    public static func write(_ files: [ExportFile], manifest: ([String: String]) -> String, to directory: URL) throws -> String {
        try checkTarget(directory)
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw TuningError.io(path: parent.path, detail: "cannot create the folder (\(error.localizedDescription))")
        }
        let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
            var hashes: [String: String] = [:]
            for file in files {
                let data = Data(file.text.utf8)
                try data.write(to: temporary.appendingPathComponent(file.name), options: .withoutOverwriting)
                hashes[file.name] = SHA256.hexHash(data)
            }
            let manifestData = Data(manifest(hashes).utf8)
            try manifestData.write(to: temporary.appendingPathComponent("manifest.json"), options: .withoutOverwriting)
            // The target may have appeared, or been an empty folder: check again just before the rename.
            try checkTarget(directory)
            if fileManager.fileExists(atPath: directory.path) { try fileManager.removeItem(at: directory) }
            try fileManager.moveItem(at: temporary, to: directory)
            return SHA256.hexHash(manifestData)
        } catch let error as TuningError {
            try? fileManager.removeItem(at: temporary)
            throw error
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw TuningError.io(path: directory.path, detail: error.localizedDescription)
        }
    }
}
