import Foundation

/// What each rater did: items rated, skipped, discarded and undone, time per item, agreement with the
/// other raters, gold accuracy and flags raised, per rater and per review session.
///
/// A plain value: the store gathers it (aggregating in SQL), the report writers only format it.
/// Per-session rows stream through ``ReportRows``; per-rating timings arrive as histograms.
public struct SessionReport: Sendable {
    /// Title, time, workspace and filters.
    public var header: ReportHeader
    /// The time every rated item took, over all raters.
    public var timePerItem: ReportHistogram
    /// The median time per rated item over all raters, in seconds (nil when nothing was rated).
    public var medianSecondsPerItem: Double?
    /// One summary per rater, in the order to show.
    public var raters: [Rater]
    /// One row per rater and review session, in the order to show.
    public var sessions: ReportRows<Session>

    /// A session report.
    public init(header: ReportHeader, timePerItem: ReportHistogram, medianSecondsPerItem: Double?,
                raters: [Rater], sessions: ReportRows<Session>) {
        self.header = header
        self.timePerItem = timePerItem
        self.medianSecondsPerItem = medianSecondsPerItem
        self.raters = raters
        self.sessions = sessions
    }

    /// How often each item was acted on, for a rater or a session.
    public struct Activity: Sendable, Hashable {
        /// Items whose rating was submitted (and not undone).
        public var rated: Int
        /// Items skipped (released without a rating).
        public var skipped: Int
        /// Candidates discarded as unusable.
        public var discarded: Int
        /// Ratings undone.
        public var undone: Int

        /// Counts of each action.
        public init(rated: Int, skipped: Int = 0, discarded: Int = 0, undone: Int = 0) {
            self.rated = rated
            self.skipped = skipped
            self.discarded = discarded
            self.undone = undone
        }
    }

    /// How often a flag was raised.
    public struct FlagCount: Sendable, Hashable {
        /// The flag's name from the rubric (`harmful`).
        public var flag: String
        /// How many ratings raised it.
        public var count: Int

        /// `flag` raised `count` times.
        public init(flag: String, count: Int) {
            self.flag = flag
            self.count = count
        }
    }

    /// Agreement of one rater with the others on the items they shared.
    public struct Agreement: Sendable, Hashable {
        /// The coefficient's name in plain words ("Krippendorff's α, nominal").
        public var metric: String
        /// The coefficient with its interval.
        public var estimate: ReportEstimate
        /// The number of items shared with at least one other rater.
        public var sharedItems: Int

        /// Agreement measured by `metric` over `sharedItems` items.
        public init(metric: String, estimate: ReportEstimate, sharedItems: Int) {
            self.metric = metric
            self.estimate = estimate
            self.sharedItems = sharedItems
        }
    }

    /// A rater's answers on gold items compared with the expected answers.
    public struct GoldAccuracy: Sendable, Hashable {
        /// Gold items the rater answered.
        public var items: Int
        /// Of those, answered as expected.
        public var correct: Int
        /// The share correct with its interval.
        public var estimate: ReportEstimate

        /// `correct` of `items` gold items, with the share's interval.
        public init(items: Int, correct: Int, estimate: ReportEstimate) {
            self.items = items
            self.correct = correct
            self.estimate = estimate
        }
    }

    /// One rater's totals over the report's period.
    public struct Rater: Sendable, Hashable {
        /// The rater's name.
        public var name: String
        /// The rater's role (`rater`, `lead`).
        public var role: String
        /// How many review sessions the rater had.
        public var sessions: Int
        /// What the rater did.
        public var activity: Activity
        /// The median time per rated item, in seconds (nil when nothing was rated).
        public var medianSecondsPerItem: Double?
        /// The distribution of time per rated item.
        public var timePerItem: ReportHistogram
        /// Agreement with the other raters (nil when no item was shared).
        public var agreement: Agreement?
        /// Accuracy on gold items (nil when the rater met none).
        public var gold: GoldAccuracy?
        /// Flags raised, most frequent first.
        public var flags: [FlagCount]

        /// A rater's totals.
        public init(name: String, role: String, sessions: Int, activity: Activity,
                    medianSecondsPerItem: Double?, timePerItem: ReportHistogram,
                    agreement: Agreement?, gold: GoldAccuracy?, flags: [FlagCount]) {
            self.name = name
            self.role = role
            self.sessions = sessions
            self.activity = activity
            self.medianSecondsPerItem = medianSecondsPerItem
            self.timePerItem = timePerItem
            self.agreement = agreement
            self.gold = gold
            self.flags = flags
        }
    }

    /// One review session of one rater.
    public struct Session: Sendable, Hashable {
        /// The rater's name.
        public var rater: String
        /// The session's identifier.
        public var id: String
        /// When the session started.
        public var started: Date
        /// When it ended (nil when it was never closed).
        public var ended: Date?
        /// What the rater did in it.
        public var activity: Activity
        /// The median time per rated item, in seconds.
        public var medianSecondsPerItem: Double?
        /// Flags raised in the session.
        public var flags: [FlagCount]

        /// A session row.
        public init(rater: String, id: String, started: Date, ended: Date?, activity: Activity,
                    medianSecondsPerItem: Double?, flags: [FlagCount] = []) {
            self.rater = rater
            self.id = id
            self.started = started
            self.ended = ended
            self.activity = activity
            self.medianSecondsPerItem = medianSecondsPerItem
            self.flags = flags
        }
    }
}
