import ArgumentParser
import Foundation
import GaitStore
import Inference

/// Which model generates: the embedded engine (default model or a GGUF path) or an
/// OpenAI-compatible server.
struct ModelSourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A GGUF model file (default: the embedded SmolLM2-135M-Instruct, fetched if missing).", valueName: "path"))
    var model: String?

    @Option(help: ArgumentHelp("The base URL of an OpenAI-compatible server (llama-server, Ollama, vLLM, gait model serve).", valueName: "url"))
    var endpoint: String?

    @Option(name: .customLong("model-name"), help: "The model name to ask the server for (with --endpoint).")
    var modelName: String?

    @Option(help: "Threads for the embedded engine (default: the number of cores).")
    var threads: Int?

    func validate() throws {
        if endpoint != nil, model != nil { throw ValidationError("--model and --endpoint exclude each other") }
        if endpoint != nil, modelName == nil { throw ValidationError("--endpoint needs --model-name") }
        if endpoint == nil, modelName != nil { throw ValidationError("--model-name goes with --endpoint") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The generator these options name; for a resumed run, the one the run recorded.
    func makeGenerator(for run: RunSpec?) async throws -> any Generator {
        if let run {
            if run.backend == "openai" {
                guard let endpoint = run.endpoint else {
                    throw StoreError.refused("the run records no endpoint; it cannot be resumed")
                }
                return try GeneratorFactory.endpoint(url: endpoint, modelName: run.modelName)
            }
            let generator = try GeneratorFactory.local(path: model, threads: threads)
            if let recorded = run.modelSHA256, let actual = generator.identity.fileSHA256, recorded != actual {
                throw StoreError.refused("the run was generated with a model file of sha256 \(recorded), but the model now given has \(actual); pass --model with the original file")
            }
            return generator
        }
        if let endpoint, let modelName {
            return try GeneratorFactory.endpoint(url: endpoint, modelName: modelName)
        }
        return try GeneratorFactory.local(path: model, threads: threads)
    }
}
