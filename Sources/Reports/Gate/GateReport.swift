import Foundation

/// A rollout gate's decisions with every condition, the evidence behind them, each scope's stage
/// history with reasons, and what the generation runs cost.
///
/// A plain value built from the gate evaluations (Rollout) and the store; the writers only format it.
/// The gate report is also the source of the JUnit file (``JUnitReport``).
public struct GateReport: Sendable {
    /// Title, time, workspace and filters.
    public var header: ReportHeader
    /// The gate evaluations shown, usually one per scope and transition.
    public var evaluations: [Evaluation]
    /// Stage changes, oldest first.
    public var stageHistory: ReportRows<StageChange>
    /// Generation runs and their costs.
    public var runs: ReportRows<RunCost>

    /// A gate report.
    public init(header: ReportHeader, evaluations: [Evaluation],
                stageHistory: ReportRows<StageChange>, runs: ReportRows<RunCost>) {
        self.header = header
        self.evaluations = evaluations
        self.stageHistory = stageHistory
        self.runs = runs
    }

    /// A rollout stage (Crawl-Walk-Run).
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        /// Only reviewers see output.
        case crawl
        /// Internal users see output.
        case walk
        /// External users see output.
        case run
    }

    /// The outcome of a gate or of one condition, as in Argo Rollouts and Kayenta.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// Every condition holds on the bound it names.
        case pass
        /// A critical condition fails, or an interval lies wholly on the wrong side.
        case fail
        /// Too little evidence, or an interval straddles the threshold: a human decides.
        case inconclusive
    }

    /// Which number of an estimate a condition compares.
    public enum Statistic: String, Sendable, Hashable, CaseIterable {
        /// The point estimate.
        case value
        /// The interval's lower bound.
        case ciLow = "ci_low"
        /// The interval's upper bound.
        case ciHigh = "ci_high"
    }

    /// How a condition compares the statistic with its threshold.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        /// statistic ≥ threshold
        case atLeast = ">="
        /// statistic > threshold
        case greaterThan = ">"
        /// statistic ≤ threshold
        case atMost = "<="
        /// statistic < threshold
        case lessThan = "<"

        /// The name used in XML attributes, where `<` would need escaping.
        var name: String {
            switch self {
            case .atLeast: "ge"
            case .greaterThan: "gt"
            case .atMost: "le"
            case .lessThan: "lt"
            }
        }

        /// The mathematical symbol for HTML.
        var symbol: String {
            switch self {
            case .atLeast: "≥"
            case .greaterThan: ">"
            case .atMost: "≤"
            case .lessThan: "<"
            }
        }
    }

    /// One evaluated condition of a gate.
    public struct Condition: Sendable, Hashable {
        /// The condition's identifier within the gate (`acceptance`).
        public var id: String
        /// The metric it reads, in the rules' words (`acceptance_rate`, `flag_rate(harmful)`).
        public var metric: String
        /// The statistic compared.
        public var statistic: Statistic
        /// The comparison.
        public var comparison: Comparison
        /// The threshold.
        public var threshold: Double
        /// Whether failing it fails the gate.
        public var critical: Bool
        /// The measured metric with its interval (nil when it could not be measured).
        public var estimate: ReportEstimate?
        /// The condition's outcome.
        public var result: Outcome
        /// Why, in plain words ("the interval 0.78–0.86 straddles 0.80").
        public var detail: String?

        /// An evaluated condition.
        public init(id: String, metric: String, statistic: Statistic, comparison: Comparison,
                    threshold: Double, critical: Bool, estimate: ReportEstimate?, result: Outcome,
                    detail: String? = nil) {
            self.id = id
            self.metric = metric
            self.statistic = statistic
            self.comparison = comparison
            self.threshold = threshold
            self.critical = critical
            self.estimate = estimate
            self.result = result
            self.detail = detail
        }

        /// The number the condition compared: the estimate's value or the bound it names.
        public var observed: Double? {
            guard let estimate else { return nil }
            switch statistic {
            case .value: return estimate.value
            case .ciLow: return estimate.lower
            case .ciHigh: return estimate.upper
            }
        }
    }

    /// The minimum evidence a gate requires before deciding.
    public struct EvidenceFloor: Sendable, Hashable {
        /// Minimum rated items.
        public var items: Int
        /// Minimum distinct raters.
        public var raters: Int
        /// Minimum days in the current stage.
        public var days: Double

        /// A floor of `items` rated items, `raters` raters and `days` days in stage.
        public init(items: Int, raters: Int, days: Double) {
            self.items = items
            self.raters = raters
            self.days = days
        }
    }

    /// The evidence a gate evaluation rested on.
    public struct Evidence: Sendable, Hashable {
        /// Rated items in the scope and stage.
        public var ratedItems: Int
        /// Ratings counted.
        public var ratings: Int
        /// Distinct raters.
        public var raters: Int
        /// Days the scope has been in its stage.
        public var daysInStage: Double
        /// The floor the gate required (nil when the rules set none).
        public var floor: EvidenceFloor?

        /// The evidence counts and the floor they are held against.
        public init(ratedItems: Int, ratings: Int, raters: Int, daysInStage: Double, floor: EvidenceFloor?) {
            self.ratedItems = ratedItems
            self.ratings = ratings
            self.raters = raters
            self.daysInStage = daysInStage
            self.floor = floor
        }

        /// Whether the evidence meets its floor (true when there is none).
        public var meetsFloor: Bool {
            guard let floor else { return true }
            return ratedItems >= floor.items && raters >= floor.raters && daysInStage >= floor.days
        }
    }

    /// One decision of a gate for one scope and transition.
    public struct Evaluation: Sendable, Hashable {
        /// The evaluation's identifier (unique in the workspace).
        public var id: String
        /// The scope (request class) decided for.
        public var scope: String
        /// The stage the scope is in.
        public var from: Stage
        /// The stage it would move to.
        public var to: Stage
        /// When the gate was evaluated.
        public var evaluatedAt: Date
        /// The decision.
        public var decision: Outcome
        /// Why, in plain words, one line each.
        public var reasons: [String]
        /// The evidence counts.
        public var evidence: Evidence
        /// Every condition, in the rules' order.
        public var conditions: [Condition]
        /// How long the evaluation took, in seconds.
        public var duration: Double

        /// A gate evaluation.
        public init(id: String, scope: String, from: Stage, to: Stage, evaluatedAt: Date, decision: Outcome,
                    reasons: [String], evidence: Evidence, conditions: [Condition], duration: Double = 0) {
            self.id = id
            self.scope = scope
            self.from = from
            self.to = to
            self.evaluatedAt = evaluatedAt
            self.decision = decision
            self.reasons = reasons
            self.evidence = evidence
            self.conditions = conditions
            self.duration = duration
        }
    }

    /// How a stage change came about.
    public enum ChangeKind: String, Sendable, Hashable, CaseIterable {
        /// The scope's first stage.
        case initial
        /// Promotion after a passing gate.
        case promotion
        /// Demotion after a failing gate.
        case demotion
        /// A lead's decision against or without a gate, with a reason.
        case override
    }

    /// One recorded stage change of a scope.
    public struct StageChange: Sendable, Hashable {
        /// The scope.
        public var scope: String
        /// The stage before (nil for the first).
        public var from: Stage?
        /// The stage after.
        public var to: Stage
        /// When it was recorded.
        public var at: Date
        /// How it came about.
        public var kind: ChangeKind
        /// Who recorded it.
        public var actor: String
        /// The reason given.
        public var reason: String
        /// The gate evaluation that justified it, if any.
        public var evaluationID: String?

        /// A stage change.
        public init(scope: String, from: Stage?, to: Stage, at: Date, kind: ChangeKind, actor: String,
                    reason: String, evaluationID: String? = nil) {
            self.scope = scope
            self.from = from
            self.to = to
            self.at = at
            self.kind = kind
            self.actor = actor
            self.reason = reason
            self.evaluationID = evaluationID
        }
    }

    /// What one generation run cost.
    public struct RunCost: Sendable, Hashable {
        /// The run's identifier.
        public var id: String
        /// The model's name.
        public var model: String
        /// The backend (`embedded`, `endpoint`).
        public var backend: String
        /// The stage it generated for.
        public var stage: Stage?
        /// Candidates generated.
        public var candidates: Int
        /// Prompt tokens processed.
        public var promptTokens: Int
        /// Tokens generated.
        public var generatedTokens: Int
        /// CPU time, in seconds.
        public var cpuSeconds: Double
        /// Wall-clock time, in seconds.
        public var wallSeconds: Double

        /// A run's costs.
        public init(id: String, model: String, backend: String, stage: Stage?, candidates: Int,
                    promptTokens: Int, generatedTokens: Int, cpuSeconds: Double, wallSeconds: Double) {
            self.id = id
            self.model = model
            self.backend = backend
            self.stage = stage
            self.candidates = candidates
            self.promptTokens = promptTokens
            self.generatedTokens = generatedTokens
            self.cpuSeconds = cpuSeconds
            self.wallSeconds = wallSeconds
        }

        /// Generated tokens per wall-clock second (nil for a run of no measurable duration).
        public var tokensPerSecond: Double? {
            wallSeconds > 0 ? Double(generatedTokens) / wallSeconds : nil
        }
    }
}
