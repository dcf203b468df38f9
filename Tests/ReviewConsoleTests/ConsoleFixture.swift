import Foundation
import GaitCore
import GaitStore
import Synchronization
import Testing
import ReviewConsole

extension Tag {
    /// Stress and process-level tests: slower, still run by `swift test`.
    @Tag static var slow: Tag
}

/// A clock that tests move by hand.
final class ManualClock: Sendable {
    private let state = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { state.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { state.withLock { $0 += seconds } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

/// A workspace with queued items, built through the store as `gait generate` would.
enum ConsoleFixture {
    static func workspace(clock: ManualClock? = nil, path: String? = nil) throws -> Workspace {
        let now: @Sendable () -> Date = clock?.function ?? Date.init
        let workspace = try path.map { try Workspace.initialize(path: $0, clock: now).workspace }
            ?? Workspace.inMemory(clock: now)
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        for (name, role) in [("ana", RaterRole.rater), ("ben", .rater), ("lee", .lead)] {
            try workspace.addRater(name: name, role: role)
        }
        return workspace
    }

    /// Queues one item per text, under `rubric` (pairwise rubrics take pairs of texts).
    @discardableResult
    static func queue(_ workspace: Workspace, texts: [String], rubric: String = "helpfulness", overlap: Int = 1,
                      set: String = "s", pairwise: Bool = false) throws -> [Int64] {
        let perItem = pairwise ? 2 : 1
        let count = texts.count / perItem
        try workspace.importPrompts((0..<count).map { Prompt(id: "\(set)\($0)", text: "Prompt \($0) of \(set)", scope: "faq") },
                                    into: set, source: "\(set).jsonl")
        let run = try workspace.createRun(RunSpec(
            setName: set, rubricName: rubric, stage: .crawl, backend: "local", modelName: "test", n: perItem,
            temperature: 0.7, seed: 1, maxTokens: 16, reviewShare: 1, reviewOverlap: overlap, reviewSeed: 1))
        var items: [Int64] = []
        for (index, entry) in try workspace.prompts(inSet: set).enumerated() {
            let drafts = (0..<perItem).map {
                CandidateDraft(index: $0, text: texts[index * perItem + $0], tokenCount: 4, finishReason: "stop",
                               latencyMilliseconds: 1)
            }
            items += try workspace.storeCandidates(
                runID: run.id, promptRowID: entry.rowID, drafts,
                items: [ItemDraft(candidateA: 0, candidateB: pairwise ? 1 : nil, reason: .all)],
                tokensIn: 1, tokensOut: 4, cpuSeconds: 0, wallSeconds: 0).items
        }
        return items
    }
}

/// Scripted input and captured output for a console session.
final class Transcript {
    private var lines: [String]
    private(set) var output = ""
    /// Called before each line is handed out, with its index: tests move the clock or act as
    /// another rater here.
    var beforeLine: (Int) -> Void = { _ in }
    private var served = 0

    init(_ lines: [String]) { self.lines = lines }

    func io(width: Int = 80, colors: Bool = false) -> ConsoleIO {
        ConsoleIO(readLine: { [self] in
            guard !lines.isEmpty else { return nil }
            beforeLine(served)
            served += 1
            return lines.removeFirst()
        }, write: { [self] in output += $0 }, width: width, colors: colors)
    }
}
