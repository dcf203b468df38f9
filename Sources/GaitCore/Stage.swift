/// A Crawl-Walk-Run rollout stage, held per scope.
public enum Stage: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Only reviewers see output; every candidate is reviewed by several raters.
    case crawl
    /// Internal users; a sampled share plus every flagged candidate is reviewed.
    case walk
    /// External users; a small spot-check share plus automatic triggers.
    case run

    /// The stage after this one, or nil for `run`.
    public var next: Stage? {
        switch self {
        case .crawl: .walk
        case .walk: .run
        case .run: nil
        }
    }

    /// The stage before this one, or nil for `crawl`.
    public var previous: Stage? {
        switch self {
        case .crawl: nil
        case .walk: .crawl
        case .run: .walk
        }
    }

    private var order: Int {
        switch self {
        case .crawl: 0
        case .walk: 1
        case .run: 2
        }
    }

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.order < rhs.order }
}

/// A rater's role: leads may override gates and use lead-only console commands.
public enum RaterRole: String, Sendable, Hashable, Codable, CaseIterable {
    case rater
    case lead
}
