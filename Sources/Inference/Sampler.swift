import Foundation
import Kernels

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
/// takes the argmax after the penalty.
///
/// Nothing is sorted but the tokens a filter keeps: top-k scans for the `k` best (or, for a large `k`, finds the
/// k-th best logit by selection first); top-p buckets the probabilities by logit to find the bucket where the
/// mass is reached and sorts only the tokens above it; without filters the draw walks block sums of the weights.
/// Buffers grow once to the vocabulary size and are reused, so a warm sampler does not allocate.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    /// How many recent tokens the repetition penalty looks at (llama.cpp's `penalty_last_n`).
    public let penaltyWindow: Int
    private var random: SplitMix64
    private var indices: [Int32] = []
    private var weights: [Double] = []
    /// Per-token weights and their sums per block of `block` tokens (the draw without filters), or logits
    /// being selected (a large top-k).
    private var values: [Float] = []
    private var blockSums: [Double] = []
    private var buckets: [Double] = []
    private var penalized: [Int32] = []
    private static let block = 64
    /// Top-p's buckets cover the logits within `bucketSpan` of the best; a token further down has a
    /// probability below e^−32 of the best's.
    private static let bucketCount = 2048
    private static let bucketSpan: Float = 32

    public init(parameters: SamplingParameters, candidate: Int, penaltyWindow: Int = 64) {
        self.parameters = parameters
        self.penaltyWindow = penaltyWindow
        random = SplitMix64.forCandidate(candidate, seed: parameters.seed)
    }

    /// Picks a token from `logits` (modified in place: by the penalty, and used as scratch) given the tokens so far.
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>, history: [Int32]) -> Int32 {
        let count = logits.count
        if let penalty = parameters.repeatPenalty, penalty != 1, penalty > 0 {
            penalized.removeAll(keepingCapacity: true)
            for token in history.suffix(penaltyWindow) where token >= 0 && Int(token) < count && !penalized.contains(token) {
                penalized.append(token)
                let value = logits[Int(token)]
                logits[Int(token)] = value > 0 ? value / Float(penalty) : value * Float(penalty)
            }
        }
        let best = Self.argmax(logits)
        if parameters.temperature <= 0 { return Int32(best) }
        let maximum = logits[best]

        let topK = parameters.topK.flatMap { $0 > 0 && $0 < count ? $0 : nil }
        let topP = parameters.topP.flatMap { $0 < 1 ? $0 : nil }
        if topK == nil && topP == nil && (parameters.minP ?? 0) <= 0 {
            return drawFromAll(logits, maximum: maximum, fallback: best)
        }
        if let topK {
            selectBest(logits, topK)
            if let topP {
                // Probabilities at temperature 1 over the k kept tokens.
                var total = 0.0
                for index in indices { total += exp(Double(logits[Int(index)] - maximum)) }
                var cumulative = 0.0
                for (position, index) in indices.enumerated() {
                    cumulative += exp(Double(logits[Int(index)] - maximum)) / total
                    if cumulative >= topP { indices.removeLast(indices.count - position - 1); break }
                }
            }
        } else if let topP {
            nucleus(logits, maximum: maximum, mass: topP)
        } else {
            indices.removeAll(keepingCapacity: true)
            for i in 0..<count { indices.append(Int32(i)) }
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

    /// The index of the largest logit (the lowest index among equals).
    static func argmax(_ logits: UnsafeMutableBufferPointer<Float>) -> Int {
        let count = logits.count
        let top = VectorOps.maximum(logits.baseAddress.unsafelyUnwrapped, count: count)
        for j in 0..<count where logits[j] == top { return j }
        return 0  // only NaNs
    }

    /// A draw from softmax(logits / T) over the whole vocabulary: weights in f32 lanes, sums per block in double,
    /// then the block and the token where the cumulative weight passes `u · total`.
    private mutating func drawFromAll(_ logits: UnsafeMutableBufferPointer<Float>, maximum: Float, fallback: Int) -> Int32 {
        let count = logits.count, block = Self.block
        let blocks = (count + block - 1) / block
        if blockSums.count < blocks { blockSums = [Double](repeating: 0, count: blocks) }
        let inverse = Float(1 / parameters.temperature)
        let x = logits.baseAddress.unsafelyUnwrapped
        let top = SIMD8<Float>(repeating: maximum), scale = SIMD8<Float>(repeating: inverse)
        var total = 0.0
        blockSums.withUnsafeMutableBufferPointer { sums in
            for b in 0..<blocks {
                let start = b * block, end = min(start + block, count)
                var i = start
                var lanes = SIMD8<Float>()
                while i + 8 <= end {
                    let raw = UnsafeMutableRawPointer(x + i)
                    let w = VectorOps.exp((raw.loadUnaligned(as: SIMD8<Float>.self) - top) * scale)
                    raw.storeBytes(of: w, as: SIMD8<Float>.self)
                    lanes += w
                    i += 8
                }
                var partial = Double(lanes.sum())
                while i < end {
                    x[i] = expf((x[i] - maximum) * inverse)
                    partial += Double(x[i])
                    i += 1
                }
                sums[b] = partial
                total += partial
            }
        }
        let target = random.nextUnit() * total
        var cumulative = 0.0
        for b in 0..<blocks {
            let next = cumulative + blockSums[b]
            if target < next || b == blocks - 1 {
                for i in (b * block)..<min(b * block + block, count) {
                    cumulative += Double(x[i])
                    if target < cumulative { return Int32(i) }
                }
                // Rounding put the target past the last token: take the block's last token with weight.
                for i in stride(from: min(b * block + block, count) - 1, through: b * block, by: -1) where x[i] > 0 {
                    return Int32(i)
                }
                return Int32(fallback)
            }
            cumulative = next
        }
        return Int32(fallback)
    }

    /// Puts the smallest set of best tokens whose probability (temperature 1) reaches `mass` into `indices`, best
    /// first (ties by lower id). Probabilities are summed per logit bucket from the best down; only the tokens
    /// above the bucket where the mass is reached, and in it, are sorted.
    private mutating func nucleus(_ logits: UnsafeMutableBufferPointer<Float>, maximum: Float, mass: Double) {
        let count = logits.count, bucketCount = Self.bucketCount
        if buckets.count < bucketCount { buckets = [Double](repeating: 0, count: bucketCount) }
        let width = Self.bucketSpan / Float(bucketCount)
        var total = 0.0
        let x = UnsafeRawPointer(logits.baseAddress.unsafelyUnwrapped)
        buckets.withUnsafeMutableBufferPointer { b in
            b.update(repeating: 0)
            func add(_ d: Float, _ p: Float) {
                total += Double(p)
                if d < Self.bucketSpan { b[min(bucketCount - 1, Int(d / width))] += Double(p) }
            }
            var i = 0
            let top = SIMD8<Float>(repeating: maximum)
            while i + 8 <= count {
                let d = top - x.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let p = VectorOps.exp(-d)
                for lane in 0..<8 { add(d[lane], p[lane]) }
                i += 8
            }
            while i < count {
                add(maximum - logits[i], expf(logits[i] - maximum))
                i += 1
            }
        }
        // The first bucket (from the best) where the cumulative probability reaches the mass.
        var cut = -1
        var cumulative = 0.0
        for i in 0..<bucketCount {
            cumulative += buckets[i]
            if cumulative >= mass * total { cut = i; break }
        }
        indices.removeAll(keepingCapacity: true)
        for i in 0..<count {
            let d = maximum - logits[i]
            if cut < 0 || (d < Self.bucketSpan && min(bucketCount - 1, Int(d / width)) <= cut) { indices.append(Int32(i)) }
        }
        indices.sort { logits[Int($0)] > logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 < $1) }
        var running = 0.0
        for (position, index) in indices.enumerated() {
            running += exp(Double(logits[Int(index)] - maximum)) / total
            if running >= mass {
                indices.removeLast(indices.count - position - 1)
                return
            }
        }
    }

    /// Puts the `take` largest logits into `indices`, best first (ties by lower id).
    private mutating func selectBest(_ logits: UnsafeMutableBufferPointer<Float>, _ take: Int) {
        indices.removeAll(keepingCapacity: true)
        func better(_ a: Int32, _ b: Int32) -> Bool {
            logits[Int(a)] > logits[Int(b)] || (logits[Int(a)] == logits[Int(b)] && a < b)
        }
        if take > 256 {
            // Insertion would cost take × vocabulary: find the take-th best logit by selection, keep the tokens
            // at or above it, and sort only those.
            values.removeAll(keepingCapacity: true)
            values.append(contentsOf: logits)
            let threshold = Self.select(&values, rank: take - 1)
            for i in 0..<logits.count where logits[i] >= threshold { indices.append(Int32(i)) }
            indices.sort(by: better)
            if indices.count > take { indices.removeLast(indices.count - take) }
            return
        }
        // The current threshold is the smallest kept logit; most tokens fail one comparison against it.
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

    /// The value of rank `rank` (0 = largest) in `values` (reordered), by Hoare's quickselect with a
    /// median-of-three pivot: linear on average.
    static func select(_ values: inout [Float], rank: Int) -> Float {
        values.withUnsafeMutableBufferPointer { v in
            var low = 0, high = v.count - 1
            while low < high {
                let middle = low + (high - low) / 2
                let pivot = max(min(v[low], v[middle]), min(max(v[low], v[middle]), v[high]))
                var i = low, j = high
                while i <= j {
                    while v[i] > pivot { i += 1 }
                    while v[j] < pivot { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if rank <= j { high = j } else if rank >= i { low = i } else { return v[rank] }
            }
            return v[rank]
        }
    }
}
