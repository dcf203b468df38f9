import Foundation
@testable import Inference
import Testing

@Suite("Sampler")
struct SamplerTests {
    func draw(_ logits: [Float], _ parameters: SamplingParameters, candidate: Int = 0, history: [Int32] = [],
              times: Int = 1) -> [Int32] {
        var sampler = Sampler(parameters: parameters, candidate: candidate)
        return (0..<times).map { _ in
            var copy = logits
            return copy.withUnsafeMutableBufferPointer { sampler.sample($0, history: history) }
        }
    }

    let logits: [Float] = [1, 3, 2.5, 0, -1, 2.9]

    @Test("temperature 0 takes the argmax")
    func greedy() {
        #expect(draw(logits, SamplingParameters(temperature: 0), times: 5) == [1, 1, 1, 1, 1])
    }

    @Test("the same seed gives the same draws; another seed or candidate gives others")
    func seeds() {
        let p = SamplingParameters(temperature: 1.5, seed: 11)
        let a = draw(logits, p, times: 40), b = draw(logits, p, times: 40)
        #expect(a == b)
        #expect(draw(logits, SamplingParameters(temperature: 1.5, seed: 12), times: 40) != a)
        #expect(draw(logits, p, candidate: 1, times: 40) != a)
    }

    @Test("draws follow the softmax of logits / temperature")
    func frequencies() {
        let twoTokens: [Float] = [0, Float(log(3.0))]
        let draws = draw(twoTokens, SamplingParameters(temperature: 1, seed: 5), times: 4000)
        let share = Double(draws.filter { $0 == 1 }.count) / 4000
        #expect(abs(share - 0.75) < 0.03, "\(share)")
        let hot = draw(twoTokens, SamplingParameters(temperature: 100, seed: 5), times: 4000)
        #expect(abs(Double(hot.filter { $0 == 1 }.count) / 4000 - 0.5) < 0.04)
    }

    @Test("top-k keeps the k best tokens")
    func topK() {
        let draws = Set(draw(logits, SamplingParameters(temperature: 5, topK: 2, seed: 1), times: 300))
        #expect(draws == [1, 5])
        #expect(Set(draw(logits, SamplingParameters(temperature: 5, topK: 1, seed: 1), times: 50)) == [1])
    }

    @Test("top-p keeps the smallest set reaching probability p")
    func topP() {
        // Probabilities at temperature 1: token 0 ≈ 0.665, token 1 ≈ 0.245, token 2 ≈ 0.090.
        let three: [Float] = [2, 1, 0]
        #expect(Set(draw(three, SamplingParameters(temperature: 1, topP: 0.6, seed: 2), times: 200)) == [0])
        #expect(Set(draw(three, SamplingParameters(temperature: 1, topP: 0.8, seed: 2), times: 400)) == [0, 1])
        #expect(Set(draw(three, SamplingParameters(temperature: 1, topP: 1, seed: 2), times: 400)) == [0, 1, 2])
    }

    /// A vocabulary-sized row of logits from a fixed stream: a few strong tokens over a long tail.
    static func largeLogits(count: Int = 49_152, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(random.nextUnit() * 8 - 4) + (random.nextUnit() < 0.001 ? 9 : 0) }
    }

    @Test("top-p over a whole vocabulary keeps exactly the smallest set of best tokens reaching p", arguments: [0.5, 0.65])
    func topPLarge(p: Double) throws {
        let logits = Self.largeLogits(seed: 21)
        let maximum = Double(logits.max()!)
        let weights = logits.map { exp(Double($0) - maximum) }
        let total = weights.reduce(0, +)
        let order = logits.indices.sorted { logits[$0] > logits[$1] }
        var nucleus: Set<Int32> = [], mass = 0.0
        for i in order where mass < p {
            nucleus.insert(Int32(i))
            mass += weights[i] / total
        }
        try #require(nucleus.count > 3 && nucleus.count < 120, "\(nucleus.count)")
        // A high temperature flattens the draw over the kept tokens, so every one of them shows up.
        let draws = Set(draw(logits, SamplingParameters(temperature: 1000, topP: p, seed: 4), times: 30 * nucleus.count))
        #expect(draws == nucleus, "\(draws.count) drawn of \(nucleus.count)")
    }

    @Test("a top-k beyond 256 keeps exactly the k best tokens")
    func topKLarge() {
        let logits = Self.largeLogits(count: 5000, seed: 22)
        let best = Set(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(300).map { Int32($0) })
        let draws = Set(draw(logits, SamplingParameters(temperature: 1000, topK: 300, seed: 5), times: 6000))
        #expect(draws.isSubset(of: best) && draws.count > 280, "\(draws.subtracting(best).count) outside, \(draws.count) drawn")
        var values = logits
        #expect(Sampler.select(&values, rank: 299) == logits.sorted(by: >)[299])
    }

    @Test("without filters, draws over a whole vocabulary follow the softmax")
    func unfilteredLarge() {
        var logits = [Float](repeating: -30, count: 49_152)
        logits[7] = 0
        logits[40_000] = Float(log(3.0))
        logits[49_151] = Float(log(2.0))
        let draws = draw(logits, SamplingParameters(temperature: 1, seed: 6), times: 6000)
        #expect(Set(draws) == [7, 40_000, 49_151])
        let share = Double(draws.filter { $0 == 40_000 }.count) / 6000
        #expect(abs(share - 0.5) < 0.03, "\(share)")
    }

    @Test("min-p drops tokens less likely than p times the best")
    func minP() {
        let three: [Float] = [2, 1, 0]  // relative probabilities 1, 0.37, 0.14
        #expect(Set(draw(three, SamplingParameters(temperature: 1, minP: 0.3, seed: 3), times: 400)) == [0, 1])
        #expect(Set(draw(three, SamplingParameters(temperature: 1, minP: 0.5, seed: 3), times: 100)) == [0])
    }

    @Test("the repetition penalty divides positive and multiplies negative logits of recent tokens")
    func repetitionPenalty() {
        let two: [Float] = [2, 1.5]
        #expect(draw(two, SamplingParameters(temperature: 0, repeatPenalty: 1.5), history: [0]) == [1])
        #expect(draw(two, SamplingParameters(temperature: 0, repeatPenalty: 1.2), history: [0]) == [0])
        let negative: [Float] = [-1, -1.1]
        #expect(draw(negative, SamplingParameters(temperature: 0, repeatPenalty: 2), history: [0]) == [1])
        // Only the last 64 tokens count.
        #expect(draw(two, SamplingParameters(temperature: 0, repeatPenalty: 1.5),
                     history: [0] + [Int32](repeating: 1, count: 64)) == [0])
    }
}

@Suite("Streaming text")
struct TextStreamTests {
    @Test("a character split across tokens is held back until complete")
    func multiByte() {
        var stream = TextStream()
        let bytes = Array("a€😀".utf8)  // 1 + 3 + 4 bytes
        var pieces: [String] = []
        for byte in bytes { pieces.append(stream.append([byte])) }
        pieces.append(stream.finish())
        #expect(pieces == ["a", "", "", "€", "", "", "", "😀", ""])
    }

    @Test("invalid or unfinished bytes become U+FFFD")
    func invalid() {
        var stream = TextStream()
        #expect(stream.append([0xff, 0x41]) == "\u{FFFD}A")
        #expect(stream.append([0xe2, 0x82]) == "")
        #expect(stream.finish() == "\u{FFFD}")
    }
}

@Suite("Chat template recognition")
struct ChatTemplateTests {
    @Test("a missing template is refused with a clear message")
    func missing() {
        #expect(throws: InferenceError.unsupportedTemplate("the model file has no tokenizer.chat_template")) {
            try ChatTemplate(nil)
        }
    }

    @Test("a ChatML template without a default system message adds none")
    func noDefault() throws {
        let template = try ChatTemplate("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}")
        #expect(template.defaultSystemMessage == nil)
        #expect(template.render([ChatMessage(role: .user, content: "x")]) == "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n")
    }
}
