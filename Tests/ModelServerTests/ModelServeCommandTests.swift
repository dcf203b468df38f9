import Foundation
import Inference
import ModelServer
import Testing

/// `gait model serve` as a user runs it: the built executable, a free port, Ctrl-C to stop.
@Suite("gait model serve", .tags(.slow))
struct ModelServeCommandTests {
    /// The `gait` executable built next to this test bundle.
    static func gaitExecutable() throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("gait") }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                            "no gait executable next to \(directory.path); run swift build first")
    }

    /// A running `gait` process with its output pipes.
    struct Running {
        let process: Process
        let output: Pipe
        let errors: Pipe

        /// The first line the process prints on stdout (read on a thread of its own).
        func firstLine() async -> String {
            await withCheckedContinuation { continuation in
                let handle = output.fileHandleForReading
                Thread {
                    var bytes: [UInt8] = []
                    while true {
                        let chunk = handle.availableData
                        if chunk.isEmpty { break }
                        bytes += chunk
                        if bytes.contains(10) { break }
                    }
                    let text = String(decoding: bytes, as: UTF8.self)
                    continuation.resume(returning: String(text.prefix { $0 != "\n" }))
                }.start()
            }
        }

        /// Waits for the exit; returns the status and everything written to stderr.
        func finish() async -> (Int32, String) {
            await withCheckedContinuation { continuation in
                Thread {
                    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, errorText))
                }.start()
            }
        }
    }

    /// Runs `gait` to the end; returns the status, stdout and stderr.
    static func gait(_ arguments: [String]) async throws -> (Int32, String, String) {
        let running = try start(arguments)
        return await withCheckedContinuation { continuation in
            Thread {
                let output = String(decoding: running.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let errors = String(decoding: running.errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                running.process.waitUntilExit()
                continuation.resume(returning: (running.process.terminationStatus, output, errors))
            }.start()
        }
    }

    static func start(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = try gaitExecutable()
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return Running(process: process, output: output, errors: errors)
    }

    @Test func servesTheEmbeddedModelUntilInterrupted() async throws {
        let running = try Self.start(["model", "serve", "--port", "0", "--threads", "2"])
        let line = await running.firstLine()
        let address = try #require(line.firstRange(of: /http:\/\/127\.0\.0\.1:(\d+)\/v1/), "unexpected first line: \(line)")
        let port = try #require(Int(line[address].split(separator: ":").last?.split(separator: "/").first ?? ""))
        #expect(line.hasPrefix("Serving "))
        #expect(line.hasSuffix(" (Ctrl-C stops)"))
        let models = try await rawHTTP(port: port, method: "GET", path: "/v1/models")
        let name = try #require(try models.json(OpenAIModelList.self).data.first?.id)
        let client = try OpenAICompatibleGenerator(endpoint: "http://127.0.0.1:\(port)/v1", modelName: name, apiKey: nil)
        let result = try await client.generate(chat("Say hello.", n: 2, seed: 3, maxTokens: 8), onToken: nil)
        #expect(result.candidates.count == 2)
        #expect(result.candidates.allSatisfy { !$0.text.isEmpty && $0.tokenCount > 0 })
        running.process.interrupt()
        let (status, errors) = await running.finish()
        #expect(status == 0)
        #expect(errors == "Stopped.\n")
    }

    /// The issue's end-to-end path: `gait generate --endpoint` against `gait model serve`.
    @Test func gaitGenerateRunsAgainstGaitModelServe() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gait-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("gait.sqlite").path
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data((#"{"id": "sky", "prompt": "What colour is the sky?"}"# + "\n"
            + #"{"id": "tea", "prompt": "How do I make tea?"}"# + "\n").utf8).write(to: prompts)
        #expect(try await Self.gait(["init", "--db", db]).0 == 0)
        #expect(try await Self.gait(["prompts", "import", prompts.path, "--set", "e2e", "--db", db]).0 == 0)

        let server = try Self.start(["model", "serve", "--port", "0", "--threads", "2"])
        let line = await server.firstLine()
        let match = try #require(line.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)\/v1/), "unexpected first line: \(line)")
        let endpoint = "http://127.0.0.1:\(match.1)"
        let models = try await rawHTTP(port: try #require(Int(match.1)), method: "GET", path: "/v1/models")
        let name = try #require(try models.json(OpenAIModelList.self).data.first?.id)
        let (status, _, errors) = try await Self.gait([
            "generate", "--db", db, "--set", "e2e", "--stage", "crawl", "--rubric", "helpfulness", "-n", "2",
            "--seed", "5", "--max-tokens", "12", "--endpoint", endpoint, "--model-name", name,
        ])
        server.process.interrupt()
        let (serverStatus, _) = await server.finish()
        #expect(status == 0, "gait generate failed: \(errors)")
        #expect(serverStatus == 0)

        struct Run: Decodable {
            var backend: String
            var model: String
            var endpoint: String?
            var candidates: Int
            var items: Int
            var tokens_out: Int
        }
        let (showStatus, shown, _) = try await Self.gait(["runs", "show", "1", "--db", db, "--format", "json"])
        #expect(showStatus == 0)
        let run = try JSONDecoder().decode(Run.self, from: Data(shown.utf8))
        #expect(run.backend == "openai")
        #expect(run.model == name)
        #expect(run.endpoint == endpoint)
        #expect(run.candidates == 4)
        #expect(run.items == 4)
        #expect(run.tokens_out > 0)
    }

    @Test func refusesABusyPort() async throws {
        let holder = try HTTPServer(host: "127.0.0.1", port: 0) { _ in HTTPResponse(status: 204) }
        defer { holder.shutdown() }
        let running = try Self.start(["model", "serve", "--port", String(holder.port)])
        let (status, errors) = await running.finish()
        #expect(status == 1)
        #expect(errors.hasSuffix("Error: Cannot listen on 127.0.0.1:\(holder.port): Address already in use\n"
            + "Hint: choose another --port, or stop the process that uses it.\n"))
    }

    @Test func refusesAnUnknownHost() async throws {
        let running = try Self.start(["model", "serve", "--host", "no-such-host.invalid", "--port", "0"])
        let (status, errors) = await running.finish()
        #expect(status == 1)
        #expect(errors.contains("Error: Cannot listen on no-such-host.invalid:0: "))
        #expect(errors.hasSuffix("Hint: give --host as an address of this machine, such as 127.0.0.1 or 0.0.0.0.\n"))
    }

    @Test(arguments: [(["--port", "70000"], "--port must be in 0...65535, not 70000"),
                      (["--max-n", "0"], "--max-n must be between 1 and 64, not 0"),
                      (["--max-queued=-1"], "--max-queued must be 0 or more, not -1")])
    func refusesBadOptions(_ options: [String], _ message: String) async throws {
        let running = try Self.start(["model", "serve"] + options)
        let (status, errors) = await running.finish()
        #expect(status == 64)
        #expect(errors.contains("Error: \(message)"))
    }

    @Test func refusesAMissingModelFile() async throws {
        let running = try Self.start(["model", "serve", "--model", "/nonexistent/model.gguf"])
        let (status, errors) = await running.finish()
        #expect(status == 65)
        #expect(errors == "Error: no model file at /nonexistent/model.gguf\n"
            + "Hint: give a GGUF file with --model, or leave it out for the embedded model.\n")
    }
}
