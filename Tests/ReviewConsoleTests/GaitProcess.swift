import Foundation
import Testing

/// The built `gait` executable, next to the test bundle (`swift build --product gait` first).
enum GaitBinary {
    static var url: URL {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gait"),
                Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("gait"),
                URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent(".build/debug/gait"),
            ]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw ProcessTestError("no gait executable next to the tests (looked at \(candidates.map(\.path).joined(separator: ", "))); run `swift build --product gait` first")
            }
            return found
        }
    }

    /// Runs gait to completion: (status, stdout, stderr).
    static func run(_ arguments: [String], input: String = "") throws -> (status: Int32, out: String, err: String) {
        let process = try GaitProcess(arguments)
        process.send(input)
        process.closeInput()
        return process.waitForExit(timeout: 60)
    }
}

struct ProcessTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A running `gait` process with piped stdin, stdout and stderr.
///
/// Started with posix_spawn over pipes marked close-on-exec, so no child inherits another
/// child's pipe ends (with several consoles at once, a leaked write end would keep a stream
/// from ever reaching end of file). A thread per stream reads it into a buffer guarded by an
/// `NSCondition`; `waitFor` blocks on the condition (no polling) until the text appears.
final class GaitProcess: @unchecked Sendable {
    // Sound as @unchecked Sendable: the buffers and `closedStreams` are only touched with
    // `condition` locked; `inputOpen` and the descriptors are used from the test's thread only.
    let pid: pid_t
    private let input: Int32
    private var inputOpen = true
    private let condition = NSCondition()
    private var stdoutText = ""
    private var stderrText = ""
    private var closedStreams = 0

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        // A console that exits while we still write must not kill the test with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let binary = try GaitBinary.url.path
        var stdinPipe: [Int32] = [0, 0], stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw ProcessTestError("cannot create pipes: errno \(errno)")
        }
        // Processes are started from one thread, so nothing forks between pipe() and this.
        for descriptor in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0, 1 and 2 clears close-on-exec there only.
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var env = ProcessInfo.processInfo.environment
        env["GAIT_DB"] = nil
        for (key, value) in environment { env[key] = value }
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = withCleanSignalAttributes { posix_spawn(&pid, binary, &actions, &$0, argv, envp) }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw ProcessTestError("cannot start \(binary): error \(spawned)")
        }
        self.pid = pid
        self.input = stdinPipe[1]
        for (descriptor, isOut) in [(stdoutPipe[0], true), (stderrPipe[0], false)] {
            Thread { [self] in drain(descriptor, isOut: isOut) }.start()
        }
    }

    private func drain(_ descriptor: Int32, isOut: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var pending = Data()
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            condition.lock()
            if count <= 0 {
                closedStreams += 1
            } else {
                pending.append(contentsOf: buffer[0..<count])
                // Keep a partial UTF-8 sequence for the next read.
                if let text = String(data: pending, encoding: .utf8) {
                    if isOut { stdoutText += text } else { stderrText += text }
                    pending.removeAll()
                }
            }
            condition.broadcast()
            condition.unlock()
            if count <= 0 { break }
        }
        close(descriptor)
    }

    /// Everything written to stdout so far.
    var stdout: String {
        condition.lock()
        defer { condition.unlock() }
        return stdoutText
    }

    /// Writes text to the process's stdin (errors ignored: the process may be gone).
    func send(_ text: String) {
        guard inputOpen else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    func closeInput() {
        guard inputOpen else { return }
        inputOpen = false
        close(input)
    }

    /// Waits until stdout, from `offset` characters on, contains `text`; returns the offset
    /// just past it, or nil at the deadline or when stdout closed without it.
    func waitFor(_ text: String, from offset: Int = 0, timeout: TimeInterval = 30) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let tail = stdoutText.dropFirst(offset)
            if let range = tail.range(of: text) {
                return stdoutText.distance(from: stdoutText.startIndex, to: range.upperBound)
            }
            if closedStreams >= 2 || !condition.wait(until: deadline) { return nil }
        }
    }

    /// SIGKILL: no cleanup of any kind in the process.
    func kill() {
        Foundation.kill(pid, SIGKILL)
    }

    /// Waits for the process to end and its output to be read (killing it at the deadline).
    ///
    /// - Returns: the exit code, or 128 + the signal that ended it, and its output.
    func waitForExit(timeout: TimeInterval) -> (status: Int32, out: String, err: String) {
        closeInput()
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while closedStreams < 2 && condition.wait(until: deadline) {}
        let finished = closedStreams >= 2
        condition.unlock()
        if !finished { kill() }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        condition.lock()
        while closedStreams < 2 { condition.wait() }
        defer { condition.unlock() }
        return (Spawn.code(status), stdoutText, stderrText)
    }
}

/// Runs a program found on PATH with posix_spawn and waits for it with waitpid.
///
/// Used for tmux: its client forks the server, which inherits the client's descriptors, and
/// Foundation's `Process` then never sees the client end. Output goes to a file for that reason.
enum Spawn {
    static func run(_ arguments: [String], outputPath: String) throws -> (status: Int32, output: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = withCleanSignalAttributes { posix_spawnp(&pid, arguments[0], &actions, &$0, argv, environ) }
        guard spawned == 0 else { throw ProcessTestError("cannot start \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (code(status), output)
    }

    /// The exit code of a waitpid status when the process exited, else 128 + its signal.
    static func code(_ status: Int32) -> Int32 {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

/// Spawn attributes that give the child an empty signal mask and default signal handlers:
/// test threads run with signals blocked (and SIGPIPE ignored here), which a child would
/// otherwise inherit (a tmux server then never notices its panes end, nor `kill-server`).
func withCleanSignalAttributes<T>(_ body: (inout posix_spawnattr_t) -> T) -> T {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return body(&attributes)
}
