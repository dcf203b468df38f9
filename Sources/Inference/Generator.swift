import Foundation

/// One message of a chat conversation.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// Who speaks: only the three roles every chat template and trainer understands.
    public enum Role: String, Sendable, Hashable, Codable { case system, user, assistant }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// How tokens are chosen. A value of nil disables that filter.
public struct SamplingParameters: Sendable, Hashable, Codable {
    /// 0 means greedy decoding.
    public var temperature: Double
    public var topK: Int?
    public var topP: Double?
    public var minP: Double?
    /// 1.0 or nil means no penalty.
    public var repeatPenalty: Double?
    /// The same seed gives the same tokens, whatever the thread count.
    public var seed: UInt64
    /// The most tokens generated per candidate.
    public var maxTokens: Int

    public init(temperature: Double = 0.8, topK: Int? = nil, topP: Double? = nil, minP: Double? = nil,
                repeatPenalty: Double? = nil, seed: UInt64 = 0, maxTokens: Int = 256) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.seed = seed
        self.maxTokens = maxTokens
    }
}

/// What to generate: a conversation rendered by the model's chat template, or a raw prompt text.
public enum GenerationInput: Sendable, Hashable {
    case chat([ChatMessage])
    /// Taken verbatim; special tokens in it are parsed as special tokens.
    case raw(String)
}

/// A request for `n` candidates of one prompt.
public struct GenerationRequest: Sendable, Hashable {
    public var input: GenerationInput
    public var n: Int
    public var sampling: SamplingParameters

    public init(input: GenerationInput, n: Int = 1, sampling: SamplingParameters = SamplingParameters()) {
        self.input = input
        self.n = n
        self.sampling = sampling
    }
}

/// Why a candidate ended.
public enum FinishReason: String, Sendable, Hashable, Codable {
    /// An end-of-generation token (or the server's stop).
    case stop
    /// The token limit.
    case length
}

/// One generated output.
public struct GeneratedCandidate: Sendable, Hashable {
    public var text: String
    /// The generated token ids, when the backend reports them (the embedded engine does).
    public var tokenIDs: [Int32]?
    public var tokenCount: Int
    public var finishReason: FinishReason
    /// Seconds from the request until this candidate was complete.
    public var latency: Double

    public init(text: String, tokenIDs: [Int32]?, tokenCount: Int, finishReason: FinishReason, latency: Double) {
        self.text = text
        self.tokenIDs = tokenIDs
        self.tokenCount = tokenCount
        self.finishReason = finishReason
        self.latency = latency
    }
}

/// The candidates of one request and what producing them cost.
public struct GenerationResult: Sendable, Hashable {
    public var candidates: [GeneratedCandidate]
    public var promptTokens: Int
    /// Wall-clock seconds for the whole request.
    public var wallSeconds: Double

    public init(candidates: [GeneratedCandidate], promptTokens: Int, wallSeconds: Double) {
        self.candidates = candidates
        self.promptTokens = promptTokens
        self.wallSeconds = wallSeconds
    }
}

/// Which model produced candidates: recorded on every run.
public struct ModelIdentity: Sendable, Hashable, Codable {
    /// `local` for the embedded engine, `openai` for an OpenAI-compatible server.
    public var backend: String
    /// The model's name (the GGUF's `general.name`, or the server's model name).
    public var name: String
    /// sha256 of the GGUF file, for the embedded engine.
    public var fileSHA256: String?
    /// The server's base URL, for the endpoint backend.
    public var endpoint: String?
    /// The Hugging Face id of the model, where known (used by fine-tuning configs).
    public var huggingFaceID: String?

    public init(backend: String, name: String, fileSHA256: String? = nil, endpoint: String? = nil,
                huggingFaceID: String? = nil) {
        self.backend = backend
        self.name = name
        self.fileSHA256 = fileSHA256
        self.endpoint = endpoint
        self.huggingFaceID = huggingFaceID
    }
}

/// Produces candidates. The embedded engine and the OpenAI-compatible client both conform, so
/// `gait generate` does not care which one it talks to.
public protocol Generator: Sendable {
    var identity: ModelIdentity { get }
    /// Generates `request.n` candidates. `onToken` is called with (candidate index, text piece)
    /// as text becomes available, for progress and streaming; it may never be called.
    /// Checks task cancellation between tokens and throws `CancellationError` when cancelled.
    func generate(_ request: GenerationRequest,
                  onToken: (@Sendable (Int, String) -> Void)?) async throws -> GenerationResult
}
