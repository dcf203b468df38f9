import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

/// Many raters on one file workspace, each through its own connection pool (as separate
/// processes would be): claims never oversubscribe an item and nothing is lost.
@Suite struct QueueConcurrencyTests {
    @Test func eightRatersOnSeparateConnectionsFillEveryItemExactly() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("q.sqlite")
        let clock = ManualClock()
        let items = try QueueFixture.queue(try QueueFixture.workspace(clock: clock, path: path), count: 60, overlap: 3)
        let setup = try Workspace.open(path: path)
        for index in 0..<8 { try setup.addRater(name: "r\(index)", role: .rater) }
        let counts = try await withThrowingTaskGroup(of: Int.self, returning: [Int].self) { group in
            for index in 0..<8 {
                group.addTask {
                    let workspace = try Workspace.open(path: path)
                    let session = try workspace.startReviewSession(rater: "r\(index)", filter: QueueFilter(),
                                                                   settings: QueueSettings(), seed: Int64(index))
                    var sequence = 0
                    while let item = try workspace.claimNextItem(in: session, sequence: sequence) {
                        sequence += 1
                        try workspace.submitRating(RatingDraft(itemID: item.itemID, values: QueueFixture.answers,
                                                               shownAt: Date(), firstAnswerAt: Date(), activeSeconds: 1),
                                                   in: session)
                    }
                    return sequence
                }
            }
            var counts: [Int] = []
            for try await count in group { counts.append(count) }
            return counts
        }
        #expect(counts.reduce(0, +) == 180)
        let perItem = try await setup.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT item_id, count(*), count(DISTINCT rater_id) FROM ratings GROUP BY item_id")
                .map { [$0[0] as Int64, $0[1] as Int64, $0[2] as Int64] }
        }
        #expect(perItem.map { $0[0] } == items)
        #expect(perItem.allSatisfy { $0[1] == 3 && $0[2] == 3 })
        #expect(try setup.verify().passed)
    }
}
