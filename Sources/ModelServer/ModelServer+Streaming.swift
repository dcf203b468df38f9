import Foundation
import Inference
import Synchronization

/// `stream: true`: server-sent events (`data: {…}` lines, a blank line after each, `data: [DONE]` at
/// the end), in OpenAI's chunk formats.
extension ModelServer {
    /// Which chunk object the events carry.
    enum StreamFormat: Sendable {
        case chat(id: String, created: Int, model: String)
        case completion(id: String, created: Int, model: String)
    }

    /// A streamed response that runs the generation while the client reads. It holds `ticket`, the
    /// generator slot, until the generation ends.
    ///
    /// Chat streams start with one `delta: {role: assistant}` chunk per candidate, then text chunks as
    /// the generator reports pieces, then a chunk with each candidate's `finish_reason`; text the
    /// generator did not report piece by piece arrives in one chunk before that. With
    /// `stream_options.include_usage` a last chunk with no choices carries the usage. A generation that
    /// fails after the stream began sends one `data: {"error": …}` event and ends without `[DONE]`.
    func stream(_ request: GenerationRequest, ticket: GenerationQueue.Ticket, format: StreamFormat,
                includeUsage: Bool) -> HTTPResponse {
        let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
        let generator = self.generator
        return HTTPResponse(status: 200, headers: headers, body: .stream { writer in
            defer { withExtendedLifetime(ticket) {} }
            let events = EventWriter(writer: writer, format: format)
            let sent = SentText()
            if case .chat = format {
                for index in 0..<request.n { events.chat(index, delta: .init(role: "assistant", content: ""), finish: nil) }
            }
            do {
                let result = try await generator.generate(request) { index, piece in
                    sent.append(piece, to: index)
                    events.text(piece, index: index)
                }
                for (index, candidate) in result.candidates.enumerated() {
                    let already = sent.text(of: index).utf8
                    let text = candidate.text.utf8
                    if text.count > already.count, text.starts(with: already) {
                        events.text(String(decoding: text.dropFirst(already.count), as: UTF8.self), index: index)
                    }
                    events.finish(index, reason: candidate.finishReason)
                }
                if includeUsage {
                    events.usage(OpenAIUsage(promptTokens: result.promptTokens,
                                             completionTokens: result.candidates.reduce(0) { $0 + $1.tokenCount }))
                }
                events.done()
            } catch {
                let failure = ModelServer.generationFailure(error)
                events.send(OpenAIErrorBody(error: .init(message: failure.message, type: failure.type,
                                                         param: failure.param, code: failure.code)))
            }
        })
    }
}

/// The text already streamed per candidate, so the end of a candidate the generator did not report
/// piece by piece can still be sent.
private final class SentText: Sendable {
    private let texts = Mutex<[Int: String]>([:])

    func append(_ piece: String, to index: Int) {
        texts.withLock { $0[index, default: ""] += piece }
    }

    func text(of index: Int) -> String {
        texts.withLock { $0[index] ?? "" }
    }
}

/// Formats and writes the events of one stream; writes to a client that is gone are dropped (the
/// server cancels the generation when it notices).
private struct EventWriter: Sendable {
    let writer: HTTPBodyWriter
    let format: ModelServer.StreamFormat

    func send<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        try? writer.write(Array("data: ".utf8) + Array(data) + Array("\n\n".utf8))
    }

    func chat(_ index: Int, delta: OpenAIChatCompletionChunk.Delta, finish: String?) {
        guard case .chat(let id, let created, let model) = format else { return }
        send(OpenAIChatCompletionChunk(id: id, created: created, model: model,
                                       choices: [.init(index: index, delta: delta, finishReason: finish)]))
    }

    func text(_ piece: String, index: Int) {
        switch format {
        case .chat:
            chat(index, delta: .init(content: piece), finish: nil)
        case .completion(let id, let created, let model):
            send(OpenAICompletionResponse(id: id, created: created, model: model,
                                          choices: [.init(index: index, text: piece, finishReason: nil)], usage: nil))
        }
    }

    func finish(_ index: Int, reason: FinishReason) {
        switch format {
        case .chat:
            chat(index, delta: .init(), finish: reason.rawValue)
        case .completion(let id, let created, let model):
            send(OpenAICompletionResponse(id: id, created: created, model: model,
                                          choices: [.init(index: index, text: "", finishReason: reason.rawValue)],
                                          usage: nil))
        }
    }

    func usage(_ usage: OpenAIUsage) {
        switch format {
        case .chat(let id, let created, let model):
            send(OpenAIChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: usage))
        case .completion(let id, let created, let model):
            send(OpenAICompletionResponse(id: id, created: created, model: model, choices: [], usage: usage))
        }
    }

    func done() {
        try? writer.write("data: [DONE]\n\n")
    }
}
