import Foundation

/// A seeded pseudo-random stream: SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
/// generators"). Each candidate of a request gets its own stream, so tokens never depend on thread timing.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// The stream of candidate `index` of a request seeded with `seed`.
    public static func forCandidate(_ index: Int, seed: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }
}

/// Chooses the next token from logits.
///
/// The order of the filters is llama.cpp's default sampler chain (common/sampling.cpp): repetition penalty over
/// the last `penaltyWindow` tokens (CTRL's rule: positive logits divided by the penalty, negative ones
/// multiplied), then top-k, top-p (nucleus, Holtzman et al. 2020), min-p (probability at least `minP` times
/// the best), then temperature and a draw from the softmax. Temperature 0 takes the argmax after the penalty.
/// Tokens whose probability is below e^-40 of the best are dropped before sorting, which changes no draw in
/// practice and keeps each step far below a full sort of the vocabulary.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    /// How many recent tokens the repetition penalty looks at (llama.cpp's `penalty_last_n`).
    public let penaltyWindow: Int
    private var random: SplitMix64
    private var indices: [Int32] = []
    private var weights: [Double] = []

    public init(parameters: SamplingParameters, candidate: Int, penaltyWindow: Int = 64) {
        self.parameters = parameters
        self.penaltyWindow = penaltyWindow
        random = SplitMix64.forCandidate(candidate, seed: parameters.seed)
    }

    /// Picks a token from `logits` (modified in place by the penalty) given the tokens so far.
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>, history: [Int32]) -> Int32 {
        let count = logits.count
        if let penalty = parameters.repeatPenalty, penalty != 1, penalty > 0 {
            var seen = Set<Int32>()
            for token in history.suffix(penaltyWindow) where token >= 0 && Int(token) < count && seen.insert(token).inserted {
                let value = logits[Int(token)]
                logits[Int(token)] = value > 0 ? value / Float(penalty) : value * Float(penalty)
            }
        }
        var best = 0
        for i in 1..<count where logits[i] > logits[best] { best = i }
        if parameters.temperature <= 0 { return Int32(best) }

        let maximum = logits[best]
        let cutoff = maximum - 40
        indices.removeAll(keepingCapacity: true)
        for i in 0..<count where logits[i] >= cutoff { indices.append(Int32(i)) }
        indices.sort { logits[Int($0)] > logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 < $1) }
        if let k = parameters.topK, k > 0, k < indices.count { indices.removeLast(indices.count - k) }

        func probabilities(temperature: Double) {
            weights.removeAll(keepingCapacity: true)
            var sum = 0.0
            for index in indices {
                let w = exp(Double(logits[Int(index)] - maximum) / temperature)
                weights.append(w)
                sum += w
            }
            for i in weights.indices { weights[i] /= sum }
        }
        if let p = parameters.topP, p < 1 {
            probabilities(temperature: 1)
            var cumulative = 0.0
            var keep = indices.count
            for i in weights.indices {
                cumulative += weights[i]
                if cumulative >= p { keep = i + 1; break }
            }
            indices.removeLast(indices.count - keep)
        }
        if let minP = parameters.minP, minP > 0 {
            // Relative to the best token: p_i ≥ minP · p_max ⇔ logit_i ≥ logit_max + ln(minP).
            let floor = Double(maximum) + log(minP)
            var keep = 0
            while keep < indices.count && Double(logits[Int(indices[keep])]) >= floor { keep += 1 }
            indices.removeLast(indices.count - max(keep, 1))
        }
        probabilities(temperature: parameters.temperature)
        let u = random.nextUnit()
        var cumulative = 0.0
        for i in weights.indices {
            cumulative += weights[i]
            if u < cumulative { return indices[i] }
        }
        return indices[indices.count - 1]
    }
}
