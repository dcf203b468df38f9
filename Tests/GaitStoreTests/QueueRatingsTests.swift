import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

/// `Workspace.ratings(_:)` over ratings submitted through the queue.
@Suite struct QueueRatingsTests {
    let clock = ManualClock()

    /// Two crawl items (faq), one walk item (bios), one gold item; ana rates all, ben two, and
    /// ana's rating of the walk item is retracted and re-rated.
    func rated() throws -> (Workspace, crawl: [Int64], walk: Int64, gold: Int64, since: String) {
        let workspace = try QueueFixture.workspace(clock: clock)
        let crawl = try QueueFixture.queue(workspace, count: 2, overlap: 2)
        let walk = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 2, stage: .walk, set: "w", scope: "bios").first)
        let gold = try #require(try QueueFixture.queue(workspace, count: 1, overlap: 2, set: "g", scope: "faq").first)
        try workspace.markGold(itemID: gold, answers: ["helpful": "4"], lead: "lee")
        let ana = try workspace.startReviewSession(rater: "ana", filter: QueueFilter(), settings: QueueSettings(goldRate: 0.5), seed: 9)
        var sequence = 0
        var submitted: [Int64: SubmittedRating] = [:]
        while let item = try workspace.claimNextItem(in: ana, sequence: sequence) {
            sequence += 1
            var draft = QueueFixture.draft(item.itemID, clock: clock, values: ["helpful": "\(sequence)", "correct": "no", "accept": "no"])
            draft.flags = item.itemID == crawl[0] ? ["bias", "harmful"] : []
            draft.comment = item.itemID == crawl[0] ? "stereotype" : nil
            submitted[item.itemID] = try workspace.submitRating(draft, in: ana)
            clock.advance(10)
        }
        let retracted = try #require(submitted[walk])
        _ = try workspace.retractRating(retracted.ratingID, in: ana)
        try workspace.submitRating(QueueFixture.draft(retracted.itemID, clock: clock), in: ana)
        clock.advance(10)
        let since = Timestamp.string(clock.now)
        let ben = try workspace.startReviewSession(rater: "ben", filter: QueueFilter(stage: .crawl), settings: QueueSettings(), seed: 9)
        for sequence in 0..<2 {
            let item = try #require(try workspace.claimNextItem(in: ben, sequence: sequence))
            try workspace.submitRating(QueueFixture.draft(item.itemID, clock: clock), in: ben)
        }
        return (workspace, crawl, walk, gold, since)
    }

    @Test func liveRatingsCarryTheirValuesFlagsAndSlices() throws {
        let (workspace, crawl, walk, _, _) = try rated()
        let all = try workspace.ratings()
        // 3 regular items rated by ana (gold left out) + 2 by ben; the retracted one is gone.
        #expect(all.count == 5)
        #expect(all.map(\.itemID) == all.map(\.itemID).sorted())
        #expect(Set(all.map(\.raterName)) == ["ana", "ben"])
        let flagged = try #require(all.first { $0.itemID == crawl[0] && $0.raterName == "ana" })
        #expect(flagged.flags == ["bias", "harmful"])
        #expect(flagged.comment == "stereotype")
        #expect(flagged.values["correct"] == "no")
        #expect(flagged.numeric["accept"] == 0)
        #expect(flagged.numeric["correct"] == nil)
        #expect(flagged.numeric["helpful"].map { (1...4).contains($0) } == true)
        #expect(flagged.promptID == "s-0")
        #expect(flagged.attributes == ["gender": "f"])
        #expect(flagged.scope == "faq")
        #expect(flagged.stage == .crawl)
        #expect(flagged.outcome == "rated")
        #expect(flagged.activeSeconds == 3)
        #expect(!flagged.isGold)
        let walked = try #require(all.first { $0.itemID == walk })
        #expect(walked.scope == "bios" && walked.stage == .walk && walked.attributes == ["gender": "f"])
        #expect(all.allSatisfy { $0.candidateB == nil && $0.rubricVersionID == walked.rubricVersionID })
        let ratingIDs = try workspace.writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM ratings WHERE retracted_at IS NULL AND item_id IN (SELECT item_id FROM gold_items) = 0 ORDER BY item_id, id")
        }
        #expect(all.map(\.ratingID) == ratingIDs)
    }

    @Test func filtersSelectByRubricScopeStageRaterTimeAndGold() throws {
        let (workspace, _, walk, gold, since) = try rated()
        #expect(try workspace.ratings(RatingFilter(scope: "bios")).map(\.itemID) == [walk])
        #expect(try workspace.ratings(RatingFilter(stage: .walk)).map(\.itemID) == [walk])
        #expect(try workspace.ratings(RatingFilter(stage: .crawl)).count == 4)
        #expect(try workspace.ratings(RatingFilter(raterName: "ben")).count == 2)
        #expect(try workspace.ratings(RatingFilter(rubricName: "helpfulness")).count == 5)
        #expect(try workspace.ratings(RatingFilter(rubricName: "safety")).isEmpty)
        #expect(try workspace.ratings(RatingFilter(since: since)).map(\.raterName) == ["ben", "ben"])
        let withGold = try workspace.ratings(RatingFilter(includeGold: true))
        #expect(withGold.count == 6)
        #expect(withGold.filter(\.isGold).map(\.itemID) == [gold])
        #expect(try workspace.ratings(RatingFilter(scope: "none")).isEmpty)
    }
}
