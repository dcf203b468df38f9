import Foundation

/// A ChatML chat template (`<|im_start|>role\ncontent<|im_end|>\n`, then `<|im_start|>assistant\n`), recognized
/// in the Jinja text of `tokenizer.chat_template`, including a default system message that the template inserts
/// when the conversation does not start with one (as SmolLM2's does).
///
/// Gait does not run Jinja: a template that is not recognizably ChatML is refused at construction.
public struct ChatTemplate: Sendable, Hashable {
    /// The system message inserted when the conversation has none, if the template declares one.
    public let defaultSystemMessage: String?

    /// Recognizes `source` (the GGUF's template text).
    /// - Throws: `InferenceError.unsupportedTemplate` when there is no template or it is not ChatML.
    public init(_ source: String?) throws {
        guard let source, !source.isEmpty else {
            throw InferenceError.unsupportedTemplate("the model file has no tokenizer.chat_template")
        }
        let required = ["<|im_start|>", "<|im_end|>", "message['role']", "message['content']", "for message in messages"]
        let missing = required.filter { !source.contains($0) && !source.contains($0.replacingOccurrences(of: "'", with: "\"")) }
        guard missing.isEmpty else {
            let excerpt = source.prefix(80).replacingOccurrences(of: "\n", with: "\\n")
            throw InferenceError.unsupportedTemplate(
                "the template is not ChatML (lacks \(missing.map { "\($0)" }.joined(separator: ", "))): \"\(excerpt)…\"")
        }
        let marker = "<|im_start|>system"
        if source.contains("!= 'system'") || source.contains("!= \"system\""),
           let start = source.range(of: marker),
           let end = source.range(of: "<|im_end|>", range: start.upperBound..<source.endIndex) {
            var text = String(source[start.upperBound..<end.lowerBound])
            text = text.replacingOccurrences(of: "\\n", with: "\n")
            if text.hasPrefix("\n") { text.removeFirst() }
            defaultSystemMessage = text
        } else {
            defaultSystemMessage = nil
        }
    }

    /// The prompt text for `messages`, ending with the assistant's turn opened.
    public func render(_ messages: [ChatMessage]) -> String {
        var text = ""
        if let defaultSystemMessage, messages.first?.role != .system {
            text += "<|im_start|>system\n\(defaultSystemMessage)<|im_end|>\n"
        }
        for message in messages {
            text += "<|im_start|>\(message.role.rawValue)\n\(message.content)<|im_end|>\n"
        }
        return text + "<|im_start|>assistant\n"
    }
}
