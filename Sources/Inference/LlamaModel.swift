import Foundation
import Kernels

/// The hyper-parameters of a llama-architecture GGUF (`llama.*` metadata).
public struct LlamaConfig: Sendable, Hashable {
    public var layers: Int
    public var width: Int
    public var hiddenWidth: Int
    public var heads: Int
    public var kvHeads: Int
    public var headWidth: Int
    public var rotaryDimensions: Int
    public var ropeBase: Float
    public var rmsEpsilon: Float
    public var contextLength: Int
    public var vocabularySize: Int

    public var kvWidth: Int { kvHeads * headWidth }
}

/// One transformer block's weights.
struct LlamaLayer: Sendable {
    let attentionNorm: [Float]
    let query: WeightMatrix
    let key: WeightMatrix
    let value: WeightMatrix
    let output: WeightMatrix
    let ffnNorm: [Float]
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix
}

/// A llama-architecture model loaded from a GGUF file: configuration, weights (views into the memory map),
/// tokenizer and chat template.
public final class LlamaModel: Sendable {
    public let gguf: GGUFFile
    public let config: LlamaConfig
    public let tokenizer: Tokenizer
    /// The chat template, or nil when the file has none Gait can render (`templateProblem` says why).
    public let chatTemplate: ChatTemplate?
    public let templateProblem: String?
    /// `general.name`, or the file name.
    public let name: String
    let embedding: WeightMatrix
    let layers: [LlamaLayer]
    let outputNorm: [Float]
    let outputMatrix: WeightMatrix

    /// Loads the model at `url`.
    /// - Throws: `InferenceError` when the file is malformed, not llama, or uses a tensor type Gait lacks.
    public convenience init(url: URL) throws {
        try self.init(gguf: GGUFFile(url: url))
    }

    public init(gguf: GGUFFile) throws {
        self.gguf = gguf
        let path = gguf.url.path
        let architecture = try gguf.string("general.architecture")
        guard architecture == "llama" else {
            throw InferenceError.unsupportedModel(path: path, message: "architecture '\(architecture)' (only 'llama' is supported)")
        }
        func int(_ key: String) throws -> Int {
            let value = try gguf.integer("llama.\(key)")
            guard value > 0 else {
                throw InferenceError.unsupportedModel(path: path, message: "llama.\(key) is \(value), expected a positive number")
            }
            return value
        }
        let width = try int("embedding_length")
        let heads = try int("attention.head_count")
        let kvHeads = gguf.value("llama.attention.head_count_kv") == nil ? heads : try int("attention.head_count_kv")
        guard width % heads == 0, heads % kvHeads == 0 else {
            throw InferenceError.unsupportedModel(path: path, message: "width \(width) with \(heads) heads and \(kvHeads) KV heads does not divide evenly")
        }
        let headWidth = width / heads
        guard headWidth % 8 == 0 else {
            throw InferenceError.unsupportedModel(path: path, message: "head width \(headWidth) is not a multiple of 8")
        }
        let tokenizer = try Tokenizer(gguf: gguf)
        let rotary = gguf.value("llama.rope.dimension_count") == nil ? headWidth : try int("rope.dimension_count")
        guard rotary <= headWidth, rotary % 2 == 0 else {
            throw InferenceError.unsupportedModel(path: path, message: "llama.rope.dimension_count \(rotary) does not fit head width \(headWidth)")
        }
        if gguf.value("llama.rope.scaling.type") != nil, let type = try? gguf.string("llama.rope.scaling.type"), type != "none" {
            throw InferenceError.unsupportedModel(path: path, message: "RoPE scaling '\(type)' is not supported")
        }
        let config = LlamaConfig(
            layers: try int("block_count"), width: width, hiddenWidth: try int("feed_forward_length"),
            heads: heads, kvHeads: kvHeads, headWidth: headWidth, rotaryDimensions: rotary,
            ropeBase: Float(gguf.value("llama.rope.freq_base") == nil ? 10000 : try gguf.number("llama.rope.freq_base")),
            rmsEpsilon: Float(try gguf.number("llama.attention.layer_norm_rms_epsilon")),
            contextLength: try int("context_length"), vocabularySize: tokenizer.vocabularySize)
        guard width % 32 == 0, config.hiddenWidth % 32 == 0 else {
            throw InferenceError.unsupportedModel(path: path, message: "widths \(width) and \(config.hiddenWidth) must be multiples of 32")
        }
        self.config = config
        self.tokenizer = tokenizer
        embedding = try gguf.matrix("token_embd.weight", rows: config.vocabularySize, columns: width)
        layers = try (0..<config.layers).map { i in
            let p = "blk.\(i)."
            return LlamaLayer(
                attentionNorm: try gguf.vector(p + "attn_norm.weight", count: width),
                query: try gguf.matrix(p + "attn_q.weight", rows: width, columns: width),
                key: try gguf.matrix(p + "attn_k.weight", rows: config.kvWidth, columns: width),
                value: try gguf.matrix(p + "attn_v.weight", rows: config.kvWidth, columns: width),
                output: try gguf.matrix(p + "attn_output.weight", rows: width, columns: width),
                ffnNorm: try gguf.vector(p + "ffn_norm.weight", count: width),
                gate: try gguf.matrix(p + "ffn_gate.weight", rows: config.hiddenWidth, columns: width),
                up: try gguf.matrix(p + "ffn_up.weight", rows: config.hiddenWidth, columns: width),
                down: try gguf.matrix(p + "ffn_down.weight", rows: width, columns: config.hiddenWidth))
        }
        outputNorm = try gguf.vector("output_norm.weight", count: width)
        outputMatrix = gguf.tensor("output.weight") == nil
            ? embedding : try gguf.matrix("output.weight", rows: config.vocabularySize, columns: width)
        name = (try? gguf.string("general.name")) ?? gguf.url.deletingPathExtension().lastPathComponent
        do {
            chatTemplate = try ChatTemplate(gguf.value("tokenizer.chat_template").flatMap {
                if case let .string(s) = $0 { s } else { nil }
            })
            templateProblem = nil
        } catch let InferenceError.unsupportedTemplate(problem) {
            chatTemplate = nil
            templateProblem = problem
        }
    }

    /// The tensor types used by the weights, with how many tensors have each.
    public var tensorTypeCounts: [(name: String, count: Int)] {
        var counts: [String: Int] = [:]
        for tensor in gguf.tensors { counts[tensor.typeName, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The token ids of a request's prompt: the chat template applied to a conversation (special tokens
    /// parsed), or a raw text taken verbatim with special tokens parsed.
    /// - Throws: `InferenceError.unsupportedTemplate` for a chat when the model has no usable template.
    public func promptTokens(for input: GenerationInput) throws -> [Int32] {
        switch input {
        case let .raw(text):
            return tokenizer.encode(text, parseSpecial: true, addBOS: tokenizer.addsBOS)
        case let .chat(messages):
            guard let chatTemplate else {
                throw InferenceError.unsupportedTemplate(
                    "\(templateProblem ?? "none"); pass the prompt text verbatim instead (--raw)")
            }
            return tokenizer.encode(chatTemplate.render(messages), parseSpecial: true, addBOS: tokenizer.addsBOS)
        }
    }
}
