/// Percentile bootstrap interval for the mean of ratings, resampling whole items.
///
/// Each item holds one or more values (all ratings of an item). A resample draws as many items as there are,
/// with replacement, keeping each drawn item's values together, and takes the mean of all values drawn.
/// The interval is the (1 − confidence)/2 and (1 + confidence)/2 quantiles of the resampled means, with
/// linear interpolation between order statistics (Efron and Tibshirani, *An Introduction to the Bootstrap*,
/// 1993, ch. 13, percentile interval; cluster resampling as in Davison and Hinkley, *Bootstrap Methods and
/// their Application*, 1997, §3.8; quantiles as NumPy's default `percentile`). The estimate is the mean of
/// all values. Items are drawn with ``SeededGenerator`` seeded with `seed`, so a seed fixes the interval.
///
/// - Throws: ``StatisticsError`` when there is no value, an item is empty, resamples < 1 or the confidence is
///   outside (0, 1).
public func bootstrapMeanInterval(items: [[Double]], resamples: Int = 10_000, seed: UInt64 = 0,
                                  confidence: Double = 0.95) throws -> ConfidenceInterval {
    try validateConfidence(confidence)
    try validateResamples(resamples)
    guard !items.isEmpty else { throw StatisticsError.emptyInput("the bootstrap needs at least one value; there is none") }
    if let empty = items.firstIndex(where: { $0.isEmpty }) {
        throw StatisticsError.invalidData("item \(empty + 1) has no value")
    }
    let sums = items.map { $0.reduce(0, +) }
    let counts = items.map { Double($0.count) }
    let estimate = sums.reduce(0, +) / counts.reduce(0, +)
    var generator = SeededGenerator(seed: seed)
    var means = [Double](repeating: 0, count: resamples)
    if counts.allSatisfy({ $0 == 1 }) {
        // One value per item (item-level statistics): every resample draws items.count values, so only
        // the sum is accumulated; the means are the same to the last bit.
        // Counted `while` loops over buffer pointers: this is O(resamples × items), the bulk of a
        // bias report over a million ratings.
        let n = Double(items.count)
        sums.withUnsafeBufferPointer { sums in
            for r in 0..<resamples {
                var sum = 0.0
                var left = sums.count
                while left > 0 {
                    sum += sums[generator.index(below: sums.count)]
                    left -= 1
                }
                means[r] = sum / n
            }
        }
    } else {
        sums.withUnsafeBufferPointer { sums in
            counts.withUnsafeBufferPointer { counts in
                for r in 0..<resamples {
                    var sum = 0.0
                    var count = 0.0
                    var left = sums.count
                    while left > 0 {
                        let i = generator.index(below: sums.count)
                        sum += sums[i]
                        count += counts[i]
                        left -= 1
                    }
                    means[r] = sum / count
                }
            }
        }
    }
    means.sort()
    let tail = (1 - confidence) / 2
    return ConfidenceInterval(estimate: estimate, low: interpolatedQuantile(sorted: means, tail),
                              high: interpolatedQuantile(sorted: means, 1 - tail))
}
