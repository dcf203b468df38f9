import ArgumentParser
import Dispatch
import Foundation
import GaitStore
import Inference
import ModelServer

/// `gait model serve`: the local model behind an OpenAI-compatible HTTP API.
struct ModelServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the local model through an OpenAI-compatible HTTP API.",
        discussion: """
            Endpoints: GET /v1/models, POST /v1/chat/completions and POST /v1/completions (with n and \
            stream: true), GET /health. Requests wait for the model in arrival order. Point \
            `gait generate --endpoint http://HOST:PORT --model-name NAME` or any OpenAI client at it. \
            Ctrl-C stops accepting requests, lets those in progress finish, and exits.
            """)

    @Option(help: "The address to listen on; 0.0.0.0 accepts other machines.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one (printed).")
    var port = 8080

    @Option(name: .customLong("model"), help: "A GGUF file (default: the embedded model, fetched if missing).")
    var modelPath: String?

    @Option(help: "Threads for the numeric kernels (default: the number of cores).")
    var threads: Int?

    @Option(name: .customLong("max-queued"), help: "Requests that may wait for the model; more get HTTP 503.")
    var maxQueued = 64

    @Option(name: .customLong("max-n"), help: "The most candidates one request may ask for.")
    var maxN = 16

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535, not \(port)") }
        guard maxQueued >= 0 else { throw ValidationError("--max-queued must be 0 or more, not \(maxQueued)") }
        guard (1...64).contains(maxN) else { throw ValidationError("--max-n must be between 1 and 64, not \(maxN)") }
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256, not \(threads)")
        }
    }

    func run() async throws {
        let server: HTTPServer
        let name: String
        do {
            // Bind before loading (or fetching) the model, so a port in use is reported at once.
            let listener = try HTTPListener(host: host, port: port)
            let model = try ServedModel.load(path: modelPath, threads: threads)
            let api = try ModelServer(generator: model.generator, configuration: ModelServer.Configuration(
                contextLength: model.contextLength, countTokens: model.countTokens, maxCandidates: maxN,
                maxQueuedRequests: maxQueued))
            server = try HTTPServer(listener: listener, handler: api.respond)
            name = api.modelName
        } catch let error as ModelServerError {
            let hint = switch error {
            case .listenFailed: "choose another --port, or stop the process that uses it."
            case .invalidAddress: "give --host as an address of this machine, such as 127.0.0.1 or 0.0.0.0."
            case .invalidConfiguration: "check --max-n and --max-queued."
            }
            Self.diagnose("Error: \(error)\nHint: \(hint)")
            throw ExitCode(1)
        } catch let error as StoreError {
            Self.diagnose("Error: \(error)\nHint: give a GGUF file with --model, or leave it out for the embedded model.")
            throw ExitCode(65)
        } catch {
            throw modelExitCode(for: error)
        }
        // Writes to a vanished client must fail, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let stops = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { server.shutdown() }
            source.resume()
            return source
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        // Unbuffered, so a script waiting for this line sees it at once.
        FileHandle.standardOutput.write(Data("Serving \(name) at http://\(shownHost):\(server.port)/v1 (Ctrl-C stops)\n".utf8))
        await server.run()
        stops.forEach { $0.cancel() }
        Self.diagnose("Stopped.")
    }

    private static func diagnose(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// The model `gait model serve` serves, with what the server must know about it.
struct ServedModel {
    var generator: any Generator
    /// Prompt plus completion tokens the model can attend to.
    var contextLength: Int
    /// Tokens of an input after the chat template, for refusing requests beyond the context.
    var countTokens: @Sendable (GenerationInput) throws -> Int

    /// Loads the GGUF at `path`, or the embedded default model (fetched when missing, saying so on stderr).
    static func load(path: String?, threads: Int?) throws -> ServedModel {
        let generator = try GeneratorFactory.localEngine(path: path, threads: threads)
        let model = generator.engine.model
        return ServedModel(generator: generator, contextLength: model.config.contextLength,
                           countTokens: { input in try model.promptTokens(for: input).count })
    }
}
