import Foundation
@testable import Inference
import ModelServer
import Synchronization
import Testing

@Suite("OpenAICompatibleGenerator against ModelServer and scripted servers")
struct OpenAICompatibleGeneratorTests {
    @Test func generatesNCandidatesThroughTheServer() async throws {
        let generator = FakeGenerator()
        let (result, identity) = try await withModelServer(generator) { port in
            let client = try testClient(port: port)
            return (try await client.generate(chat("hi you", n: 3, seed: 7), onToken: nil), client.identity)
        }
        #expect(result.candidates.map(\.text) == (0..<3).map { "echo: hi you #\($0) seed 7" })
        #expect(result.candidates.map(\.tokenCount) == [6, 6, 6])
        #expect(result.candidates.allSatisfy { $0.finishReason == .stop && $0.tokenIDs == nil })
        #expect(result.promptTokens == 2)
        #expect(identity.backend == "openai")
        #expect(identity.name == "fake-model")
        #expect(identity.endpoint?.hasPrefix("http://127.0.0.1:") == true)
        #expect(generator.record.requests.count == 1)
        #expect(generator.record.requests.first?.n == 3)
    }

    @Test func sendsEverySamplingParameter() async throws {
        let generator = FakeGenerator()
        let sampling = SamplingParameters(temperature: 0.3, topK: 20, topP: 0.9, minP: 0.05, repeatPenalty: 1.1,
                                          seed: 123, maxTokens: 3)
        let result = try await withModelServer(generator) { port in
            try await testClient(port: port).generate(
                GenerationRequest(input: .chat([ChatMessage(role: .user, content: "x")]), n: 1, sampling: sampling),
                onToken: nil)
        }
        #expect(generator.record.requests.first?.sampling == sampling)
        #expect(result.candidates.map(\.finishReason) == [.length])
        #expect(result.candidates.map(\.text) == ["echo: x #0"])
    }

    @Test func rawInputUsesTextCompletionsAndReportsEachCandidate() async throws {
        let pieces = Mutex<[String]>([])
        let result = try await withModelServer { port in
            try await testClient(port: port).generate(
                GenerationRequest(input: .raw("<|im_start|>user"), n: 2, sampling: SamplingParameters(seed: 5, maxTokens: 32)),
                onToken: { index, text in pieces.withLock { $0.append("\(index): \(text)") } })
        }
        #expect(result.candidates.map(\.text) == ["echo: <|im_start|>user #0 seed 5", "echo: <|im_start|>user #1 seed 5"])
        #expect(pieces.withLock { $0 } == ["0: echo: <|im_start|>user #0 seed 5", "1: echo: <|im_start|>user #1 seed 5"])
    }

    @Test func sixteenConcurrentRequestsAreQueuedAndAllAnswered() async throws {
        var fake = FakeGenerator()
        fake.delay = .milliseconds(1)
        let generator = fake
        let results = try await withModelServer(generator) { port in
            let client = try testClient(port: port)
            return try await withThrowingTaskGroup(of: (Int, GenerationResult).self) { group in
                for index in 0..<16 {
                    group.addTask { (index, try await client.generate(chat("q\(index)", n: 2, seed: UInt64(index)), onToken: nil)) }
                }
                return try await group.reduce(into: [Int: GenerationResult]()) { $0[$1.0] = $1.1 }
            }
        }
        #expect(results.count == 16)
        for (index, result) in results {
            #expect(result.candidates.map(\.text) == ["echo: q\(index) #0 seed \(index)", "echo: q\(index) #1 seed \(index)"])
        }
        #expect(generator.record.requests.count == 16)
        #expect(generator.record.maxRunning == 1)
    }

    @Test func retriesOn429And5xxHonouringRetryAfter() async throws {
        let calls = Counter()
        let waits = WaitLog()
        let api = try ModelServer(generator: FakeGenerator(), configuration: testConfiguration())
        let result = try await withHTTPServer(handler: { request in
            switch calls.next() {
            case 1: rawJSON(#"{"error": {"message": "slow down"}}"#, status: 429, headers: [("Retry-After", "3")])
            case 2: rawJSON("oops", status: 502)
            default: await api.respond(to: request)
            }
        }) { port in
            try await testClient(port: port, waits: waits).generate(chat("hi"), onToken: nil)
        }
        #expect(result.candidates.map(\.text) == ["echo: hi #0 seed 7"])
        #expect(calls.count == 3)
        #expect(waits.delays == [3, 1])
    }

    @Test func givesUpAfterMaxAttemptsNamingURLAndStatus() async throws {
        let waits = WaitLog()
        let (error, url) = try await withHTTPServer(handler: { _ in
            rawJSON(#"{"error": {"message": "overloaded", "type": "server_error"}}"#, status: 503)
        }) { port in
            let error = await #expect(throws: OpenAIClientError.self) {
                try await testClient(port: port, waits: waits).generate(chat("hi"), onToken: nil)
            }
            return (error, "http://127.0.0.1:\(port)/v1/chat/completions")
        }
        #expect(error?.description == "POST \(url) failed with HTTP 503 after 4 attempts: overloaded")
        #expect(waits.delays == [0.5, 1, 2])
    }

    @Test func doesNotRetryABadRequest() async throws {
        let waits = WaitLog()
        let (error, url) = try await withModelServer { port in
            let error = await #expect(throws: OpenAIClientError.self) {
                try await testClient(port: port, waits: waits).generate(chat("hi", n: 9), onToken: nil)
            }
            return (error, "http://127.0.0.1:\(port)/v1/chat/completions")
        }
        #expect(error?.description
            == "POST \(url) failed with HTTP 400: Invalid value for 'n': 9; expected an integer from 1 to 8")
        #expect(waits.delays.isEmpty)
    }

    @Test func refusesARetryAfterLongerThanItsLimit() async throws {
        let (error, url) = try await withHTTPServer(handler: { _ in
            rawJSON("{}", status: 429, headers: [("Retry-After", "3600")])
        }) { port in
            let error = await #expect(throws: OpenAIClientError.self) {
                try await testClient(port: port).generate(chat("hi"), onToken: nil)
            }
            return (error, "http://127.0.0.1:\(port)/v1/chat/completions")
        }
        #expect(error?.description
            == "POST \(url) got HTTP 429 asking to retry after 3600 s, longer than the 60 s this client waits")
    }

    @Test func aRefusedConnectionSaysSo() async throws {
        // A port that was just free: bind it, read it, release it.
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in HTTPResponse(status: 204) }
        let port = server.port
        server.shutdown()
        let error = await #expect(throws: OpenAIClientError.self) {
            try await testClient(port: port).generate(chat("hi"), onToken: nil)
        }
        #expect(error?.description == "Could not connect to http://127.0.0.1:\(port)/v1/chat/completions: "
            + "connection refused (is the server running and listening there?)")
    }

    @Test func badJSONIsReportedWithTheBodysStart() async throws {
        let (error, url) = try await withHTTPServer(handler: { _ in rawJSON("<html>Bad gateway</html>") }) { port in
            let error = await #expect(throws: OpenAIClientError.self) {
                try await testClient(port: port).generate(chat("hi"), onToken: nil)
            }
            return (error, "http://127.0.0.1:\(port)/v1/chat/completions")
        }
        #expect(error?.description
            == "POST \(url) returned a body that is not the expected JSON (not JSON): <html>Bad gateway</html>")
    }

    @Test(arguments: [
        (#"{"object": "chat.completion"}"#, "returned a response without 'choices'"),
        (#"{"choices": [{"index": 0, "message": {"role": "assistant"}, "finish_reason": "stop"}]}"#,
         "returned a response without 'choices[0].message.content'"),
        (#"{"choices": [{"message": {"role": "assistant", "content": "x"}}]}"#,
         "returned a response without 'choices[0].index'"),
        (#"{"choices": []}"#, "returned no choices"),
        (#"{"choices": [{"index": "zero", "message": {"role": "assistant", "content": "x"}}]}"#,
         "returned a body that is not the expected JSON (wrong type at 'choices[0].index'): "
            + #"{"choices": [{"index": "zero", "message": {"role": "assistant", "content": "x"}}]}"#),
    ])
    func incompleteResponsesNameTheMissingField(_ body: String, _ message: String) async throws {
        let (error, url) = try await withHTTPServer(handler: { _ in rawJSON(body) }) { port in
            let error = await #expect(throws: OpenAIClientError.self) {
                try await testClient(port: port).generate(chat("hi"), onToken: nil)
            }
            return (error, "http://127.0.0.1:\(port)/v1/chat/completions")
        }
        #expect(error?.description == "POST \(url) \(message)")
    }

    @Test func aServerThatIgnoresNIsAskedOneAtATime() async throws {
        let seen = Mutex<[OpenAIChatCompletionRequest]>([])
        let result = try await withHTTPServer(handler: { request in
            guard let body = try? JSONDecoder().decode(OpenAIChatCompletionRequest.self, from: Data(request.body)) else {
                return rawJSON("{}", status: 400)
            }
            seen.withLock { $0.append(body) }
            let seed = body.sampling.seed ?? 0
            return .json(OpenAIChatCompletionResponse(
                id: "x", created: 0, model: "m",
                choices: [.init(index: 0, message: OpenAIMessage(role: "assistant", content: "seed \(seed) text"),
                                finishReason: "length")],
                usage: OpenAIUsage(promptTokens: 4, completionTokens: 3)))
        }) { port in
            try await testClient(port: port).generate(chat("hi", n: 3, seed: 10), onToken: nil)
        }
        #expect(result.candidates.map(\.text) == ["seed 10 text", "seed 11 text", "seed 12 text"])
        #expect(result.candidates.map(\.tokenCount) == [3, 3, 3])
        #expect(result.candidates.map(\.finishReason) == [.length, .length, .length])
        #expect(result.promptTokens == 4)
        #expect(seen.withLock { $0.map(\.sampling.n) } == [3, 1, 1])
    }

    @Test func sendsTheAPIKeyAndNeverShowsIt() async throws {
        let authorization = Mutex<[String?]>([])
        let (error, description) = try await withHTTPServer(handler: { request in
            authorization.withLock { $0.append(request.headers["authorization"]) }
            return rawJSON(#"{"error": {"message": "key sk-test-123 is not allowed"}}"#, status: 401)
        }) { port in
            let client = try testClient(port: port, apiKey: "sk-test-123")
            let error = await #expect(throws: OpenAIClientError.self) {
                try await client.generate(chat("hi"), onToken: nil)
            }
            var dumped = ""
            dump(client, to: &dumped)
            return (error, "\(client) \(String(reflecting: client)) \(dumped)")
        }
        #expect(authorization.withLock { $0 } == ["Bearer sk-test-123"])
        #expect(error?.description.hasSuffix("failed with HTTP 401: key [redacted] is not allowed") == true)
        #expect(!description.contains("sk-test"))
        #expect(description.contains("API key set"))
    }

    @Test func timesOutASlowServer() async throws {
        let (error, url) = try await withHTTPServer(handler: { _ in
            try? await Task.sleep(for: .seconds(10))
            return rawJSON("{}")
        }) { port in
            let error = await #expect(throws: OpenAIClientError.self) {
                try await testClient(port: port, timeout: 1).generate(chat("hi"), onToken: nil)
            }
            return (error, "http://127.0.0.1:\(port)/v1/chat/completions")
        }
        #expect(error?.description == "POST \(url) timed out after 1 s")
    }

    @Test(arguments: ["ftp://example.com", "127.0.0.1:8080", "http://", "http://host/v1?x=1"])
    func refusesAnInvalidEndpoint(_ endpoint: String) {
        #expect(throws: OpenAIClientError.invalidEndpoint(endpoint)) {
            try OpenAICompatibleGenerator(endpoint: endpoint, modelName: "m")
        }
        #expect(OpenAIClientError.invalidEndpoint(endpoint).description == "Invalid endpoint '\(endpoint)': expected "
            + "an http:// or https:// URL with a host, such as http://127.0.0.1:8080")
    }

    @Test func acceptsAnEndpointEndingInV1() throws {
        let client = try OpenAICompatibleGenerator(endpoint: "https://models.example.com:8443/v1/", modelName: "m",
                                                   apiKey: nil)
        #expect(client.identity == ModelIdentity(backend: "openai", name: "m",
                                                 endpoint: "https://models.example.com:8443"))
    }

    @Test func refusesNBelowOne() async throws {
        let client = try OpenAICompatibleGenerator(endpoint: "http://127.0.0.1:9", modelName: "m", apiKey: nil)
        await #expect(throws: OpenAIClientError.invalidRequest("n must be at least 1, got 0")) {
            try await client.generate(chat("hi", n: 0), onToken: nil)
        }
        #expect(OpenAIClientError.invalidRequest("n must be at least 1, got 0").description
            == "Invalid generation request: n must be at least 1, got 0")
    }

    @Test func sharesUsageAmongChoicesByLength() {
        #expect(OpenAICompatibleGenerator.share(10, byWeights: [2, 1]) == [7, 3])
        #expect(OpenAICompatibleGenerator.share(9, byWeights: [5]) == [9])
        #expect(OpenAICompatibleGenerator.share(6, byWeights: [0, 0, 0]) == [2, 2, 2])
        #expect(OpenAICompatibleGenerator.share(7, byWeights: [1, 1, 1, 4]).reduce(0, +) == 7)
    }

    @Test(arguments: [("120", 120.0), ("0", 0.0), ("Sun, 06 Nov 1994 08:49:47 GMT", 10.0)])
    func readsRetryAfter(_ header: String, _ seconds: Double) {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(OpenAIRetryPolicy.retryAfterSeconds(header, now: now) == seconds)
    }

    @Test func ignoresAnUnreadableRetryAfter() {
        #expect(OpenAIRetryPolicy.retryAfterSeconds("soon", now: Date()) == nil)
        #expect(OpenAIRetryPolicy().backoff(beforeRetry: 1) == 0.5)
        #expect(OpenAIRetryPolicy().backoff(beforeRetry: 20) == 60)
    }
}
