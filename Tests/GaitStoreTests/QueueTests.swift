import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

/// A workspace with items queued through the store, as `gait generate` would queue them.
enum QueueFixture {
    static func workspace(clock: ManualClock = ManualClock(), path: String? = nil) throws -> Workspace {
        let workspace: Workspace
        if let path {
            workspace = try Workspace.initialize(path: path, clock: clock.function).workspace
        } else {
            workspace = try Workspace.inMemory(clock: clock.function)
        }
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        for (name, role) in [("ana", RaterRole.rater), ("ben", .rater), ("cy", .rater), ("lee", .lead)] {
            try workspace.addRater(name: name, role: role)
        }
        return workspace
    }

    /// Queues `count` single items of the helpfulness rubric (or pairwise items of preference).
    @discardableResult
    static func queue(_ workspace: Workspace, count: Int, overlap: Int, stage: Stage = .crawl, pairwise: Bool = false,
                      set: String = "s", scope: String = "faq") throws -> [Int64] {
        let prompts = (0..<count).map { index in
            Prompt(id: "\(set)-\(index)", text: "Question \(index)?", attributes: ["gender": index % 2 == 0 ? "f" : "m"],
                   scope: scope)
        }
        try workspace.importPrompts(prompts, into: set, source: "\(set).jsonl")
        let run = try workspace.createRun(RunSpec(
            setName: set, rubricName: pairwise ? "preference" : "helpfulness", stage: stage, backend: "local",
            modelName: "test", n: pairwise ? 2 : 1, temperature: 0.7, seed: 1, maxTokens: 16, reviewShare: 1,
            reviewOverlap: overlap, reviewSeed: 1))
        var items: [Int64] = []
        for (rowID, prompt) in try workspace.prompts(inSet: set) {
            let drafts = (0..<(pairwise ? 2 : 1)).map {
                CandidateDraft(index: $0, text: "Answer \($0) to \(prompt.id)", tokenCount: 4, finishReason: "stop",
                               latencyMilliseconds: 1)
            }
            items += try workspace.storeCandidates(
                runID: run.id, promptRowID: rowID, drafts,
                items: [ItemDraft(candidateA: 0, candidateB: pairwise ? 1 : nil, reason: .all)],
                tokensIn: 1, tokensOut: 4, cpuSeconds: 0, wallSeconds: 0).items
        }
        return items
    }

    static let answers = ["helpful": "4", "correct": "yes", "accept": "yes"]

    static func draft(_ item: Int64, clock: ManualClock, values: [String: String] = answers) -> RatingDraft {
        RatingDraft(itemID: item, values: values, shownAt: clock.now, firstAnswerAt: clock.now, activeSeconds: 3)
    }
}

@Suite struct QueueClaimTests {
    let clock = ManualClock()

    func session(_ workspace: Workspace, _ rater: String, seed: Int64 = 1, goldRate: Double = 0, leaseMinutes: Double = 15,
                 pairwise: Bool = false) throws -> ReviewSession {
        try workspace.startReviewSession(rater: rater, filter: QueueFilter(pairwise: pairwise),
                                         settings: QueueSettings(leaseMinutes: leaseMinutes, goldRate: goldRate),
                                         seed: seed)
    }

    @Test func claimsRespectTheOverlapAndNeverServeARaterTwice() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 3, overlap: 2)
        let ana = try session(workspace, "ana")
        var served: [Int64] = []
        while let item = try workspace.claimNextItem(in: ana, sequence: served.count) {
            served.append(item.itemID)
            try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: ana)
        }
        #expect(served.sorted() == items)
        let ben = try session(workspace, "ben", seed: 2)
        let leased = try (0..<3).compactMap { try workspace.claimNextItem(in: ben, sequence: $0) }
        #expect(leased.map(\.itemID).sorted() == items)
        #expect(leased.map(\.remaining) == [2, 1, 0])
        // Two of two slots taken on every item (ana's ratings and ben's leases): nothing for cy.
        #expect(try workspace.claimNextItem(in: try session(workspace, "cy"), sequence: 0) == nil)
    }

    @Test func anExpiredLeaseIsReleasedByTheNextClaimAndTheLateSubmitFails() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        let ana = try session(workspace, "ana", leaseMinutes: 1)
        let ben = try session(workspace, "ben", leaseMinutes: 1)
        #expect(try workspace.claimNextItem(in: ana, sequence: 0)?.itemID == item)
        #expect(try workspace.claimNextItem(in: ben, sequence: 0) == nil)
        clock.advance(61)
        #expect(try workspace.claimNextItem(in: ben, sequence: 0)?.itemID == item)
        #expect(throws: QueueError.leaseLost(itemID: item, rater: "ana")) {
            try workspace.submitRating(QueueFixture.draft(item, clock: clock), in: ana)
        }
        #expect(QueueError.leaseLost(itemID: item, rater: "ana").description
            == "the lease of ana on item \(item) expired and the item went to another rater; this rating was not saved")
        #expect(throws: QueueError.leaseLost(itemID: item, rater: "ana")) { try workspace.renewLease(itemID: item, in: ana) }
        try workspace.submitRating(QueueFixture.draft(item, clock: clock), in: ben)
        #expect(try workspace.ratings().map(\.raterName) == ["ben"])
        #expect(try workspace.verify().passed)
    }

    @Test func aLapsedLeaseWhoseSlotNobodyTookStillSubmits() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        let ana = try session(workspace, "ana", leaseMinutes: 1)
        _ = try workspace.claimNextItem(in: ana, sequence: 0)
        clock.advance(120)
        // Another rater's claim releases the lapsed lease but finds nothing else to take.
        _ = try workspace.claimNextItem(in: try session(workspace, "ben", pairwise: true), sequence: 0)
        try workspace.submitRating(QueueFixture.draft(item, clock: clock), in: ana)
        #expect(try workspace.ratings().count == 1)
    }

    @Test func renewingMovesTheExpiry() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        let ana = try session(workspace, "ana", leaseMinutes: 1)
        _ = try workspace.claimNextItem(in: ana, sequence: 0)
        clock.advance(50)
        let expires = try workspace.renewLease(itemID: item, in: ana)
        #expect(expires == clock.now.addingTimeInterval(60))
        clock.advance(50)
        #expect(try workspace.claimNextItem(in: try session(workspace, "ben", leaseMinutes: 1), sequence: 0) == nil)
    }

    @Test func theOrderIsASeededPermutationPerSession() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 30, overlap: 4)
        func order(_ rater: String, seed: Int64) throws -> [Int64] {
            let session = try session(workspace, rater, seed: seed)
            var served: [Int64] = []
            while let item = try workspace.claimNextItem(in: session, sequence: served.count) { served.append(item.itemID) }
            try workspace.endReviewSession(session)
            return served
        }
        let first = try order("ana", seed: 11)
        let again = try order("ben", seed: 11)
        let other = try order("cy", seed: 12)
        #expect(first.sorted() == items)
        #expect(first == again)
        #expect(other.sorted() == items)
        #expect(first != other)
        #expect(first != items)
        let seeds = try workspace.writer.read { db in try Int64.fetchAll(db, sql: "SELECT order_seed FROM review_sessions ORDER BY id") }
        #expect(seeds == [11, 11, 12])
    }

    @Test func aSessionKeepsItsPlaceBetweenClaimsAndSkipsWhatOthersTook() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 100, overlap: 2)
        var ana = try session(workspace, "ana", seed: 11)
        var kept: [Int64] = []
        while let item = try workspace.claimNextItem(in: &ana, sequence: kept.count) { kept.append(item.itemID) }
        let ben = try session(workspace, "ben", seed: 11)
        var fresh: [Int64] = []
        while let item = try workspace.claimNextItem(in: ben, sequence: fresh.count) { fresh.append(item.itemID) }
        #expect(kept == fresh)
        #expect(kept.sorted() == items)
        // cy and lee scan lists that overlap: each must skip what the other took, never oversubscribe.
        let single = try QueueFixture.queue(workspace, count: 80, overlap: 1, set: "t")
        var cy = try session(workspace, "cy", seed: 3)
        var lee = try session(workspace, "lee", seed: 4)
        var served: [Int64] = []
        var sequence = 0
        while true {
            let mine = try workspace.claimNextItem(in: &cy, sequence: sequence)
            let theirs = try workspace.claimNextItem(in: &lee, sequence: sequence)
            sequence += 1
            if mine == nil && theirs == nil { break }
            served += [mine, theirs].compactMap { $0?.itemID }
        }
        #expect(served.sorted() == single)
    }

    @Test func goldItemsAreMixedInAtTheRateAndNeverAfterTheRegularWork() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let regular = try QueueFixture.queue(workspace, count: 40, overlap: 1)
        let gold = try QueueFixture.queue(workspace, count: 40, overlap: 1, set: "g")
        for item in gold { try workspace.markGold(itemID: item, answers: ["helpful": "5"], lead: "lee") }
        let ana = try session(workspace, "ana", seed: 5, goldRate: 0.25)
        var served: [ClaimedItem] = []
        while let item = try workspace.claimNextItem(in: ana, sequence: served.count) {
            served.append(item)
            try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: ana)
        }
        let goldServed = served.filter(\.isGold).count
        #expect(served.filter { !$0.isGold }.map(\.itemID).sorted() == regular)
        // 40 regular items at a 25% gold rate: about 13 gold ones (binomial, 5σ ≈ 14).
        #expect((3...27).contains(goldServed), "served \(goldServed) gold items")
        #expect(served.last?.isGold == false)
        // Gold never counts as remaining work.
        #expect(served.map(\.remaining).max() == 39)
        let none = try session(workspace, "ben", goldRate: 0)
        #expect(try workspace.claimNextItem(in: none, sequence: 0) == nil)
    }

    @Test func skippedItemsDoNotComeBackInTheSameSession() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 2, overlap: 1)
        let ana = try session(workspace, "ana")
        let first = try #require(try workspace.claimNextItem(in: ana, sequence: 0))
        try workspace.skipItem(first.itemID, in: ana)
        let second = try #require(try workspace.claimNextItem(in: ana, sequence: 1))
        #expect(second.itemID != first.itemID)
        try workspace.skipItem(second.itemID, in: ana)
        #expect(try workspace.claimNextItem(in: ana, sequence: 2) == nil)
        #expect(try workspace.claimNextItem(in: try session(workspace, "ana"), sequence: 0) != nil)
        #expect(try workspace.queueStatus().raters.first { $0.name == "ana" }?.skips == 2)
        #expect(Set(items) == [first.itemID, second.itemID])
    }

    @Test func unknownRatersAndRubricsAreRefused() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        #expect(throws: StoreError.notFound(kind: "rater", name: "zed", hint: "add them with `gait raters add zed`")) {
            try session(workspace, "zed")
        }
        #expect(throws: StoreError.notFound(kind: "rubric", name: "nope",
                                            hint: "see `gait rubrics list`, or register it with `gait rubrics import FILE`")) {
            try workspace.startReviewSession(rater: "ana", filter: QueueFilter(rubricName: "nope"), settings: QueueSettings(), seed: 1)
        }
    }

    @Test func pairwiseSessionsTakeOnlyPairwiseItems() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        try QueueFixture.queue(workspace, count: 2, overlap: 1)
        let pairs = try QueueFixture.queue(workspace, count: 2, overlap: 1, pairwise: true, set: "p")
        let ana = try session(workspace, "ana", pairwise: true)
        let item = try #require(try workspace.claimNextItem(in: ana, sequence: 0))
        #expect(pairs.contains(item.itemID))
        #expect(item.candidateB != nil)
        #expect(item.rubric.pairwise)
        try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock, values: ["overall": "a", "correct": "=", "clear": "b"]),
                                   in: ana)
        let rating = try #require(try workspace.ratings().first)
        #expect(rating.values == ["overall": "a", "correct": "=", "clear": "b"])
        #expect(rating.numeric.isEmpty)
        #expect(rating.candidateB != nil)
    }
}

@Suite struct QueueSubmitTests {
    let clock = ManualClock()

    @Test func aSubmissionWritesValuesFlagsTimingsAndOneAuditEvent() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 2).first)
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(), seed: 3)
        _ = try workspace.claimNextItem(in: ana, sequence: 0)
        let shown = clock.now
        clock.advance(30)
        let draft = RatingDraft(itemID: item, values: ["helpful": "5", "correct": "unsure", "accept": "no"],
                                flags: ["bias", "off-topic"], comment: "too long", shownAt: shown,
                                firstAnswerAt: shown.addingTimeInterval(4), activeSeconds: 21.5)
        let before = try workspace.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_events") }
        let submitted = try workspace.submitRating(draft, in: ana)
        #expect(submitted.submittedAt == Timestamp.string(clock.now))
        let after = try workspace.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_events") }
        #expect(after == before.map { $0 + 1 })
        let row = try #require(try workspace.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT shown_at, first_answer_at, submitted_at, active_seconds, comment, outcome, session_id FROM ratings")
        })
        #expect(row[0] as String == Timestamp.string(shown))
        #expect(row[1] as String == Timestamp.string(shown.addingTimeInterval(4)))
        #expect(row[2] as String == Timestamp.string(clock.now))
        #expect(row[3] as Double == 21.5)
        #expect(row[4] as String == "too long")
        #expect(row[5] as String == "rated")
        #expect(row[6] as Int64 == ana.id)
        let leases = try workspace.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM leases") }
        #expect(leases == 0)
        #expect(throws: QueueError.alreadyRated(itemID: item, rater: "ana")) { try workspace.submitRating(draft, in: ana) }
        #expect(try workspace.verify().passed)
    }

    @Test(arguments: [
        (["helpful": "4", "correct": "yes"], [String](), "item 1: no answer to 'accept'; every criterion needs one (or discard the item with a reason)"),
        (["helpful": "6", "correct": "yes", "accept": "yes"], [], "item 1: '6' is not an answer to 'helpful'; allowed: an integer from 1 to 5"),
        (["helpful": "4", "correct": "maybe", "accept": "yes"], [], "item 1: 'maybe' is not an answer to 'correct'; allowed: yes, no or unsure"),
        (["helpful": "4", "correct": "yes", "accept": "y"], [], "item 1: 'y' is not an answer to 'accept'; allowed: yes or no"),
        (["helpful": "4", "correct": "yes", "accept": "yes", "tone": "ok"], [], "item 1: rubric helpfulness v1 has no criterion 'tone'"),
        (["helpful": "4", "correct": "yes", "accept": "yes"], ["rude"],
         "item 1: unknown flag 'rude'; this rubric's flags: bias, harmful, private-data, off-topic, non-english-mismatch"),
    ])
    func answersOffTheRubricAreRefusedAndNothingIsWritten(values: [String: String], flags: [String], message: String) throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        #expect(item == 1)
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(), seed: 3)
        _ = try workspace.claimNextItem(in: ana, sequence: 0)
        var draft = QueueFixture.draft(item, clock: clock, values: values)
        draft.flags = Set(flags)
        let error = #expect(throws: QueueError.self) { try workspace.submitRating(draft, in: ana) }
        #expect(error?.description == message)
        #expect(try workspace.ratings().isEmpty)
        #expect(try workspace.queueStatus().liveLeases == 1)
    }

    @Test func aDiscardNeedsNoValuesAndRecordsItsReason() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(), seed: 3)
        _ = try workspace.claimNextItem(in: ana, sequence: 0)
        try workspace.submitRating(RatingDraft(itemID: item, values: [:], flags: ["harmful"], discardReason: "garbled",
                                               shownAt: clock.now, firstAnswerAt: clock.now, activeSeconds: 1), in: ana)
        let rating = try #require(try workspace.ratings().first)
        #expect(rating.outcome == "discarded")
        #expect(rating.values.isEmpty)
        #expect(rating.flags == ["harmful"])
        let reason = try workspace.writer.read { db in try String.fetchOne(db, sql: "SELECT discard_reason FROM ratings") }
        #expect(reason == "garbled")
    }

    @Test func undoRetractsKeepsTheRecordAndReopensTheItem() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(), seed: 3)
        _ = try workspace.claimNextItem(in: ana, sequence: 0)
        let first = try workspace.submitRating(QueueFixture.draft(item, clock: clock), in: ana)
        clock.advance(5)
        let reopened = try workspace.retractRating(first.ratingID, in: ana)
        #expect(reopened.itemID == item)
        #expect(try workspace.ratings().isEmpty)
        #expect(try workspace.queueStatus().liveLeases == 1)
        let ben = try workspace.startReviewSession(rater: "ben", filter: QueueFilter(), settings: QueueSettings(), seed: 3)
        #expect(try workspace.claimNextItem(in: ben, sequence: 0) == nil)
        #expect(throws: QueueError.cannotRetract(ratingID: first.ratingID, reason: "it is already retracted")) {
            try workspace.retractRating(first.ratingID, in: ana)
        }
        #expect(throws: QueueError.cannotRetract(ratingID: first.ratingID, reason: "it belongs to another rater")) {
            try workspace.retractRating(first.ratingID, in: ben)
        }
        var values = QueueFixture.answers
        values["helpful"] = "2"
        try workspace.submitRating(QueueFixture.draft(item, clock: clock, values: values), in: ana)
        #expect(try workspace.ratings().map { $0.values["helpful"] } == ["2"])
        let (retracted, retractions) = try workspace.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT retracted_at FROM ratings WHERE retracted_at IS NOT NULL"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM retractions WHERE rating_id = ?", arguments: [first.ratingID]))
        }
        #expect(retracted == [Timestamp.string(clock.now)])
        #expect(retractions == 1)
        #expect(try workspace.raterReport(named: "ana").retracted == 1)
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
    }
}

@Suite struct QueueStatusAndGoldTests {
    let clock = ManualClock()

    @Test func statusCountsItemsRatersAndLeases() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 4, overlap: 2)
        try QueueFixture.queue(workspace, count: 1, overlap: 1, stage: .walk, set: "w", scope: "bios")
        let settings = QueueSettings(leaseMinutes: 1)
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(stage: .crawl), settings: settings, seed: 1)
        let ben = try workspace.startReviewSession(rater: "ben", filter: QueueFilter(stage: .crawl), settings: settings, seed: 1)
        for sequence in 0..<2 {
            let item = try #require(try workspace.claimNextItem(in: ana, sequence: sequence))
            try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: ana)
        }
        // ben has the same order: his first item is ana's first, which then has both ratings.
        let complete = try #require(try workspace.claimNextItem(in: ben, sequence: 0))
        try workspace.submitRating(QueueFixture.draft(complete.itemID, clock: clock), in: ben)
        _ = try workspace.claimNextItem(in: ben, sequence: 1)
        var status = try workspace.queueStatus()
        let crawl = try #require(status.groups.first)
        #expect(status.groups.count == 2)
        #expect((crawl.stage, crawl.rubric, crawl.version, crawl.scope) == (.crawl, "helpfulness", 1, "faq"))
        #expect((crawl.items, crawl.pending, crawl.inProgress, crawl.complete) == (4, 2, 1, 1))
        #expect(status.groups[1].stage == .walk && status.groups[1].scope == "bios" && status.groups[1].pending == 1)
        #expect(status.raters.first { $0.name == "ana" }?.ratings == 2)
        #expect(status.raters.first { $0.name == "ben" }.map { ($0.ratings, $0.leases) } ?? (0, 0) == (1, 1))
        #expect((status.liveLeases, status.expiredLeases) == (1, 0))
        clock.advance(61)
        status = try workspace.queueStatus()
        #expect((status.liveLeases, status.expiredLeases) == (0, 1))
        #expect(items.count == 4)
    }

    @Test func goldAccuracyComparesLiveAnswersWithTheExpectedOnes() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 3, overlap: 1)
        try workspace.markGold(itemID: items[0], answers: ["helpful": "4", "accept": "yes"], lead: "lee")
        try workspace.markGold(itemID: items[1], answers: ["correct": "no"], lead: "lee")
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(goldRate: 1),
                                                   seed: 1)
        var sequence = 0
        while let item = try workspace.claimNextItem(in: ana, sequence: sequence) {
            sequence += 1
            try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: ana)
        }
        let report = try workspace.raterReport(named: "ana")
        #expect(report.ratings == 3)
        #expect(report.gold.items == 2)
        #expect((report.gold.answers, report.gold.correct) == (3, 2))
        #expect(report.gold.accuracy == 2.0 / 3.0)
        #expect(report.medianActiveSeconds == 3)
        #expect(try workspace.ratings().count == 1)
        #expect(try workspace.ratings(RatingFilter(includeGold: true)).filter(\.isGold).count == 2)
        #expect(try workspace.verify().passed)
    }

    @Test func goldNeedsALeadAValidAnswerAndIsSetOnce() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let item = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 1).first)
        #expect(throws: QueueError.notLead(rater: "ana", action: "add gold items")) {
            try workspace.markGold(itemID: item, answers: ["helpful": "4"], lead: "ana")
        }
        #expect(QueueError.notLead(rater: "ana", action: "add gold items").description
            == "ana is a rater, not a lead; only leads can add gold items (register a lead with `gait raters add NAME --role lead`)")
        #expect(throws: InputError(source: "gold answers of item 1", key: "helpful", problem: "'9' is not on the scale; allowed: an integer from 1 to 5")) {
            try workspace.markGold(itemID: item, answers: ["helpful": "9"], lead: "lee")
        }
        #expect(throws: InputError(source: "gold answers of item 1", key: "tone",
                                   problem: "rubric helpfulness v1 has no such criterion; its criteria: helpful, correct, accept")) {
            try workspace.markGold(itemID: item, answers: ["tone": "x"], lead: "lee")
        }
        #expect(throws: QueueError.noSuchItem(99)) { try workspace.markGold(itemID: 99, answers: ["helpful": "4"], lead: "lee") }
        try workspace.markGold(itemID: item, answers: ["helpful": "4"], lead: "lee")
        #expect(throws: StoreError.alreadyExists(kind: "gold item", name: "1", hint: "expected answers are fixed once set; queue a new item instead")) {
            try workspace.markGold(itemID: item, answers: ["helpful": "4"], lead: "lee")
        }
        #expect(throws: QueueError.notLead(rater: "ben", action: "view another rater's queue")) {
            try workspace.queueView(of: "ana", filter: QueueFilter(), viewer: "ben")
        }
        let view = try workspace.queueView(of: "ana", filter: QueueFilter(), viewer: "lee")
        #expect((view.openItems, view.openGoldItems) == (0, 1))
    }

    @Test func goldFilesImportAsGoldItemsAllOrNothing() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let text = """
            {"id": "g1", "prompt": "Capital of France?", "answer": "Paris.", "expected": {"helpful": 5, "correct": "yes"}, "scope": "faq"}

            {"id": "g2", "prompt": "2+2?", "answer": "5", "expected": {"correct": "no", "accept": "no"}}
            """
        let entries = try GoldFile.parse(Data(text.utf8), source: "gold.jsonl")
        #expect(entries.map(\.expected) == [["helpful": "5", "correct": "yes"], ["correct": "no", "accept": "no"]])
        let items = try workspace.importGold(entries, into: "gold", rubric: "helpfulness", stage: .crawl, overlap: 2,
                                             source: "gold.jsonl", lead: "lee")
        #expect(items.count == 2)
        let answers = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT item_id, criterion, value FROM gold_answers ORDER BY item_id, criterion")
                .map { "\($0[0] as Int64):\($0[1] as String)=\($0[2] as String)" }
        }
        #expect(answers == ["\(items[0]):correct=yes", "\(items[0]):helpful=5", "\(items[1]):accept=no", "\(items[1]):correct=no"])
        #expect(throws: InputError(source: "gold.jsonl", key: "id", problem: "prompt 'g1' is already in set 'gold'; nothing was imported")) {
            try workspace.importGold(entries, into: "gold", rubric: "helpfulness", stage: .crawl, overlap: 2, source: "gold.jsonl", lead: "lee")
        }
        #expect(throws: InputError(source: "gold.jsonl: entry 1 ('g1')", key: "answer_b", problem: "rubric preference is pairwise and needs answer_b")) {
            try workspace.importGold(entries, into: "other", rubric: "preference", stage: .crawl, overlap: 2, source: "gold.jsonl", lead: "lee")
        }
        #expect(try workspace.promptSets().map(\.name) == ["gold"])
        #expect(try workspace.verify().passed)
    }

    @Test(arguments: [
        (#"{"id": "g1", "prompt": "p", "expected": {"helpful": 5}}"#, InputError(source: "g.jsonl", line: 1, key: "answer", problem: "missing: the answer the raters will judge (a non-empty string)")),
        (#"{"id": "g1", "prompt": "p", "answer": "a"}"#, InputError(source: "g.jsonl", line: 1, key: "expected", problem: "missing: an object of criterion → expected answer")),
        ("\n" + #"{"id": "g1", "answer": "a", "expected": {"helpful": 5}}"#, InputError(source: "g.jsonl", line: 2, key: "prompt", problem: "missing required key")),
        (#"{"id": "g1", "prompt": "p", "answer": "a", "expected": {"helpful": [5]}}"#, InputError(source: "g.jsonl", line: 1, key: "expected.helpful", problem: "expected a string or a number")),
        ("not json", InputError(source: "g.jsonl", line: 1, problem: "invalid JSON; expected an object")),
    ])
    func badGoldLinesAreReportedWithTheirLine(text: String, error: InputError) throws {
        #expect(throws: error) { try GoldFile.parse(Data(text.utf8), source: "g.jsonl") }
    }
}

/// The console's step from one item to the next: a rating and the next claim in one transaction.
@Suite struct QueueSubmitAndClaimTests {
    let clock = ManualClock()

    /// Rates every item open to `rater` as the console does, each rating claiming the next;
    /// `draft` gets the 1-based position and the item. Returns how many were rated.
    @discardableResult
    func rateAll(_ workspace: Workspace, rater: String, seed: Int64,
                 draft: (Int, ClaimedItem) -> RatingDraft) throws -> Int {
        var session = try workspace.startReviewSession(rater: rater, filter: QueueFilter(), settings: QueueSettings(),
                                                       seed: seed)
        var next = try workspace.claimNextItem(in: &session, sequence: 0)
        var sequence = 0
        while let item = next {
            sequence += 1
            next = try workspace.submitRating(draft(sequence, item), in: &session, thenClaim: sequence).next
        }
        return sequence
    }

    @Test func itemsPastTheTextsReadAheadShowTheirOwnTexts() throws {
        // More items than a session reads texts for at a time: every claimed item, whether
        // its text came with the read-ahead or from a later one, shows its own prompt and
        // candidate, and the submit finds its rubric version.
        let workspace = try QueueFixture.workspace(clock: clock)
        let count = Workspace.shownAhead * 2 + 5
        _ = try QueueFixture.queue(workspace, count: count, overlap: 1)
        var shown: [Int64: (String, String)] = [:]
        let rated = try rateAll(workspace, rater: "ana", seed: 8) { _, item in
            shown[item.itemID] = (item.prompt, item.candidateA)
            return QueueFixture.draft(item.itemID, clock: clock)
        }
        #expect(rated == count)
        let stored = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, p.text, a.text FROM items i JOIN candidates a ON a.id = i.candidate_a JOIN prompts p ON p.id = a.prompt_id
                """)
        }
        #expect(stored.count == count)
        for row in stored {
            let id: Int64 = row[0]
            #expect(shown[id]?.0 == row[1] && shown[id]?.1 == row[2], "item \(id)")
        }
        #expect(try workspace.verify().passed)
    }

    @Test func aRatingLeasesTheNextItemInTheSameTransaction() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 3, overlap: 1)
        var ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(), seed: 4)
        var served: [Int64] = []
        var next = try workspace.claimNextItem(in: &ana, sequence: 0)
        while let item = next {
            served.append(item.itemID)
            let step = try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: &ana,
                                                  thenClaim: served.count)
            #expect(step.rating.itemID == item.itemID)
            let leases = try workspace.writer.read { db in
                try Int64.fetchAll(db, sql: "SELECT item_id FROM leases WHERE rater_id = ?", arguments: [ana.rater.id])
            }
            // The rated item's lease is gone and the next one's is taken, atomically.
            #expect(leases == (step.next.map { [$0.itemID] } ?? []))
            next = step.next
        }
        #expect(served.sorted() == items.sorted())
        let counts = try workspace.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM ratings") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_events WHERE kind = 'ratings.submit'") ?? 0)
        }
        #expect(counts.0 == 3 && counts.1 == 3)
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
    }

    @Test func aLostLeaseWritesNeitherTheRatingNorTheNextLease() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        let items = try QueueFixture.queue(workspace, count: 2, overlap: 1)
        let settings = QueueSettings(leaseMinutes: 1)
        var ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: settings, seed: 4)
        let item = try #require(try workspace.claimNextItem(in: &ana, sequence: 0))
        clock.advance(61)
        // The lapsed lease is released and ben takes the item.
        var ben = try workspace.startReviewSession(rater: "ben", filter: QueueFilter(), settings: settings, seed: 4)
        var taken: [Int64] = []
        while let other = try workspace.claimNextItem(in: &ben, sequence: taken.count) { taken.append(other.itemID) }
        #expect(taken.sorted() == items.sorted())
        #expect(throws: QueueError.leaseLost(itemID: item.itemID, rater: "ana")) {
            try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: &ana, thenClaim: 1)
        }
        let anas = try workspace.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM ratings WHERE rater_id = ?", arguments: [ana.rater.id]) ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM leases WHERE rater_id = ?", arguments: [ana.rater.id]) ?? -1)
        }
        #expect(anas.0 == 0 && anas.1 == 0)
    }

    @Test func ratingsWithFlagsCommentsAndDiscardsVerify() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        _ = try QueueFixture.queue(workspace, count: 3, overlap: 1)
        try rateAll(workspace, rater: "ana", seed: 2) { sequence, item in
            var draft = QueueFixture.draft(item.itemID, clock: clock)
            switch sequence {
            case 1:
                draft.flags = ["harmful", "bias"]
                draft.comment = "Says \"always\"; ünïcode ✓"
            case 2:
                draft = RatingDraft(itemID: item.itemID, values: [:], discardReason: "empty output", shownAt: clock.now,
                                    firstAnswerAt: nil, activeSeconds: 0.25)
            default:
                draft.activeSeconds = -4
            }
            return draft
        }
        let stored = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT outcome, comment, active_seconds FROM ratings ORDER BY id")
        }
        #expect(stored.map { $0[0] as String } == ["rated", "discarded", "rated"])
        #expect(stored[0][1] as String? == "Says \"always\"; ünïcode ✓")
        #expect(stored.map { $0[2] as Double } == [3, 0.25, 0])
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
        // A rating changed behind Gait's back is found.
        try workspace.writer.write { db in try db.execute(sql: "UPDATE rating_values SET value = '1' WHERE criterion = 'helpful'") }
        #expect(try workspace.verify().firstProblem?.contains("ratings.submit") == true)
    }

    @Test func queueWritesKeepTheWriteAheadLogShort() throws {
        let directory = try TemporaryDirectory()
        let workspace = try QueueFixture.workspace(clock: clock, path: directory.path("w.sqlite"))
        _ = try QueueFixture.queue(workspace, count: 800, overlap: 1)
        let rated = try rateAll(workspace, rater: "ana", seed: 3) { _, item in QueueFixture.draft(item.itemID, clock: clock) }
        #expect(rated == 800)
        // A queue writer checkpoints outside the writer lock once the log holds
        // `CheckpointSchedule.frames` pages, and the log restarts after each: it never holds
        // much more than that (800 ratings write about 5,600).
        let frames = try workspace.writer.writeWithoutTransaction { db in
            try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)").map { $0[1] as Int } ?? -1
        }
        #expect(frames >= 0 && frames < CheckpointSchedule.frames + 64, "\(frames) frames in the log")
    }

    /// A rating as the queue wrote one before schema version 6 (values in row order, in the
    /// rubric's order: helpful, correct, accept), releasing the rater's lease.
    func submitBeforeVersion6(_ workspace: Workspace, item: Int64, session: ReviewSession) throws -> Int64 {
        try workspace.writer.write { db in
            let stamp = Timestamp.string(clock.now)
            return try AuditLog.record(db, at: clock.now, actor: session.rater.name, kind: "ratings.submit",
                                       detail: "item \(item) rated by \(session.rater.name)") { event in
                try db.execute(sql: "DELETE FROM leases WHERE item_id = ? AND rater_id = ?", arguments: [item, session.rater.id])
                try db.execute(sql: """
                    INSERT INTO ratings (item_id, rater_id, session_id, outcome, shown_at, first_answer_at, submitted_at,
                                         active_seconds, event_id)
                    VALUES (?, ?, ?, 'rated', ?, ?, ?, 3, ?)
                    """, arguments: [item, session.rater.id, session.id, stamp, stamp, stamp, event.id])
                let rating = db.lastInsertedRowID
                for (criterion, value, number) in [("helpful", "4", 4.0 as Double?), ("correct", "yes", 1), ("accept", "no", 0)] {
                    try db.execute(sql: """
                        INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id) VALUES (?, ?, ?, ?, ?)
                        """, arguments: [rating, criterion, value, number, event.id])
                }
                return rating
            }
        }
    }

    @Test func migrations5And6KeepLeasesRatingsValuesAndTheLog() throws {
        // A workspace of schema 4 with ratings, a retraction and live leases…
        let workspace = try Workspace.inMemory(upTo: "0004_lean_queue_writes", clock: clock.function)
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        try workspace.addRater(name: "ana", role: .rater)
        try workspace.addRater(name: "ben", role: .rater)
        _ = try QueueFixture.queue(workspace, count: 6, overlap: 2)
        var ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(), seed: 1)
        let rated = try #require(try workspace.claimNextItem(in: &ana, sequence: 0))
        let first = try submitBeforeVersion6(workspace, item: rated.itemID, session: ana)
        var item = try #require(try workspace.claimNextItem(in: &ana, sequence: 1))
        _ = try submitBeforeVersion6(workspace, item: item.itemID, session: ana)
        item = try #require(try workspace.claimNextItem(in: &ana, sequence: 2))
        _ = try workspace.retractRating(first, in: ana)
        var ben = try workspace.startReviewSession(rater: "ben", filter: QueueFilter(), settings: QueueSettings(), seed: 2)
        let held = try #require(try workspace.claimNextItem(in: &ben, sequence: 0))
        func leases() throws -> [[String]] {
            try workspace.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT item_id, rater_id, session_id, leased_at, expires_at FROM leases ORDER BY item_id, rater_id")
                    .map { $0.databaseValues.map(\.description) }
            }
        }
        func values() throws -> [[String]] {
            try workspace.writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT rating_id, criterion, value, numeric_value, event_id FROM rating_values ORDER BY \(AuditLog.valuesOrder(db))
                    """).map { $0.databaseValues.map(\.description) }
            }
        }
        let leasesBefore = try leases()
        let valuesBefore = try values()
        let eventsBefore = try workspace.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM audit_events ORDER BY id") }
        #expect(leasesBefore.count == 3)
        #expect(valuesBefore.count == 6)

        // …upgrades with every row kept, values in their written order, and the queue goes on.
        #expect(try Workspace.migrate(workspace.writer, path: ":memory:", upTo: nil)
                == ["0005_lean_rating_writes", "0006_rating_values_by_key"])
        #expect(try leases() == leasesBefore)
        #expect(try values() == valuesBefore)
        #expect(try workspace.writer.read { db in
            try Int.fetchAll(db, sql: "SELECT position FROM rating_values ORDER BY rating_id, position")
        } == [0, 1, 2, 0, 1, 2])
        #expect(try workspace.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM audit_events ORDER BY id") }
                == eventsBefore)
        let indexes = try workspace.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        #expect(!indexes.contains("ratings_rater") && !indexes.contains("rating_values_event"))
        #expect(try workspace.verify().passed)
        _ = try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: &ana, thenClaim: 3)
        _ = try workspace.submitRating(QueueFixture.draft(held.itemID, clock: clock), in: &ben, thenClaim: 1)
        let status = try workspace.queueStatus()
        #expect(status.raters.map { [$0.name, String($0.ratings), String($0.retracted)] } == [["ana", "2", "1"], ["ben", "1", "0"]])
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
        // A value's place changed behind Gait's back is found: its event hashed them in order.
        try workspace.writer.write { db in
            try db.execute(sql: "UPDATE rating_values SET position = 5 - position WHERE rating_id = (SELECT max(rating_id) FROM rating_values)")
        }
        #expect(try workspace.verify().firstProblem?.contains("ratings.submit") == true)
    }

    @Test func ratingValuesOutOfRatingOrderStillVerify() throws {
        let workspace = try QueueFixture.workspace(clock: clock)
        _ = try QueueFixture.queue(workspace, count: 2, overlap: 1)
        #expect(try rateAll(workspace, rater: "ana", seed: 1) { _, item in QueueFixture.draft(item.itemID, clock: clock) } == 2)
        #expect(try workspace.writer.read { db in try Workspace.eventOrder(db, table: "rating_values") } == "rating_id, position")
        // A rating written later with a lower id than earlier ones (the queue numbers them in
        // order; another writer might not): values are no longer in event order by rating.
        try workspace.writer.write { db in
            let item = try Int64.fetchOne(db, sql: "SELECT min(id) FROM items")
            let rater = try Int64.fetchOne(db, sql: "SELECT id FROM raters WHERE name = 'ben'")
            try AuditLog.record(db, at: clock.now, actor: "ben", kind: "ratings.submit", detail: "item rated by ben") { event in
                let stamp = Timestamp.string(clock.now)
                try db.execute(sql: """
                    INSERT INTO ratings (id, item_id, rater_id, outcome, shown_at, submitted_at, active_seconds, event_id)
                    VALUES (0, ?, ?, 'rated', ?, ?, 1, ?)
                    """, arguments: [item, rater, stamp, stamp, event.id])
                for (position, criterion) in ["helpful", "correct", "accept"].enumerated() {
                    try db.execute(sql: """
                        INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id, position)
                        VALUES (0, ?, '1', 1, ?, ?)
                        """, arguments: [criterion, event.id, position])
                }
            }
        }
        #expect(try workspace.writer.read { db in try Workspace.eventOrder(db, table: "rating_values") }
                == "event_id, rating_id, position")
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
        #expect(report.rows > 0)
    }
}
