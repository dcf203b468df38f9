import Foundation
import GaitCore
import GaitStore

/// Gate evaluations as JUnit XML, for CI systems.
///
/// One `testsuite` per evaluation, one `testcase` per condition (a `failure` when it fails, `skipped`
/// when it is inconclusive) and per evidence-floor check (`skipped` when unmet), every number in the
/// suite's `properties`. Valid against both the Jenkins xUnit plugin's lenient `junit-10.xsd` and the
/// strict Apache Ant JUnit schema (windyroad/JUnit-Schema): every suite carries `properties`,
/// `system-out`, `system-err`, a `timestamp` without zone, `hostname`, `id` and `package`; every test case
/// `classname` and `time`.
public enum JUnitReport {
    /// The XML document for the evaluations.
    ///
    /// - Parameter hostname: the machine that evaluated the gates (`localhost` when unknown).
    public static func xml(_ evaluations: [GateEvaluation], hostname: String) -> String {
        var writer = XMLWriter()
        writer.start("testsuites")
        for (index, evaluation) in evaluations.enumerated() {
            suite(evaluation, id: index, hostname: hostname, into: &writer)
        }
        writer.end()
        return writer.document
    }

    private static func suite(_ evaluation: GateEvaluation, id: Int, hostname: String, into writer: inout XMLWriter) {
        let transition = evaluation.isRecheck ? "\(evaluation.from.rawValue)-recheck"
            : "\(evaluation.from.rawValue)-to-\(evaluation.to.rawValue)"
        let name = "\(token(evaluation.scope)).\(transition)"
        let className = "gait.gate.\(name)"
        let failures = evaluation.conditions.filter { $0.result == .fail }.count
        let skipped = evaluation.conditions.filter { $0.result == .inconclusive }.count
            + evaluation.floor.filter { !$0.met }.count
        let host = hostname.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "localhost" : hostname
        writer.start("testsuite", [
            "name": name, "package": "gait.gate", "id": String(id),
            "timestamp": String(evaluation.evaluatedAt.prefix(19)), "hostname": host,
            "tests": String(evaluation.conditions.count + evaluation.floor.count), "failures": String(failures),
            "errors": "0", "skipped": String(skipped), "time": "0",
        ])
        writer.start("properties")
        var properties: [(String, String)] = [
            ("scope", evaluation.scope), ("from", evaluation.from.rawValue), ("to", evaluation.to.rawValue),
            ("outcome", evaluation.outcome.rawValue), ("exit_code", String(evaluation.exitCode)),
            ("ratings", String(evaluation.ratings)), ("items", String(evaluation.items)),
            ("raters", String(evaluation.raters)), ("days_in_stage", formatNumber(evaluation.daysInStage)),
            ("evidence_since", evaluation.evidenceSince ?? ""),
        ]
        for check in evaluation.floor {
            properties.append(("floor.\(check.name).required", formatNumber(check.required)))
            properties.append(("floor.\(check.name).observed", formatNumber(check.observed)))
        }
        for (number, result) in evaluation.conditions.enumerated() {
            let prefix = "condition.\(number + 1)"
            let estimate = result.estimate
            properties += [
                ("\(prefix).name", result.condition.name), ("\(prefix).metric", result.condition.metric.rawValue),
                ("\(prefix).statistic", result.condition.statistic.rawValue),
                ("\(prefix).comparison", result.condition.comparison.rawValue),
                ("\(prefix).threshold", formatNumber(result.condition.threshold)),
                ("\(prefix).critical", String(result.condition.critical)),
                ("\(prefix).value", estimate.value.map(formatNumber) ?? ""),
                ("\(prefix).ci_low", estimate.low.map(formatNumber) ?? ""),
                ("\(prefix).ci_high", estimate.high.map(formatNumber) ?? ""),
                ("\(prefix).n", String(estimate.n)), ("\(prefix).result", result.result.rawValue),
            ]
        }
        for (key, value) in properties { writer.element("property", ["name": key, "value": value], text: "") }
        writer.end()
        for check in evaluation.floor {
            writer.start("testcase", ["name": "evidence \(check.name) >= \(formatNumber(check.required))",
                                      "classname": className, "time": "0"])
            if !check.met {
                writer.element("skipped", ["message": "too little evidence: \(check.name) needs \(formatNumber(check.required)), found \(formatNumber(check.observed))"],
                               text: "")
            }
            writer.end()
        }
        for result in evaluation.conditions {
            writer.start("testcase", ["name": nonEmpty(result.condition.name), "classname": className, "time": "0"])
            switch result.result {
            case .pass: break
            case .fail:
                writer.element("failure", ["message": result.explanation,
                                           "type": result.condition.critical ? "critical" : "condition"],
                               text: detail(result))
            case .inconclusive:
                writer.element("skipped", ["message": "inconclusive: \(result.explanation)"], text: detail(result))
            }
            writer.end()
        }
        writer.element("system-out", text: "\(evaluation.outcome.rawValue): \(evaluation.summary)")
        writer.element("system-err", text: "")
        writer.end()
    }

    private static func detail(_ result: ConditionResult) -> String {
        let estimate = result.estimate
        var lines = ["\(result.condition.metric.rawValue) value=\(estimate.value.map(formatNumber) ?? "none")"
            + " ci_low=\(estimate.low.map(formatNumber) ?? "none") ci_high=\(estimate.high.map(formatNumber) ?? "none")"
            + " n=\(estimate.n)"]
        if let note = estimate.note { lines.append(note) }
        return lines.joined(separator: "\n")
    }

    /// A scope as one dotted-name segment: characters outside letters, digits, `-` and `_` become `_`.
    private static func token(_ text: String) -> String {
        let mapped = String(text.unicodeScalars.map { scalar -> Character in
            (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
                ? Character(scalar) : "_"
        })
        return nonEmpty(mapped)
    }

    private static func nonEmpty(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "unnamed" : text
    }
}
