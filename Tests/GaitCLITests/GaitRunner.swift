import Foundation
import Testing

extension Tag {
    @Tag static var slow: Tag
}

/// Runs the built `gait` executable, as a user or a CI job would.
struct GaitRunner {
    /// The executable next to the test bundle (`swift build` puts both in the same folder).
    static let executable: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("gait"),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("gait"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/gait"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs gait with `arguments` in `directory`, feeding `input` on stdin, and waits.
    static func run(_ arguments: [String], in directory: URL, input: String = "",
                    environment: [String: String] = [:]) throws -> Result {
        let process = try start(arguments, in: directory, environment: environment)
        process.stdin.fileHandleForWriting.write(Data(input.utf8))
        try process.stdin.fileHandleForWriting.close()
        return process.wait()
    }

    /// A running gait process with its pipes.
    final class Running: @unchecked Sendable {
        let process = Process()
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        private let output = OutputCollector()

        /// Waits for the process to end and returns what it printed.
        func wait() -> Result {
            process.waitUntilExit()
            let (out, err) = output.finish()
            return Result(status: process.terminationStatus, stdout: out, stderr: err)
        }

        /// Standard output so far.
        var stdoutSoFar: String { output.stdoutSoFar }

        fileprivate func collect() { output.attach(stdout: stdout, stderr: stderr) }
    }

    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Running {
        let running = Running()
        running.process.executableURL = executable
        running.process.arguments = arguments
        running.process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "GAIT_DB")
        for (key, value) in environment { env[key] = value }
        running.process.environment = env
        running.process.standardInput = running.stdin
        running.process.standardOutput = running.stdout
        running.process.standardError = running.stderr
        running.collect()
        try running.process.run()
        return running
    }
}

/// Reads both pipes as the process writes, so a chatty process never blocks on a full pipe.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let group = DispatchGroup()

    func attach(stdout: Pipe, stderr: Pipe) {
        for (pipe, isOut) in [(stdout, true), (stderr, false)] {
            group.enter()
            DispatchQueue.global().async { [self] in
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.lock()
                    if isOut { out.append(chunk) } else { err.append(chunk) }
                    lock.unlock()
                }
                group.leave()
            }
        }
    }

    var stdoutSoFar: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: out, as: UTF8.self)
    }

    func finish() -> (String, String) {
        group.wait()
        lock.lock()
        defer { lock.unlock() }
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// A fresh temporary folder for one test.
final class Scratch: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
