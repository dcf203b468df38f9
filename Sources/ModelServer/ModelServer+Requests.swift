import Foundation
import Inference

/// Turning request bodies into `GenerationRequest`s, with an OpenAI-style 400 for anything wrong.
extension ModelServer {
    func decode<T: Decodable>(_ body: [UInt8]) throws -> T {
        guard !body.isEmpty else {
            throw APIError.invalid("The request body is empty; send a JSON object")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw APIError.invalid("We could not parse the JSON body of your request: \(Self.syntaxError(body))")
        } catch let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.openAIPath
            throw APIError.invalid("Invalid value for '\(path)': \(context.debugDescription)", param: path,
                                   code: "invalid_value")
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).openAIPath
            throw APIError.invalid("Missing required parameter: '\(path)'", param: path,
                                   code: "missing_required_parameter")
        } catch let DecodingError.typeMismatch(type, context) where context.codingPath.isEmpty {
            _ = type
            throw APIError.invalid("The request body must be a JSON object")
        } catch let DecodingError.typeMismatch(type, context) {
            let path = context.codingPath.openAIPath
            throw APIError.invalid("Invalid type for '\(path)': expected \(Self.jsonType(type))", param: path,
                                   code: "invalid_type")
        } catch let DecodingError.valueNotFound(type, context) {
            let path = context.codingPath.openAIPath
            throw APIError.invalid("Invalid type for '\(path)': expected \(Self.jsonType(type)), got null",
                                   param: path, code: "invalid_type")
        }
    }

    /// Where the JSON syntax breaks, as JSONSerialization reports it ("Invalid value around character 7.").
    private static func syntaxError(_ body: [UInt8]) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            return "not a JSON value"
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            return detail ?? "not valid JSON"
        }
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is UInt64.Type: "an integer"
        case is Double.Type: "a number"
        case is [Any].Type: "an array"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }

    func generationRequest(chat wire: OpenAIChatCompletionRequest) throws -> GenerationRequest {
        guard !wire.messages.isEmpty else {
            throw APIError.invalid("'messages' must contain at least one message", param: "messages",
                                   code: "invalid_value")
        }
        var messages: [ChatMessage] = []
        for (index, message) in wire.messages.enumerated() {
            guard let role = ChatMessage.Role(rawValue: message.role) else {
                throw APIError.invalidValue("messages[\(index)].role", "'\(Self.clip(message.role))'",
                                            expected: "one of system, user, assistant")
            }
            guard let content = message.content else {
                throw APIError.invalid("Missing required parameter: 'messages[\(index)].content'",
                                       param: "messages[\(index)].content", code: "missing_required_parameter")
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        return try generationRequest(.chat(messages), sampling: wire.sampling, stop: wire.stop, inputName: "messages")
    }

    func generationRequest(completion wire: OpenAICompletionRequest) throws -> GenerationRequest {
        try generationRequest(.raw(wire.prompt), sampling: wire.sampling, stop: wire.stop, inputName: "prompt")
    }

    private func generationRequest(_ input: GenerationInput, sampling wire: OpenAISampling, stop: OpenAIStop?,
                                   inputName: String) throws -> GenerationRequest {
        if let stop, !stop.isEmpty {
            throw APIError.invalid("'stop' is not supported by this server; remove it or send an empty list",
                                   param: "stop", code: "unsupported_parameter")
        }
        let n = wire.n ?? 1
        guard (1...configuration.maxCandidates).contains(n) else {
            throw APIError.invalidValue("n", String(n), expected: "an integer from 1 to \(configuration.maxCandidates)")
        }
        let temperature = wire.temperature ?? 1
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw APIError.invalidValue("temperature", String(temperature), expected: "a number from 0 to 2")
        }
        if let topP = wire.topP, !(topP > 0 && topP <= 1) {
            throw APIError.invalidValue("top_p", String(topP), expected: "a number greater than 0 and at most 1")
        }
        if let topK = wire.topK, topK < 0 {
            throw APIError.invalidValue("top_k", String(topK), expected: "an integer of at least 0 (0 disables it)")
        }
        if let minP = wire.minP, !(minP.isFinite && (0...1).contains(minP)) {
            throw APIError.invalidValue("min_p", String(minP), expected: "a number from 0 to 1")
        }
        if let penalty = wire.repeatPenalty, !(penalty.isFinite && penalty > 0) {
            throw APIError.invalidValue("repeat_penalty", String(penalty), expected: "a number greater than 0")
        }
        let (maxTokensName, requestedMaxTokens) = wire.maxTokens.map { ("max_tokens", $0) }
            ?? wire.maxCompletionTokens.map { ("max_completion_tokens", $0) } ?? ("max_tokens", nil)
        if let requested = requestedMaxTokens, requested < 1 {
            throw APIError.invalidValue(maxTokensName, String(requested), expected: "an integer of at least 1")
        }
        let context = configuration.contextLength
        var promptTokens = 0
        if let countTokens = configuration.countTokens {
            do {
                promptTokens = try countTokens(input)
            } catch {
                throw APIError.invalid("Cannot tokenize '\(inputName)': \(error)", param: inputName)
            }
        }
        if configuration.countTokens != nil && promptTokens == 0 {
            throw APIError.invalid("'\(inputName)' has no tokens; send some text", param: inputName,
                                   code: "invalid_value")
        }
        let maxTokens = requestedMaxTokens ?? min(configuration.defaultMaxTokens, context - promptTokens)
        if promptTokens >= context || maxTokens < 1 {
            throw APIError.invalid(
                "This model's maximum context length is \(context) tokens. However, your \(inputName) resulted in "
                    + "\(promptTokens) tokens. Please reduce the length of the \(inputName).",
                param: inputName, code: "context_length_exceeded")
        }
        if promptTokens + maxTokens > context {
            let detail = configuration.countTokens == nil
                ? "\(maxTokens) in the completion"
                : "\(promptTokens) in the \(inputName), \(maxTokens) in the completion"
            throw APIError.invalid(
                "This model's maximum context length is \(context) tokens. However, you requested "
                    + "\(promptTokens + maxTokens) tokens (\(detail)). Please reduce the length of the "
                    + "\(inputName) or completion.",
                param: configuration.countTokens == nil ? maxTokensName : inputName, code: "context_length_exceeded")
        }
        let sampling = SamplingParameters(
            temperature: temperature,
            topK: wire.topK.flatMap { $0 == 0 ? nil : $0 },
            topP: wire.topP.flatMap { $0 == 1 ? nil : $0 },
            minP: wire.minP.flatMap { $0 == 0 ? nil : $0 },
            repeatPenalty: wire.repeatPenalty.flatMap { $0 == 1 ? nil : $0 },
            seed: wire.seed ?? configuration.randomSeed(),
            maxTokens: maxTokens)
        return GenerationRequest(input: input, n: n, sampling: sampling)
    }
}
