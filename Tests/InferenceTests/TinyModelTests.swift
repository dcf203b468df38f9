import Foundation
import Inference
import Testing

/// A direct, unoptimized llama forward pass over float weights: the reference for the engine's.
struct NaiveLlama {
    let weights: [String: [Float]]
    let width = TinyLlama.width, hidden = TinyLlama.hidden, heads = TinyLlama.heads, kvHeads = TinyLlama.kvHeads
    var headWidth: Int { width / heads }

    init(seed: UInt64) {
        weights = Dictionary(uniqueKeysWithValues: TinyLlama.weights(seed: seed).map { ($0.0, $0.2) })
    }

    func matvec(_ name: String, _ x: [Float], rows: Int) -> [Float] {
        let w = weights[name]!
        let columns = x.count
        return (0..<rows).map { r in (0..<columns).reduce(Float(0)) { $0 + w[r * columns + $1] * x[$1] } }
    }

    func rmsNorm(_ x: [Float], _ name: String) -> [Float] {
        let w = weights[name]!
        let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / Float(x.count) + 1e-5).squareRoot()
        return x.indices.map { x[$0] * scale * w[$0] }
    }

    func rope(_ x: [Float], position: Int, heads: Int) -> [Float] {
        var out = x
        for h in 0..<heads {
            for i in 0..<(headWidth / 2) {
                let theta = Float(position) * powf(10000, -2 * Float(i) / Float(headWidth))
                let a = x[h * headWidth + 2 * i], b = x[h * headWidth + 2 * i + 1]
                out[h * headWidth + 2 * i] = a * cosf(theta) - b * sinf(theta)
                out[h * headWidth + 2 * i + 1] = a * sinf(theta) + b * cosf(theta)
            }
        }
        return out
    }

    /// Logits after each token.
    func logits(_ tokens: [Int32]) -> [[Float]] {
        let embedding = weights["token_embd.weight"]!
        let vocabulary = embedding.count / width
        var keys = [[[Float]]](repeating: [], count: TinyLlama.layers)
        var values = keys
        var out: [[Float]] = []
        for (position, token) in tokens.enumerated() {
            var x = Array(embedding[(Int(token) * width)..<(Int(token) * width + width)])
            for l in 0..<TinyLlama.layers {
                let p = "blk.\(l)."
                let n = rmsNorm(x, p + "attn_norm.weight")
                let q = rope(matvec(p + "attn_q.weight", n, rows: width), position: position, heads: heads)
                keys[l].append(rope(matvec(p + "attn_k.weight", n, rows: kvHeads * headWidth), position: position, heads: kvHeads))
                values[l].append(matvec(p + "attn_v.weight", n, rows: kvHeads * headWidth))
                var attention = [Float](repeating: 0, count: width)
                for h in 0..<heads {
                    let g = h / (heads / kvHeads)
                    var scores = (0...position).map { t in
                        (0..<headWidth).reduce(Float(0)) { $0 + q[h * headWidth + $1] * keys[l][t][g * headWidth + $1] }
                            / Float(headWidth).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { expf($0 - m) }
                    let sum = scores.reduce(0, +)
                    for i in 0..<headWidth {
                        attention[h * headWidth + i] = (0...position).reduce(Float(0)) { $0 + scores[$1] / sum * values[l][$1][g * headWidth + i] }
                    }
                }
                let o = matvec(p + "attn_output.weight", attention, rows: width)
                x = x.indices.map { x[$0] + o[$0] }
                let n2 = rmsNorm(x, p + "ffn_norm.weight")
                let gate = matvec(p + "ffn_gate.weight", n2, rows: hidden)
                let up = matvec(p + "ffn_up.weight", n2, rows: hidden)
                let act = gate.indices.map { gate[$0] / (1 + expf(-gate[$0])) * up[$0] }
                let d = matvec(p + "ffn_down.weight", act, rows: width)
                x = x.indices.map { x[$0] + d[$0] }
            }
            let final = rmsNorm(x, "output_norm.weight")
            out.append((0..<vocabulary).map { v in (0..<width).reduce(Float(0)) { $0 + embedding[v * width + $1] * final[$1] } })
        }
        return out
    }
}

@Suite("Tiny llama models written by the tests")
struct TinyModelTests {
    static func load(_ builder: GGUFBuilder, threads: Int = 2) throws -> (LocalEngine, URL) {
        var builder = builder
        let url = temporaryFile()
        try builder.write(to: url)
        return (LocalEngine(model: try LlamaModel(url: url), threads: threads), url)
    }

    static func loadError(_ builder: GGUFBuilder) -> String? {
        var builder = builder
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            try builder.write(to: url)
            _ = try LlamaModel(url: url)
            return nil
        } catch {
            return "\(error)".replacingOccurrences(of: url.path, with: "FILE")
        }
    }

    @Test("the forward pass equals a direct computation, batched or token by token")
    func forwardMatchesReference() throws {
        let (engine, url) = try Self.load(TinyLlama.builder(seed: 3))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(engine.model.config.kvHeads == 2 && engine.model.name == "Tiny Llama")
        let tokens: [Int32] = [5, 80, 120, 7, 200, 33, 4]
        let reference = NaiveLlama(seed: 3).logits(tokens)
        // Exact in f32 (f32 KV cache); the default f16 cache rounds keys, values, queries and the attention sum
        // to 11 significant bits, so it stays within a looser bound.
        let exact = try LocalEngine(model: engine.model, threads: 2, precision: .float).logits(for: tokens)
        let batched = try engine.logits(for: tokens)
        for position in tokens.indices {
            for v in stride(from: 0, to: reference[position].count, by: 7) {
                let scale = max(1, abs(reference[position][v]))
                #expect(abs(exact[position][v] - reference[position][v]) < 2e-3 * scale, "position \(position) token \(v)")
                #expect(abs(batched[position][v] - reference[position][v]) < 2e-2 * scale, "position \(position) token \(v)")
            }
        }
        // Greedy decoding one token at a time follows the same logits.
        let generation = try engine.generate(promptTokens: Array(tokens.prefix(3)), n: 1,
                                             sampling: SamplingParameters(temperature: 0, maxTokens: 1), stopAtEnd: false)
        let expected = reference[2].indices.max { reference[2][$0] < reference[2][$1] }!
        #expect(generation.candidates[0].tokenIDs == [Int32(expected)])
    }

    @Test("generation is reproducible for a seed and independent of the thread count and of n")
    func reproducible() throws {
        let (one, url) = try Self.load(TinyLlama.builder(seed: 4), threads: 1)
        defer { try? FileManager.default.removeItem(at: url) }
        let three = LocalEngine(model: one.model, threads: 3)
        let sampling = SamplingParameters(temperature: 1.0, topK: 50, topP: 0.9, minP: 0.01, repeatPenalty: 1.1,
                                          seed: 99, maxTokens: 12)
        let prompt: [Int32] = [10, 20, 30]
        let a = try one.generate(promptTokens: prompt, n: 5, sampling: sampling, stopAtEnd: false)
        let b = try three.generate(promptTokens: prompt, n: 5, sampling: sampling, stopAtEnd: false)
        #expect(a.candidates.map(\.tokenIDs) == b.candidates.map(\.tokenIDs))
        #expect(a.candidates.allSatisfy { $0.tokenIDs.count == 12 && $0.finishReason == .length })
        #expect(Set(a.candidates.map(\.tokenIDs)).count > 1)
        // Candidate 2 of a batch of 5 equals candidate 2 of a batch of 3 (its own random stream).
        let c = try three.generate(promptTokens: prompt, n: 3, sampling: sampling, stopAtEnd: false)
        #expect(c.candidates[2].tokenIDs == a.candidates[2].tokenIDs)
        var other = sampling
        other.seed = 100
        let d = try one.generate(promptTokens: prompt, n: 5, sampling: other, stopAtEnd: false)
        #expect(d.candidates.map(\.tokenIDs) != a.candidates.map(\.tokenIDs))
    }

    @Test("quantized weights give logits close to the float model", arguments: [UInt32(8), 3, 2, 1])
    func quantizedWeights(type: UInt32) throws {
        var builder = TinyLlama.builder(seed: 5)
        builder.tensors = builder.tensors.map { tensor in
            guard tensor.dims.count == 2 else { return tensor }
            let floats = stride(from: 0, to: tensor.data.count, by: 4).map {
                Float(bitPattern: UInt32(tensor.data[$0]) | UInt32(tensor.data[$0 + 1]) << 8
                      | UInt32(tensor.data[$0 + 2]) << 16 | UInt32(tensor.data[$0 + 3]) << 24)
            }
            return (tensor.name, tensor.dims, type, Quantize.blocks(floats, type: type))
        }
        let (engine, url) = try Self.load(builder)
        defer { try? FileManager.default.removeItem(at: url) }
        let (reference, referenceURL) = try Self.load(TinyLlama.builder(seed: 5))
        defer { try? FileManager.default.removeItem(at: referenceURL) }
        let tokens: [Int32] = [9, 60, 61, 62]
        let ours = try engine.logits(for: tokens), exact = try reference.logits(for: tokens)
        // Relative to the largest logit: f16 weights are nearly exact, 8-bit close, 4-bit coarse.
        let tolerance: Float = type == 1 ? 0.002 : type == 8 ? 0.03 : 0.3
        for position in tokens.indices {
            var worst: Float = 0, largest: Float = 0
            for v in exact[position].indices {
                worst = max(worst, abs(ours[position][v] - exact[position][v]))
                largest = max(largest, abs(exact[position][v]))
            }
            #expect(worst / largest < tolerance, "type \(type) position \(position): \(worst) of \(largest)")
        }
        // The same quantized weights with f32 activations: only the 8-bit activation rounding differs.
        let floatActivations = try LocalEngine(model: engine.model, threads: 2, precision: .float).logits(for: tokens)
        for position in tokens.indices {
            var worst: Float = 0, largest: Float = 0
            for v in exact[position].indices {
                worst = max(worst, abs(ours[position][v] - floatActivations[position][v]))
                largest = max(largest, abs(floatActivations[position][v]))
            }
            #expect(worst / largest < 0.03, "type \(type) position \(position): \(worst) of \(largest)")
        }
    }

    @Test("models Gait cannot run are refused with a message that names what is missing")
    func refusals() {
        #expect(Self.loadError(TinyLlama.builder(architecture: "qwen2")) ==
                "FILE: unsupported model: architecture 'qwen2' (only 'llama' is supported)")
        var builder = TinyLlama.builder()
        builder.tensors[2].type = 13
        #expect(Self.loadError(builder) ==
                "FILE: unsupported model: tensor 'blk.0.attn_q.weight' has type Q5_K, which Gait cannot compute with (supported: F32, F16, Q4_0, Q4_1, Q8_0)")
        builder = TinyLlama.builder()
        builder.tensors.removeLast()
        #expect(Self.loadError(builder) == "FILE: unsupported model: missing tensor 'output_norm.weight'")
        builder = TinyLlama.builder()
        builder.metadata.removeAll { $0.0 == "llama.block_count" }
        #expect(Self.loadError(builder) == "FILE: unsupported model: missing metadata key 'llama.block_count'")
        builder = TinyLlama.builder()
        builder.metadata[10] = ("tokenizer.ggml.model", .string("llama"))
        #expect(Self.loadError(builder) ==
                "FILE: unsupported model: tokenizer model 'llama' (only 'gpt2' byte-level BPE is supported)")
        builder = TinyLlama.builder()
        builder.metadata[6] = ("llama.attention.head_count", .uint32(5))
        #expect(Self.loadError(builder) ==
                "FILE: unsupported model: width 64 with 5 heads and 2 KV heads does not divide evenly")
    }

    @Test("a model without a ChatML template refuses chats but takes raw prompts")
    func templates() throws {
        var builder = TinyLlama.builder()
        builder.metadata.removeAll { $0.0 == "tokenizer.chat_template" }
        builder.metadata.append(("tokenizer.chat_template", .string("{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}")))
        let (engine, url) = try Self.load(builder)
        defer { try? FileManager.default.removeItem(at: url) }
        let problem = "unsupported chat template: the template is not ChatML (lacks <|im_start|>, <|im_end|>, message['role'], message['content'], for message in messages): \"{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}…\"; pass the prompt text verbatim instead (--raw)"
        #expect(throws: InferenceError.unsupportedTemplate(String(problem.dropFirst("unsupported chat template: ".count)))) {
            try engine.model.promptTokens(for: .chat([ChatMessage(role: .user, content: "hi")]))
        }
        let raw = try engine.model.promptTokens(for: .raw("<|im_start|>hi"))
        #expect(raw == [1] + engine.model.tokenizer.encode("hi"))
    }

    @Test("the tiny chat template renders ChatML with its default system message")
    func chatRendering() throws {
        let (engine, url) = try Self.load(TinyLlama.builder())
        defer { try? FileManager.default.removeItem(at: url) }
        let template = try #require(engine.model.chatTemplate)
        #expect(template.defaultSystemMessage == "You are tiny.")
        #expect(template.render([ChatMessage(role: .user, content: "Hi")]) ==
                "<|im_start|>system\nYou are tiny.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(template.render([ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: "Hi")]) ==
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let ids = try engine.model.promptTokens(for: .chat([ChatMessage(role: .user, content: "Hi")]))
        #expect(ids.first == 1 && ids.filter { $0 == 2 }.count == 2)
    }

    @Test("requests out of range are refused with the offending value")
    func invalidRequests() throws {
        let (engine, url) = try Self.load(TinyLlama.builder())
        defer { try? FileManager.default.removeItem(at: url) }
        let sampling = SamplingParameters(maxTokens: 4)
        #expect(throws: InferenceError.invalidRequest("the prompt has no tokens")) {
            try engine.generate(promptTokens: [], n: 1, sampling: sampling)
        }
        #expect(throws: InferenceError.invalidRequest("n is 0, expected 1 to 64")) {
            try engine.generate(promptTokens: [5], n: 0, sampling: sampling)
        }
        #expect(throws: InferenceError.invalidRequest("the prompt has 64 tokens; the model's context holds 64")) {
            try engine.generate(promptTokens: [Int32](repeating: 5, count: 64), n: 1, sampling: sampling)
        }
        #expect(throws: InferenceError.invalidRequest("token id 9999 is outside the vocabulary of 264")) {
            try engine.generate(promptTokens: [9999], n: 1, sampling: sampling)
        }
        #expect(throws: InferenceError.invalidRequest("the text has 3 tokens, fewer than one window of 8")) {
            try engine.perplexity(tokens: [1, 2, 3], context: 8)
        }
        // The token limit is cut to what the context holds.
        let long = try engine.generate(promptTokens: [Int32](repeating: 5, count: 60), n: 1,
                                       sampling: SamplingParameters(temperature: 0, maxTokens: 100), stopAtEnd: false)
        #expect(long.candidates[0].tokenIDs.count == 4)
    }
}

/// Float → ggml block quantization for building test models (round to nearest, ggml's reference formulas).
enum Quantize {
    static func half(_ v: Float) -> [UInt8] {
        let bits = Float16(v).bitPattern
        return [UInt8(bits & 0xff), UInt8(bits >> 8)]
    }

    static func blocks(_ values: [Float], type: UInt32) -> [UInt8] {
        if type == 1 { return values.flatMap(half) }
        var out: [UInt8] = []
        for start in stride(from: 0, to: values.count, by: 32) {
            let block = Array(values[start..<(start + 32)])
            switch type {
            case 8:
                let d = (block.map(abs).max() ?? 0) / 127
                out += half(d) + block.map { UInt8(bitPattern: Int8(d == 0 ? 0 : ($0 / d).rounded())) }
            case 2:
                let extreme = block.max { abs($0) < abs($1) } ?? 0
                let d = extreme / -8
                let q = block.map { UInt8(min(15, max(0, (d == 0 ? 0 : $0 / d + 8.5).rounded(.down)))) }
                out += half(d) + (0..<16).map { q[$0] | q[$0 + 16] << 4 }
            default:
                let lo = block.min() ?? 0, hi = block.max() ?? 0
                let d = (hi - lo) / 15
                let q = block.map { UInt8(min(15, max(0, (d == 0 ? 0 : ($0 - lo) / d + 0.5).rounded(.down)))) }
                out += half(d) + half(lo) + (0..<16).map { q[$0] | q[$0 + 16] << 4 }
            }
        }
        return out
    }
}
