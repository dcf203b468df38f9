import Foundation
import GaitCore
import GRDB
import GRDBSQLite
import Synchronization

/// Which items a review session takes from the queue.
public struct QueueFilter: Sendable, Hashable, Codable {
    /// Only items of this rubric (any version); nil takes every rubric.
    public var rubricName: String?
    /// Pairwise items (two candidates, answered `a`, `b` or `=`) instead of single ones.
    public var pairwise: Bool
    /// Only items of this stage; nil takes every stage.
    public var stage: Stage?

    public init(rubricName: String? = nil, pairwise: Bool = false, stage: Stage? = nil) {
        self.rubricName = rubricName
        self.pairwise = pairwise
        self.stage = stage
    }
}

/// One rater's sitting at the console: who, which items, and the seed of their order.
///
/// The seed is recorded with the session (an audit event), so the order a rater was shown can
/// be reproduced from the database.
public struct ReviewSession: Sendable, Hashable {
    public var id: Int64
    public var rater: RaterInfo
    public var orderSeed: Int64
    public var filter: QueueFilter
    public var settings: QueueSettings
    public var startedAt: String
    /// The session's next open items in its order, read by the last scan: claims re-check
    /// these under the write lock instead of ordering the whole queue every time.
    var upcoming: [Int64] = []
    /// The same for gold items.
    var upcomingGold: [Int64] = []
    /// Regular items open at the last scan, less those claimed since (for `remaining`).
    var openAtScan = 0
    /// What the console shows of the next planned items, read ahead of their claims outside
    /// the lock (items never change once written), so a claim need not read it after its
    /// transaction.
    var planned: [Int64: ShownRow] = [:]
    /// The rubric versions of the items this session holds leases on, for their submits.
    var leasedVersions: [Int64: Workspace.RubricVersionRow] = [:]

    /// After a claim: forgets the candidates it looked at and counts the item taken.
    mutating func finishClaim(_ item: ClaimedItem?, examined: Examined) {
        for id in upcomingGold.prefix(examined.gold) + upcoming.prefix(examined.regular) { planned[id] = nil }
        upcomingGold.removeFirst(examined.gold)
        upcoming.removeFirst(examined.regular)
        if let item {
            if !item.isGold { openAtScan = max(0, openAtScan - 1) }
            leasedVersions[item.itemID] = item.version
        }
    }

    /// How many candidates a claim looked at from the front of each planned list: claims take
    /// them in order, so those are the ones to forget (without a search of the plan per step).
    struct Examined: Sendable {
        var gold = 0
        var regular = 0
    }

    init(id: Int64, rater: RaterInfo, orderSeed: Int64, filter: QueueFilter, settings: QueueSettings, startedAt: String) {
        self.id = id
        self.rater = rater
        self.orderSeed = orderSeed
        self.filter = filter
        self.settings = settings
        self.startedAt = startedAt
    }
}

/// An item leased to a rater, with everything the console shows. Gold items look like any other.
public struct ClaimedItem: Sendable, Hashable {
    public var itemID: Int64
    public var rubricVersionID: Int64
    public var rubric: Rubric
    public var stage: Stage
    public var scope: String?
    public var prompt: String
    /// The candidate (shown as `A` for pairwise items), without model identity.
    public var candidateA: String
    /// The second candidate of a pairwise item (`B`).
    public var candidateB: String?
    public var leasedAt: Date
    public var expiresAt: Date
    /// Regular items still open to this rater under the session's filter, not counting this one.
    public var remaining: Int
    /// Whether this is a gold item: never shown to the rater, kept for tests and lead views.
    var isGold: Bool
    /// The rubric version's identity, as the item's submit looks it up.
    var version: Workspace.RubricVersionRow
}

/// What the rater decided about an item.
public enum RatingOutcome: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    /// Answered every criterion.
    case rated
    /// The candidate is unusable; a reason is given, no values.
    case discarded
}

/// A rating about to be submitted: answers in their stored form (see `Scale.storedAnswer(_:)`).
public struct RatingDraft: Sendable, Hashable {
    public var itemID: Int64
    /// Criterion id → answer (`"4"`, `"yes"`, `"unsure"`, `"a"`); empty for a discard.
    public var values: [String: String]
    public var flags: Set<String>
    public var comment: String?
    /// Set for a discard (`x REASON`): the rating's outcome is then `discarded`.
    public var discardReason: String?
    public var shownAt: Date
    public var firstAnswerAt: Date?
    /// Time spent on the item, idle gaps over the threshold left out.
    public var activeSeconds: Double

    public init(itemID: Int64, values: [String: String], flags: Set<String> = [], comment: String? = nil,
                discardReason: String? = nil, shownAt: Date, firstAnswerAt: Date?, activeSeconds: Double) {
        self.itemID = itemID
        self.values = values
        self.flags = flags
        self.comment = comment
        self.discardReason = discardReason
        self.shownAt = shownAt
        self.firstAnswerAt = firstAnswerAt
        self.activeSeconds = activeSeconds
    }

    /// `discarded` when a reason is given, else `rated`.
    public var outcome: RatingOutcome { discardReason == nil ? .rated : .discarded }
}

/// A committed rating.
public struct SubmittedRating: Sendable, Hashable {
    public var ratingID: Int64
    public var itemID: Int64
    public var submittedAt: String
}

/// Why the queue refused an operation; the console reacts to each case and tells the rater.
public enum QueueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The lease expired and the item's last open slot went to another rater: nothing was saved.
    case leaseLost(itemID: Int64, rater: String)
    /// The rater already holds a live rating of this item.
    case alreadyRated(itemID: Int64, rater: String)
    /// An answer is not on the criterion's scale.
    case invalidAnswer(itemID: Int64, criterion: String, value: String, allowed: String)
    /// A criterion was left unanswered (only a discard may leave them all out).
    case missingAnswer(itemID: Int64, criterion: String)
    /// An answer names no criterion of the rubric.
    case unknownCriterion(itemID: Int64, criterion: String, rubric: String)
    /// A flag is not in the rubric's list.
    case unknownFlag(itemID: Int64, flag: String, allowed: [String])
    /// No item has this id.
    case noSuchItem(Int64)
    /// The rating cannot be retracted by this session.
    case cannotRetract(ratingID: Int64, reason: String)
    /// The action needs a lead.
    case notLead(rater: String, action: String)

    public var description: String {
        switch self {
        case .leaseLost(let item, let rater):
            "the lease of \(rater) on item \(item) expired and the item went to another rater; this rating was not saved"
        case .alreadyRated(let item, let rater):
            "\(rater) has already rated item \(item); a rater rates an item once (undo it first to rate again)"
        case .invalidAnswer(let item, let criterion, let value, let allowed):
            "item \(item): '\(value)' is not an answer to '\(criterion)'; allowed: \(allowed)"
        case .missingAnswer(let item, let criterion):
            "item \(item): no answer to '\(criterion)'; every criterion needs one (or discard the item with a reason)"
        case .unknownCriterion(let item, let criterion, let rubric):
            "item \(item): rubric \(rubric) has no criterion '\(criterion)'"
        case .unknownFlag(let item, let flag, let allowed):
            "item \(item): unknown flag '\(flag)'; this rubric's flags: \(allowed.joined(separator: ", "))"
        case .noSuchItem(let item):
            "no item \(item); see `gait status`"
        case .cannotRetract(let rating, let reason):
            "rating \(rating) cannot be retracted: \(reason)"
        case .notLead(let rater, let action):
            "\(rater) is a rater, not a lead; only leads can \(action) (register a lead with `gait raters add NAME --role lead`)"
        }
    }
}

extension Scale {
    /// The stored form of an answer and its number, or nil when the text is not on the scale.
    ///
    /// Stored forms: binary `yes`/`no` (1/0), nominal one of the options (no number), ordinal a
    /// decimal integer in range, interval a number in range (its shortest decimal text).
    public func storedAnswer(_ text: String) -> (value: String, number: Double?)? {
        switch self {
        case .binary:
            switch text {
            case "yes": return ("yes", 1)
            case "no": return ("no", 0)
            default: return nil
            }
        case .nominal(let options):
            return options.contains(text) ? (text, nil) : nil
        case .ordinal(let min, let max, _):
            guard let number = Int(text), (min...max).contains(number) else { return nil }
            return (String(number), Double(number))
        case .interval(let min, let max):
            guard let number = Double(text), number.isFinite, (min...max).contains(number) else { return nil }
            return (Self.decimalText(number), number)
        }
    }

    /// The allowed answers, in words, for messages: `1–5`, `yes or no`, `a, b or =`.
    public var allowedText: String {
        switch self {
        case .binary: "yes or no"
        case .nominal(let options): Self.list(options)
        case .ordinal(let min, let max, _): "an integer from \(min) to \(max)"
        case .interval(let min, let max): "a number from \(Self.decimalText(min)) to \(Self.decimalText(max))"
        }
    }

    static func decimalText(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    static func list(_ words: [String]) -> String {
        switch words.count {
        case 0: ""
        case 1: words[0]
        default: words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
        }
    }
}

extension Workspace {
    /// Exclusive upper bound of the order hash; a prime below 2³¹, so squares stay within 64 bits.
    static let orderModulus: Int64 = 2_147_483_647

    // MARK: Sessions

    /// Starts a review session for a registered rater (an audit event recording the order seed).
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater (with the hint to add them), or for
    ///   an unknown rubric named by the filter.
    public func startReviewSession(rater name: String, filter: QueueFilter, settings: QueueSettings,
                                   seed: Int64) throws -> ReviewSession {
        let now = clock()
        let stamp = Timestamp.string(now)
        return try immediate { db in
            let rater = try Self.rater(db, named: name)
            if let rubric = filter.rubricName { _ = try Self.rubric(db, named: rubric) }
            let id = try AuditLog.record(db, at: now, actor: rater.name, kind: "review.start",
                                         detail: "review session of \(rater.name), order seed \(seed)") { event in
                try db.execute(
                    sql: "INSERT INTO review_sessions (rater_id, order_seed, started_at, event_id) VALUES (?, ?, ?, ?)",
                    arguments: [rater.id, seed, stamp, event.id])
                return db.lastInsertedRowID
            }
            return ReviewSession(id: id, rater: rater, orderSeed: seed, filter: filter, settings: settings,
                                 startedAt: stamp)
        }
    }

    /// Records the end of a session and releases any lease it still holds.
    public func endReviewSession(_ session: ReviewSession) throws {
        let stamp = Timestamp.string(clock())
        try immediate { db in
            try db.execute(sql: "DELETE FROM leases WHERE session_id = ?", arguments: [session.id])
            try db.execute(sql: "UPDATE review_sessions SET ended_at = ? WHERE id = ?", arguments: [stamp, session.id])
        }
    }

    // MARK: Claiming

    /// Leases the next item for the session's rater, in one `BEGIN IMMEDIATE` transaction.
    ///
    /// A read snapshot first lists the session's next few open items (counting expired leases
    /// as released); the transaction then releases expired leases and leases the first of them
    /// that is still open, re-checked under the write lock — or, when all went to other raters
    /// meanwhile, chooses afresh inside the transaction. An item is open to the rater when its live ratings
    /// plus live leases are fewer than its overlap, the rater holds neither a live rating nor a
    /// lease of it, and they have not skipped it in this session. Among open items the order is
    /// the session's: a hash of (seed, item id) computed in portable SQL integer arithmetic.
    /// Gold items are served instead of a regular one with probability `goldRate`, drawn from
    /// (seed, `sequence`); they are never served once no regular item is left.
    ///
    /// - Parameter sequence: how many items this session has claimed before (0 for the first).
    /// - Returns: the leased item, or nil when nothing is left for this rater.
    public func claimNextItem(in session: ReviewSession, sequence: Int) throws -> ClaimedItem? {
        var fresh = session
        fresh.upcoming = []
        fresh.upcomingGold = []
        return try claimNextItem(in: &fresh, sequence: sequence)
    }

    /// Claims like `claimNextItem(in:sequence:)`, keeping the session's place in its order
    /// between claims: one scan of the queue serves the next claims until its candidates run
    /// out, so a console claims in time independent of the queue's size. Items that open up
    /// after a scan (a lapsed lease, an undo) take their place in the order at the next scan.
    public func claimNextItem(in session: inout ReviewSession, sequence: Int) throws -> ClaimedItem? {
        let now = clock()
        let wantsGold = try prepareClaim(&session, sequence: sequence, now: now)
        // The closures read `session` in place: a copy kept alive past them would make
        // `finishClaim` copy the session's plan.
        let (item, examined) = try immediate { db in
            try Self.claim(db, session: session, wantsGold: wantsGold, now: now, scanWhenTaken: true)
        } then: { db, claimed in
            (try claimed.lease.map { try Self.shown(db, $0, planned: session.planned[$0.itemID]) }, claimed.examined)
        }
        session.finishClaim(item, examined: examined)
        return item
    }

    /// Before a claim's transaction: whether it serves a gold item, and — when the session's
    /// candidates ran out — a fresh scan of the queue on a read snapshot.
    private func prepareClaim(_ session: inout ReviewSession, sequence: Int, now: Date) throws -> Bool {
        let wantsGold = Self.unitDraw(seed: session.orderSeed, sequence: sequence) < session.settings.goldRate
        if session.upcoming.isEmpty || (wantsGold && session.upcomingGold.isEmpty) {
            // The costly part — ordering every open item — runs on a read snapshot, outside
            // the write lock, so raters do not queue behind each other's scans. It reads on
            // the workspace's own writer connection (outside any transaction), whose page
            // cache the rater's transactions keep warm, rather than a pooled reader.
            let scanned = session
            let stamp = Timestamp.string(now)
            let plan = try writer.writeWithoutTransaction { db in
                try Self.claimPlan(db, session: scanned, gold: scanned.settings.goldRate > 0, liveAt: stamp)
            }
            session.upcoming = plan.regular
            session.upcomingGold = plan.gold
            session.openAtScan = plan.open
            session.planned = [:]
        }
        if let next = session.upcoming.first, session.planned[next] == nil {
            // What the console shows of the next planned items, read ahead in one query (the
            // plan is long; its texts are read a part at a time).
            let ids = session.upcomingGold + session.upcoming.prefix(Self.shownAhead)
            session.planned = try writer.writeWithoutTransaction { db in try Self.shownRows(db, itemIDs: ids) }
        }
        return wantsGold
    }

    /// A claim's transaction body: re-checks the session's candidates in order and leases the
    /// first still open. Returns the lease and how many candidates it looked at (to drop from the plan).
    ///
    /// - Parameter scanWhenTaken: whether to choose afresh inside the transaction when every
    ///   candidate went to other raters; when false, throws `ClaimNeedsScan` instead, so the
    ///   caller can scan outside the write lock and try again.
    static func claim(_ db: Database, session current: ReviewSession, wantsGold: Bool, now: Date, scanWhenTaken: Bool)
        throws -> (lease: Lease?, examined: ReviewSession.Examined) {
        let stamp = Timestamp.string(now)
        try db.run("DELETE FROM leases WHERE expires_at <= ?", [stamp.databaseValue])
        var examined = ReviewSession.Examined()
        let remaining = max(0, current.openAtScan - 1)
        let gold = wantsGold && !current.upcoming.isEmpty ? current.upcomingGold : []
        for candidate in [gold, current.upcoming].joined() {
            if examined.gold < gold.count { examined.gold += 1 } else { examined.regular += 1 }
            if try hasOpenSlot(db, itemID: candidate, raterID: current.rater.id) {
                return (try lease(db, itemID: candidate, session: current, now: now, remaining: remaining), examined)
            }
        }
        // Every candidate went to other raters meanwhile (or there were none): choose afresh
        // inside the transaction.
        guard scanWhenTaken else { throw ClaimNeedsScan() }
        let skipped = try skippedItems(db, session: current)
        let regular = try openItems(db, session: current, gold: false, skipped: skipped, liveAt: nil, limit: 1)
        var chosen = regular.ids.first.map { ($0, false) }
        if wantsGold, regular.total > 0,
           let gold = try openItems(db, session: current, gold: true, skipped: skipped, liveAt: nil, limit: 1).ids.first {
            chosen = (gold, true)
        }
        guard let (itemID, gold) = chosen else { return (nil, examined) }
        return (try lease(db, itemID: itemID, session: current, now: now,
                          remaining: max(0, regular.total - (gold ? 0 : 1))), examined)
    }

    /// Extends the session's lease on an item by the lease length from now.
    ///
    /// - Returns: the new expiry.
    /// - Throws: `QueueError.leaseLost` when the lease is gone (expired and released).
    @discardableResult
    public func renewLease(itemID: Int64, in session: ReviewSession) throws -> Date {
        let now = clock()
        let expires = now.addingTimeInterval(session.settings.leaseMinutes * 60)
        return try immediate { db in
            try db.execute(sql: "UPDATE leases SET expires_at = ? WHERE item_id = ? AND rater_id = ?",
                           arguments: [Timestamp.string(expires), itemID, session.rater.id])
            if db.changesCount == 0 {
                // Gone, but perhaps nobody needed the slot: take it again if it is still free.
                guard try Self.hasOpenSlot(db, itemID: itemID, raterID: session.rater.id) else {
                    throw QueueError.leaseLost(itemID: itemID, rater: session.rater.name)
                }
                try db.execute(
                    sql: "INSERT INTO leases (item_id, rater_id, session_id, leased_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [itemID, session.rater.id, session.id, Timestamp.string(now), Timestamp.string(expires)])
            }
            return expires
        }
    }

    /// Releases the session's lease on an item without recording anything (quit, end of input).
    public func releaseLease(itemID: Int64, in session: ReviewSession) throws {
        try immediate { db in
            try db.execute(sql: "DELETE FROM leases WHERE item_id = ? AND rater_id = ?",
                           arguments: [itemID, session.rater.id])
        }
    }

    /// Skips an item: releases the lease and records the skip; the item does not come back in
    /// this session.
    public func skipItem(_ itemID: Int64, in session: ReviewSession) throws {
        let stamp = Timestamp.string(clock())
        try immediate { db in
            try db.execute(sql: "DELETE FROM leases WHERE item_id = ? AND rater_id = ?",
                           arguments: [itemID, session.rater.id])
            try db.execute(sql: "INSERT INTO skips (item_id, rater_id, session_id, at) VALUES (?, ?, ?, ?)",
                           arguments: [itemID, session.rater.id, session.id, stamp])
        }
    }

    // MARK: Submitting

    /// Writes a rating, its values and flags and its audit event in one transaction, and
    /// releases the lease.
    ///
    /// The lease must still be held — or, when it has lapsed, the item must still have a free
    /// slot (nobody took it). Answers are checked against the rubric again here, so nothing
    /// off-scale reaches the database whatever the caller.
    ///
    /// - Throws: `QueueError.leaseLost` when the item went to another rater (nothing written),
    ///   `QueueError.alreadyRated` on a second submission, and the validation cases.
    @discardableResult
    public func submitRating(_ draft: RatingDraft, in session: ReviewSession) throws -> SubmittedRating {
        let now = clock()
        return try immediate { db in try Self.submit(db, draft, session: session, now: now) }
    }

    /// Submits like `submitRating(_:in:)` and, in the same transaction, leases the session's
    /// next item like `claimNextItem(in:sequence:)`: the console's step from one item to the
    /// next costs one commit instead of two, and the lease released by the rating and the one
    /// taken are written together.
    ///
    /// When the claim fails the rating is not written either; nothing is half-done.
    ///
    /// - Parameter sequence: the claim's sequence number (see `claimNextItem(in:sequence:)`).
    /// - Returns: the rating, and the next item (nil when nothing is left for this rater).
    public func submitRating(_ draft: RatingDraft, in session: inout ReviewSession,
                             thenClaim sequence: Int) throws -> (rating: SubmittedRating, next: ClaimedItem?) {
        let now = clock()
        let wantsGold = try prepareClaim(&session, sequence: sequence, now: now)
        // The session's planned candidates are re-checked under the lock. When all of them went
        // to other raters, the transaction is rolled back rather than made to order the whole
        // queue while every other rater waits: the queue is scanned again outside the lock
        // and the step retried, choosing afresh under the lock only then.
        var scanWhenTaken = session.upcoming.isEmpty
        while true {
            do {
                // `session` is read in place, not copied (see `claimNextItem(in:sequence:)`).
                let (rating, item, examined) = try immediate { db in
                    let rating = try Self.submit(db, draft, session: session, now: now)
                    let claimed = try Self.claim(db, session: session, wantsGold: wantsGold, now: now,
                                                 scanWhenTaken: scanWhenTaken)
                    return (rating, claimed.lease, claimed.examined)
                } then: { db, written in
                    (written.0, try written.1.map { try Self.shown(db, $0, planned: session.planned[$0.itemID]) }, written.2)
                }
                session.leasedVersions[draft.itemID] = nil
                session.finishClaim(item, examined: examined)
                return (rating, item)
            } catch is ClaimNeedsScan {
                session.upcoming = []
                session.upcomingGold = []
                _ = try prepareClaim(&session, sequence: sequence, now: now)
                scanWhenTaken = true
            }
        }
    }

    /// The rating's rows and its audit event, inside the caller's transaction.
    static func submit(_ db: Database, _ draft: RatingDraft, session: ReviewSession, now: Date) throws -> SubmittedRating {
        let stamp = Timestamp.string(now)
        // The step's statements run through SQLite's C interface (`Database.run`, `first`).
        // The item's rubric version is known to the session that leased it (items never change).
        guard let version = try session.leasedVersions[draft.itemID] ?? db.first("""
            SELECT v.id, v.source_sha256, v.created_at, v.name
            FROM items i JOIN rubric_versions v ON v.id = i.rubric_version_id WHERE i.id = ?
            """, [draft.itemID.databaseValue], RubricVersionRow.init) else {
            throw QueueError.noSuchItem(draft.itemID)
        }
        let stored = try validate(draft, rubric: try rubric(db, version: version))
        let raterID = session.rater.id
        try db.run("DELETE FROM leases WHERE item_id = ? AND rater_id = ?", [draft.itemID.databaseValue, raterID.databaseValue])
        if db.changesCount == 0 {
            // No lease: a second submission, or a lease that lapsed. (A rater never holds a lease
            // on an item they have rated, so with the lease in hand neither check is needed.)
            if try db.first("SELECT 1 FROM ratings WHERE item_id = ? AND rater_id = ? AND retracted_at IS NULL",
                            [draft.itemID.databaseValue, raterID.databaseValue], { _ in true }) != nil {
                throw QueueError.alreadyRated(itemID: draft.itemID, rater: session.rater.name)
            }
            guard try hasOpenSlot(db, itemID: draft.itemID, raterID: raterID) else {
                throw QueueError.leaseLost(itemID: draft.itemID, rater: session.rater.name)
            }
        }
        // The rows are built first and hashed into the event before they are inserted: a rating
        // is the queue's hottest write, and nothing has to be read back to seal it.
        let ratingID = try db.first("SELECT coalesce(max(id), 0) + 1 FROM ratings") { $0.int64(0) } ?? 1
        let rating: [DatabaseValue] = [
            ratingID.databaseValue, draft.itemID.databaseValue, raterID.databaseValue, session.id.databaseValue,
            draft.outcome.databaseValue, draft.comment.databaseValue, draft.discardReason.databaseValue,
            Timestamp.string(draft.shownAt).databaseValue, draft.firstAnswerAt.map(Timestamp.string).databaseValue,
            stamp.databaseValue, max(0, draft.activeSeconds).databaseValue,
        ]
        let values: [[DatabaseValue]] = stored.map { criterion, answer in
            [ratingID.databaseValue, criterion.databaseValue, answer.value.databaseValue, answer.number.databaseValue]
        }
        let flags: [[DatabaseValue]] = draft.flags.sorted().map { [ratingID.databaseValue, $0.databaseValue] }
        let verb = draft.outcome == .rated ? "rated" : "discarded"
        let event = try AuditLog.append(
            db, at: now, actor: session.rater.name, kind: "ratings.submit",
            detail: "item \(draft.itemID) \(verb) by \(session.rater.name)",
            rows: [("ratings", rating)] + values.map { ("rating_values", $0) } + flags.map { ("rating_flags", $0) })
        let eventID = event.id.databaseValue
        try db.run("""
            INSERT INTO ratings (id, item_id, rater_id, session_id, outcome, comment, discard_reason, shown_at,
                                 first_answer_at, submitted_at, active_seconds, event_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, rating + [eventID])
        if !values.isEmpty {
            // One statement for all of them (one per criterion count, cached like the others),
            // each with its place in the rubric's order, the order its event hashed them in.
            try db.run("INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id, position) VALUES "
                       + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: values.count).joined(separator: ", "),
                       values.enumerated().flatMap { position, row in row + [eventID, Int64(position).databaseValue] })
        }
        for row in flags {
            try db.run("INSERT INTO rating_flags (rating_id, flag, event_id) VALUES (?, ?, ?)", row + [eventID])
        }
        AuditLog.checkWritten(db, event)
        return SubmittedRating(ratingID: ratingID, itemID: draft.itemID, submittedAt: stamp)
    }

    /// Retracts a live rating of the session's rater (a retraction row with its audit event;
    /// the rating stays, marked retracted) and leases its item to them again, in one transaction.
    ///
    /// - Returns: the re-opened item, leased to the rater.
    /// - Throws: `QueueError.cannotRetract` when the rating is not theirs or not live.
    public func retractRating(_ ratingID: Int64, in session: ReviewSession) throws -> ClaimedItem {
        let now = clock()
        let stamp = Timestamp.string(now)
        return try immediate { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT item_id, rater_id, retracted_at FROM ratings WHERE id = ?",
                                             arguments: [ratingID]) else {
                throw QueueError.cannotRetract(ratingID: ratingID, reason: "there is no such rating")
            }
            let itemID: Int64 = row[0]
            guard row[1] as Int64 == session.rater.id else {
                throw QueueError.cannotRetract(ratingID: ratingID, reason: "it belongs to another rater")
            }
            guard row[2] as String? == nil else {
                throw QueueError.cannotRetract(ratingID: ratingID, reason: "it is already retracted")
            }
            try AuditLog.record(db, at: now, actor: session.rater.name, kind: "ratings.retract",
                                detail: "rating \(ratingID) of item \(itemID) retracted by \(session.rater.name)") { event in
                try db.execute(sql: "INSERT INTO retractions (rating_id, rater_id, at, event_id) VALUES (?, ?, ?, ?)",
                               arguments: [ratingID, session.rater.id, stamp, event.id])
            }
            // `retracted_at` is the one non-audited column of ratings: the retraction row is the record.
            try db.execute(sql: "UPDATE ratings SET retracted_at = ? WHERE id = ?", arguments: [stamp, ratingID])
            let skipped = try Self.skippedItems(db, session: session)
            let open = try Self.openItems(db, session: session, gold: false, skipped: skipped, liveAt: nil, limit: 0).total
            let isGold = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM gold_items WHERE item_id = ?)",
                                           arguments: [itemID]) ?? false
            // The count still includes the re-opened item itself when it is a regular one.
            return try Self.lease(db, itemID: itemID, session: session, now: now, remaining: max(0, open - (isGold ? 0 : 1)))
        } then: { db, lease in
            try Self.shown(db, lease)
        }
    }

    // MARK: - Internals

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction, so concurrent raters queue for the write
    /// lock (the busy timeout) instead of failing on a read-to-write upgrade; a claim that still
    /// meets `SQLITE_BUSY` after the timeout is retried a few times before the error surfaces.
    ///
    /// Waiting writers sleep in SQLite's busy handler (1, 2, 5, 10… ms) — a backoff that, with
    /// transactions this short, keeps 8 raters on 2 cores faster than an `flock` queue did:
    /// that handed the lock over with a wake-up and a context switch per transaction.
    ///
    /// SQLite checkpoints the write-ahead log at the end of the commit that makes it large,
    /// which would hold the writer lock through the checkpoint's `fsync` and stall every rater.
    /// Queue writes replace that automatic checkpoint on their connection with a hook that only
    /// notes the log's length; once it reaches `CheckpointSchedule.frames` pages, the writer
    /// checkpoints passively after releasing the lock, so others write on meanwhile.
    func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        try immediate(body) { _, result in result }
    }

    /// Runs `body` like `immediate(_:)`, then `after` on the same connection once the
    /// transaction has committed and the writer lock is released: reads of what the
    /// transaction chose (immutable rows, such as an item's text) need not keep others waiting.
    func immediate<T, U>(_ body: (Database) throws -> T, then after: (Database, T) throws -> U) throws -> U {
        var logFrames = 0
        defer {
            if logFrames >= CheckpointSchedule.frames, path != ":memory:" {
                // Passive: copies what it can without waiting for readers or writers. Failing
                // to checkpoint now only leaves the log longer until the next attempt.
                try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
            }
        }
        var attempt = 0
        while true {
            do {
                return try writer.writeWithoutTransaction { db in
                    let result = try CheckpointSchedule.countingFrames(db, into: &logFrames) {
                        // BEGIN and COMMIT as cached statements: GRDB's `inTransaction`
                        // prepares both anew each time.
                        try db.run("BEGIN IMMEDIATE", [])
                        do {
                            let result = try body(db)
                            try db.run("COMMIT", [])
                            return result
                        } catch {
                            if !db.isInsideTransaction { throw error }
                            try db.run("ROLLBACK", [])
                            throw error
                        }
                    }
                    return try after(db, result)
                }
            } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && attempt < 3 {
                attempt += 1
            }
        }
    }

    /// Parsed rubric versions by the SHA-256 of their source. Versions are immutable and the key
    /// is their content, so a process-wide cache cannot go stale; it spares every claim and
    /// submit a YAML parse.
    private static let parsedRubrics = Mutex<[String: Rubric]>([:])

    static func rubric(_ db: Database, id: Int64) throws -> RubricInfo {
        guard let version = try db.first("SELECT id, source_sha256, created_at, name FROM rubric_versions WHERE id = ?",
                                         [id.databaseValue], RubricVersionRow.init) else {
            throw StoreError.notFound(kind: "rubric version", name: String(id), hint: "see `gait rubrics list`")
        }
        return try rubric(db, version: version)
    }

    /// A rubric version's identity as queries read it: columns id, source_sha256, created_at
    /// and name first.
    struct RubricVersionRow: Sendable, Hashable {
        var id: Int64
        var digest: String
        var createdAt: String
        var name: String

        init(_ row: some SQLiteColumns) {
            (id, digest, createdAt, name) = (row.int64(0), row.text(1), row.text(2), row.text(3))
        }
    }

    /// The rubric of a version, parsed once per process.
    static func rubric(_ db: Database, version: RubricVersionRow) throws -> RubricInfo {
        if let cached = parsedRubrics.withLock({ $0[version.digest] }) {
            return RubricInfo(id: version.id, rubric: cached, sourceSHA256: version.digest, createdAt: version.createdAt)
        }
        let source = try String.fetchOne(db, sql: "SELECT source FROM rubric_versions WHERE id = ?", arguments: [version.id]) ?? ""
        let rubric = try Rubric.parse(yaml: source, source: "rubric '\(version.name)' in the workspace")
        parsedRubrics.withLock { $0[version.digest] = rubric }
        return RubricInfo(id: version.id, rubric: rubric, sourceSHA256: version.digest, createdAt: version.createdAt)
    }

    /// The stored answers of a draft, checked against the rubric.
    static func validate(_ draft: RatingDraft, rubric info: RubricInfo) throws -> [(String, (value: String, number: Double?))] {
        let rubric = info.rubric
        let label = "\(rubric.name) v\(rubric.version)"
        for flag in draft.flags.sorted() where !rubric.flags.contains(flag) {
            throw QueueError.unknownFlag(itemID: draft.itemID, flag: flag, allowed: rubric.flags)
        }
        for criterion in draft.values.keys.sorted() where rubric.criterion(criterion) == nil {
            throw QueueError.unknownCriterion(itemID: draft.itemID, criterion: criterion, rubric: label)
        }
        var stored: [(String, (value: String, number: Double?))] = []
        for criterion in rubric.criteria {
            guard let text = draft.values[criterion.id] else {
                if draft.outcome == .rated { throw QueueError.missingAnswer(itemID: draft.itemID, criterion: criterion.id) }
                continue
            }
            guard let answer = criterion.scale.storedAnswer(text) else {
                throw QueueError.invalidAnswer(itemID: draft.itemID, criterion: criterion.id, value: text,
                                               allowed: criterion.scale.allowedText)
            }
            stored.append((criterion.id, answer))
        }
        return stored
    }

    /// Whether an item has a free slot the rater may take: live ratings + leases below the
    /// overlap, and neither a live rating nor a lease of this rater on it.
    static func hasOpenSlot(_ db: Database, itemID: Int64, raterID: Int64) throws -> Bool {
        try db.first("""
            SELECT (SELECT count(*) FROM ratings r WHERE r.item_id = i.id AND r.retracted_at IS NULL)
                 + (SELECT count(*) FROM leases l WHERE l.item_id = i.id) < i.overlap
               AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.item_id = i.id AND r.rater_id = ?1 AND r.retracted_at IS NULL)
               AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.item_id = i.id AND l.rater_id = ?1)
            FROM items i WHERE i.id = ?2
            """, [raterID.databaseValue, itemID.databaseValue]) { $0.bool(0) } ?? false
    }

    /// The items this session skipped (they do not come back in it).
    static func skippedItems(_ db: Database, session: ReviewSession) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT item_id FROM skips WHERE session_id = ?", arguments: [session.id])
    }

    /// The WHERE clause of items open to the session's rater, and its arguments.
    ///
    /// - Parameter liveAt: when given, leases that expired by then count as released (for
    ///   reads that run before the claim transaction releases them).
    static func openItemCondition(session: ReviewSession, gold: Bool, skipped: [Int64], liveAt: String? = nil)
        -> (String, StatementArguments) {
        let live = liveAt == nil ? "" : " AND l.expires_at > ?"
        let liveArguments: StatementArguments = liveAt.map { [$0] } ?? []
        var conditions: [String] = []
        var arguments: StatementArguments = []
        func add(_ condition: String, _ values: StatementArguments = []) {
            conditions.append(condition)
            arguments += values
        }
        add("(CASE WHEN i.candidate_b IS NULL THEN 0 ELSE 1 END) = ?", [session.filter.pairwise ? 1 : 0])
        add("""
            (SELECT count(*) FROM ratings r WHERE r.item_id = i.id AND r.retracted_at IS NULL)
              + (SELECT count(*) FROM leases l WHERE l.item_id = i.id\(live)) < i.overlap
            """, liveArguments)
        add("NOT EXISTS (SELECT 1 FROM ratings r WHERE r.item_id = i.id AND r.rater_id = ? AND r.retracted_at IS NULL)",
            [session.rater.id])
        add("NOT EXISTS (SELECT 1 FROM leases l WHERE l.item_id = i.id AND l.rater_id = ?\(live))",
            [session.rater.id] + liveArguments)
        add("\(gold ? "" : "NOT ")EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = i.id)")
        if let rubric = session.filter.rubricName {
            add("i.rubric_version_id IN (SELECT v.id FROM rubric_versions v WHERE v.name = ?)", [rubric])
        }
        if let stage = session.filter.stage {
            add("i.stage = ?", [stage])
        }
        if !skipped.isEmpty {
            // Integers only, so inlining them is safe; skips are few per session.
            add("i.id NOT IN (\(skipped.map(String.init).joined(separator: ", ")))")
        }
        return (conditions.joined(separator: "\n  AND "), arguments)
    }

    /// The first `limit` open items in the session's order, and how many are open in all.
    ///
    /// The order key is three rounds of `h ← (h·h + s) mod p` over `h₀ = (id·48271 + s₁) mod p`,
    /// p = 2³¹ − 1, in integer arithmetic that SQLite and PostgreSQL evaluate alike (no product
    /// exceeds 2⁶²). Different seeds give unrelated orders; ties fall back to the item id.
    static func openItems(_ db: Database, session: ReviewSession, gold: Bool, skipped: [Int64], liveAt: String?,
                          limit: Int) throws -> (ids: [Int64], total: Int) {
        let (condition, arguments) = openItemCondition(session: session, gold: gold, skipped: skipped, liveAt: liveAt)
        guard limit > 0 else {
            return ([], try Int.fetchOne(db, sql: "SELECT count(*) FROM items i WHERE \(condition)", arguments: arguments) ?? 0)
        }
        let p = orderModulus
        let seed = session.orderSeed.magnitude
        let s1 = Int64(seed % UInt64(p))
        let s2 = Int64((seed / UInt64(p)) % UInt64(p))
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, total FROM (
              SELECT id, total, (h1 * h1 + \(s1)) % \(p) AS h2 FROM (
                SELECT id, total, (h0 * h0 + \(s2)) % \(p) AS h1 FROM (
                  SELECT i.id AS id, count(*) OVER () AS total, ((i.id % \(p)) * 48271 + \(s1)) % \(p) AS h0
                  FROM items i
                  WHERE \(condition)
                ) AS first_round
              ) AS second_round
            ) AS ordered
            ORDER BY h2, id LIMIT \(limit)
            """, arguments: arguments)
        return (rows.map { $0[0] }, rows.first?[1] ?? 0)
    }

    /// How many regular items are open to the session's rater.
    static func openItemCount(_ db: Database, session: ReviewSession, skipped: [Int64]) throws -> Int {
        try openItems(db, session: session, gold: false, skipped: skipped, liveAt: nil, limit: 0).total
    }

    /// The session's next open items in order (regular and, when asked, gold), read before a
    /// claim's transaction, and how many regular items are open in all.
    static func claimPlan(_ db: Database, session: ReviewSession, gold: Bool, liveAt: String)
        throws -> (regular: [Int64], gold: [Int64], open: Int) {
        let skipped = try skippedItems(db, session: session)
        let regular = try openItems(db, session: session, gold: false, skipped: skipped, liveAt: liveAt, limit: planLength)
        let goldItems = gold ? try openItems(db, session: session, gold: true, skipped: skipped, liveAt: liveAt, limit: 16).ids : []
        return (regular.ids, goldItems, regular.total)
    }

    /// How many open items a scan plans: ordering them costs the same for any number, and
    /// with 8 raters a plan of 256 ran out (its items taken by others) every 190 claims or so,
    /// each scan of 4,000 items taking some 10 ms; 1,024 make a scan less than half as often.
    static let planLength = 1024

    /// How many planned items' texts are read at a time, ahead of their claims.
    static let shownAhead = 128

    /// Inserts a lease of the item for the session's rater.
    static func lease(_ db: Database, itemID: Int64, session: ReviewSession, now: Date, remaining: Int) throws -> Lease {
        let expires = now.addingTimeInterval(session.settings.leaseMinutes * 60)
        try db.run("INSERT INTO leases (item_id, rater_id, session_id, leased_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   [itemID.databaseValue, session.rater.id.databaseValue, session.id.databaseValue,
                    Timestamp.string(now).databaseValue, Timestamp.string(expires).databaseValue])
        return Lease(itemID: itemID, leasedAt: now, expiresAt: expires, remaining: remaining)
    }

    /// What the console shows of a leased item. Items, candidates, prompts and rubric versions
    /// never change once written, so this is read after the lease's transaction — or, for an
    /// item the session planned, taken from what its scan read.
    static func shown(_ db: Database, _ lease: Lease, planned: ShownRow? = nil) throws -> ClaimedItem {
        guard let row = try planned ?? shownRows(db, itemIDs: [lease.itemID])[lease.itemID] else {
            throw QueueError.noSuchItem(lease.itemID)
        }
        guard let stage = Stage(rawValue: row.stage) else {
            throw StoreError.corrupt(path: db.configuration.label ?? "workspace",
                                     detail: "item \(lease.itemID) has stage '\(row.stage)'")
        }
        let info = try rubric(db, version: row.version)
        return ClaimedItem(itemID: lease.itemID, rubricVersionID: info.id, rubric: info.rubric, stage: stage,
                           scope: row.scope, prompt: row.prompt, candidateA: row.candidateA, candidateB: row.candidateB,
                           leasedAt: lease.leasedAt, expiresAt: lease.expiresAt, remaining: lease.remaining,
                           isGold: row.isGold, version: row.version)
    }

    /// What the console shows of each of these items, by id (missing ids are left out).
    static func shownRows(_ db: Database, itemIDs: [Int64]) throws -> [Int64: ShownRow] {
        guard !itemIDs.isEmpty else { return [:] }
        var rows: [Int64: ShownRow] = [:]
        // Integers only, so inlining them is safe.
        let statement = try RawRows(db, sql: """
            SELECT v.id, v.source_sha256, v.created_at, v.name, i.stage, p.scope, p.text, a.text, b.text,
                   EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = i.id), i.id
            FROM items i
            JOIN rubric_versions v ON v.id = i.rubric_version_id
            JOIN candidates a ON a.id = i.candidate_a
            JOIN prompts p ON p.id = a.prompt_id
            LEFT JOIN candidates b ON b.id = i.candidate_b
            WHERE i.id IN (\(itemIDs.map(String.init).joined(separator: ", ")))
            """)
        while try statement.step() {
            rows[statement.int64(10)] = ShownRow(
                version: RubricVersionRow(statement), stage: statement.text(4), scope: statement.optionalText(5),
                prompt: statement.text(6), candidateA: statement.text(7), candidateB: statement.optionalText(8),
                isGold: statement.bool(9))
        }
        return rows
    }

    /// A uniform draw in [0, 1) from (seed, sequence): SplitMix64 (Steele, Lea & Flood, 2014).
    static func unitDraw(seed: Int64, sequence: Int) -> Double {
        var z = UInt64(bitPattern: seed) &+ UInt64(truncatingIfNeeded: sequence &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}

/// What the console shows of an item, as read from the database (see `Workspace.shown`).
struct ShownRow: Sendable, Hashable {
    var version: Workspace.RubricVersionRow
    var stage: String
    var scope: String?
    var prompt: String
    var candidateA: String
    var candidateB: String?
    var isGold: Bool
}

/// A lease a claim's transaction wrote: the item, when, and how many regular items remained
/// open to the rater besides it.
struct Lease {
    var itemID: Int64
    var leasedAt: Date
    var expiresAt: Date
    var remaining: Int
}

/// Thrown inside a step's transaction (rolling it back) when every planned candidate went to
/// other raters; see `Workspace.submitRating(_:in:thenClaim:)`.
struct ClaimNeedsScan: Error {}

/// When queue writes checkpoint the write-ahead log (see `Workspace.immediate`).
enum CheckpointSchedule {
    /// Log pages that make the next queue writer checkpoint: about 16 MB, some 500 ratings at
    /// seven or eight pages each. Four times SQLite's default: a rating rewrites the same few
    /// last pages of its tables, so a longer log copies each of them once for more ratings,
    /// and the checkpoint's `fsync` comes a quarter as often.
    static let frames = 4000

    /// Runs `body` (a transaction) with SQLite's write-ahead-log hook set to store the log's
    /// length in `frames` when it commits. The hook takes the place of the automatic
    /// checkpoint, which stays off on the connection afterwards.
    static func countingFrames<T>(_ db: Database, into frames: inout Int, _ body: () throws -> T) rethrows -> T {
        try withUnsafeMutablePointer(to: &frames) { frames in
            sqlite3_wal_hook(db.sqliteConnection, noteFrames, UnsafeMutableRawPointer(frames))
            defer { sqlite3_wal_hook(db.sqliteConnection, nil, nil) }
            return try body()
        }
    }

    private static let noteFrames: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32)
        -> Int32 = { context, _, _, frames in
        context?.assumingMemoryBound(to: Int.self).pointee = Int(frames)
        return SQLITE_OK
    }
}
