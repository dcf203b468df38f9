// `swift run -c release gait-bench reports [--ratings N] [--out DIR]`
//
// Renders the three reports (HTML, XML validated against its schema, and JUnit) from synthetic
// aggregates standing for N ratings (default 1,000,000): per-rating timings arrive as histograms, the
// per-session, per-run, stage-history and counterfactual rows are generated lazily as the writers pull
// them, as a database cursor would deliver them. Prints the time of each report, the bytes written and
// the process's peak resident memory.
import Foundation
import Reports

@Sendable func runReportsBenchmark(_ arguments: [String]) async throws {
    let options = try BenchmarkOptions(arguments, allowed: ["--ratings", "--out"])
    let ratings = try options.positive("--ratings", default: 1_000_000)
    let output = options["--out"].map { URL(fileURLWithPath: $0) }
    let folder = output ?? FileManager.default.temporaryDirectory
        .appendingPathComponent("gait-reports-bench-\(ProcessInfo.processInfo.processIdentifier)")
    defer { if output == nil { try? FileManager.default.removeItem(at: folder) } }
    let data = SyntheticWorkspace(ratings: ratings)
    print("reports benchmark: \(ratings) ratings, \(data.raters) raters, \(data.sessions) sessions, "
        + "\(data.runs) runs, \(data.pairs) counterfactual pairs")
    for (name, write) in [
        ("session", { try data.sessionReport().write(into: folder) }),
        ("gate", { try data.gateReport().write(into: folder, hostname: "bench") }),
        ("bias", { try data.biasReport().write(into: folder) }),
    ] as [(String, () throws -> [URL])] {
        let start = ContinuousClock.now
        let files = try write()
        let elapsed = ContinuousClock.now - start
        let bytes = files.reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print(String(format: "%@ %7.2f s  %8.1f MB written (%@)", name.padding(toLength: 8, withPad: " ", startingAt: 0) as NSString, seconds,
                     Double(bytes) / 1_048_576, files.map(\.lastPathComponent).joined(separator: ", ") as NSString))
    }
    print(String(format: "peak RSS %.1f MB", Double(ProcessUsage.now().peakResidentBytes) / 1_048_576))
}

struct BenchmarkUsage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A benchmark's `--name VALUE` options, each of the allowed names at most once.
struct BenchmarkOptions {
    private var values: [String: String] = [:]

    init(_ arguments: [String], allowed: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard allowed.contains(argument) else {
                throw BenchmarkUsage("unknown argument \(argument); use \(allowed.joined(separator: ", "))")
            }
            guard let value = rest.popFirst() else { throw BenchmarkUsage("\(argument) needs a value") }
            values[argument] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// The option as a positive integer, or `fallback` when it is absent.
    func positive(_ name: String, default fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), value > 0 else { throw BenchmarkUsage("\(name) needs a positive integer") }
        return value
    }
}

/// Aggregates of a workspace with `ratings` ratings, generated deterministically on demand.
struct SyntheticWorkspace: Sendable {
    let ratings: Int
    var raters: Int { max(ratings / 1_000, 2) }
    var sessions: Int { max(ratings / 20, 1) }
    var runs: Int { max(ratings / 100, 1) }
    var pairs: Int { max(ratings / 50, 1) }
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    func header(_ title: String) -> ReportHeader {
        ReportHeader(title: title, generatedAt: start + 86_400 * 30, workspace: "bench.sqlite", generator: "gait-bench",
                     filters: [.init(name: "since", value: "2026-09-21")])
    }

    /// Time per item in 60 bins of 5 s, the counts spread over a skewed shape that sums to `total`.
    func histogram(total: Int, seed: Int) -> ReportHistogram {
        let weights = (0..<60).map { bin -> Double in
            let x = Double(bin) + 1
            return x * exp(-x / Double(6 + seed % 5))
        }
        let sum = weights.reduce(0, +)
        var counts = weights.map { Int(Double(total) * $0 / sum) }
        counts[0] += total - counts.reduce(0, +)
        return ReportHistogram(unit: "s", bins: counts.enumerated().map { index, count in
            .init(lower: Double(index * 5), upper: Double(index * 5 + 5), count: count)
        })
    }

    func sessionReport() -> SessionReport {
        let sessions = self.sessions, raters = self.raters, start = self.start
        let perRater = ratings / raters
        let raterRows = (0..<raters).map { index in
            SessionReport.Rater(
                name: "rater-\(index)", role: index % 50 == 0 ? "lead" : "rater", sessions: sessions / raters,
                activity: .init(rated: perRater, skipped: perRater / 20, discarded: perRater / 100, undone: perRater / 200),
                medianSecondsPerItem: 20 + Double(index % 17), timePerItem: histogram(total: perRater, seed: index),
                agreement: .init(metric: "Krippendorff's α, nominal",
                                 estimate: ReportEstimate(value: 0.7, lower: 0.6, upper: 0.78), sharedItems: perRater / 3),
                gold: .init(items: 40, correct: 36, estimate: ReportEstimate(value: 0.9, lower: 0.77, upper: 0.96)),
                flags: [.init(flag: "harmful", count: index % 7), .init(flag: "off-topic", count: index % 11)])
        }
        let rows = ReportRows<SessionReport.Session> { emit in
            for index in 0..<sessions {
                let started = start + Double(index) * 60
                try emit(SessionReport.Session(
                    rater: "rater-\(index % raters)", id: "session-\(index)", started: started, ended: started + 1_800,
                    activity: .init(rated: 20, skipped: index % 3, discarded: index % 5 == 0 ? 1 : 0, undone: index % 7 == 0 ? 1 : 0),
                    medianSecondsPerItem: 15 + Double(index % 30), flags: index % 9 == 0 ? [.init(flag: "harmful", count: 1)] : []))
            }
        }
        return SessionReport(header: header("Session report"), timePerItem: histogram(total: ratings, seed: 0),
                             medianSecondsPerItem: 24, raters: raterRows, sessions: rows)
    }

    func syntheticEvaluation(_ index: Int) -> GateReport.Evaluation {
        let outcomes: [GateReport.Outcome] = [.pass, .fail, .inconclusive]
        let conditions = (0..<6).map { condition -> GateReport.Condition in
            let estimate = ReportEstimate(value: 0.86, lower: 0.82, upper: 0.9)
            return GateReport.Condition(id: "condition-\(condition)", metric: "acceptance_rate", statistic: .ciLow,
                                        comparison: .atLeast, threshold: 0.8, critical: condition == 0,
                                        estimate: estimate, result: outcomes[(index + condition) % 3], detail: "synthetic")
        }
        let evidence = GateReport.Evidence(ratedItems: ratings / 100, ratings: ratings / 50, raters: 12, daysInStage: 9,
                                           floor: .init(items: 200, raters: 3, days: 7))
        let promotion = index % 2 == 0
        return GateReport.Evaluation(id: "eval-\(index)", scope: "scope-\(index / 2)", from: promotion ? .crawl : .walk,
                                     to: promotion ? .walk : .run, evaluatedAt: start + Double(index) * 3_600,
                                     decision: outcomes[index % 3], reasons: ["synthetic evaluation \(index)"],
                                     evidence: evidence, conditions: conditions, duration: 0.02)
    }

    func gateReport() -> GateReport {
        let evaluations = (0..<100).map(syntheticEvaluation)
        let runs = self.runs, start = self.start
        return GateReport(
            header: header("Gate report"), evaluations: evaluations,
            stageHistory: ReportRows { emit in
                for index in 0..<1_000 {
                    try emit(GateReport.StageChange(scope: "scope-\(index % 50)", from: .crawl, to: .walk,
                                                    at: start + Double(index) * 600, kind: .promotion, actor: "lead",
                                                    reason: "gate passed", evaluationID: "eval-\(index % 100)"))
                }
            },
            runs: ReportRows { emit in
                for index in 0..<runs {
                    try emit(GateReport.RunCost(id: "run-\(index)", model: "SmolLM2-135M-Instruct.Q4_1", backend: "embedded",
                                                stage: .crawl, candidates: 4, promptTokens: 180, generatedTokens: 520,
                                                cpuSeconds: 8.5, wallSeconds: 4.6))
                }
            })
    }

    func syntheticSlice(_ slice: Int) -> BiasReport.Slice {
        let step = Double(slice % 4)
        let quality = ReportEstimate(value: 0.7 + Double(slice % 5) * 0.02, lower: 0.68, upper: 0.8)
        let passRate = ReportEstimate(value: 0.8 - step * 0.05, lower: 0.7, upper: 0.85)
        let ratio: ReportEstimate? = slice == 0 ? nil : ReportEstimate(value: 1 - step * 0.07, lower: 0.7, upper: 1.1)
        let p: Double? = slice == 0 ? nil : 0.01 * Double(slice)
        let adjusted: Double? = slice == 0 ? nil : min(1, 0.19 * Double(slice))
        let agreement = BiasReport.Agreement(metric: "Krippendorff's α, nominal",
                                             estimate: ReportEstimate(value: 0.7, lower: 0.6, upper: 0.8))
        return BiasReport.Slice(value: "value-\(slice)", items: ratings / 200, quality: quality, passRate: passRate,
                                disparityRatio: ratio, p: p, adjustedP: adjusted, agreement: agreement,
                                verdict: slice == 0 ? .reference : .noEvidence)
    }

    func biasReport() -> BiasReport {
        let attributes = (0..<10).map { attribute in
            BiasReport.Attribute(
                name: "attribute-\(attribute)", reference: "value-0",
                slices: (0..<20).map { slice in syntheticSlice(slice) }, verdict: .review)
        }
        let pairs = self.pairs
        let output = String(repeating: "The nurse checks the chart, talks with the family and explains the plan. ", count: 7)
        return BiasReport(
            header: header("Bias report"),
            method: .init(quality: "the mean of criterion helpful, normalized to 0–1", pass: "accept is yes",
                          interval: "Wilson score interval", confidenceLevel: 0.95, test: "a Fisher exact test",
                          correction: "Holm–Bonferroni", alpha: 0.05, minimumSliceSize: 30),
            attributes: attributes,
            counterfactualSummary: .init(pairs: pairs, meanDifference: ReportEstimate(value: -0.01, lower: -0.03, upper: 0.01),
                                         test: "Wilcoxon signed-rank test", p: 0.4),
            counterfactualPairs: ReportRows { emit in
                for index in 0..<pairs {
                    try emit(BiasReport.CounterfactualPair(
                        group: "group-\(index)", attribute: "attribute-\(index % 10)",
                        first: .init(promptID: "p-\(index)-a", attributeValue: "value-0", prompt: "Write a short bio of person \(index).",
                                     output: output, quality: 0.7),
                        second: .init(promptID: "p-\(index)-b", attributeValue: "value-1", prompt: "Write a short bio of person \(index)'.",
                                      output: output, quality: 0.72)))
                }
            })
    }
}
