import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `Generator` backed by any OpenAI-compatible server (llama.cpp's `llama-server`, Ollama, vLLM,
/// `gait model serve`) through `POST {endpoint}/v1/chat/completions`.
///
/// Each request sends `model`, `messages`, `n`, `temperature`, `top_p`, `seed` and `max_tokens`, and
/// llama.cpp's extensions `top_k`, `min_p` and `repeat_penalty` when they are set. A `.raw` input goes to
/// `/v1/completions` as `prompt` instead. Servers that ignore `n` and return fewer choices are asked one
/// candidate at a time for the rest; candidate `i` of those follow-up requests uses seed `seed + i`, so
/// they differ from each other yet stay reproducible.
///
/// Token counts: a response's `usage.completion_tokens` is exact for one choice; for several choices in
/// one response it is shared among them in proportion to their UTF-8 length (the sum stays exact). A
/// server that reports no usage gets an estimate of one token per four bytes.
///
/// The API key is sent as `Authorization: Bearer …` and is never part of a description, a dump or an
/// error message.
///
/// ```swift
/// let generator = try OpenAICompatibleGenerator(endpoint: "http://127.0.0.1:8080", modelName: "smollm2")
/// let result = try await generator.generate(GenerationRequest(input: .chat([.init(role: .user, content: "Hi")])),
///                                           onToken: nil)
/// ```
public struct OpenAICompatibleGenerator: Generator, CustomStringConvertible, CustomReflectable {
    /// `backend: "openai"`, the model name, and the endpoint.
    public let identity: ModelIdentity
    /// The server's base URL, without a trailing `/v1`.
    public let endpoint: URL
    /// Seconds one HTTP request may take before it fails with `timedOut`.
    public let timeout: Double
    /// Attempts and waits for answers that say "try again".
    public let retryPolicy: OpenAIRetryPolicy
    private let apiKey: String?
    private let session: SessionBox

    /// Creates a client for the server at `endpoint`.
    ///
    /// - Parameters:
    ///   - endpoint: `http(s)://host[:port]`, optionally ending in `/v1` as OpenAI clients write it.
    ///   - modelName: the `model` field sent, as the server names its model.
    ///   - apiKey: sent as a Bearer token; by default the environment's `GAIT_API_KEY`.
    ///   - timeout: seconds per HTTP request.
    ///   - retryPolicy: attempts and backoff for 429, 5xx and lost connections.
    /// - Throws: `OpenAIClientError.invalidEndpoint` when `endpoint` is not an http(s) URL with a host.
    public init(endpoint: String, modelName: String,
                apiKey: String? = ProcessInfo.processInfo.environment["GAIT_API_KEY"],
                timeout: Double = 600, retryPolicy: OpenAIRetryPolicy = OpenAIRetryPolicy()) throws {
        guard let url = Self.normalizedEndpoint(endpoint) else {
            throw OpenAIClientError.invalidEndpoint(endpoint)
        }
        self.endpoint = url
        self.identity = ModelIdentity(backend: "openai", name: modelName, endpoint: url.absoluteString)
        self.timeout = timeout
        self.retryPolicy = retryPolicy
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.session = SessionBox(timeout: timeout)
    }

    public var description: String {
        "OpenAICompatibleGenerator(\(identity.name) at \(endpoint.absoluteString), "
            + "API key \(apiKey == nil ? "none" : "set"))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["identity": identity, "timeout": timeout, "apiKey": apiKey == nil ? "none" : "set"])
    }

    /// Asks the server for `request.n` candidates (several requests when it returns fewer), then calls
    /// `onToken` once per candidate with its whole text.
    /// - Throws: `OpenAIClientError` naming the URL; `CancellationError` when cancelled.
    public func generate(_ request: GenerationRequest,
                         onToken: (@Sendable (Int, String) -> Void)?) async throws -> GenerationResult {
        guard request.n >= 1 else {
            throw OpenAIClientError.invalidRequest("n must be at least 1, got \(request.n)")
        }
        let start = ContinuousClock.now
        var candidates: [GeneratedCandidate] = []
        var promptTokens = 0
        var asked = request.n
        while candidates.count < request.n {
            try Task.checkCancellation()
            let index = candidates.count
            let seed = index == 0 ? request.sampling.seed : request.sampling.seed &+ UInt64(index)
            let batch = try await complete(request.input, sampling: request.sampling, n: asked, seed: seed)
            if index == 0 { promptTokens = batch.promptTokens }
            let elapsed = Self.seconds(ContinuousClock.now - start)
            for choice in batch.choices.prefix(request.n - index) {
                onToken?(candidates.count, choice.text)
                candidates.append(GeneratedCandidate(text: choice.text, tokenIDs: nil, tokenCount: choice.tokens,
                                                     finishReason: choice.finishReason, latency: elapsed))
            }
            asked = 1
        }
        return GenerationResult(candidates: candidates, promptTokens: promptTokens,
                                wallSeconds: Self.seconds(ContinuousClock.now - start))
    }

    // MARK: - One HTTP exchange

    private struct Choice {
        var text: String
        var finishReason: FinishReason
        var tokens: Int
    }

    private struct Batch {
        var choices: [Choice]
        var promptTokens: Int
    }

    private func complete(_ input: GenerationInput, sampling: SamplingParameters, n: Int,
                          seed: UInt64) async throws -> Batch {
        let wire = OpenAISampling(
            n: n, temperature: sampling.temperature, topP: sampling.topP, topK: sampling.topK,
            minP: sampling.minP, repeatPenalty: sampling.repeatPenalty, seed: seed, maxTokens: sampling.maxTokens)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        switch input {
        case .chat(let messages):
            let url = endpoint.appendingPathComponent("v1/chat/completions")
            let body = OpenAIChatCompletionRequest(
                model: identity.name,
                messages: messages.map { OpenAIMessage(role: $0.role.rawValue, content: $0.content) },
                sampling: wire)
            let data = try await post(try encoder.encode(body), to: url)
            let response: OpenAIChatCompletionResponse = try decode(data, from: url)
            var texts: [(index: Int, text: String, finish: String?)] = []
            for (position, choice) in response.choices.enumerated() {
                guard let content = choice.message.content else {
                    throw OpenAIClientError.missingField(url: url.absoluteString,
                                                         field: "choices[\(position)].message.content")
                }
                texts.append((choice.index, content, choice.finishReason))
            }
            return try batch(texts, usage: response.usage, url: url)
        case .raw(let prompt):
            let url = endpoint.appendingPathComponent("v1/completions")
            let body = OpenAICompletionRequest(model: identity.name, prompt: prompt, sampling: wire)
            let data = try await post(try encoder.encode(body), to: url)
            let response: OpenAICompletionResponse = try decode(data, from: url)
            return try batch(response.choices.map { ($0.index, $0.text, $0.finishReason) }, usage: response.usage,
                             url: url)
        }
    }

    private func batch(_ choices: [(index: Int, text: String, finish: String?)], usage: OpenAIUsage?,
                       url: URL) throws -> Batch {
        guard !choices.isEmpty else { throw OpenAIClientError.noChoices(url: url.absoluteString) }
        let ordered = choices.sorted { $0.index < $1.index }
        let lengths = ordered.map { $0.text.utf8.count }
        let tokens = usage.map { Self.share($0.completionTokens, byWeights: lengths) }
            ?? lengths.map { ($0 + 3) / 4 }
        let result = ordered.enumerated().map { position, choice in
            Choice(text: choice.text, finishReason: choice.finish == "length" ? .length : .stop,
                   tokens: tokens[position])
        }
        return Batch(choices: result, promptTokens: usage?.promptTokens ?? 0)
    }

    /// Splits `total` into integer parts proportional to `weights` (equal parts when all weights are 0),
    /// by largest remainder, so the parts add up to `total`.
    static func share(_ total: Int, byWeights weights: [Int]) -> [Int] {
        guard weights.count > 1 else { return [total] }
        let effective = weights.allSatisfy { $0 == 0 } ? weights.map { _ in 1 } : weights
        let sum = Double(effective.reduce(0, +))
        let exact = effective.map { Double(total) * Double($0) / sum }
        var parts = exact.map { Int($0.rounded(.down)) }
        let order = exact.indices.sorted { exact[$0] - Double(parts[$0]) > exact[$1] - Double(parts[$1]) }
        for position in order.prefix(total - parts.reduce(0, +)) {
            parts[position] += 1
        }
        return parts
    }

    private func decode<T: Decodable>(_ data: Data, from url: URL) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw OpenAIClientError.missingField(url: url.absoluteString,
                                                 field: (context.codingPath + [key]).openAIPath)
        } catch let DecodingError.valueNotFound(_, context) {
            throw OpenAIClientError.missingField(url: url.absoluteString, field: context.codingPath.openAIPath)
        } catch let DecodingError.typeMismatch(_, context) {
            throw badJSON(url, "wrong type at '\(context.codingPath.openAIPath)'", data)
        } catch let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.openAIPath
            throw badJSON(url, path.isEmpty ? "not JSON" : "bad value at '\(path)'", data)
        }
    }

    private func badJSON(_ url: URL, _ detail: String, _ data: Data) -> OpenAIClientError {
        .badJSON(url: url.absoluteString, detail: detail, bodyExcerpt: excerpt(data))
    }

    /// The start of a body, for messages: at most 200 characters, one line, the key redacted.
    private func excerpt(_ data: Data) -> String {
        var text = String(decoding: data.prefix(800), as: UTF8.self)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .trimmingCharacters(in: .whitespaces)
        text = redacted(text)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private func redacted(_ text: String) -> String {
        guard let apiKey else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    // MARK: - Transport with retries

    private func post(_ body: Data, to url: URL) async throws -> Data {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey {
            request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        }
        let name = url.absoluteString
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let data: Data
            let response: URLResponse
            do {
                (data, response) = try await session.session.data(for: request)
            } catch let error as URLError {
                switch error.code {
                case .cannotConnectToHost: throw OpenAIClientError.connectionRefused(url: name)
                case .cannotFindHost, .dnsLookupFailed: throw OpenAIClientError.hostNotFound(url: name)
                case .timedOut: throw OpenAIClientError.timedOut(url: name, seconds: timeout)
                case .cancelled: throw CancellationError()
                case .networkConnectionLost where attempt < retryPolicy.maxAttempts:
                    try await retryPolicy.sleep(retryPolicy.backoff(beforeRetry: attempt))
                    attempt += 1
                    continue
                default:
                    throw OpenAIClientError.transport(url: name, detail: redacted(error.localizedDescription))
                }
            }
            guard let http = response as? HTTPURLResponse else {
                throw OpenAIClientError.transport(url: name, detail: "the answer is not HTTP")
            }
            let status = http.statusCode
            if (200..<300).contains(status) { return data }
            let retryable = status == 429 || (500..<600).contains(status)
            guard retryable, attempt < retryPolicy.maxAttempts else {
                throw OpenAIClientError.httpStatus(url: name, status: status, message: errorMessage(data),
                                                   attempts: attempt)
            }
            var delay = retryPolicy.backoff(beforeRetry: attempt)
            if let header = http.value(forHTTPHeaderField: "Retry-After"),
               let asked = OpenAIRetryPolicy.retryAfterSeconds(header, now: Date()) {
                guard asked <= retryPolicy.maxDelay else {
                    throw OpenAIClientError.retryAfterTooLong(url: name, status: status, seconds: asked,
                                                              limit: retryPolicy.maxDelay)
                }
                delay = asked
            }
            try await retryPolicy.sleep(delay)
            attempt += 1
        }
    }

    /// The message of an error answer: OpenAI's `error.message` when the body has one, else the body's start.
    private func errorMessage(_ data: Data) -> String {
        if let body = try? JSONDecoder().decode(OpenAIErrorBody.self, from: data) {
            return redacted(body.error.message)
        }
        return excerpt(data)
    }

    // MARK: - Helpers

    static func normalizedEndpoint(_ text: String) -> URL? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix("/v1") { trimmed.removeLast(3) }
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil,
              let url = components.url else { return nil }
        return url
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// Owns the client's URLSession and invalidates it when the last copy of the generator goes away.
private final class SessionBox: Sendable {
    let session: URLSession

    init(timeout: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }
}
