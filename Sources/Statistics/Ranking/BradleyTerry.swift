#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The result of one pairwise comparison.
public enum PairwiseOutcome: String, Sendable, CaseIterable, Codable {
    /// The first item won.
    case a
    /// The second item won.
    case b
    /// Neither: counted as half a win for each.
    case tie
}

/// One pairwise comparison between two named items.
public struct PairwiseComparison: Sendable, Equatable {
    /// The first item.
    public var a: String
    /// The second item.
    public var b: String
    /// Who won.
    public var outcome: PairwiseOutcome

    /// A comparison of `a` against `b`.
    public init(a: String, b: String, outcome: PairwiseOutcome) {
        self.a = a
        self.b = b
        self.outcome = outcome
    }
}

/// Fitted Bradley–Terry strengths.
public struct BradleyTerryFit: Sendable, Equatable {
    /// The items, sorted by name; the arrays below follow this order.
    public var items: [String]
    /// Maximum-likelihood log-strengths θ, centred so that they sum to 0.
    public var theta: [Double]
    /// Newton iterations used.
    public var iterations: Int

    /// The Elo-style rating 1000 + 400·θ/ln 10 of each item: a difference of 400 means odds of 10 to 1.
    public var elo: [Double] { theta.map { 1000 + 400 * $0 / M_LN10 } }
}

/// Maximum-likelihood Bradley–Terry log-strengths from pairwise outcomes.
///
/// P(i beats j) = 1/(1 + exp(θ_j − θ_i)) (Bradley and Terry 1952, Biometrika 39). A tie counts as half a win
/// for each side (the convention of Davidson 1970's limit and of `choix`'s tie handling by splitting).
/// The log-likelihood Σ w_ij log σ(θ_i − θ_j) is maximised by Newton's method with step halving, with the
/// last item fixed at 0 and the result centred to Σθ = 0 (Hunter 2004, "MM algorithms for generalized
/// Bradley–Terry models", Ann. Stat. 32, for the existence condition). The estimate exists only when the
/// graph with an edge i → j whenever i has won (or tied) against j is strongly connected (Ford 1957, Zermelo
/// 1929): an item that never wins or never loses, or a group of items that never loses to the rest, has no
/// finite strength.
///
/// - Throws: ``StatisticsError`` naming the item (or group) when the estimate does not exist, an item
///   compared with itself, or no comparison at all.
public func bradleyTerry(_ comparisons: [PairwiseComparison]) throws -> BradleyTerryFit {
    guard !comparisons.isEmpty else {
        throw StatisticsError.emptyInput("Bradley–Terry needs at least one comparison; there is none")
    }
    let items = Array(Set(comparisons.flatMap { [$0.a, $0.b] })).sorted()
    var index: [String: Int] = [:]
    for (i, name) in items.enumerated() { index[name] = i }
    let k = items.count
    var wins = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
    for comparison in comparisons {
        guard comparison.a != comparison.b else {
            throw StatisticsError.invalidData("item \"\(comparison.a)\" is compared with itself")
        }
        guard let a = index[comparison.a], let b = index[comparison.b] else { continue }
        switch comparison.outcome {
        case .a: wins[a][b] += 1
        case .b: wins[b][a] += 1
        case .tie:
            wins[a][b] += 0.5
            wins[b][a] += 0.5
        }
    }
    try checkEstimateExists(wins: wins, items: items)
    let (theta, iterations) = fitBradleyTerry(wins: wins)
    return BradleyTerryFit(items: items, theta: theta, iterations: iterations)
}

/// Throws unless the win graph is strongly connected, naming the offending item or group.
private func checkEstimateExists(wins: [[Double]], items: [String]) throws {
    let k = items.count
    for i in 0..<k {
        let won = (0..<k).contains { wins[i][$0] > 0 }
        let lost = (0..<k).contains { wins[$0][i] > 0 }
        if !won {
            throw StatisticsError.invalidData(
                "item \"\(items[i])\" never wins, so its Bradley–Terry strength has no maximum-likelihood estimate (it goes to −∞); add comparisons it wins or ties, or leave it out")
        }
        if !lost {
            throw StatisticsError.invalidData(
                "item \"\(items[i])\" never loses, so its Bradley–Terry strength has no maximum-likelihood estimate (it goes to +∞); add comparisons it loses or ties, or leave it out")
        }
    }
    // Items that item 0 can reach along "has beaten" edges, and items that can reach item 0.
    func reach(_ forward: Bool) -> [Bool] {
        var seen = [Bool](repeating: false, count: k)
        var stack = [0]
        seen[0] = true
        while let i = stack.popLast() {
            for j in 0..<k where !seen[j] && (forward ? wins[i][j] : wins[j][i]) > 0 {
                seen[j] = true
                stack.append(j)
            }
        }
        return seen
    }
    let forward = reach(true), backward = reach(false)
    // No "has beaten" edge leaves the set reachable from item 0: the items outside it never lose to it.
    // No edge enters the set that reaches item 0: that set never loses to the items outside it.
    let winnersSide: [Bool]
    if forward.contains(false) {
        winnersSide = forward.map { !$0 }
    } else if backward.contains(false) {
        winnersSide = backward
    } else {
        return
    }
    let winners = (0..<k).filter { winnersSide[$0] }.map { "\"\(items[$0])\"" }
    let losers = (0..<k).filter { !winnersSide[$0] }.map { "\"\(items[$0])\"" }
    throw StatisticsError.invalidData(
        "items \(winners.joined(separator: ", ")) never lose to items \(losers.joined(separator: ", ")) (or are never compared with them), so the Bradley–Terry strengths have no maximum-likelihood estimate; add comparisons between the two groups")
}

/// Newton's method on the reduced problem (θ of the last item fixed at 0), then centring.
private func fitBradleyTerry(wins: [[Double]]) -> (theta: [Double], iterations: Int) {
    let k = wins.count
    var theta = [Double](repeating: 0, count: k)
    guard k > 1 else { return (theta, 0) }
    func logLikelihood(_ t: [Double]) -> Double {
        var total = 0.0
        for i in 0..<k {
            for j in 0..<k where wins[i][j] > 0 {
                total -= wins[i][j] * log1p(exp(t[j] - t[i]))
            }
        }
        return total
    }
    var current = logLikelihood(theta)
    var iterations = 0
    for iteration in 1...200 {
        iterations = iteration
        let m = k - 1
        var gradient = [Double](repeating: 0, count: m)
        var information = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<k {
            for j in (i + 1)..<k {
                let games = wins[i][j] + wins[j][i]
                guard games > 0 else { continue }
                let p = 1 / (1 + exp(theta[j] - theta[i]))
                let residual = wins[i][j] - games * p
                let weight = games * p * (1 - p)
                if i < m { gradient[i] += residual; information[i][i] += weight }
                if j < m { gradient[j] -= residual; information[j][j] += weight }
                if i < m, j < m {
                    information[i][j] -= weight
                    information[j][i] -= weight
                }
            }
        }
        guard let step = solveSymmetric(information, gradient) else { break }
        var scale = 1.0
        var next = theta
        var nextLikelihood = current
        while scale > 1e-10 {
            for i in 0..<m { next[i] = theta[i] + scale * step[i] }
            nextLikelihood = logLikelihood(next)
            if nextLikelihood >= current - 1e-12 * abs(current) { break }
            scale /= 2
        }
        theta = next
        current = nextLikelihood
        if step.reduce(0, { max($0, abs($1)) }) * scale < 1e-11 { break }
    }
    let mean = theta.reduce(0, +) / Double(k)
    return (theta.map { $0 - mean }, iterations)
}

/// Solves A x = b for a symmetric positive definite A by Gaussian elimination with partial pivoting;
/// `nil` when A is singular.
func solveSymmetric(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
    let n = vector.count
    var a = matrix
    var b = vector
    for column in 0..<n {
        guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }),
              abs(a[pivot][column]) > 1e-300 else { return nil }
        a.swapAt(column, pivot)
        b.swapAt(column, pivot)
        for row in (column + 1)..<n {
            let factor = a[row][column] / a[column][column]
            guard factor != 0 else { continue }
            for c in column..<n { a[row][c] -= factor * a[column][c] }
            b[row] -= factor * b[column]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var sum = b[row]
        for c in (row + 1)..<n { sum -= a[row][c] * x[c] }
        x[row] = sum / a[row][row]
    }
    return x
}

/// Percentile bootstrap intervals for Bradley–Terry log-strengths.
public struct BradleyTerryIntervals: Sendable, Equatable {
    /// The items, in the order of ``BradleyTerryFit/items``.
    public var items: [String]
    /// Lower bounds on the θ scale.
    public var low: [Double]
    /// Upper bounds on the θ scale.
    public var high: [Double]
    /// Resamples in which the estimate existed and every item appeared; the intervals rest on these.
    public var usedResamples: Int
    /// Resamples drawn.
    public var resamples: Int
}

/// Percentile bootstrap intervals for θ: resample the comparisons with replacement, refit, take the
/// (1 ± confidence)/2 quantiles with linear interpolation (Efron and Tibshirani 1993, ch. 13).
///
/// Resamples in which some item is missing or the estimate does not exist are skipped and not counted in
/// ``BradleyTerryIntervals/usedResamples``.
///
/// - Throws: ``StatisticsError`` when the full data has no estimate, resamples < 1, the confidence is outside
///   (0, 1), or no resample has an estimate.
public func bradleyTerryIntervals(_ comparisons: [PairwiseComparison], resamples: Int, seed: UInt64 = 0,
                                  confidence: Double = 0.95) throws -> BradleyTerryIntervals {
    try validateConfidence(confidence)
    try validateResamples(resamples)
    let fit = try bradleyTerry(comparisons)
    var generator = SeededGenerator(seed: seed)
    var samples = [[Double]](repeating: [], count: fit.items.count)
    var used = 0
    var drawn = comparisons
    for _ in 0..<resamples {
        for i in drawn.indices { drawn[i] = comparisons[generator.index(below: comparisons.count)] }
        guard let refit = try? bradleyTerry(drawn), refit.items == fit.items else { continue }
        used += 1
        for i in refit.theta.indices { samples[i].append(refit.theta[i]) }
    }
    guard used > 0 else {
        throw StatisticsError.invalidData(
            "no bootstrap resample of the \(comparisons.count) comparisons has a Bradley–Terry estimate; there are too few comparisons for intervals")
    }
    let tail = (1 - confidence) / 2
    let sorted = samples.map { $0.sorted() }
    return BradleyTerryIntervals(items: fit.items,
                                 low: sorted.map { interpolatedQuantile(sorted: $0, tail) },
                                 high: sorted.map { interpolatedQuantile(sorted: $0, 1 - tail) },
                                 usedResamples: used, resamples: resamples)
}
