import Foundation
import Inference
import Testing

@Suite("Tokenizer on a tiny vocabulary")
struct TokenizerTests {
    static func tokenizer() throws -> Tokenizer {
        let tokens = TinyLlama.tokens
        let kinds: [Tokenizer.TokenKind] = tokens.indices.map { $0 < TinyLlama.specials.count ? .control : .normal }
        return try Tokenizer(tokens: tokens, kinds: kinds, merges: TinyLlama.merges, bosID: 1, eosID: 2, addsBOS: false)
    }

    @Test("merges apply by rank to byte-level pieces")
    func merges() throws {
        let t = try Self.tokenizer()
        let hell = try #require(t.id(of: "hell")), world = try #require(t.id(of: "Ġw"))
        let ids = t.encode("hello world")
        #expect(ids.first == hell)
        #expect(ids.contains(world))
        #expect(t.decode(ids) == "hello world")
    }

    @Test("digits split one by one and contractions split as GPT-2 does")
    func pieces() throws {
        let t = try Self.tokenizer()
        #expect(t.encode("123").count == 3)
        #expect(t.decode(t.encode("it's 42!")) == "it's 42!")
        #expect(t.encode("a  b").count == 4)  // "a", " ", " b" → a, space, space+b as bytes
    }

    @Test("control tokens are parsed only when asked; decoding leaves them out unless asked")
    func specials() throws {
        let t = try Self.tokenizer()
        #expect(t.encode("<|im_end|>x", parseSpecial: true) == [2] + t.encode("x"))
        #expect(!t.encode("<|im_end|>x").contains(2))
        #expect(t.decode([2] + t.encode("x")) == "x")
        #expect(t.decode([2] + t.encode("x"), includeSpecial: true) == "<|im_end|>x")
        #expect(t.endOfGenerationIDs == [0, 2])
        #expect(t.bytes(of: 9999).isEmpty)
    }

    @Test("a merge without a separating space is refused with its rank")
    func badMerge() {
        #expect(throws: InferenceError.tokenizer("merge 1 'ab' is not two tokens separated by a space")) {
            try Tokenizer(tokens: ["a", "b"], kinds: [.normal, .normal], merges: ["a b", "ab"], bosID: nil, eosID: nil,
                          addsBOS: false)
        }
    }
}
