import Foundation
import Inference

/// Serves a `Generator` through the OpenAI-compatible API, so other machines (raters, `gait generate
/// --endpoint`, any OpenAI client) can use one model.
///
/// Endpoints: `GET /v1/models`, `POST /v1/chat/completions` and `POST /v1/completions` (both with `n`
/// and `stream: true` as server-sent events ending in `data: [DONE]`), and `GET /health`. Parameters
/// are OpenAI's plus llama.cpp's `top_k`, `min_p` and `repeat_penalty`; a bad parameter, bad JSON or a
/// request beyond the context length gets a 400 with OpenAI's error body. Requests wait in a
/// first-come first-served queue for the generator (`maxConcurrentGenerations` at a time); when
/// `maxQueuedRequests` already wait, a request gets a 503 with `Retry-After`.
///
/// Defaults where a request leaves a parameter out: `temperature` 1 and `top_p` 1 (OpenAI's), `n` 1,
/// `max_tokens` the smaller of `defaultMaxTokens` and the context left after the prompt, and a random
/// seed (`seed: -1` asks for one too, as llama.cpp clients do). The `model` field is not checked: this
/// server has one model.
///
/// ```swift
/// let api = try ModelServer(generator: generator, configuration: .init(contextLength: 8192))
/// let server = try HTTPServer(host: "127.0.0.1", port: 8080, handler: api.respond)
/// await server.run()
/// ```
public struct ModelServer: Sendable {
    /// What the server needs besides the generator.
    public struct Configuration: Sendable {
        /// The model's context length in tokens: prompt plus completion must fit.
        public var contextLength: Int
        /// Counts the tokens of an input as the generator will see it (chat template applied); when
        /// nil, only `max_tokens` is checked against the context length.
        public var countTokens: (@Sendable (GenerationInput) throws -> Int)?
        /// The largest `n` accepted.
        public var maxCandidates: Int
        /// `max_tokens` when a request does not set it (capped by the context left).
        public var defaultMaxTokens: Int
        /// Requests generating at the same time.
        public var maxConcurrentGenerations: Int
        /// Requests that may wait for the generator; more get a 503.
        public var maxQueuedRequests: Int
        /// The clock for `created` fields.
        public var now: @Sendable () -> Date
        /// The seed of a request that sets none.
        public var randomSeed: @Sendable () -> UInt64

        /// A configuration; only the context length has no default.
        public init(contextLength: Int, countTokens: (@Sendable (GenerationInput) throws -> Int)? = nil,
                    maxCandidates: Int = 16, defaultMaxTokens: Int = 256, maxConcurrentGenerations: Int = 1,
                    maxQueuedRequests: Int = 64, now: @escaping @Sendable () -> Date = { Date() },
                    randomSeed: @escaping @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) }) {
            self.contextLength = contextLength
            self.countTokens = countTokens
            self.maxCandidates = maxCandidates
            self.defaultMaxTokens = defaultMaxTokens
            self.maxConcurrentGenerations = maxConcurrentGenerations
            self.maxQueuedRequests = maxQueuedRequests
            self.now = now
            self.randomSeed = randomSeed
        }
    }

    /// The generator requests go to.
    public let generator: any Generator
    /// Limits and defaults.
    public let configuration: Configuration
    let queue: GenerationQueue

    /// - Throws: `ModelServerError.invalidConfiguration` for a context length, candidate limit, token
    ///   default or queue size below 1 (the queue size may be 0).
    public init(generator: any Generator, configuration: Configuration) throws {
        let checks: [(String, Int, Int)] = [
            ("contextLength", configuration.contextLength, 1),
            ("maxCandidates", configuration.maxCandidates, 1),
            ("defaultMaxTokens", configuration.defaultMaxTokens, 1),
            ("maxConcurrentGenerations", configuration.maxConcurrentGenerations, 1),
            ("maxQueuedRequests", configuration.maxQueuedRequests, 0),
        ]
        for (name, value, minimum) in checks where value < minimum {
            throw ModelServerError.invalidConfiguration("\(name) must be at least \(minimum), got \(value)")
        }
        self.generator = generator
        self.configuration = configuration
        self.queue = GenerationQueue(concurrency: configuration.maxConcurrentGenerations,
                                     maxWaiting: configuration.maxQueuedRequests)
    }

    /// The model name the API reports.
    public var modelName: String { generator.identity.name }

    /// Answers one HTTP request; pass it as an `HTTPServer` handler.
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let routes: [String: String] = [
            "/v1/models": "GET", "/health": "GET",
            "/v1/chat/completions": "POST", "/v1/completions": "POST",
        ]
        let path = request.path
        guard let method = routes[path] else {
            return APIError(status: 404, message: "Unknown request URL: \(request.method) \(Self.clip(path))",
                            type: "invalid_request_error", param: nil, code: "unknown_url").response
        }
        guard request.method == method else {
            var response = APIError(status: 405,
                                    message: "Method \(Self.clip(request.method)) is not allowed for \(path); use \(method)",
                                    type: "invalid_request_error", param: nil, code: "method_not_allowed").response
            response.headers.add("Allow", method)
            return response
        }
        do {
            switch path {
            case "/v1/models":
                return .json(OpenAIModelList(data: [.init(id: modelName, created: created(), ownedBy: "gait")]))
            case "/health":
                let load = queue.load
                return .json(Health(status: "ok", generating: load.running, waiting: load.waiting))
            case "/v1/chat/completions":
                return try await chatCompletion(request.body)
            default:
                return try await completion(request.body)
            }
        } catch let error as APIError {
            return error.response
        } catch {
            return APIError(status: 500, message: "Internal error: \(error)", type: "server_error",
                            param: nil, code: nil).response
        }
    }

    private struct Health: Encodable {
        var status: String
        var generating: Int
        var waiting: Int
    }

    // MARK: - Endpoints

    private func chatCompletion(_ body: [UInt8]) async throws -> HTTPResponse {
        let wire: OpenAIChatCompletionRequest = try decode(body)
        let request = try generationRequest(chat: wire)
        let id = "chatcmpl-" + Self.randomID()
        if wire.stream == true {
            let ticket = try await admit()
            return stream(request, ticket: ticket, format: .chat(id: id, created: created(), model: modelName),
                          includeUsage: wire.includeUsage == true)
        }
        let (result, created) = try await generate(request)
        let choices = result.candidates.enumerated().map { index, candidate in
            OpenAIChatCompletionResponse.Choice(index: index,
                                                message: OpenAIMessage(role: "assistant", content: candidate.text),
                                                finishReason: candidate.finishReason.rawValue)
        }
        return .json(OpenAIChatCompletionResponse(id: id, created: created, model: modelName, choices: choices,
                                                  usage: Self.usage(result)))
    }

    private func completion(_ body: [UInt8]) async throws -> HTTPResponse {
        let wire: OpenAICompletionRequest = try decode(body)
        let request = try generationRequest(completion: wire)
        let id = "cmpl-" + Self.randomID()
        if wire.stream == true {
            let ticket = try await admit()
            return stream(request, ticket: ticket, format: .completion(id: id, created: created(), model: modelName),
                          includeUsage: wire.includeUsage == true)
        }
        let (result, created) = try await generate(request)
        let choices = result.candidates.enumerated().map { index, candidate in
            OpenAICompletionResponse.Choice(index: index, text: candidate.text,
                                            finishReason: candidate.finishReason.rawValue)
        }
        return .json(OpenAICompletionResponse(id: id, created: created, model: modelName, choices: choices,
                                              usage: Self.usage(result)))
    }

    // MARK: - Generation

    /// Waits for the generator; a full queue is a 503 the client may retry.
    func admit() async throws -> GenerationQueue.Ticket {
        do {
            return try await queue.enter()
        } catch let full as GenerationQueue.Full {
            var error = APIError(status: 503,
                                 message: "The server is busy: \(full.waiting) requests are waiting for the model; retry later",
                                 type: "server_error", param: nil, code: "server_busy")
            error.retryAfter = 1
            throw error
        }
    }

    private func generate(_ request: GenerationRequest) async throws -> (GenerationResult, Int) {
        let ticket = try await admit()
        defer { withExtendedLifetime(ticket) {} }
        do {
            let result = try await generator.generate(request, onToken: nil)
            return (result, created())
        } catch {
            throw Self.generationFailure(error)
        }
    }

    static func generationFailure(_ error: any Error) -> APIError {
        if case InferenceError.invalidRequest(let detail) = error {
            return .invalid("The model refused the request: \(detail)", code: "invalid_request")
        }
        if error is CancellationError {
            return APIError(status: 503, message: "The request was cancelled before it completed",
                            type: "server_error", param: nil, code: "cancelled")
        }
        return APIError(status: 500, message: "Generation failed: \(error)", type: "server_error", param: nil,
                        code: nil)
    }

    func created() -> Int {
        Int(configuration.now().timeIntervalSince1970)
    }

    private static func usage(_ result: GenerationResult) -> OpenAIUsage {
        OpenAIUsage(promptTokens: result.promptTokens,
                    completionTokens: result.candidates.reduce(0) { $0 + $1.tokenCount })
    }

    private static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(UInt8.random(in: 0..<36, using: &generator), radix: 36) }.joined()
    }

    static func clip(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
