#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// One rater's label for one item, by index.
public struct NominalRating: Sendable, Equatable {
    /// The item, 0-based.
    public var item: Int
    /// The rater, 0-based.
    public var rater: Int
    /// The category, 0-based.
    public var label: Int

    /// A rating of `item` by `rater`.
    public init(item: Int, rater: Int, label: Int) {
        self.item = item
        self.rater = rater
        self.label = label
    }
}

/// The Dawid–Skene estimate of true classes and rater error rates.
public struct DawidSkeneResult: Sendable, Equatable {
    /// P(true class = k), estimated.
    public var classPriors: [Double]
    /// confusion[r][k][l] = P(rater r says l | true class k).
    public var confusion: [[[Double]]]
    /// posteriors[i][k] = P(item i is of class k | all ratings).
    public var posteriors: [[Double]]
    /// Each rater's estimated accuracy Σ_k prior_k · confusion[r][k][k].
    public var raterAccuracy: [Double]
    /// The log-likelihood of the ratings at the estimate.
    public var logLikelihood: Double
    /// EM iterations run.
    public var iterations: Int
    /// Whether the log-likelihood changed by less than the tolerance before the iteration limit.
    public var converged: Bool
}

/// Dawid and Skene's EM estimate of each rater's confusion matrix and each item's true class, for nominal
/// labels with missing ratings.
///
/// Initialised with the per-item vote shares (majority voting, soft), then alternates the M-step
/// (priors = mean posterior; confusion[r][k][l] ∝ Σ_i T_ik·[rater r said l on item i], rows that received no
/// mass left uniform) and the E-step (T_ik ∝ prior_k Π_r confusion[r][k][label_ri], in log space) until the
/// log-likelihood changes by less than `tolerance` (Dawid and Skene 1979, "Maximum likelihood estimation of
/// observer error-rates using the EM algorithm", JRSS C 28(1), §2–3).
///
/// - Throws: ``StatisticsError`` when there is no rating, or an index is negative or a label is not below
///   `categoryCount`.
public func dawidSkene(_ ratings: [NominalRating], categoryCount: Int, maxIterations: Int = 100,
                       tolerance: Double = 1e-8) throws -> DawidSkeneResult {
    guard !ratings.isEmpty else {
        throw StatisticsError.emptyInput("Dawid–Skene needs at least one rating; there is none")
    }
    guard categoryCount >= 2 else {
        throw StatisticsError.invalidArgument(name: "category count", value: String(categoryCount), expected: "at least 2")
    }
    for r in ratings where r.item < 0 || r.rater < 0 || !(0..<categoryCount).contains(r.label) {
        throw StatisticsError.invalidData(
            "rating of item \(r.item) by rater \(r.rater) has label \(r.label); expected item, rater ≥ 0 and a label in 0..<\(categoryCount)")
    }
    let k = categoryCount
    let items = (ratings.map(\.item).max() ?? 0) + 1
    let raters = (ratings.map(\.rater).max() ?? 0) + 1
    var posteriors = [[Double]](repeating: [Double](repeating: 0, count: k), count: items)
    for r in ratings { posteriors[r.item][r.label] += 1 }
    for i in 0..<items {
        let total = posteriors[i].reduce(0, +)
        posteriors[i] = total > 0 ? posteriors[i].map { $0 / total } : [Double](repeating: 1 / Double(k), count: k)
    }
    var priors = [Double](repeating: 1 / Double(k), count: k)
    var confusion = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: k), count: k),
                                 count: raters)
    var previous = -Double.infinity
    var logLikelihood = -Double.infinity
    var iterations = 0
    var converged = false
    while iterations < maxIterations {
        iterations += 1
        // M-step.
        priors = (0..<k).map { c in posteriors.reduce(0) { $0 + $1[c] } / Double(items) }
        for r in 0..<raters { for c in 0..<k { for l in 0..<k { confusion[r][c][l] = 0 } } }
        for r in ratings { for c in 0..<k { confusion[r.rater][c][r.label] += posteriors[r.item][c] } }
        for r in 0..<raters {
            for c in 0..<k {
                let total = confusion[r][c].reduce(0, +)
                confusion[r][c] = total > 0 ? confusion[r][c].map { $0 / total } : [Double](repeating: 1 / Double(k), count: k)
            }
        }
        // E-step in log space.
        var logs = [[Double]](repeating: priors.map { log($0) }, count: items)
        for r in ratings { for c in 0..<k { logs[r.item][c] += log(confusion[r.rater][c][r.label]) } }
        logLikelihood = 0
        for i in 0..<items {
            let top = logs[i].max() ?? 0
            let total = logs[i].reduce(0) { $0 + exp($1 - top) }
            logLikelihood += top + log(total)
            posteriors[i] = logs[i].map { exp($0 - top) / total }
        }
        if abs(logLikelihood - previous) < tolerance {
            converged = true
            break
        }
        previous = logLikelihood
    }
    let accuracy = confusion.map { matrix in (0..<k).reduce(0) { $0 + priors[$1] * matrix[$1][$1] } }
    return DawidSkeneResult(classPriors: priors, confusion: confusion, posteriors: posteriors,
                            raterAccuracy: accuracy, logLikelihood: logLikelihood, iterations: iterations,
                            converged: converged)
}
