import Testing
@testable import GaitCore

@Suite struct WorkspaceConfigTests {
    @Test func defaultTextParsesToTheDefaults() throws {
        let config = try WorkspaceConfig.parse(yaml: WorkspaceConfig.defaultText, source: "gait.yaml")
        #expect(config == WorkspaceConfig.defaults)
        #expect(config.policy(for: .crawl) == StagePolicy(reviewShare: 1, reviewFlagged: true, overlap: 3))
        #expect(config.policy(for: .walk).reviewShare == 0.25)
        #expect(config.policy(for: .run).overlap == 1)
    }

    @Test func partialFilesKeepTheOtherDefaults() throws {
        let config = try WorkspaceConfig.parse(yaml: "stages:\n  walk: {overlap: 4}\ncost: {watts_per_core: 12.5}\n",
                                               source: "gait.yaml")
        #expect(config.policy(for: .walk) == StagePolicy(reviewShare: 0.25, reviewFlagged: true, overlap: 4))
        #expect(config.wattsPerCore == 12.5)
    }

    static let errorCases: [(String, String)] = [
        ("stages:\n  walk: {review_share: 1.5}\n", "gait.yaml:2:24: stages.walk.review_share: review_share must be between 0 and 1, found 1.5"),
        ("stages:\n  walk: {overlap: 0}\n", "gait.yaml:2:19: stages.walk.overlap: overlap must be at least 1, found 0"),
        ("stages:\n  sprint: {overlap: 2}\n", "gait.yaml:2:11: stages.sprint: unknown stage 'sprint'; expected crawl, walk or run"),
        ("queue: {gold_rate: -1}\n", "gait.yaml:1:20: queue.gold_rate: gold_rate must be between 0 and 1, found -1.0"),
        ("colour: red\n", "gait.yaml:1:1: colour: unknown key; expected one of: cost, gates, queue, stages"),
    ]

    @Test(arguments: errorCases)
    func badValuesNameFileLineAndKey(yaml: String, message: String) {
        do {
            _ = try WorkspaceConfig.parse(yaml: yaml, source: "gait.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
