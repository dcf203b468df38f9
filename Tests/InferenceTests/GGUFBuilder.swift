import Foundation
import Inference
import Kernels

/// Writes GGUF files for tests, recording where each section starts.
struct GGUFBuilder {
    var version: UInt32 = 3
    var metadata: [(String, GGUFValue)] = []
    var tensors: [(name: String, dims: [Int], type: UInt32, data: [UInt8])] = []
    var alignment = 32

    /// Byte offsets where sections end: after the header fields, each metadata entry, each tensor info, the padding.
    private(set) var boundaries: [Int] = []

    mutating func build() -> [UInt8] {
        var out: [UInt8] = []
        boundaries = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
        func typeID(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: 0
            case .int8: 1
            case .uint16: 2
            case .int16: 3
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            case .int64: 11
            case .float64: 12
            }
        }
        func value(_ v: GGUFValue) {
            switch v {
            case let .uint8(x): out.append(x)
            case let .int8(x): out.append(UInt8(bitPattern: x))
            case let .uint16(x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case let .int16(x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case let .uint32(x): u32(x)
            case let .int32(x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case let .float32(x): u32(x.bitPattern)
            case let .bool(x): out.append(x ? 1 : 0)
            case let .string(x): string(x)
            case let .array(items):
                u32(items.first.map(typeID) ?? 0)
                u64(UInt64(items.count))
                for item in items { value(item) }
            case let .uint64(x): u64(x)
            case let .int64(x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case let .float64(x): u64(x.bitPattern)
            }
        }
        out += Array("GGUF".utf8); boundaries.append(out.count)
        u32(version); boundaries.append(out.count)
        u64(UInt64(tensors.count)); boundaries.append(out.count)
        u64(UInt64(metadata.count)); boundaries.append(out.count)
        for (key, v) in metadata {
            string(key)
            u32(typeID(v))
            value(v)
            boundaries.append(out.count)
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        for (tensor, relative) in zip(tensors, offsets) {
            string(tensor.name)
            u32(UInt32(tensor.dims.count))
            for d in tensor.dims { u64(UInt64(d)) }
            u32(tensor.type)
            u64(UInt64(relative))
            boundaries.append(out.count)
        }
        while out.count % alignment != 0 { out.append(0) }
        boundaries.append(out.count)
        let dataStart = out.count
        for (tensor, relative) in zip(tensors, offsets) {
            while out.count < dataStart + relative { out.append(0) }
            out += tensor.data
            boundaries.append(out.count)
        }
        return out
    }

    mutating func write(to url: URL) throws {
        try Data(build()).write(to: url)
    }
}

/// A temporary file path removed by the caller.
func temporaryFile(_ name: String = "model.gguf") -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("gait-test-\(UUID().uuidString)-\(name)")
}

/// A deterministic generator for test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Float { Float(next() % 20001) / 10000 - 1 }
}

func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

/// A tiny llama model with random F32 weights and a byte-level vocabulary: 256 byte tokens, a few merges,
/// and the ChatML special tokens.
struct TinyLlama {
    static let width = 64, hidden = 96, heads = 4, kvHeads = 2, layers = 2, context = 64
    static let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    static let merges = ["h e", "l l", "he ll", "Ġ w", "o r"]

    static var tokens: [String] {
        var alphabet: [String] = []
        var next = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            alphabet.append(String(Character(Unicode.Scalar(UInt32(printable ? byte : next))!)))
            if !printable { next += 1 }
        }
        return specials + alphabet + merges.map { $0.replacingOccurrences(of: " ", with: "") }
    }

    /// Weights by tensor name (ggml order: `[columns, rows]`), as floats.
    static func weights(seed: UInt64) -> [(String, [Int], [Float])] {
        var random = TestRandom(state: seed)
        let vocabulary = tokens.count
        func matrix(_ rows: Int, _ columns: Int, scale: Float) -> [Float] { (0..<(rows * columns)).map { _ in random.unit() * scale } }
        func norm(_ n: Int) -> [Float] { (0..<n).map { _ in 1 + random.unit() * 0.1 } }
        var out: [(String, [Int], [Float])] = [("token_embd.weight", [width, vocabulary], matrix(vocabulary, width, scale: 1))]
        let kv = kvHeads * (width / heads)
        for i in 0..<layers {
            out += [
                ("blk.\(i).attn_norm.weight", [width], norm(width)),
                ("blk.\(i).attn_q.weight", [width, width], matrix(width, width, scale: 0.2)),
                ("blk.\(i).attn_k.weight", [width, kv], matrix(kv, width, scale: 0.2)),
                ("blk.\(i).attn_v.weight", [width, kv], matrix(kv, width, scale: 0.2)),
                ("blk.\(i).attn_output.weight", [width, width], matrix(width, width, scale: 0.2)),
                ("blk.\(i).ffn_norm.weight", [width], norm(width)),
                ("blk.\(i).ffn_gate.weight", [width, hidden], matrix(hidden, width, scale: 0.2)),
                ("blk.\(i).ffn_up.weight", [width, hidden], matrix(hidden, width, scale: 0.2)),
                ("blk.\(i).ffn_down.weight", [hidden, width], matrix(width, hidden, scale: 0.2)),
            ]
        }
        out.append(("output_norm.weight", [width], norm(width)))
        return out
    }

    static let chatTemplate = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are tiny.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    static func builder(seed: UInt64 = 1, architecture: String = "llama") -> GGUFBuilder {
        var builder = GGUFBuilder()
        let vocabulary = tokens
        builder.metadata = [
            ("general.architecture", .string(architecture)),
            ("general.name", .string("Tiny Llama")),
            ("llama.block_count", .uint32(UInt32(layers))),
            ("llama.context_length", .uint32(UInt32(context))),
            ("llama.embedding_length", .uint32(UInt32(width))),
            ("llama.feed_forward_length", .uint32(UInt32(hidden))),
            ("llama.attention.head_count", .uint32(UInt32(heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(kvHeads))),
            ("llama.rope.freq_base", .float32(10000)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(vocabulary.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(vocabulary.indices.map { .int32($0 < specials.count ? 3 : 1) })),
            ("tokenizer.ggml.merges", .array(merges.map { .string($0) })),
            ("tokenizer.ggml.bos_token_id", .uint32(1)),
            ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
            ("tokenizer.chat_template", .string(chatTemplate)),
        ]
        builder.tensors = weights(seed: seed).map { ($0.0, $0.1, 0, f32Bytes($0.2)) }
        return builder
    }
}
