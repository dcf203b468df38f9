import Foundation

/// GPT-2 byte-level BPE (Radford et al. 2019; Sennrich et al. 2016) built from a GGUF's tokenizer metadata.
///
/// Splitting follows llama.cpp's `smollm` pre-tokenizer (llama-vocab.cpp, `LLAMA_VOCAB_PRE_TYPE_SMOLLM`):
/// every `\p{N}` code point is its own piece, then each remaining piece is split by the GPT-2 pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (llama.cpp's
/// `unicode_regex_split_custom_gpt2`). Each piece's bytes map to GPT-2's printable byte alphabet and are
/// merged by rank. Special tokens (control and user-defined tokens) are matched first, longest first; control
/// tokens only when `parseSpecial` is set, as llama.cpp's `tokenizer_st_partition` does.
public final class Tokenizer: Sendable {
    /// Token kinds of `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`).
    public enum TokenKind: Int, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public let tokens: [String]
    public let kinds: [TokenKind]
    /// `tokenizer.ggml.bos_token_id`, if any.
    public let bosID: Int32?
    /// `tokenizer.ggml.eos_token_id`, if any.
    public let eosID: Int32?
    /// Tokens that end a generation: EOS plus `<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, `<|end|>` when present.
    public let endOfGenerationIDs: Set<Int32>
    /// Whether the model expects BOS before a prompt (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool

    private let ids: [String: Int32]
    /// (left id, right id) → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, id: Int32)]
    /// Special tokens, longest first.
    private let specials: [(text: String, id: Int32, kind: TokenKind)]
    /// Byte → its id as a single-character token, for bytes whose character is not in a merge result.
    private let byteIDs: [Int32?]
    /// Token id → its bytes (GPT-2 alphabet undone; special tokens as their UTF-8 text).
    private let tokenBytes: [[UInt8]]

    public var vocabularySize: Int { tokens.count }

    /// Builds the tokenizer from a GGUF's `tokenizer.ggml.*` metadata.
    /// - Throws: when the tokenizer model is not `gpt2`, the pre-tokenizer is unknown, or arrays disagree.
    public convenience init(gguf: GGUFFile) throws {
        let path = gguf.url.path
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw InferenceError.unsupportedModel(path: path, message: "tokenizer model '\(model)' (only 'gpt2' byte-level BPE is supported)")
        }
        let pre = (try? gguf.string("tokenizer.ggml.pre")) ?? "default"
        guard ["smollm", "gpt2", "default", "starcoder", "refact", "codeshell"].contains(pre) else {
            throw InferenceError.unsupportedModel(path: path, message: "pre-tokenizer '\(pre)' (supported: smollm, gpt2, starcoder, refact, codeshell)")
        }
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let types = gguf.value("tokenizer.ggml.token_type") == nil
            ? [Int](repeating: 1, count: tokens.count) : try gguf.integers("tokenizer.ggml.token_type")
        guard types.count == tokens.count else {
            throw InferenceError.unsupportedModel(path: path, message: "\(types.count) token types for \(tokens.count) tokens")
        }
        let merges = try gguf.strings("tokenizer.ggml.merges")
        func optionalID(_ key: String) throws -> Int32? {
            guard gguf.value(key) != nil else { return nil }
            let id = try gguf.integer(key)
            guard id >= 0, id < tokens.count else {
                throw InferenceError.unsupportedModel(path: path, message: "\(key) \(id) is outside the vocabulary of \(tokens.count)")
            }
            return Int32(id)
        }
        let addsBOS: Bool
        if case let .bool(flag)? = gguf.value("tokenizer.ggml.add_bos_token") { addsBOS = flag } else { addsBOS = false }
        try self.init(tokens: tokens, kinds: types.map { TokenKind(rawValue: $0) ?? .undefined }, merges: merges,
                      bosID: try optionalID("tokenizer.ggml.bos_token_id"),
                      eosID: try optionalID("tokenizer.ggml.eos_token_id"),
                      addsBOS: addsBOS, splitDigits: pre == "smollm" || pre == "starcoder" || pre == "refact" || pre == "codeshell")
    }

    private let splitDigits: Bool

    /// Builds the tokenizer from its parts (`merges` as "left right" strings in rank order).
    public init(tokens: [String], kinds: [TokenKind], merges: [String], bosID: Int32?, eosID: Int32?,
                addsBOS: Bool, splitDigits: Bool = true) throws {
        precondition(kinds.count == tokens.count)
        self.tokens = tokens
        self.kinds = kinds
        self.bosID = bosID
        self.eosID = eosID
        self.addsBOS = addsBOS
        self.splitDigits = splitDigits
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() where ids[token] == nil { ids[token] = Int32(i) }
        self.ids = ids
        var table: [UInt64: (rank: Int32, id: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            guard let space = merge.firstIndex(of: " ", after: 1) else {
                throw InferenceError.tokenizer("merge \(rank) '\(merge)' is not two tokens separated by a space")
            }
            let left = String(merge[..<space]), right = String(merge[merge.index(after: space)...])
            guard let l = ids[left], let r = ids[right], let m = ids[left + right] else { continue }
            let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
            if table[key] == nil { table[key] = (Int32(rank), m) }
        }
        self.merges = table
        specials = tokens.indices
            .filter { (kinds[$0] == .control || kinds[$0] == .userDefined) && !tokens[$0].isEmpty }
            .map { (tokens[$0], Int32($0), kinds[$0]) }
            .sorted { $0.text.utf8.count > $1.text.utf8.count || ($0.text.utf8.count == $1.text.utf8.count && $0.id < $1.id) }
        let alphabet = ByteAlphabet.characters
        byteIDs = (0..<256).map { ids[String(alphabet[$0])] }
        tokenBytes = tokens.indices.map { i in
            switch kinds[i] {
            case .control, .userDefined, .unknown: return Array(tokens[i].utf8)
            default: return ByteAlphabet.bytes(of: tokens[i])
            }
        }
        endOfGenerationIDs = Set(["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"]
            .compactMap { ids[$0] }).union(eosID.map { [$0] } ?? [])
    }

    /// The id of a token's exact text, if it is in the vocabulary.
    public func id(of token: String) -> Int32? { ids[token] }

    // MARK: - Encoding

    /// The token ids of `text`. With `parseSpecial`, control tokens written in the text (`<|im_start|>`) are
    /// single tokens; otherwise they are tokenized as plain text. BOS is added when `addBOS` is set.
    public func encode(_ text: String, parseSpecial: Bool = false, addBOS: Bool = false) -> [Int32] {
        var out: [Int32] = []
        if addBOS, let bosID { out.append(bosID) }
        for fragment in partition(text, parseSpecial: parseSpecial) {
            switch fragment {
            case let .special(id): out.append(id)
            case let .text(piece): encodePlain(piece, into: &out)
            }
        }
        return out
    }

    private enum Fragment { case text(Substring), special(Int32) }

    private func partition(_ text: String, parseSpecial: Bool) -> [Fragment] {
        var fragments: [Fragment] = [.text(Substring(text))]
        for special in specials where parseSpecial || special.kind == .userDefined {
            var next: [Fragment] = []
            for fragment in fragments {
                guard case var .text(rest) = fragment else { next.append(fragment); continue }
                while let range = rest.range(of: special.text) {
                    if range.lowerBound > rest.startIndex { next.append(.text(rest[..<range.lowerBound])) }
                    next.append(.special(special.id))
                    rest = rest[range.upperBound...]
                }
                if !rest.isEmpty { next.append(.text(rest)) }
            }
            fragments = next
        }
        return fragments
    }

    private func encodePlain(_ text: Substring, into out: inout [Int32]) {
        let scalars = Array(text.unicodeScalars)
        for piece in PreTokenizer.split(scalars, splitDigits: splitDigits) {
            var bytes: [UInt8] = []
            for scalar in scalars[piece] { bytes.append(contentsOf: Array(String(scalar).utf8)) }
            bpe(bytes, into: &out)
        }
    }

    /// Merges one piece's bytes by rank, lowest rank first and leftmost first among equals.
    private func bpe(_ bytes: [UInt8], into out: inout [Int32]) {
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        for byte in bytes {
            // Every byte's character is in a byte-level vocabulary; a vocabulary without it cannot encode it.
            symbols.append(byteIDs[Int(byte)] ?? 0)
        }
        while symbols.count > 1 {
            var bestRank = Int32.max, bestIndex = -1, bestID: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(symbols[i])) << 32 | UInt64(UInt32(symbols[i + 1]))
                if let merge = merges[key], merge.rank < bestRank {
                    bestRank = merge.rank
                    bestIndex = i
                    bestID = merge.id
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] = bestID
            symbols.remove(at: bestIndex + 1)
        }
        out.append(contentsOf: symbols)
    }

    // MARK: - Decoding

    /// The bytes of token `id` (special tokens as their text); empty for an id outside the vocabulary.
    public func bytes(of id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < tokenBytes.count else { return [] }
        return tokenBytes[Int(id)]
    }

    /// Whether `id` is a control token (not printed as generated text).
    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < kinds.count && kinds[Int(id)] == .control
    }

    /// The text of `ids`; control tokens are left out unless `includeSpecial`. Invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [Int32], includeSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where includeSpecial || !isControl(id) { bytes.append(contentsOf: self.bytes(of: id)) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The first index of `character` at or after the `offset`-th character.
    fileprivate func firstIndex(of character: Character, after offset: Int) -> Index? {
        guard let start = index(startIndex, offsetBy: offset, limitedBy: endIndex) else { return nil }
        return self[start...].firstIndex(of: character)
    }
}

/// GPT-2's reversible map from bytes to printable characters (`bytes_to_unicode` in openai/gpt-2 encoder.py).
enum ByteAlphabet {
    static let characters: [Character] = {
        var result = [Character](repeating: " ", count: 256)
        var next = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            let scalar = printable ? byte : next
            if !printable { next += 1 }
            result[byte] = Character(Unicode.Scalar(UInt32(scalar))!)
        }
        return result
    }()

    static let byteOfScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, character) in characters.enumerated() {
            map[character.unicodeScalars.first!.value] = UInt8(byte)
        }
        return map
    }()

    /// The bytes a token's characters stand for; characters outside the alphabet keep their UTF-8.
    static func bytes(of token: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in token.unicodeScalars {
            if let byte = byteOfScalar[scalar.value] { out.append(byte) } else { out.append(contentsOf: Array(String(scalar).utf8)) }
        }
        return out
    }
}
