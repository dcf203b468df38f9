import Foundation
import Inference
import ModelServer
import Testing

@Suite("ModelServer: the OpenAI-compatible API over raw HTTP")
struct ModelServerAPITests {
    @Test func listsTheModel() async throws {
        let response = try await withModelServer { port in
            try await rawHTTP(port: port, method: "GET", path: "/v1/models")
        }
        #expect(response.status == 200)
        let list = try response.json(OpenAIModelList.self)
        #expect(list.object == "list")
        #expect(list.data == [OpenAIModelList.Model(id: "fake-model", created: 1_700_000_000, ownedBy: "gait")])
    }

    @Test func chatCompletionWithSeveralCandidates() async throws {
        let body = #"{"model": "any", "messages": [{"role": "system", "content": "be brief"}, "#
            + #"{"role": "user", "content": "hello there"}], "n": 3, "seed": 9, "temperature": 0.5, "top_k": 40}"#
        let generator = FakeGenerator()
        let response = try await withModelServer(generator) { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
        }
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let completion = try response.json(OpenAIChatCompletionResponse.self)
        #expect(completion.object == "chat.completion")
        #expect(completion.id?.hasPrefix("chatcmpl-") == true)
        #expect(completion.created == 1_700_000_000)
        #expect(completion.model == "fake-model")
        #expect(completion.choices.map(\.message.content) == [
            "echo: hello there #0 seed 9", "echo: hello there #1 seed 9", "echo: hello there #2 seed 9",
        ])
        #expect(completion.choices.map(\.index) == [0, 1, 2])
        #expect(completion.choices.allSatisfy { $0.finishReason == "stop" && $0.message.role == "assistant" })
        #expect(completion.usage == OpenAIUsage(promptTokens: 4, completionTokens: 18))
        let request = try #require(generator.record.requests.first)
        #expect(request.input == .chat([ChatMessage(role: .system, content: "be brief"),
                                        ChatMessage(role: .user, content: "hello there")]))
        #expect(request.sampling == SamplingParameters(temperature: 0.5, topK: 40, seed: 9, maxTokens: 32))
    }

    @Test func maxTokensCutsTheCandidate() async throws {
        let body = #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}], "max_tokens": 2, "seed": 1}"#
        let response = try await withModelServer { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
        }
        let completion = try response.json(OpenAIChatCompletionResponse.self)
        #expect(completion.choices.map(\.message.content) == ["echo: hi"])
        #expect(completion.choices.map(\.finishReason) == ["length"])
        #expect(completion.usage?.completionTokens == 2)
    }

    @Test func streamsChatCompletionsAsServerSentEvents() async throws {
        let body = #"{"messages": [{"role": "user", "content": "hi"}], "n": 2, "seed": 3, "stream": true, "#
            + #""stream_options": {"include_usage": true}}"#
        let response = try await withModelServer { port in
            try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
        }
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/event-stream")
        #expect(response.headers["transfer-encoding"] == "chunked")
        let events = response.events
        #expect(events.last == "[DONE]")
        let chunks = try events.dropLast().map {
            try JSONDecoder().decode(OpenAIChatCompletionChunk.self, from: Data($0.utf8))
        }
        #expect(chunks.allSatisfy { $0.object == "chat.completion.chunk" && $0.model == "fake-model" })
        #expect(Set(chunks.map(\.id)).count == 1)
        let choices = chunks.flatMap(\.choices)
        #expect(choices.prefix(2).map(\.delta) == [.init(role: "assistant", content: ""), .init(role: "assistant", content: "")])
        for index in 0..<2 {
            let mine = choices.filter { $0.index == index }
            #expect(mine.compactMap(\.delta.content).joined() == "echo: hi #\(index) seed 3")
            #expect(mine.compactMap(\.finishReason) == ["stop"])
            #expect(mine.last?.finishReason == "stop")
        }
        // One chunk per word and candidate: the text really streamed.
        #expect(choices.filter { $0.delta.content?.isEmpty == false }.count == 10)
        #expect(chunks.last?.choices == [])
        #expect(chunks.last?.usage == OpenAIUsage(promptTokens: 1, completionTokens: 10))
    }

    @Test func textCompletionUsesTheRawPromptAndADefaultSeed() async throws {
        let generator = FakeGenerator()
        let response = try await withModelServer(generator) { port in
            try await rawHTTP(port: port, path: "/v1/completions", body: #"{"prompt": ["once upon"], "max_tokens": 30}"#)
        }
        let completion = try response.json(OpenAICompletionResponse.self)
        #expect(completion.object == "text_completion")
        #expect(completion.id?.hasPrefix("cmpl-") == true)
        #expect(completion.choices.map(\.text) == ["echo: once upon #0 seed 4242"])
        #expect(generator.record.requests.map(\.input) == [.raw("once upon")])
        #expect(generator.record.requests.first?.sampling.temperature == 1)
    }

    @Test func streamsTextCompletions() async throws {
        let response = try await withModelServer { port in
            try await rawHTTP(port: port, path: "/v1/completions",
                              body: #"{"prompt": "once", "seed": -1, "stream": true}"#)
        }
        let events = response.events
        #expect(events.last == "[DONE]")
        let chunks = try events.dropLast().map {
            try JSONDecoder().decode(OpenAICompletionResponse.self, from: Data($0.utf8))
        }
        #expect(chunks.flatMap(\.choices).map(\.text).joined() == "echo: once #0 seed 4242")
        #expect(chunks.last?.choices.first?.finishReason == "stop")
        #expect(chunks.allSatisfy { $0.object == "text_completion" })
    }

    /// (path, body, message, param, code) of requests the API refuses with 400.
    static let badRequests: [(String, String, String, String?, String?)] = [
        ("/v1/chat/completions", #"{"messages": ["#,
         "We could not parse the JSON body of your request: Unexpected end of file during JSON parse.", nil, nil),
        ("/v1/chat/completions", "", "The request body is empty; send a JSON object", nil, nil),
        ("/v1/chat/completions", "[1]", "The request body must be a JSON object", nil, nil),
        ("/v1/chat/completions", "{}", "Missing required parameter: 'messages'", "messages", "missing_required_parameter"),
        ("/v1/chat/completions", #"{"messages": []}"#, "'messages' must contain at least one message", "messages",
         "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "tool", "content": "x"}]}"#,
         "Invalid value for 'messages[0].role': 'tool'; expected one of system, user, assistant",
         "messages[0].role", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"content": "x"}]}"#,
         "Missing required parameter: 'messages[0].role'", "messages[0].role", "missing_required_parameter"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": null}]}"#,
         "Missing required parameter: 'messages[0].content'", "messages[0].content", "missing_required_parameter"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "n": 0}"#,
         "Invalid value for 'n': 0; expected an integer from 1 to 8", "n", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "n": "two"}"#,
         "Invalid type for 'n': expected an integer", "n", "invalid_type"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "temperature": 2.5}"#,
         "Invalid value for 'temperature': 2.5; expected a number from 0 to 2", "temperature", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "top_p": 0}"#,
         "Invalid value for 'top_p': 0.0; expected a number greater than 0 and at most 1", "top_p", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "top_k": -1}"#,
         "Invalid value for 'top_k': -1; expected an integer of at least 0 (0 disables it)", "top_k", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "min_p": 1.5}"#,
         "Invalid value for 'min_p': 1.5; expected a number from 0 to 1", "min_p", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "repeat_penalty": 0}"#,
         "Invalid value for 'repeat_penalty': 0.0; expected a number greater than 0", "repeat_penalty",
         "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#,
         "Invalid value for 'max_tokens': 0; expected an integer of at least 1", "max_tokens", "invalid_value"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "x"}], "stop": ["\n"]}"#,
         "'stop' is not supported by this server; remove it or send an empty list", "stop", "unsupported_parameter"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "a b"}], "max_tokens": 100}"#,
         "This model's maximum context length is 64 tokens. However, you requested 102 tokens (2 in the messages, "
            + "100 in the completion). Please reduce the length of the messages or completion.",
         "messages", "context_length_exceeded"),
        ("/v1/chat/completions",
         #"{"messages": [{"role": "user", "content": "\#(Array(repeating: "w", count: 70).joined(separator: " "))"}]}"#,
         "This model's maximum context length is 64 tokens. However, your messages resulted in 70 tokens. "
            + "Please reduce the length of the messages.",
         "messages", "context_length_exceeded"),
        ("/v1/completions", #"{"prompt": ["a", "b"]}"#,
         "Invalid value for 'prompt': expected one prompt, got a list of 2", "prompt", "invalid_value"),
        ("/v1/completions", #"{"prompt": 3}"#, "Invalid type for 'prompt': expected an array", "prompt", "invalid_type"),
        ("/v1/completions", #"{"prompt": "x", "max_completion_tokens": -5}"#,
         "Invalid value for 'max_completion_tokens': -5; expected an integer of at least 1", "max_completion_tokens",
         "invalid_value"),
    ]

    @Test(arguments: badRequests)
    func refusesBadRequestsWithAnOpenAIError(_ path: String, _ body: String, _ message: String, _ param: String?,
                                             _ code: String?) async throws {
        let response = try await withModelServer { port in
            try await rawHTTP(port: port, path: path, body: body)
        }
        #expect(response.status == 400)
        #expect(response.body.contains(#""param":"#))
        let error = try response.json(OpenAIErrorBody.self).error
        #expect(error == OpenAIErrorBody.Detail(message: message, type: "invalid_request_error", param: param, code: code))
    }

    @Test func unknownPathAndWrongMethod() async throws {
        let (missing, wrongMethod) = try await withModelServer { port in
            (try await rawHTTP(port: port, method: "GET", path: "/v2/engines"),
             try await rawHTTP(port: port, method: "GET", path: "/v1/chat/completions"))
        }
        #expect(missing.status == 404)
        #expect(try missing.json(OpenAIErrorBody.self).error.message == "Unknown request URL: GET /v2/engines")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "POST")
        #expect(try wrongMethod.json(OpenAIErrorBody.self).error.message
            == "Method GET is not allowed for /v1/chat/completions; use POST")
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        let generator = GatedGenerator()
        let body = #"{"messages": [{"role": "user", "content": "x"}]}"#
        let (first, second) = try await withModelServer(generator, configuration: testConfiguration(maxQueuedRequests: 0)) { port in
            async let first = rawHTTP(port: port, path: "/v1/chat/completions", body: body)
            await generator.waitForStarts(1)
            let second = try await rawHTTP(port: port, path: "/v1/chat/completions", body: body)
            generator.open()
            return (try await first, second)
        }
        #expect(first.status == 200)
        #expect(second.status == 503)
        #expect(second.headers["retry-after"] == "1")
        #expect(try second.json(OpenAIErrorBody.self).error == OpenAIErrorBody.Detail(
            message: "The server is busy: 0 requests are waiting for the model; retry later",
            type: "server_error", param: nil, code: "server_busy"))
    }

    @Test func aClientThatHangsUpCancelsItsGeneration() async throws {
        let generator = GatedGenerator()
        let request = "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 48\r\n\r\n"
            + #"{"messages": [{"role": "user", "content": "x"}]}"#
        try await withModelServer(generator) { port in
            // Half-closing tells the server the client is gone; the generation must be cancelled.
            async let reply = rawExchange(port: port, Array(request.utf8), halfClose: true)
            await generator.waitForCancellation()
            _ = try await reply
        }
        #expect(generator.cancelled == 1)
    }
}
