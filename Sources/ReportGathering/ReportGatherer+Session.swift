import Foundation
import GaitCore
import GaitStore
import Reports
import Statistics

extension ReportGatherer {
    /// The session report: per rater and review session, items rated, skipped, discarded and undone,
    /// time per item (median and histogram), agreement with the other raters, gold accuracy and flags.
    ///
    /// Counts, medians and histograms are aggregated in SQL. Agreement is each rater's pairwise
    /// agreement on the acceptance criterion (else the first criterion) of the rubric with most ratings
    /// (the share of pairs of their answer and another rater's on the same item that are equal, as
    /// `gait agreement` reports it), counted in SQL over all live ratings of that rubric; gold accuracy
    /// is the share of gold items whose every expected answer the rater matched, with its Wilson interval.
    ///
    /// - Parameters:
    ///   - rater: only this rater.
    ///   - since: only activity since this date (`YYYY-MM-DD`).
    /// - Throws: `StoreError.notFound` for an unknown rater; ``ReportGatheringError/invalidSince(_:)``.
    public func sessionReport(rater: String? = nil, since: String? = nil) throws -> SessionReport {
        let filter = ActivityFilter(rater: rater, since: try since.map(sinceBound))
        let activities = try workspace.raterActivity(filter).filter { activity in
            let c = activity.counts
            return rater != nil || activity.sessions + c.rated + c.skipped + c.discarded + c.undone > 0
        }
        var notes: [String] = []
        let agreement = try raterAgreement(notes: &notes)
        if since != nil, agreement != nil {
            notes.append("Agreement is measured over every live rating of its rubric; --since does not narrow it.")
        }
        let histograms = try workspace.activeSecondsHistograms(filter)
        let raters = try activities.map { activity in
            let histogram = histograms.byRater[activity.rater.name] ?? .empty
            return SessionReport.Rater(
                name: activity.rater.name, role: activity.rater.role.rawValue, sessions: activity.sessions,
                activity: SessionReport.Activity(activity.counts), medianSecondsPerItem: histogram.median,
                timePerItem: ReportHistogram(histogram), agreement: agreement?.forRater(activity),
                gold: try goldAccuracy(activity),
                flags: activity.flags.map { SessionReport.FlagCount(flag: $0.flag, count: $0.count) })
        }
        if raters.allSatisfy({ $0.activity.rated + $0.activity.discarded == 0 }) {
            notes.insert(rater.map { "\($0) has no ratings in this period." }
                         ?? "No ratings in this period: raters add them with `gait review --rater NAME`.", at: 0)
        }
        let overall = histograms.overall
        let store = workspace
        let sessions = ReportRows<SessionReport.Session> { emit in
            try store.forEachSessionActivity(filter) { session in
                try emit(SessionReport.Session(
                    rater: session.rater, id: String(session.id),
                    started: Timestamp.date(session.startedAt) ?? Date(timeIntervalSince1970: 0),
                    ended: session.endedAt.flatMap(Timestamp.date), activity: SessionReport.Activity(session.counts),
                    medianSecondsPerItem: session.medianActiveSeconds))
            }
        }
        let title = rater.map { "Session report for \($0)" } ?? "Session report"
        return SessionReport(
            header: header(title, filters: [("rater", rater), ("since", since)], notes: notes),
            timePerItem: ReportHistogram(overall), medianSecondsPerItem: overall.median, raters: raters,
            sessions: sessions)
    }

    /// Each rater's pairwise agreement on one criterion of the newest version (with ratings) of the most
    /// rated rubric, counted in SQL; nil without ratings.
    private func raterAgreement(notes: inout [String]) throws -> RaterAgreements? {
        guard let name = try workspace.mostRatedRubric() else { return nil }
        let versions = try workspace.ratedRubricVersions(RatingFilter(rubricName: name))
        guard let newest = versions.last else { return nil }
        let rubric = newest.rubric
        guard let criterion = rubric.criteria.first(where: \.isAcceptance) ?? rubric.criteria.first else { return nil }
        var options: [String]?
        if case .nominal(let choices) = criterion.scale { options = choices }
        let tallies = try workspace.answerPairs(rubricVersionID: newest.id, criterion: criterion.id, options: options)
        if versions.count > 1 {
            notes.append("Agreement is measured on rubric \(rubric.name) v\(rubric.version), the newest version with ratings.")
        }
        return RaterAgreements(
            metric: "share of answers to '\(criterion.id)' (rubric \(rubric.name) v\(rubric.version)) equal to another rater's on the same item",
            byRater: Dictionary(tallies.map { ($0.rater, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// A rater's gold accuracy with its Wilson interval; nil when they rated no gold item.
    private func goldAccuracy(_ activity: RaterActivity) throws -> SessionReport.GoldAccuracy? {
        guard activity.goldItems > 0 else { return nil }
        let interval = try wilsonInterval(successes: activity.goldCorrect, trials: activity.goldItems)
        return SessionReport.GoldAccuracy(
            items: activity.goldItems, correct: activity.goldCorrect,
            estimate: ReportEstimate(value: interval.estimate, lower: interval.low, upper: interval.high))
    }
}

/// Per-rater answer pairs of one criterion, and the metric's name.
private struct RaterAgreements {
    var metric: String
    var byRater: [String: AnswerPairTally]

    /// The share of the rater's answer pairs that are equal; nil when they share no answered item.
    func forRater(_ activity: RaterActivity) -> SessionReport.Agreement? {
        guard let entry = byRater[activity.rater.name], entry.pairs > 0 else { return nil }
        return SessionReport.Agreement(metric: metric, estimate: ReportEstimate(value: Double(entry.equal) / Double(entry.pairs)),
                                       sharedItems: activity.sharedItems)
    }
}

extension SessionReport.Activity {
    init(_ counts: ActivityCounts) {
        self.init(rated: counts.rated, skipped: counts.skipped, discarded: counts.discarded, undone: counts.undone)
    }
}

extension ReportHistogram {
    /// The store's SQL-counted histogram, in seconds.
    init(_ histogram: TimeHistogram) {
        self.init(unit: "s", bins: histogram.counts.enumerated().map { index, count in
            ReportHistogram.Bin(lower: Double(index) * histogram.binWidth, upper: Double(index + 1) * histogram.binWidth,
                                count: count)
        })
    }
}
