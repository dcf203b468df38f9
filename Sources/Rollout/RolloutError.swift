import GaitCore
import GaitStore

/// Why a gate could not be evaluated or a stage change was refused, in words a user can act on.
public enum RolloutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stages asked for are not a transition a gate decides.
    case notATransition(from: Stage, to: Stage)
    /// The scope is not in the stage a command assumes.
    case wrongStage(scope: String, current: Stage, expected: String)
    /// A promotion or demotion whose gate decision does not allow it.
    case gateRefuses(scope: String, from: Stage, to: Stage, decisionID: Int64, outcome: GateOutcome, summary: String)
    /// An override by someone who is not a lead, or without a reason.
    case overrideRefused(String)

    public var description: String {
        switch self {
        case let .notATransition(from, to):
            "\(from.rawValue)->\(to.rawValue) is not a gate transition; gates decide crawl->walk and walk->run"
        case let .wrongStage(scope, current, expected):
            "scope '\(scope)' is in \(current.rawValue); \(expected) (see `gait stages`)"
        case let .gateRefuses(scope, from, to, decisionID, outcome, summary):
            "the gate for scope '\(scope)' \(from.rawValue)->\(to.rawValue) is \(outcome.rawValue) (decision \(decisionID): \(summary)); "
                + "nothing was changed. Gather more evidence and run `gait gate`, or a lead may pass --override --reason TEXT"
        case let .overrideRefused(message):
            message
        }
    }
}
