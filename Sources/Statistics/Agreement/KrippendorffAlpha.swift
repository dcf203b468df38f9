/// The level of measurement of a variable, which fixes the difference function of Krippendorff's α.
public enum MeasurementLevel: String, Sendable, CaseIterable, Codable {
    case nominal, ordinal, interval, ratio
}

/// Krippendorff's α for one variable, or the reason it is undefined.
public struct AlphaResult: Sendable, Equatable {
    /// The level whose difference function was used.
    public var level: MeasurementLevel
    /// α = 1 − D_o/D_e; `nil` when undefined (see ``undefinedReason``). Never NaN, never a made-up 1.
    public var value: Double?
    /// Why ``value`` is `nil`.
    public var undefinedReason: String?
    /// Observed disagreement D_o (`nil` when no unit is pairable).
    public var observedDisagreement: Double?
    /// Expected disagreement D_e (`nil` when no unit is pairable).
    public var expectedDisagreement: Double?
    /// Units in the data, pairable or not.
    public var units: Int
    /// Units with at least two values: the only ones that enter α.
    public var pairableUnits: Int
    /// n, the number of pairable values (the sum of the coincidence matrix).
    public var pairableValues: Int
}

/// The coincidence matrix of reliability data (Krippendorff 2011, section C): o_ck = Σ_u (number of c–k
/// pairs in unit u)/(m_u − 1), over units with m_u ≥ 2 values.
public struct CoincidenceMatrix: Sendable, Equatable {
    /// The distinct pairable values, ascending; row and column `i` of ``counts`` belong to `values[i]`.
    public var values: [Double]
    /// o_ck, symmetric.
    public var counts: [[Double]]
    /// n_c, the row sums: how often each value occurs among pairable values.
    public var marginals: [Double]
    /// n, the total of the matrix (the number of pairable values).
    public var total: Double
}

/// Builds the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", section C).
///
/// Quadratic in the number of distinct values; ``krippendorffAlpha(_:level:)`` does not need it.
public func coincidenceMatrix(_ data: ReliabilityData) -> CoincidenceMatrix {
    var distinct: [Double] = []
    for u in 0..<data.unitCount where data.unit(u).count >= 2 { distinct.append(contentsOf: data.unit(u)) }
    distinct = Array(Set(distinct)).sorted()
    var index: [Double: Int] = [:]
    for (i, value) in distinct.enumerated() { index[value] = i }
    var counts = [[Double]](repeating: [Double](repeating: 0, count: distinct.count), count: distinct.count)
    for u in 0..<data.unitCount {
        let unit = data.unit(u)
        guard unit.count >= 2 else { continue }
        let weight = 1 / Double(unit.count - 1)
        let codes = unit.compactMap { index[$0] }
        for i in codes.indices {
            for j in codes.indices where i != j { counts[codes[i]][codes[j]] += weight }
        }
    }
    let marginals = counts.map { $0.reduce(0, +) }
    return CoincidenceMatrix(values: distinct, counts: counts, marginals: marginals,
                             total: marginals.reduce(0, +))
}

/// Krippendorff's α at the given level of measurement, with missing values.
///
/// α = 1 − D_o/D_e with D_o = (1/n) Σ_c Σ_k o_ck δ²_ck and D_e = 1/(n(n−1)) Σ_c Σ_k n_c n_k δ²_ck over the
/// coincidence matrix of pairable values (units with at least two values; Krippendorff 2011, sections C–F;
/// Krippendorff, *Content Analysis*, 4th ed., 2019, ch. 12). Difference functions δ²_ck:
/// - nominal: 0 if c = k, else 1;
/// - ordinal: (Σ_{g=c..k} n_g − (n_c + n_k)/2)², which equals (M_k − M_c)² with the mid-cumulative
///   frequency M_g = Σ_{h<g} n_h + n_g/2, so ordinal α is interval α on those ranks;
/// - interval: (c − k)²;
/// - ratio: ((c − k)/(c + k))² (0 when c = k = 0).
///
/// Interval (and so ordinal) α is computed without the matrix, from within-unit and total sums of squares:
/// Σ_{i≠j}(v_i − v_j)² = 2m Σ_i (v_i − v̄)². Nominal α uses per-unit value counts. Ratio α sums pairs within
/// units and pairs of distinct values (quadratic in the number of distinct values).
///
/// The result has no value, with the reason, when no unit has two values or when every pairable value is
/// the same (D_e = 0).
///
/// - Throws: ``StatisticsError/invalidData(_:)`` for a NaN or infinite value, or a negative value at the
///   ratio level.
public func krippendorffAlpha(_ data: ReliabilityData, level: MeasurementLevel) throws -> AlphaResult {
    var pairable: [Double] = []
    pairable.reserveCapacity(data.values.count)
    var starts: [Int] = [0]
    for u in 0..<data.unitCount {
        let unit = data.unit(u)
        guard unit.count >= 2 else { continue }
        for value in unit {
            guard value.isFinite else {
                throw StatisticsError.invalidData("value \(value) in unit \(u + 1) is not a finite number")
            }
            if level == .ratio, value < 0 {
                throw StatisticsError.invalidData(
                    "value \(formatted(value)) in unit \(u + 1) is negative; the ratio level needs values ≥ 0")
            }
        }
        pairable.append(contentsOf: unit)
        starts.append(pairable.count)
    }
    let pairableUnits = starts.count - 1
    var result = AlphaResult(level: level, value: nil, undefinedReason: nil, observedDisagreement: nil,
                             expectedDisagreement: nil, units: data.unitCount, pairableUnits: pairableUnits,
                             pairableValues: pairable.count)
    guard pairableUnits > 0 else {
        result.undefinedReason = data.unitCount == 0
            ? "there are no units" : "no unit has two or more values, so there is no pair to compare"
        return result
    }
    let disagreement: (observed: Double, expected: Double)
    switch level {
    case .nominal:
        disagreement = nominalDisagreement(pairable, starts: starts)
    case .interval:
        disagreement = intervalDisagreement(pairable, starts: starts)
    case .ordinal:
        disagreement = intervalDisagreement(midCumulativeRanks(pairable), starts: starts)
    case .ratio:
        disagreement = ratioDisagreement(pairable, starts: starts)
    }
    result.observedDisagreement = disagreement.observed
    result.expectedDisagreement = disagreement.expected
    if disagreement.expected > 0 {
        result.value = 1 - disagreement.observed / disagreement.expected
    } else {
        result.undefinedReason = "every pairable value is \(formatted(pairable[0])), so the expected disagreement is 0"
    }
    return result
}

/// D_o and D_e for the interval difference (c − k)², from sums of squares about unit and overall means.
private func intervalDisagreement(_ values: [Double], starts: [Int]) -> (observed: Double, expected: Double) {
    let n = Double(values.count)
    var observedSum = 0.0
    var total = 0.0
    values.withUnsafeBufferPointer { v in
        for u in 0..<(starts.count - 1) {
            let lower = starts[u], upper = starts[u + 1]
            var sum = 0.0
            for i in lower..<upper { sum += v[i] }
            total += sum
            let m = Double(upper - lower)
            let mean = sum / m
            var squares = 0.0
            for i in lower..<upper {
                let d = v[i] - mean
                squares += d * d
            }
            observedSum += 2 * m * squares / (m - 1)
        }
    }
    let mean = total / n
    var squares = 0.0
    for value in values {
        let d = value - mean
        squares += d * d
    }
    return (observedSum / n, 2 * squares / (n - 1))
}

/// D_o and D_e for the nominal difference: pairs of unequal values.
private func nominalDisagreement(_ values: [Double], starts: [Int]) -> (observed: Double, expected: Double) {
    let n = Double(values.count)
    var observedSum = 0.0
    var scratch: [Double] = []
    for u in 0..<(starts.count - 1) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: values[starts[u]..<starts[u + 1]])
        scratch.sort()
        let m = Double(scratch.count)
        observedSum += (m * m - sumOfSquaredRunLengths(scratch)) / (m - 1)
    }
    let squaredMarginals = sumOfSquaredRunLengths(values.sorted())
    return (observedSum / n, (n * n - squaredMarginals) / (n * (n - 1)))
}

/// Σ (length of each run of equal values)² in a sorted array.
private func sumOfSquaredRunLengths(_ sorted: [Double]) -> Double {
    var total = 0.0
    var start = 0
    while start < sorted.count {
        var end = start + 1
        while end < sorted.count, sorted[end] == sorted[start] { end += 1 }
        let run = Double(end - start)
        total += run * run
        start = end
    }
    return total
}

/// Replaces each value by its mid-cumulative frequency M_g = Σ_{h<g} n_h + n_g/2 among all values.
private func midCumulativeRanks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
        let rank = Double(start) + Double(end - start) / 2
        for position in start..<end { ranks[order[position]] = rank }
        start = end
    }
    return ranks
}

/// D_o and D_e for the ratio difference ((c − k)/(c + k))².
private func ratioDisagreement(_ values: [Double], starts: [Int]) -> (observed: Double, expected: Double) {
    func delta(_ c: Double, _ k: Double) -> Double {
        let sum = c + k
        guard sum != 0 else { return 0 }
        let ratio = (c - k) / sum
        return ratio * ratio
    }
    let n = Double(values.count)
    var observedSum = 0.0
    for u in 0..<(starts.count - 1) {
        let lower = starts[u], upper = starts[u + 1]
        var unitSum = 0.0
        for i in lower..<upper {
            for j in (i + 1)..<upper { unitSum += delta(values[i], values[j]) }
        }
        observedSum += 2 * unitSum / Double(upper - lower - 1)
    }
    let sorted = values.sorted()
    var distinct: [Double] = []
    var counts: [Double] = []
    for value in sorted {
        if let last = distinct.last, last == value { counts[counts.count - 1] += 1 } else {
            distinct.append(value)
            counts.append(1)
        }
    }
    var expectedSum = 0.0
    for c in distinct.indices {
        for k in (c + 1)..<distinct.count {
            expectedSum += counts[c] * counts[k] * delta(distinct[c], distinct[k])
        }
    }
    return (observedSum / n, 2 * expectedSum / (n * (n - 1)))
}
