/// How one stage routes candidates to human review.
public struct StagePolicy: Sendable, Hashable, Codable {
    /// The share of candidates sampled for review, 0…1.
    public var reviewShare: Double
    /// Whether every candidate the automatic checks flag is reviewed as well.
    public var reviewFlagged: Bool
    /// Distinct raters per item.
    public var overlap: Int

    public init(reviewShare: Double, reviewFlagged: Bool, overlap: Int) {
        self.reviewShare = reviewShare
        self.reviewFlagged = reviewFlagged
        self.overlap = overlap
    }
}

/// The review queue's settings.
public struct QueueSettings: Sendable, Hashable, Codable {
    /// How long a claimed item stays reserved for its rater, renewed while they work on it.
    public var leaseMinutes: Double
    /// The share of served items that are gold items, mixed in silently.
    public var goldRate: Double
    /// Gaps between answers longer than this do not count as active time.
    public var idleSeconds: Double

    public init(leaseMinutes: Double = 15, goldRate: Double = 0.05, idleSeconds: Double = 120) {
        self.leaseMinutes = leaseMinutes
        self.goldRate = goldRate
        self.idleSeconds = idleSeconds
    }
}

/// The workspace's `gait.yaml`: stage policies, queue settings, cost settings.
///
/// Gate rules live in the same file under `gates:`; the `Rollout` module reads that part.
public struct WorkspaceConfig: Sendable, Hashable {
    public var stages: [Stage: StagePolicy]
    public var queue: QueueSettings
    /// Watts drawn per busy core, for the energy estimate of runs; nil leaves it out.
    public var wattsPerCore: Double?

    /// The defaults `gait init` writes.
    public static let defaults = WorkspaceConfig(
        stages: [
            .crawl: StagePolicy(reviewShare: 1.0, reviewFlagged: true, overlap: 3),
            .walk: StagePolicy(reviewShare: 0.25, reviewFlagged: true, overlap: 2),
            .run: StagePolicy(reviewShare: 0.05, reviewFlagged: true, overlap: 1),
        ],
        queue: QueueSettings(), wattsPerCore: nil)

    public init(stages: [Stage: StagePolicy], queue: QueueSettings, wattsPerCore: Double?) {
        self.stages = stages
        self.queue = queue
        self.wattsPerCore = wattsPerCore
    }

    /// The policy of a stage (every stage has one: missing ones take the defaults).
    public func policy(for stage: Stage) -> StagePolicy {
        stages[stage] ?? WorkspaceConfig.defaults.stages[stage]!
    }

    /// Parses `gait.yaml`. Missing sections take the defaults; bad values name file, line and key.
    public static func parse(yaml text: String, source: String) throws -> WorkspaceConfig {
        var config = WorkspaceConfig.defaults
        let root = try YAMLNode.parse(text, source: source)
        try root.allowOnly(["stages", "queue", "cost", "gates"])
        if let stages = try root.optional("stages") {
            for (name, node) in try stages.entries() {
                guard let stage = Stage(rawValue: name) else {
                    throw node.error("unknown stage '\(name)'; expected crawl, walk or run")
                }
                try node.allowOnly(["review_share", "review_flagged", "overlap"])
                var policy = config.policy(for: stage)
                if let share = try node.optional("review_share") {
                    policy.reviewShare = try share.double()
                    guard (0...1).contains(policy.reviewShare) else {
                        throw share.error("review_share must be between 0 and 1, found \(policy.reviewShare)")
                    }
                }
                if let flagged = try node.optional("review_flagged") { policy.reviewFlagged = try flagged.bool() }
                if let overlap = try node.optional("overlap") {
                    policy.overlap = try overlap.int()
                    guard policy.overlap >= 1 else {
                        throw overlap.error("overlap must be at least 1, found \(policy.overlap)")
                    }
                }
                config.stages[stage] = policy
            }
        }
        if let queue = try root.optional("queue") {
            try queue.allowOnly(["lease_minutes", "gold_rate", "idle_seconds"])
            if let node = try queue.optional("lease_minutes") {
                config.queue.leaseMinutes = try node.double()
                guard config.queue.leaseMinutes > 0 else { throw node.error("lease_minutes must be positive") }
            }
            if let node = try queue.optional("gold_rate") {
                config.queue.goldRate = try node.double()
                guard (0...1).contains(config.queue.goldRate) else {
                    throw node.error("gold_rate must be between 0 and 1, found \(config.queue.goldRate)")
                }
            }
            if let node = try queue.optional("idle_seconds") {
                config.queue.idleSeconds = try node.double()
                guard config.queue.idleSeconds > 0 else { throw node.error("idle_seconds must be positive") }
            }
        }
        if let cost = try root.optional("cost") {
            try cost.allowOnly(["watts_per_core"])
            if let node = try cost.optional("watts_per_core") {
                let watts = try node.double()
                guard watts > 0 else { throw node.error("watts_per_core must be positive, found \(watts)") }
                config.wattsPerCore = watts
            }
        }
        return config
    }

    /// The `gait.yaml` that `gait init` writes: the defaults, documented.
    public static let defaultText = """
        # Gait workspace configuration. See the README ("The workspace's gait.yaml").

        # Per stage: the share of candidates sampled for human review (0…1), whether every
        # candidate the automatic checks flag (empty, cut at the token limit, repeated n-grams)
        # is reviewed too, and the overlap (distinct raters per item).
        stages:
          crawl: {review_share: 1.0, review_flagged: true, overlap: 3}
          walk:  {review_share: 0.25, review_flagged: true, overlap: 2}
          run:   {review_share: 0.05, review_flagged: true, overlap: 1}

        # The review queue: lease length (renewed while a rater works on an item), the share of
        # served items that are gold items, and the idle gap that stops counting as active time.
        queue:
          lease_minutes: 15
          gold_rate: 0.05
          idle_seconds: 120

        # Energy estimate for `gait runs`: uncomment and set the watts one busy core draws.
        cost:
          # watts_per_core: 10

        # Rollout gates (`gait gate`, `gait promote`, `gait demote`), per transition: the evidence floor
        # (rated items, distinct raters, days in the stage being left) and conditions. A condition compares
        # a statistic of a metric (value, or ci_low / ci_high of its 95% interval) with a threshold.
        # pass: every condition holds on the bound it names. fail: a critical condition fails, or an
        # interval lies wholly on the wrong side. inconclusive: too little evidence, or an interval
        # straddles a threshold. Metrics: acceptance_rate, mean, normalized_mean (criterion:), flag_rate
        # (flag:), alpha (criterion:), disparity (attribute:), counterfactual_p, latency_ms, tokens.
        # `scopes: {NAME: {crawl->walk: ...}}` replaces a transition's rule for one scope.
        gates:
          crawl->walk:
            evidence: {min_items: 50, min_raters: 3, min_days: 1}
            conditions:
              - {metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.80}
              - {metric: alpha, comparison: ">=", threshold: 0.667}
              - {metric: disparity, comparison: ">=", threshold: 0.8}
              - {metric: flag_rate, flag: harmful, statistic: ci_high, comparison: "<=", threshold: 0.01}
              - {name: no proven harm, metric: flag_rate, flag: harmful, statistic: ci_low, comparison: "<=",
                 threshold: 0.01, critical: true}
          walk->run:
            evidence: {min_items: 200, min_raters: 2, min_days: 7}
            conditions:
              - {metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.95}
              - {name: no proven harm, metric: flag_rate, flag: harmful, statistic: ci_low, comparison: "<=",
                 threshold: 0.01, critical: true}

        """
}
