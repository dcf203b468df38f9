import Foundation
import Inference
import ModelServer
import Testing

/// The embedded model, loaded once per test process (fetched when missing, like every command).
private enum RealModel {
    static let loaded: Result<LocalGenerator, any Error> = Result {
        try LocalGenerator.loadDefault(threads: 2, log: { _ in })
    }

    static func configuration(_ generator: LocalGenerator) -> ModelServer.Configuration {
        let model = generator.engine.model
        return ModelServer.Configuration(contextLength: model.config.contextLength,
                                         countTokens: { try model.promptTokens(for: $0).count })
    }
}

@Suite("ModelServer serving the embedded model", .tags(.slow))
struct RealModelServerTests {
    static let request = GenerationRequest(
        input: .chat([ChatMessage(role: .user, content: "Name a colour of the sky.")]), n: 2,
        sampling: SamplingParameters(temperature: 0.8, topK: 40, topP: 0.95, seed: 11, maxTokens: 16))

    @Test func theEndpointBackendReproducesTheEmbeddedEngine() async throws {
        let local = try RealModel.loaded.get()
        let direct = try await local.generate(Self.request, onToken: nil)
        let remote = try await withModelServer(local, configuration: RealModel.configuration(local)) { port in
            try await OpenAICompatibleGenerator(endpoint: "http://127.0.0.1:\(port)", modelName: local.identity.name,
                                                apiKey: nil).generate(Self.request, onToken: nil)
        }
        #expect(remote.candidates.map(\.text) == direct.candidates.map(\.text))
        #expect(remote.candidates.map(\.finishReason) == direct.candidates.map(\.finishReason))
        #expect(remote.candidates.map(\.tokenCount).reduce(0, +) == direct.candidates.map(\.tokenCount).reduce(0, +))
        #expect(remote.promptTokens == direct.promptTokens)
        #expect(direct.candidates.allSatisfy { !$0.text.isEmpty })
    }

    @Test func streamingGivesTheSameText() async throws {
        let local = try RealModel.loaded.get()
        let direct = try await local.generate(Self.request, onToken: nil)
        let body = #"{"messages": [{"role": "user", "content": "Name a colour of the sky."}], "n": 2, "seed": 11, "#
            + #""temperature": 0.8, "top_k": 40, "top_p": 0.95, "max_tokens": 16, "stream": true}"#
        let response = try await withModelServer(local, configuration: RealModel.configuration(local)) { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
        }
        #expect(response.events.last == "[DONE]")
        let choices = try response.events.dropLast().flatMap {
            try JSONDecoder().decode(OpenAIChatCompletionChunk.self, from: Data($0.utf8)).choices
        }
        for (index, candidate) in direct.candidates.enumerated() {
            #expect(choices.filter { $0.index == index }.compactMap(\.delta.content).joined() == candidate.text)
        }
        // The text arrived token by token, not in one piece.
        #expect(choices.filter { $0.delta.content?.isEmpty == false }.count > 4)
    }

    @Test func refusesAPromptBeyondTheContext() async throws {
        let local = try RealModel.loaded.get()
        let context = local.engine.model.config.contextLength
        let response = try await withModelServer(local, configuration: RealModel.configuration(local)) { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions",
                              body: #"{"messages": [{"role": "user", "content": "Hello"}], "max_tokens": \#(context)}"#)
        }
        #expect(response.status == 400)
        let error = try response.json(OpenAIErrorBody.self).error
        #expect(error.code == "context_length_exceeded")
        let prompt = try local.engine.model.promptTokens(for: .chat([ChatMessage(role: .user, content: "Hello")])).count
        #expect(error.message == "This model's maximum context length is \(context) tokens. However, you requested "
            + "\(context + prompt) tokens (\(prompt) in the messages, \(context) in the completion). Please reduce "
            + "the length of the messages or completion.")
    }
}
