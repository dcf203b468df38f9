import Foundation
import GaitStore
import Inference

/// Builds the generators the commands use.
enum GeneratorFactory {
    /// The embedded engine over a GGUF file, or the default model (fetched when missing).
    static func local(path: String?, threads: Int?) throws -> any Generator {
        throw StoreError.refused("the embedded engine is not part of this build yet")
    }

    /// An OpenAI-compatible server.
    static func endpoint(url: String, modelName: String) throws -> any Generator {
        throw StoreError.refused("the endpoint backend is not part of this build yet")
    }
}
