/// A small, fast, seeded pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Every seeded procedure in this module (bootstraps, Monte Carlo permutation tests) draws from this
/// generator, so a result is reproducible from its seed on every platform and Swift version (the standard
/// library's generators and `Int.random(in:using:)` do not promise a stable algorithm).
///
/// - xoshiro256** 1.0: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators",
///   ACM TOMS 47(4), 2021; reference code at https://prng.di.unimi.it/xoshiro256starstar.c.
/// - The four state words are the first four outputs of SplitMix64 (https://prng.di.unimi.it/splitmix64.c)
///   started at `seed`, as the xoshiro authors recommend.
/// - Bounded integers use D. Lemire's multiply-and-reject method ("Fast random integer generation in an
///   interval", ACM TOMACS 29(1), 2019), so they are exactly uniform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator whose whole output sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var state = seed
        func splitMix() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniformly distributed integer in `0..<bound`; `bound` must be positive.
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "index(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A uniformly distributed double in [0, 1) with 53 random bits.
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
