import Foundation
import Inference
import ModelServer
import Synchronization

/// Runs `handler` on an ephemeral loopback port for the duration of `body`, then shuts down and
/// waits for the server to finish.
func withHTTPServer<T: Sendable>(limits: HTTPServer.Limits = HTTPServer.Limits(),
                                 handler: @escaping HTTPServer.Handler,
                                 _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let server = try HTTPServer(host: "127.0.0.1", port: 0, limits: limits, handler: handler)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await server.run() }
        do {
            let value = try await body(server.port)
            server.shutdown()
            try await group.waitForAll()
            return value
        } catch {
            server.shutdown()
            try await group.waitForAll()
            throw error
        }
    }
}

/// Serves `generator` through `ModelServer` on an ephemeral loopback port.
func withModelServer<T: Sendable>(_ generator: any Generator = FakeGenerator(),
                                  configuration: ModelServer.Configuration = testConfiguration(),
                                  limits: HTTPServer.Limits = HTTPServer.Limits(),
                                  _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let api = try ModelServer(generator: generator, configuration: configuration)
    return try await withHTTPServer(limits: limits, handler: api.respond, body)
}

/// Context 64 tokens, prompt tokens counted as the fake generator does, a fixed clock and seed.
func testConfiguration(contextLength: Int = 64, maxQueuedRequests: Int = 64) -> ModelServer.Configuration {
    ModelServer.Configuration(contextLength: contextLength, countTokens: FakeGenerator.countTokens,
                              maxCandidates: 8, defaultMaxTokens: 32, maxQueuedRequests: maxQueuedRequests,
                              now: { Date(timeIntervalSince1970: 1_700_000_000) }, randomSeed: { 4242 })
}

/// A client for `port` that retries without sleeping and records the waits it would have made.
func testClient(port: Int, apiKey: String? = nil, timeout: Double = 300, maxAttempts: Int = 4,
                waits: WaitLog = WaitLog()) throws -> OpenAICompatibleGenerator {
    try OpenAICompatibleGenerator(
        endpoint: "http://127.0.0.1:\(port)", modelName: "fake-model", apiKey: apiKey, timeout: timeout,
        retryPolicy: OpenAIRetryPolicy(maxAttempts: maxAttempts, initialDelay: 0.5, maxDelay: 60,
                                       sleep: { waits.append($0) }))
}

/// The delays a retry policy asked for.
final class WaitLog: Sendable {
    private let log = Mutex<[Double]>([])
    func append(_ seconds: Double) { log.withLock { $0.append(seconds) } }
    var delays: [Double] { log.withLock { $0 } }
}

/// A counter shared by a scripted handler's calls.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// Increments and returns the new value.
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

/// A JSON response with the given body text, for scripted servers.
func rawJSON(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> HTTPResponse {
    HTTPResponse(status: status, headers: HTTPHeaders(headers + [("Content-Type", "application/json")]),
                 body: .bytes(Array(text.utf8)))
}

func chat(_ text: String, n: Int = 1, seed: UInt64 = 7, maxTokens: Int = 32,
          temperature: Double = 0.7) -> GenerationRequest {
    GenerationRequest(input: .chat([ChatMessage(role: .user, content: text)]), n: n,
                      sampling: SamplingParameters(temperature: temperature, seed: seed, maxTokens: maxTokens))
}
