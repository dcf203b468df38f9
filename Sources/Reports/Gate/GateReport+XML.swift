import Foundation

extension GateReport {
    /// Writes the report as XML valid against `reports/gate.xsd`, validating before it appears at `url`.
    ///
    /// - Throws: ``ReportError`` when writing fails or the result does not validate (then nothing is left),
    ///   or what the stage-history and run rows throw.
    public func writeXML(to url: URL) throws {
        try writeValidatedXML(.gate, to: url) { xml in
            try xml.report(.gate, root: "gate-report") {
                try xml.header(header)
                try xml.element("evaluations") {
                    for evaluation in evaluations { try write(evaluation, to: xml) }
                }
                try xml.element("stage-history") {
                    try stageHistory.forEach { try write($0, to: xml) }
                }
                try xml.element("runs") {
                    var total = RunTotals()
                    try runs.forEach { run in
                        total.add(run)
                        try xml.element("run") {
                            try xml.attribute("id", run.id)
                            try xml.attribute("model", run.model)
                            try xml.attribute("backend", run.backend)
                            try xml.attribute("stage", run.stage?.rawValue)
                            try costs(RunTotals(run), to: xml)
                        }
                    }
                    try xml.element("total") {
                        try xml.attribute("runs", total.runs)
                        try costs(total, to: xml)
                    }
                }
            }
        }
    }

    private func write(_ evaluation: Evaluation, to xml: XMLStreamWriter) throws {
        try xml.element("evaluation") {
            try xml.attribute("id", evaluation.id)
            try xml.attribute("scope", evaluation.scope)
            try xml.attribute("from", evaluation.from.rawValue)
            try xml.attribute("to", evaluation.to.rawValue)
            try xml.attribute("evaluated-at", xmlDateTime(evaluation.evaluatedAt))
            try xml.attribute("decision", evaluation.decision.rawValue)
            try xml.attribute("duration-seconds", evaluation.duration)
            for reason in evaluation.reasons {
                try xml.element("reason", reason)
            }
            let evidence = evaluation.evidence
            try xml.element("evidence") {
                try xml.attribute("rated-items", evidence.ratedItems)
                try xml.attribute("ratings", evidence.ratings)
                try xml.attribute("raters", evidence.raters)
                try xml.attribute("days-in-stage", evidence.daysInStage)
                try xml.attribute("meets-floor", evidence.meetsFloor ? "true" : "false")
                if let floor = evidence.floor {
                    try xml.element("floor") {
                        try xml.attribute("rated-items", floor.items)
                        try xml.attribute("raters", floor.raters)
                        try xml.attribute("days-in-stage", floor.days)
                    }
                }
            }
            for condition in evaluation.conditions {
                try xml.element("condition") {
                    try xml.attribute("id", condition.id)
                    try xml.attribute("metric", condition.metric)
                    try xml.attribute("statistic", condition.statistic.rawValue)
                    try xml.attribute("comparison", condition.comparison.name)
                    try xml.attribute("threshold", condition.threshold)
                    try xml.attribute("critical", condition.critical ? "true" : "false")
                    try xml.attribute("result", condition.result.rawValue)
                    try xml.attribute("observed", condition.observed)
                    try xml.estimate("estimate", condition.estimate)
                    if let detail = condition.detail {
                        try xml.element("detail", detail)
                    }
                }
            }
        }
    }

    private func write(_ change: StageChange, to xml: XMLStreamWriter) throws {
        try xml.element("change") {
            try xml.attribute("scope", change.scope)
            try xml.attribute("from", change.from?.rawValue)
            try xml.attribute("to", change.to.rawValue)
            try xml.attribute("at", xmlDateTime(change.at))
            try xml.attribute("kind", change.kind.rawValue)
            try xml.attribute("actor", change.actor)
            try xml.attribute("evaluation", change.evaluationID)
            try xml.element("reason", change.reason)
        }
    }

    private func costs(_ costs: RunTotals, to xml: XMLStreamWriter) throws {
        try xml.attribute("candidates", costs.candidates)
        try xml.attribute("prompt-tokens", costs.promptTokens)
        try xml.attribute("generated-tokens", costs.generatedTokens)
        try xml.attribute("cpu-seconds", costs.cpuSeconds)
        try xml.attribute("wall-seconds", costs.wallSeconds)
        try xml.attribute("tokens-per-second", costs.tokensPerSecond)
    }
}

/// Run costs summed while the runs stream past (or the costs of one run).
struct RunTotals {
    var runs = 0
    var candidates = 0
    var promptTokens = 0
    var generatedTokens = 0
    var cpuSeconds = 0.0
    var wallSeconds = 0.0

    init() {}

    /// The costs of one run.
    init(_ run: GateReport.RunCost) {
        add(run)
    }

    mutating func add(_ run: GateReport.RunCost) {
        runs += 1
        candidates += run.candidates
        promptTokens += run.promptTokens
        generatedTokens += run.generatedTokens
        cpuSeconds += run.cpuSeconds
        wallSeconds += run.wallSeconds
    }

    var tokensPerSecond: Double? {
        wallSeconds > 0 ? Double(generatedTokens) / wallSeconds : nil
    }
}
