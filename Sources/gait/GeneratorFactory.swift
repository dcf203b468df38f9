import Foundation
import GaitStore
import Inference

/// Builds the generators the commands use.
enum GeneratorFactory {
    /// The embedded engine over a GGUF file, or the default model (fetched when missing, saying so).
    static func local(path: String?, threads: Int?) throws -> any Generator {
        try localEngine(path: path, threads: threads)
    }

    /// The embedded engine itself, for commands that need more than the `Generator` interface.
    static func localEngine(path: String?, threads: Int?) throws -> LocalGenerator {
        if let path {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError.refused("no model file at \(path)")
            }
            return try LocalGenerator.load(url: URL(fileURLWithPath: path), threads: threads)
        }
        return try LocalGenerator.loadDefault(threads: threads) { Terminal.error($0) }
    }

    /// An OpenAI-compatible server.
    static func endpoint(url: String, modelName: String) throws -> any Generator {
        try OpenAICompatibleGenerator(endpoint: url, modelName: modelName)
    }
}
