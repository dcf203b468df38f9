import Foundation

// The JSON bodies of the OpenAI-compatible HTTP API, shared by the client backend
// (`OpenAICompatibleGenerator`) and Gait's own server (`ModelServer`), so both speak exactly one dialect.
// Field names follow OpenAI's API reference (https://platform.openai.com/docs/api-reference/chat);
// `top_k`, `min_p` and `repeat_penalty` are llama.cpp server extensions (tools/server/README.md).
// Properties mirror the JSON keys of the same meaning (camelCase here, snake_case on the wire) and are
// documented where they differ from OpenAI's reference.

/// One message of a chat request or response body.
///
/// `content` is decoded from a string or from OpenAI's array of content parts (only `text` parts are
/// accepted; their texts are joined). It is nil when the body carries `null` or no content.
public struct OpenAIMessage: Sendable, Hashable, Codable {
    /// `system`, `user` or `assistant`; kept as text so a server can name an unknown role in its error.
    public var role: String
    public var content: String?

    public init(role: String, content: String?) {
        self.role = role
        self.content = content
    }

    private enum CodingKeys: String, CodingKey { case role, content }

    private struct ContentPart: Decodable {
        var type: String
        var text: String?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(String.self, forKey: .role)
        if (try? container.decodeNil(forKey: .content)) ?? true {
            content = nil
        } else if let text = try? container.decode(String.self, forKey: .content) {
            content = text
        } else {
            let parts = try container.decode([ContentPart].self, forKey: .content)
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                guard part.type == "text", let text = part.text else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: container.codingPath + [CodingKeys.content, OpenAIIndexKey(index)],
                        debugDescription: "only text content parts are supported, got type '\(part.type)'"))
                }
                texts.append(text)
            }
            content = texts.joined()
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
    }
}

/// An integer coding key, for naming array elements in decoding errors.
struct OpenAIIndexKey: CodingKey {
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
}

/// The sampling fields common to chat and text completion requests.
public struct OpenAISampling: Sendable, Hashable {
    public var n: Int?
    public var temperature: Double?
    public var topP: Double?
    /// llama.cpp server extension.
    public var topK: Int?
    /// llama.cpp server extension.
    public var minP: Double?
    /// llama.cpp server extension.
    public var repeatPenalty: Double?
    /// A negative seed (llama.cpp's `-1`) decodes as nil: the server picks one.
    public var seed: UInt64?
    public var maxTokens: Int?
    /// OpenAI's newer name for `max_tokens`; decoded when `max_tokens` is absent.
    public var maxCompletionTokens: Int?

    public init(n: Int? = nil, temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil,
                minP: Double? = nil, repeatPenalty: Double? = nil, seed: UInt64? = nil, maxTokens: Int? = nil,
                maxCompletionTokens: Int? = nil) {
        self.n = n
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.seed = seed
        self.maxTokens = maxTokens
        self.maxCompletionTokens = maxCompletionTokens
    }
}

/// Keys of every request body; one list, so chat and text completions read sampling the same way.
enum OpenAIRequestKey: String, CodingKey {
    case model, messages, prompt, stream, stop
    case streamOptions = "stream_options"
    case n, temperature, seed
    case topP = "top_p", topK = "top_k", minP = "min_p", repeatPenalty = "repeat_penalty"
    case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens"
}

extension OpenAISampling {
    init(from container: KeyedDecodingContainer<OpenAIRequestKey>) throws {
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        topK = try container.decodeIfPresent(Int.self, forKey: .topK)
        minP = try container.decodeIfPresent(Double.self, forKey: .minP)
        repeatPenalty = try container.decodeIfPresent(Double.self, forKey: .repeatPenalty)
        do {
            seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
        } catch {
            guard let signed = try? container.decodeIfPresent(Int64.self, forKey: .seed), signed < 0 else {
                throw error
            }
            seed = nil
        }
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        maxCompletionTokens = try container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
    }

    func encode(to container: inout KeyedEncodingContainer<OpenAIRequestKey>) throws {
        try container.encodeIfPresent(n, forKey: .n)
        try container.encodeIfPresent(temperature, forKey: .temperature)
        try container.encodeIfPresent(topP, forKey: .topP)
        try container.encodeIfPresent(topK, forKey: .topK)
        try container.encodeIfPresent(minP, forKey: .minP)
        try container.encodeIfPresent(repeatPenalty, forKey: .repeatPenalty)
        try container.encodeIfPresent(seed, forKey: .seed)
        try container.encodeIfPresent(maxTokens, forKey: .maxTokens)
        try container.encodeIfPresent(maxCompletionTokens, forKey: .maxCompletionTokens)
    }
}

/// The `stop` field: one string or a list. Gait's server refuses a non-empty one (its generators
/// have no stop sequences); the client never sends it.
public enum OpenAIStop: Sendable, Hashable, Codable {
    case one(String)
    case many([String])

    /// Whether the field asks for anything.
    public var isEmpty: Bool {
        switch self {
        case .one(let text): text.isEmpty
        case .many(let list): list.allSatisfy(\.isEmpty)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .one(text)
        } else {
            self = .many(try container.decode([String].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let text): try container.encode(text)
        case .many(let list): try container.encode(list)
        }
    }
}

/// `stream_options` of a request.
struct OpenAIStreamOptions: Codable {
    var includeUsage: Bool?
    private enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// The body of `POST /v1/chat/completions`.
public struct OpenAIChatCompletionRequest: Sendable, Hashable, Codable {
    public var model: String?
    public var messages: [OpenAIMessage]
    public var sampling: OpenAISampling
    public var stream: Bool?
    /// `stream_options.include_usage`: whether a streamed response ends with a usage chunk.
    public var includeUsage: Bool?
    public var stop: OpenAIStop?

    public init(model: String?, messages: [OpenAIMessage], sampling: OpenAISampling, stream: Bool? = nil,
                includeUsage: Bool? = nil, stop: OpenAIStop? = nil) {
        self.model = model
        self.messages = messages
        self.sampling = sampling
        self.stream = stream
        self.includeUsage = includeUsage
        self.stop = stop
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: OpenAIRequestKey.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([OpenAIMessage].self, forKey: .messages)
        sampling = try OpenAISampling(from: container)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        includeUsage = try container.decodeIfPresent(OpenAIStreamOptions.self, forKey: .streamOptions)?.includeUsage
        stop = try container.decodeIfPresent(OpenAIStop.self, forKey: .stop)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: OpenAIRequestKey.self)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encode(messages, forKey: .messages)
        try sampling.encode(to: &container)
        try container.encodeIfPresent(stream, forKey: .stream)
        try container.encodeIfPresent(includeUsage.map { OpenAIStreamOptions(includeUsage: $0) },
                                      forKey: .streamOptions)
        try container.encodeIfPresent(stop, forKey: .stop)
    }
}

/// The body of `POST /v1/completions`: a raw prompt, continued verbatim.
public struct OpenAICompletionRequest: Sendable, Hashable, Codable {
    public var model: String?
    /// Sent as a string; a list of exactly one string is accepted on decoding.
    public var prompt: String
    public var sampling: OpenAISampling
    public var stream: Bool?
    /// `stream_options.include_usage`: whether a streamed response ends with a usage chunk.
    public var includeUsage: Bool?
    public var stop: OpenAIStop?

    public init(model: String?, prompt: String, sampling: OpenAISampling, stream: Bool? = nil,
                includeUsage: Bool? = nil, stop: OpenAIStop? = nil) {
        self.model = model
        self.prompt = prompt
        self.sampling = sampling
        self.stream = stream
        self.includeUsage = includeUsage
        self.stop = stop
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: OpenAIRequestKey.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let text = try? container.decode(String.self, forKey: .prompt) {
            prompt = text
        } else {
            let list = try container.decode([String].self, forKey: .prompt)
            guard list.count == 1 else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: [OpenAIRequestKey.prompt],
                    debugDescription: "expected one prompt, got a list of \(list.count)"))
            }
            prompt = list[0]
        }
        sampling = try OpenAISampling(from: container)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        includeUsage = try container.decodeIfPresent(OpenAIStreamOptions.self, forKey: .streamOptions)?.includeUsage
        stop = try container.decodeIfPresent(OpenAIStop.self, forKey: .stop)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: OpenAIRequestKey.self)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encode(prompt, forKey: .prompt)
        try sampling.encode(to: &container)
        try container.encodeIfPresent(stream, forKey: .stream)
        try container.encodeIfPresent(includeUsage.map { OpenAIStreamOptions(includeUsage: $0) },
                                      forKey: .streamOptions)
        try container.encodeIfPresent(stop, forKey: .stop)
    }
}

/// Token counts of a response.
public struct OpenAIUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
    }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }
}

/// The body of a chat completion response. `id`, `object`, `created` and `model` are optional on
/// decoding: the client does not need them, and minimal servers omit them.
public struct OpenAIChatCompletionResponse: Sendable, Hashable, Codable {
    public struct Choice: Sendable, Hashable, Codable {
        public var index: Int
        public var message: OpenAIMessage
        /// `stop`, `length`, or whatever the server says; `null` while unknown.
        public var finishReason: String?

        public init(index: Int, message: OpenAIMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    public var id: String?
    public var object: String?
    public var created: Int?
    public var model: String?
    public var choices: [Choice]
    public var usage: OpenAIUsage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: OpenAIUsage?) {
        self.id = id
        self.object = "chat.completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// One server-sent event of a streamed chat completion (`object: chat.completion.chunk`).
public struct OpenAIChatCompletionChunk: Sendable, Hashable, Codable {
    public struct Delta: Sendable, Hashable, Codable {
        public var role: String?
        public var content: String?

        public init(role: String? = nil, content: String? = nil) {
            self.role = role
            self.content = content
        }
    }

    public struct Choice: Sendable, Hashable, Codable {
        public var index: Int
        public var delta: Delta
        public var finishReason: String?

        public init(index: Int, delta: Delta, finishReason: String?) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    /// Sent once, in a last chunk with no choices, as OpenAI does with `stream_options.include_usage`.
    public var usage: OpenAIUsage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: OpenAIUsage? = nil) {
        self.id = id
        self.object = "chat.completion.chunk"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// The body of a text completion response, and (with `object: text_completion` too, as OpenAI
/// streams it) of each streamed chunk.
public struct OpenAICompletionResponse: Sendable, Hashable, Codable {
    public struct Choice: Sendable, Hashable, Codable {
        public var index: Int
        public var text: String
        public var finishReason: String?

        public init(index: Int, text: String, finishReason: String?) {
            self.index = index
            self.text = text
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case index, text, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(text, forKey: .text)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    public var id: String?
    public var object: String?
    public var created: Int?
    public var model: String?
    public var choices: [Choice]
    public var usage: OpenAIUsage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: OpenAIUsage?) {
        self.id = id
        self.object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// The body of `GET /v1/models`.
public struct OpenAIModelList: Sendable, Hashable, Codable {
    public struct Model: Sendable, Hashable, Codable {
        public var id: String
        public var object: String
        public var created: Int
        public var ownedBy: String

        public init(id: String, created: Int, ownedBy: String) {
            self.id = id
            self.object = "model"
            self.created = created
            self.ownedBy = ownedBy
        }

        private enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }

    public var object: String
    public var data: [Model]

    public init(data: [Model]) {
        self.object = "list"
        self.data = data
    }
}

/// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`, `param` and `code` as
/// `null` when they do not apply.
public struct OpenAIErrorBody: Sendable, Hashable, Codable {
    public struct Detail: Sendable, Hashable, Codable {
        public var message: String
        public var type: String?
        public var param: String?
        public var code: String?

        public init(message: String, type: String, param: String?, code: String?) {
            self.message = message
            self.type = type
            self.param = param
            self.code = code
        }

        private enum CodingKeys: String, CodingKey { case message, type, param, code }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)
            try container.encode(code, forKey: .code)
        }
    }

    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }
}

extension [any CodingKey] {
    /// A coding path as JSON readers write it: `choices[0].message.content`.
    public var openAIPath: String {
        var path = ""
        for key in self {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }
}
