import Foundation
import Kernels

/// The embedded engine behind the `Generator` interface: `n` candidates per request, decoded as one batch.
public struct LocalGenerator: Generator {
    public let engine: LocalEngine
    public let identity: ModelIdentity

    /// A generator over a loaded engine. `fileSHA256` and `huggingFaceID` go into the identity.
    public init(engine: LocalEngine, fileSHA256: String?, huggingFaceID: String?) {
        self.engine = engine
        identity = ModelIdentity(backend: "local", name: engine.model.name, fileSHA256: fileSHA256,
                                 huggingFaceID: huggingFaceID)
    }

    /// Loads the GGUF at `url` (hashing it for the identity) on `threads` threads (default: every core).
    /// - Throws: `InferenceError` when the file cannot be read or the model is unsupported.
    public static func load(url: URL, threads: Int? = nil, huggingFaceID: String? = nil) throws -> LocalGenerator {
        let model = try LlamaModel(url: url)
        let hash = try ModelLocator.modelHash(url)
        let knownID = hash == ModelLocator.defaultSource.sha256 ? ModelLocator.defaultSource.huggingFaceID : nil
        return LocalGenerator(engine: LocalEngine(model: model, threads: threads), fileSHA256: hash,
                              huggingFaceID: huggingFaceID ?? knownID)
    }

    /// The SHA-256 of a model file, lowercase hex.
    /// - Throws: `InferenceError.fetch` when the file cannot be read.
    public static func sha256(of url: URL) throws -> String {
        try ModelLocator.modelHash(url)
    }

    /// Loads the embedded default model, fetching it first when missing (saying so through `log`).
    public static func loadDefault(threads: Int? = nil, fetchIfMissing: Bool = true,
                                   log: (String) -> Void) throws -> LocalGenerator {
        let url = try ModelLocator.defaultModelURL(fetchIfMissing: fetchIfMissing, log: log)
        return try load(url: url, threads: threads, huggingFaceID: ModelLocator.defaultSource.huggingFaceID)
    }

    /// Generates on a thread of its own: the forward passes take seconds of CPU, and holding one
    /// of Swift's few cooperative threads that long would stall every other task of the process
    /// (a server's other connections, a progress display).
    public func generate(_ request: GenerationRequest,
                         onToken: (@Sendable (Int, String) -> Void)?) async throws -> GenerationResult {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                Thread.current.threadDictionary[Self.generationThreadKey] = true
                continuation.resume(with: Result { try generateHere(request, onToken: onToken) })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private static let generationThreadKey = "gait.generation-thread"

    /// Whether the calling thread is one that `generate` decodes on (`onToken` runs there).
    public static var isGenerationThread: Bool { Thread.current.threadDictionary[generationThreadKey] != nil }

    /// `generate` on the calling thread.
    public func generateHere(_ request: GenerationRequest,
                             onToken: (@Sendable (Int, String) -> Void)?) throws -> GenerationResult {
        let start = ContinuousClock.now
        let prompt = try engine.model.promptTokens(for: request.input)
        let generation = try engine.generate(promptTokens: prompt, n: request.n, sampling: request.sampling,
                                             onToken: onToken)
        return GenerationResult(
            candidates: generation.candidates.map {
                GeneratedCandidate(text: $0.text, tokenIDs: $0.tokenIDs, tokenCount: $0.tokenIDs.count,
                                   finishReason: $0.finishReason, latency: $0.latency)
            },
            promptTokens: generation.promptTokens, wallSeconds: seconds(since: start))
    }
}
