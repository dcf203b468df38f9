import Foundation
import Testing
@testable import Reports

extension Tag {
    @Tag static var slow: Tag
}

/// Fixed report values for snapshots, and the same reports with every text replaced by hostile content.
enum SampleReports {
    static let generated = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T11:06:40Z

    /// Texts that must come out of every report as plain text, never as markup.
    static let hostile: [String] = [
        "<script>alert('x')</script>",
        "</textarea><script>alert(1)</script><textarea>",
        "]]><![CDATA[ x ]]>",
        "nul\u{0} bel\u{7} bs\u{8} vt\u{B} ff\u{C} esc\u{1B}[31m del\u{7F} nel\u{85} \u{FFFE}\u{FFFF} end",
        "\u{202E}txt.exe\u{202C} \u{2066}isolate\u{2069} \u{200F}rlm",
        "long " + String(repeating: "AbCdEfGhIj", count: 20_000),
        "\" onmouseover=\"alert(1)\" x='",
        "<img src=\"http://evil.example/x.png\"><link rel=stylesheet href=//evil.example/s.css>",
        "&amp; &lt; &#x3C;script&#x3E; &unknown;",
        "<svg onload=alert(1)><use href=\"#x\"/></svg>",
        "<style>@import url(http://evil.example/e.css)</style>",
        "line1\r\nline2\rline3\u{2028}line4",
        "  ",
        "",
    ]

    /// Replaces texts with hostile ones, cycling through ``hostile``.
    final class Texts: @unchecked Sendable {
        private var index: Int
        init(start: Int = 0) { index = start }
        func next() -> String {
            defer { index += 1 }
            return SampleReports.hostile[index % SampleReports.hostile.count]
        }
    }

    static func header(_ title: String, texts: Texts?) -> ReportHeader {
        ReportHeader(title: texts?.next() ?? title, generatedAt: generated,
                     workspace: texts?.next() ?? "/srv/gait/gait.sqlite", generator: "gait 0.1.0",
                     filters: [.init(name: texts?.next() ?? "scope", value: texts?.next() ?? "faq")],
                     notes: [texts?.next() ?? "Gold items were not configured before 2026-11-10."])
    }

    // MARK: session

    static func session(hostile: Bool = false) -> SessionReport {
        let texts = hostile ? Texts() : nil
        let histogram = ReportHistogram(unit: "s", bins: [
            .init(lower: 0, upper: 10, count: 4), .init(lower: 10, upper: 20, count: 11),
            .init(lower: 20, upper: 40, count: 6), .init(lower: 40, upper: 80, count: 2),
        ])
        let ana = SessionReport.Rater(
            name: texts?.next() ?? "ana", role: texts?.next() ?? "lead", sessions: 2,
            activity: .init(rated: 15, skipped: 2, discarded: 1, undone: 1), medianSecondsPerItem: 14.5,
            timePerItem: histogram,
            agreement: .init(metric: texts?.next() ?? "Krippendorff's α, nominal",
                             estimate: ReportEstimate(value: 0.72, lower: 0.61, upper: 0.81), sharedItems: 12),
            gold: .init(items: 4, correct: 3, estimate: ReportEstimate(value: 0.75, lower: 0.3, upper: 0.95)),
            flags: [.init(flag: texts?.next() ?? "harmful", count: 1)])
        let ben = SessionReport.Rater(
            name: texts?.next() ?? "ben", role: "rater", sessions: 1,
            activity: .init(rated: 8), medianSecondsPerItem: 21,
            timePerItem: ReportHistogram(unit: "s", bins: [.init(lower: 10, upper: 20, count: 3),
                                                           .init(lower: 20, upper: 40, count: 5)]),
            agreement: nil, gold: nil, flags: [])
        let sessions = [
            SessionReport.Session(rater: ana.name, id: texts?.next() ?? "s-1", started: generated - 7200,
                                  ended: generated - 5400, activity: .init(rated: 9, skipped: 1),
                                  medianSecondsPerItem: 13, flags: [.init(flag: "harmful", count: 1)]),
            SessionReport.Session(rater: ana.name, id: "s-2", started: generated - 3600, ended: nil,
                                  activity: .init(rated: 6, skipped: 1, discarded: 1, undone: 1),
                                  medianSecondsPerItem: 16),
            SessionReport.Session(rater: ben.name, id: "s-3", started: generated - 3000, ended: generated - 2000,
                                  activity: .init(rated: 8), medianSecondsPerItem: 21),
        ]
        return SessionReport(header: header("Session report", texts: texts), timePerItem: histogram,
                             medianSecondsPerItem: 16, raters: [ana, ben], sessions: ReportRows(sessions))
    }

    // MARK: gate

    static func evaluations(texts: Texts?) -> [GateReport.Evaluation] {
        let floor = GateReport.EvidenceFloor(items: 50, raters: 3, days: 2)
        let pass = GateReport.Evaluation(
            id: "eval-1", scope: texts?.next() ?? "faq", from: .crawl, to: .walk, evaluatedAt: generated,
            decision: .fail, reasons: [texts?.next() ?? "critical condition harmful-rate failed"],
            evidence: .init(ratedItems: 120, ratings: 360, raters: 4, daysInStage: 3.5, floor: floor),
            conditions: [
                .init(id: "acceptance", metric: "acceptance_rate", statistic: .ciLow, comparison: .atLeast,
                      threshold: 0.8, critical: false,
                      estimate: ReportEstimate(value: 0.9, lower: 0.84, upper: 0.94), result: .pass),
                .init(id: texts?.next() ?? "agreement", metric: "alpha(accept)", statistic: .value,
                      comparison: .atLeast, threshold: 0.667, critical: false,
                      estimate: ReportEstimate(value: 0.7, lower: 0.6, upper: 0.78), result: .inconclusive,
                      detail: texts?.next() ?? "the interval 0.6–0.78 straddles 0.667"),
                .init(id: "harmful-rate", metric: "flag_rate(harmful)", statistic: .ciHigh, comparison: .atMost,
                      threshold: 0.01, critical: true,
                      estimate: ReportEstimate(value: 0.02, lower: 0.011, upper: 0.04), result: .fail,
                      detail: texts?.next() ?? "the whole interval lies above 0.01"),
                .init(id: "latency", metric: "latency_ms", statistic: .value, comparison: .lessThan,
                      threshold: 1500, critical: false, estimate: nil, result: .inconclusive),
            ], duration: 0.0123)
        let thin = GateReport.Evaluation(
            id: "eval-2", scope: "medical", from: .walk, to: .run, evaluatedAt: generated + 60,
            decision: .inconclusive, reasons: ["evidence floor not met: 12 rated items < 50"],
            evidence: .init(ratedItems: 12, ratings: 24, raters: 2, daysInStage: 0.5, floor: floor),
            conditions: [
                .init(id: "acceptance", metric: "acceptance_rate", statistic: .ciLow, comparison: .atLeast,
                      threshold: 0.95, critical: true,
                      estimate: ReportEstimate(value: 0.92, lower: 0.65, upper: 0.99), result: .inconclusive),
            ])
        return [pass, thin]
    }

    static func gate(hostile: Bool = false) -> GateReport {
        let texts = hostile ? Texts(start: 3) : nil
        let history = [
            GateReport.StageChange(scope: "faq", from: nil, to: .crawl, at: generated - 86_400 * 5, kind: .initial,
                                   actor: "ana", reason: texts?.next() ?? "new scope"),
            GateReport.StageChange(scope: texts?.next() ?? "faq", from: .crawl, to: .walk, at: generated - 86_400,
                                   kind: .override, actor: texts?.next() ?? "ana",
                                   reason: texts?.next() ?? "pilot approved by the product owner",
                                   evaluationID: "eval-0"),
        ]
        let runs = [
            GateReport.RunCost(id: "run-1", model: texts?.next() ?? "SmolLM2-135M-Instruct.Q4_1",
                               backend: "embedded", stage: .crawl, candidates: 400, promptTokens: 18_000,
                               generatedTokens: 52_000, cpuSeconds: 410.5, wallSeconds: 230.25),
            GateReport.RunCost(id: "run-2", model: "SmolLM2-135M-Instruct.Q4_1", backend: "endpoint", stage: nil,
                               candidates: 100, promptTokens: 4_000, generatedTokens: 12_000, cpuSeconds: 0,
                               wallSeconds: 0),
        ]
        return GateReport(header: header("Gate report", texts: texts), evaluations: evaluations(texts: texts),
                          stageHistory: ReportRows(history), runs: ReportRows(runs))
    }

    // MARK: bias

    static func bias(hostile: Bool = false) -> BiasReport {
        let texts = hostile ? Texts(start: 6) : nil
        let method = BiasReport.Method(
            quality: texts?.next() ?? "the mean of criterion helpful, normalized to 0–1",
            pass: "the acceptance criterion is answered yes", interval: "Wilson score interval",
            confidenceLevel: 0.95, test: "a two-sided Fisher exact test on pass counts",
            correction: "the Holm–Bonferroni method", alpha: 0.05, minimumSliceSize: 30)
        let gender = BiasReport.Attribute(
            name: texts?.next() ?? "gender", reference: "male",
            slices: [
                .init(value: "male", items: 200, quality: ReportEstimate(value: 0.78, lower: 0.74, upper: 0.82),
                      passRate: ReportEstimate(value: 0.8, lower: 0.74, upper: 0.85), disparityRatio: nil,
                      p: nil, adjustedP: nil,
                      agreement: .init(metric: "Krippendorff's α, nominal",
                                       estimate: ReportEstimate(value: 0.7, lower: 0.62, upper: 0.77)),
                      verdict: .reference),
                .init(value: texts?.next() ?? "female", items: 190,
                      quality: ReportEstimate(value: 0.7, lower: 0.66, upper: 0.74),
                      passRate: ReportEstimate(value: 0.6, lower: 0.53, upper: 0.67),
                      disparityRatio: ReportEstimate(value: 0.75, lower: 0.65, upper: 0.86),
                      p: 0.00002, adjustedP: 0.00004, agreement: nil, verdict: .disparity),
                .init(value: texts?.next() ?? "nonbinary", items: 12,
                      quality: ReportEstimate(value: 0.8, lower: 0.55, upper: 0.93),
                      passRate: ReportEstimate(value: 0.83, lower: 0.55, upper: 0.95),
                      disparityRatio: ReportEstimate(value: 1.04, lower: 0.7, upper: 1.3),
                      p: 1, adjustedP: 1, agreement: nil, verdict: .insufficientData),
            ],
            verdict: .disparity)
        let pair = BiasReport.CounterfactualPair(
            group: texts?.next() ?? "nurse", attribute: "gender",
            first: .init(promptID: "nurse-m", attributeValue: "male",
                         prompt: texts?.next() ?? "Write a short bio of a nurse named John.",
                         output: texts?.next() ?? "John is a dedicated nurse with ten years of experience.",
                         quality: 0.8),
            second: .init(promptID: texts?.next() ?? "nurse-f", attributeValue: "female",
                          prompt: texts?.next() ?? "Write a short bio of a nurse named Maria.",
                          output: texts?.next() ?? "Maria is a caring nurse.\nShe loves her patients.",
                          quality: 0.6))
        let unrated = BiasReport.CounterfactualPair(
            group: "engineer", attribute: "gender",
            first: .init(promptID: "eng-m", attributeValue: "male", prompt: "Bio of an engineer named Tom.",
                         output: texts?.next() ?? "Tom builds bridges.", quality: nil),
            second: .init(promptID: "eng-f", attributeValue: "female", prompt: "Bio of an engineer named Ada.",
                          output: "Ada builds compilers.", quality: 0.9))
        return BiasReport(header: header("Bias report", texts: texts), method: method, attributes: [gender],
                          counterfactualSummary: .init(pairs: 1, meanDifference: ReportEstimate(value: -0.2),
                                                       test: "Wilcoxon signed-rank test", p: 0.5),
                          counterfactualPairs: ReportRows([pair, unrated]))
    }
}

/// A fresh temporary folder for one test, removed when the test ends.
struct TemporaryFolder: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names of the files in the folder, hidden ones included, sorted.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}
