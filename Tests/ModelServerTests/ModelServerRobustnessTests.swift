import Foundation
import Inference
import ModelServer
import Testing

@Suite("ModelServer: generator failures and load")
struct ModelServerRobustnessTests {
    static let chatBody = #"{"messages": [{"role": "user", "content": "hi"}], "n": 2, "seed": 1}"#

    @Test func aFailingGenerationIsA500() async throws {
        var generator = FakeGenerator()
        generator.failure = FailureForTests(description: "the KV cache is full at token 12")
        let response = try await withModelServer(generator) { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: Self.chatBody)
        }
        #expect(response.status == 500)
        #expect(try response.json(OpenAIErrorBody.self).error == OpenAIErrorBody.Detail(
            message: "Generation failed: the KV cache is full at token 12", type: "server_error", param: nil, code: nil))
    }

    @Test func aStreamThatFailsEndsWithAnErrorEvent() async throws {
        var generator = FakeGenerator()
        generator.failure = FailureForTests(description: "out of memory")
        let body = #"{"messages": [{"role": "user", "content": "hi"}], "n": 2, "seed": 1, "stream": true}"#
        let response = try await withModelServer(generator) { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
        }
        #expect(response.status == 200)
        let last = try #require(response.events.last)
        #expect(try JSONDecoder().decode(OpenAIErrorBody.self, from: Data(last.utf8)).error.message
            == "Generation failed: out of memory")
        #expect(!response.events.contains("[DONE]"))
    }

    @Test func streamsTextTheGeneratorDidNotReportPieceByPiece() async throws {
        var generator = FakeGenerator()
        generator.reportsTokens = false
        let body = #"{"messages": [{"role": "user", "content": "hi"}], "seed": 2, "stream": true}"#
        let response = try await withModelServer(generator) { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
        }
        let chunks = try response.events.dropLast().map {
            try JSONDecoder().decode(OpenAIChatCompletionChunk.self, from: Data($0.utf8))
        }
        #expect(chunks.flatMap(\.choices).map(\.delta.content) == ["", "echo: hi #0 seed 2", nil])
        #expect(chunks.last?.choices.first?.finishReason == "stop")
        #expect(response.events.last == "[DONE]")
    }

    /// Many clients at once, well-formed and not, streaming and not: every one gets its own answer,
    /// and the server is idle and healthy afterwards.
    @Test(.tags(.slow)) func survivesAMixedLoad() async throws {
        var fake = FakeGenerator()
        fake.delay = .microseconds(200)
        let generator = fake
        let health = try await withModelServer(generator, limits: HTTPServer.Limits(maxConnections: 128)) { port in
            let client = try testClient(port: port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        switch index % 4 {
                        case 0:
                            let result = try await client.generate(chat("c\(index)", n: 2, seed: UInt64(index)), onToken: nil)
                            #expect(result.candidates.map(\.text) == ["echo: c\(index) #0 seed \(index)",
                                                                      "echo: c\(index) #1 seed \(index)"])
                        case 1:
                            let body = #"{"messages": [{"role": "user", "content": "s\#(index)"}], "seed": 5, "stream": true}"#
                            let response = try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
                            let chunks = try response.events.dropLast().map {
                                try JSONDecoder().decode(OpenAIChatCompletionChunk.self, from: Data($0.utf8))
                            }
                            #expect(chunks.flatMap(\.choices).compactMap(\.delta.content).joined()
                                == "echo: s\(index) #0 seed 5")
                        case 2:
                            let response = try await rawHTTP(port: port, path: "/v1/chat/completions", body: "{oops")
                            #expect(response.status == 400)
                        default:
                            let bytes = try await rawExchange(port: port, Array("NOT HTTP AT ALL\r\n\r\n".utf8))
                            #expect(try parseResponses(bytes).map(\.status) == [400])
                        }
                    }
                }
                try await group.waitForAll()
            }
            return try await rawHTTP(port: port, method: "GET", path: "/health")
        }
        #expect(health.status == 200)
        #expect(health.body == #"{"generating":0,"status":"ok","waiting":0}"#)
        #expect(generator.record.maxRunning == 1)
        #expect(generator.record.requests.count == 30)
    }
}
