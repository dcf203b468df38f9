import Foundation

/// Gate evaluations as JUnit XML for CI: one test suite per evaluation, one test case per condition
/// (plus one for the evidence floor), a `failure` for each failed condition, `skipped` for each
/// inconclusive one, and every number in the suite's properties.
///
/// The file is valid against both the lenient Jenkins xUnit `junit-10.xsd` and the strict Apache Ant
/// JUnit schema (each suite with `properties`, `system-out`, `system-err`, a `timestamp` without zone,
/// `hostname`, `id` and `package`; each case with `classname` and `time`), whatever text raters or
/// models put into it; it is validated against both before it is written.
public struct JUnitReport: Sendable {
    /// The evaluations, one test suite each.
    public var evaluations: [GateReport.Evaluation]
    /// The machine the gate ran on (`localhost` when empty).
    public var hostname: String

    /// A JUnit report of `evaluations` run on `hostname`.
    public init(evaluations: [GateReport.Evaluation], hostname: String) {
        self.evaluations = evaluations
        self.hostname = hostname
    }

    /// Writes the JUnit file, validated against both JUnit schemas before it appears at `url`.
    ///
    /// Timestamps are written in UTC (the strict schema allows no zone designator).
    ///
    /// - Throws: ``ReportError`` when writing fails or the result does not validate (nothing is left).
    public func write(to url: URL) throws {
        try writeValidatedXML(.junit, to: url) { xml in
            try xml.element("testsuites") {
                for (index, evaluation) in evaluations.enumerated() {
                    try suite(evaluation, id: index, to: xml)
                }
            }
        }
    }

    private func suite(_ evaluation: GateReport.Evaluation, id: Int, to xml: XMLStreamWriter) throws {
        // A re-check of the stage a scope is in (`gait gate --current`) has the same stage on both sides.
        let transition = evaluation.from == evaluation.to ? "\(evaluation.from.rawValue)-recheck"
            : "\(evaluation.from.rawValue)-to-\(evaluation.to.rawValue)"
        let classname = tokenText("gait.gate.\(evaluation.scope).\(transition)", fallback: "gait.gate")
        let failures = evaluation.conditions.filter { $0.result == .fail }.count
        let skipped = evaluation.conditions.filter { $0.result == .inconclusive }.count
            + (evaluation.evidence.meetsFloor ? 0 : 1)
        try xml.element("testsuite") {
            try xml.attribute("name", tokenText("gate \(evaluation.scope) \(transition)", fallback: "gate"))
            try xml.attribute("tests", evaluation.conditions.count + 1)
            try xml.attribute("failures", failures)
            try xml.attribute("errors", 0)
            try xml.attribute("skipped", skipped)
            try xml.attribute("time", decimalSeconds(evaluation.duration))
            try xml.attribute("timestamp", localDateTime(evaluation.evaluatedAt))
            try xml.attribute("hostname", tokenText(hostname, fallback: "localhost"))
            try xml.attribute("id", id)
            try xml.attribute("package", tokenText("gait.gate.\(evaluation.scope)", fallback: "gait.gate"))
            try properties(evaluation, to: xml)
            try floorCase(evaluation.evidence, classname: classname, to: xml)
            for condition in evaluation.conditions {
                try testCase(condition, classname: classname, to: xml)
            }
            try xml.element("system-out", summary(evaluation))
            try xml.element("system-err", "")
        }
    }

    private func properties(_ evaluation: GateReport.Evaluation, to xml: XMLStreamWriter) throws {
        try xml.element("properties") {
            func property(_ name: String, _ value: String?) throws {
                guard let value else { return }
                try xml.element("property") {
                    try xml.attribute("name", tokenText(name, fallback: "property"))
                    try xml.attribute("value", value)
                }
            }
            let evidence = evaluation.evidence
            try property("gait.evaluation", evaluation.id)
            try property("gait.scope", evaluation.scope)
            try property("gait.from", evaluation.from.rawValue)
            try property("gait.to", evaluation.to.rawValue)
            try property("gait.decision", evaluation.decision.rawValue)
            try property("evidence.rated_items", String(evidence.ratedItems))
            try property("evidence.ratings", String(evidence.ratings))
            try property("evidence.raters", String(evidence.raters))
            try property("evidence.days_in_stage", xmlDouble(evidence.daysInStage))
            try property("evidence.floor.rated_items", evidence.floor.map { String($0.items) })
            try property("evidence.floor.raters", evidence.floor.map { String($0.raters) })
            try property("evidence.floor.days_in_stage", evidence.floor.map { xmlDouble($0.days) })
            for condition in evaluation.conditions {
                let prefix = "condition." + tokenText(condition.id, fallback: "unnamed").replacingOccurrences(of: " ", with: "_")
                try property(prefix + ".metric", condition.metric)
                try property(prefix + ".rule", "\(condition.statistic.rawValue) \(condition.comparison.rawValue) "
                    + xmlDouble(condition.threshold))
                try property(prefix + ".critical", condition.critical ? "true" : "false")
                try property(prefix + ".value", condition.estimate.map { xmlDouble($0.value) })
                try property(prefix + ".ci_low", condition.estimate?.lower.map(xmlDouble))
                try property(prefix + ".ci_high", condition.estimate?.upper.map(xmlDouble))
                try property(prefix + ".result", condition.result.rawValue)
            }
        }
    }

    private func floorCase(_ evidence: GateReport.Evidence, classname: String, to xml: XMLStreamWriter) throws {
        try xml.element("testcase") {
            try xml.attribute("name", "evidence floor")
            try xml.attribute("classname", classname)
            try xml.attribute("time", decimalSeconds(0))
            if !evidence.meetsFloor, let floor = evidence.floor {
                try xml.element("skipped") {
                    try xml.attribute("message", "too little evidence: \(evidence.ratedItems)/\(floor.items) rated items, "
                        + "\(evidence.raters)/\(floor.raters) raters, "
                        + "\(formatNumber(evidence.daysInStage))/\(formatNumber(floor.days)) days in stage")
                }
            }
        }
    }

    private func testCase(_ condition: GateReport.Condition, classname: String, to xml: XMLStreamWriter) throws {
        let rule = "\(condition.metric) \(condition.statistic.rawValue) \(condition.comparison.rawValue) "
            + formatNumber(condition.threshold)
        let measured = condition.estimate.map { estimate in
            "\(condition.statistic.rawValue) = " + (condition.observed.map(formatNumber) ?? "none")
                + " (value \(formatNumber(estimate.value))"
                + (estimate.interval.map { ", interval \(formatNumber($0.lower))–\(formatNumber($0.upper))" } ?? "")
                + ")"
        } ?? "not measured"
        try xml.element("testcase") {
            try xml.attribute("name", tokenText("\(condition.id): \(rule)", fallback: "condition"))
            try xml.attribute("classname", classname)
            try xml.attribute("time", decimalSeconds(0))
            switch condition.result {
            case .pass:
                break
            case .fail:
                try xml.element("failure") {
                    try xml.attribute("type", condition.critical ? "critical-condition-failed" : "condition-failed")
                    try xml.attribute("message", "\(rule) does not hold: \(measured)")
                    try xml.text(condition.detail ?? "")
                }
            case .inconclusive:
                try xml.element("skipped") {
                    try xml.attribute("message", "inconclusive: \(rule); \(measured)"
                        + (condition.detail.map { "; \($0)" } ?? ""))
                }
            }
        }
    }

    private func summary(_ evaluation: GateReport.Evaluation) -> String {
        let step = evaluation.from == evaluation.to ? "re-check of \(evaluation.from.rawValue)"
            : "\(evaluation.from.rawValue) -> \(evaluation.to.rawValue)"
        var lines = ["Gate \(evaluation.scope): \(step): " + evaluation.decision.rawValue]
        lines += evaluation.reasons.map { "- \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
