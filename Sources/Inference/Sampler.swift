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
/// multiplied), then top-k, top-p (nucleus, Holtzman et al. 2020, on probabilities at temperature 1), min-p
/// (probability at least `minP` times the best), then temperature and a draw from the softmax. Temperature 0
/// takes the argmax after the penalty. Only as many tokens are sorted as the filters need: the best `k`, or
/// growing prefixes until top-p's mass is reached; without either filter nothing is sorted at all.
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

        let topK = parameters.topK.flatMap { $0 > 0 && $0 < count ? $0 : nil }
        let topP = parameters.topP.flatMap { $0 < 1 ? $0 : nil }
        if topK == nil && topP == nil {
            indices.removeAll(keepingCapacity: true)
            for i in 0..<count { indices.append(Int32(i)) }
        } else {
            var take = topK ?? min(count, 64)
            selectBest(logits, take)
            if let topP {
                // Probabilities at temperature 1 over the whole vocabulary (after top-k, if any).
                var total = 0.0
                if topK != nil {
                    for index in indices { total += exp(Double(logits[Int(index)] - maximum)) }
                } else {
                    for i in 0..<count { total += exp(Double(logits[i] - maximum)) }
                }
                while true {
                    var cumulative = 0.0
                    var keep = -1
                    for (position, index) in indices.enumerated() {
                        cumulative += exp(Double(logits[Int(index)] - maximum)) / total
                        if cumulative >= topP { keep = position + 1; break }
                    }
                    if keep > 0 { indices.removeLast(indices.count - keep); break }
                    if indices.count >= (topK ?? count) { break }
                    take = min(topK ?? count, take * 8)
                    selectBest(logits, take)
                }
            }
        }
        if let minP = parameters.minP, minP > 0 {
            // p_i ≥ minP · p_max ⇔ logit_i ≥ logit_max + ln(minP), at any temperature applied after it.
            let floor = Float(Double(maximum) + log(minP))
            indices.removeAll { logits[Int($0)] < floor }
        }
        weights.removeAll(keepingCapacity: true)
        var sum = 0.0
        for index in indices {
            let w = exp(Double(logits[Int(index)] - maximum) / parameters.temperature)
            weights.append(w)
            sum += w
        }
        let u = random.nextUnit() * sum
        var cumulative = 0.0
        for i in weights.indices {
            cumulative += weights[i]
            if u < cumulative { return indices[i] }
        }
        return indices.last ?? Int32(best)
    }

    /// Puts the `take` largest logits into `indices`, best first (ties by lower id).
    private mutating func selectBest(_ logits: UnsafeMutableBufferPointer<Float>, _ take: Int) {
        indices.removeAll(keepingCapacity: true)
        if take > 256 {
            // Insertion would cost take × vocabulary; a full sort is cheaper.
            for i in 0..<logits.count { indices.append(Int32(i)) }
            indices.sort { logits[Int($0)] > logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 < $1) }
            if take < indices.count { indices.removeLast(indices.count - take) }
        } else {
            // The current threshold is the smallest kept logit; most tokens fail one comparison against it.
            func better(_ a: Int32, _ b: Int32) -> Bool {
                logits[Int(a)] > logits[Int(b)] || (logits[Int(a)] == logits[Int(b)] && a < b)
            }
            for i in 0..<logits.count {
                let candidate = Int32(i)
                if indices.count < take {
                    indices.append(candidate)
                    if indices.count == take { indices.sort(by: better) }
                } else if better(candidate, indices[take - 1]) {
                    var position = take - 1
                    while position > 0 && better(candidate, indices[position - 1]) {
                        indices[position] = indices[position - 1]
                        position -= 1
                    }
                    indices[position] = candidate
                }
            }
            if indices.count < take { indices.sort(by: better) }
        }
    }
}
