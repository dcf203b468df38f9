import Foundation
import Inference
import Synchronization

/// A deterministic generator: candidate `i` of a request answers
/// `echo: <last message or prompt> #i seed <seed>`, one word per token, cut at `maxTokens` words
/// (finish reason `length`). It reports each word through `onToken`, optionally waiting between words,
/// and records how many generations ran at once.
struct FakeGenerator: Generator {
    final class Record: Sendable {
        let state = Mutex((running: 0, maxRunning: 0, requests: [GenerationRequest]()))

        var maxRunning: Int { state.withLock { $0.maxRunning } }
        var requests: [GenerationRequest] { state.withLock { $0.requests } }
    }

    let identity = ModelIdentity(backend: "fake", name: "fake-model")
    /// Wait between words.
    var delay: Duration = .zero
    /// Whether words are reported through `onToken` (the protocol allows never calling it).
    var reportsTokens = true
    /// Thrown after the first candidate, when set.
    var failure: FailureForTests?
    let record = Record()

    /// Prompt tokens: words of every message (or of the raw prompt).
    static func countTokens(_ input: GenerationInput) -> Int {
        switch input {
        case .chat(let messages): messages.reduce(0) { $0 + words($1.content).count }
        case .raw(let prompt): words(prompt).count
        }
    }

    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isWhitespace)
    }

    static func text(for request: GenerationRequest, candidate index: Int) -> String {
        let subject = switch request.input {
        case .chat(let messages): messages.last?.content ?? ""
        case .raw(let prompt): prompt
        }
        return "echo: \(subject) #\(index) seed \(request.sampling.seed)"
    }

    func generate(_ request: GenerationRequest,
                  onToken: (@Sendable (Int, String) -> Void)?) async throws -> GenerationResult {
        record.state.withLock {
            $0.running += 1
            $0.maxRunning = max($0.maxRunning, $0.running)
            $0.requests.append(request)
        }
        defer { record.state.withLock { $0.running -= 1 } }
        var candidates: [GeneratedCandidate] = []
        for index in 0..<request.n {
            let words = Self.words(Self.text(for: request, candidate: index))
            let kept = words.prefix(request.sampling.maxTokens)
            for (position, word) in kept.enumerated() {
                try Task.checkCancellation()
                if delay > .zero { try await Task.sleep(for: delay) }
                if reportsTokens { onToken?(index, position == 0 ? String(word) : " " + word) }
            }
            if let failure, index == 1 { throw failure }
            candidates.append(GeneratedCandidate(
                text: kept.joined(separator: " "), tokenIDs: nil, tokenCount: kept.count,
                finishReason: kept.count < words.count ? .length : .stop, latency: 0))
        }
        return GenerationResult(candidates: candidates, promptTokens: Self.countTokens(request.input),
                                wallSeconds: 0)
    }
}

/// An error a fake generator throws.
struct FailureForTests: Error, CustomStringConvertible {
    var description: String
}
