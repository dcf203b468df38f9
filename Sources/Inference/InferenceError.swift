/// Everything that can go wrong in the Inference module. Each message says what failed, the offending
/// value and where (the file and byte offset for GGUF problems).
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    /// A GGUF file is malformed at `offset`.
    case malformedFile(path: String, offset: Int, message: String)
    /// The file is well-formed but describes a model Gait cannot run.
    case unsupportedModel(path: String, message: String)
    /// The model's chat template cannot be rendered.
    case unsupportedTemplate(String)
    /// A request or argument is out of range.
    case invalidRequest(String)
    /// Text or ids the tokenizer cannot handle.
    case tokenizer(String)
    /// Fetching or locating the model failed.
    case fetch(String)

    public var description: String {
        switch self {
        case let .malformedFile(path, offset, message): "\(path): byte \(offset): \(message)"
        case let .unsupportedModel(path, message): "\(path): unsupported model: \(message)"
        case let .unsupportedTemplate(message): "unsupported chat template: \(message)"
        case let .invalidRequest(message): "invalid request: \(message)"
        case let .tokenizer(message): "tokenizer: \(message)"
        case let .fetch(message): message
        }
    }
}
