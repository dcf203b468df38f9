import Foundation
import GaitCore
import GaitStore
import Reports

/// Gathers the facts of the session, gate and bias reports from a workspace into the Reports module's
/// plain values.
///
/// Counts, time distributions and answer agreement are aggregated in SQL (`Workspace.raterActivity(_:)`,
/// `Workspace.activeSecondsHistograms(_:bins:)`, `Workspace.answerPairs(rubricVersionID:criterion:options:)`);
/// the bias audit reads the ratings one item at a time from a cursor (`Workspace.forEachItemAnswers`);
/// rows that grow with the workspace (sessions, runs, stage changes, counterfactual pairs) stream from
/// database cursors through `ReportRows`. A report over a workspace with nothing to
/// show (no ratings, no gate decision) is still a report: its header notes say what is missing.
public struct ReportGatherer: Sendable {
    /// The workspace the facts come from.
    public let workspace: Workspace
    /// The program named in every header ("gait 0.1.0").
    public let generator: String
    /// The time every header states; injected so tests control it.
    public let now: Date

    /// A gatherer over `workspace`.
    public init(workspace: Workspace, generator: String, now: Date = Date()) {
        self.workspace = workspace
        self.generator = generator
        self.now = now
    }

    func header(_ title: String, filters: [(String, String?)], notes: [String] = []) -> ReportHeader {
        ReportHeader(title: title, generatedAt: now, workspace: workspace.path, generator: generator,
                     filters: filters.compactMap { name, value in value.map { ReportHeader.Filter(name: name, value: $0) } },
                     notes: notes)
    }

    /// Checks that a scope is known to the workspace.
    ///
    /// - Throws: ``ReportGatheringError/unknownScope(_:known:)``.
    func requireScope(_ scope: String?) throws {
        guard let scope else { return }
        let known = try workspace.knownScopes()
        guard known.contains(scope) else { throw ReportGatheringError.unknownScope(scope, known: known) }
    }
}

/// Why a report cannot be gathered, in words a user can act on.
public enum ReportGatheringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--scope` names a scope no prompt, run, stage change or gate decision has.
    case unknownScope(String, known: [String])
    /// `--since` is not a date.
    case invalidSince(String)

    public var description: String {
        switch self {
        case .unknownScope(let scope, let known):
            known.isEmpty
                ? "unknown scope '\(scope)': the workspace has no scopes yet (give prompts a `scope` when importing them)"
                : "unknown scope '\(scope)'; the scopes are: \(known.joined(separator: ", "))"
        case .invalidSince(let value):
            "invalid --since '\(value)': expected a date YYYY-MM-DD (or a stored timestamp YYYY-MM-DDTHH:MM:SS.sssZ)"
        }
    }
}

/// The stored-timestamp lower bound of a `--since` value: `YYYY-MM-DD` is the start of that day (UTC).
///
/// - Throws: ``ReportGatheringError/invalidSince(_:)`` for anything else.
public func sinceBound(_ value: String) throws -> String {
    if Timestamp.date(value) != nil { return value }
    let parts = value.split(separator: "-", omittingEmptySubsequences: false)
    guard value.utf8.count == 10, parts.count == 3, parts.map(\.count) == [4, 2, 2],
          let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
          (1...12).contains(month), (1...31).contains(day), year >= 1,
          let date = Timestamp.date("\(value)T00:00:00.000Z"), Timestamp.string(date).hasPrefix(value)
    else { throw ReportGatheringError.invalidSince(value) }
    return Timestamp.string(date)
}

extension Stage {
    /// The report's stage of the same name.
    var report: GateReport.Stage {
        switch self {
        case .crawl: .crawl
        case .walk: .walk
        case .run: .run
        }
    }
}

extension GateOutcome {
    /// The report's outcome of the same name.
    var report: GateReport.Outcome {
        switch self {
        case .pass: .pass
        case .fail: .fail
        case .inconclusive: .inconclusive
        }
    }
}
