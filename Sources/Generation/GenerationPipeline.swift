import Foundation
import GaitCore
import GaitStore
import Inference

/// Progress of a run, reported after every prompt.
public struct GenerationProgress: Sendable, Hashable {
    public var runID: Int64
    /// Prompts finished (in this invocation and before it) and the run's total.
    public var promptsDone: Int
    public var promptsTotal: Int
    /// Tokens generated in this invocation and the seconds it has taken.
    public var tokensOut: Int
    public var elapsed: Double

    /// Generated tokens per second in this invocation.
    public var tokensPerSecond: Double { elapsed > 0 ? Double(tokensOut) / elapsed : 0 }

    /// Seconds left at the current pace, when it can be told.
    public var eta: Double? {
        let doneHere = promptsDone - startedWith
        guard doneHere > 0, elapsed > 0 else { return nil }
        return elapsed / Double(doneHere) * Double(promptsTotal - promptsDone)
    }

    /// Prompts already done when this invocation started.
    public var startedWith: Int
}

/// What a pipeline invocation did.
public struct GenerationSummary: Sendable, Hashable {
    public var run: RunInfo
    public var promptsGenerated: Int
    public var candidatesStored: Int
    public var itemsQueued: Int
    public var interrupted: Bool
}

/// Turns a prompt set into candidates and queued review items, one prompt per transaction.
public struct GenerationPipeline: Sendable {
    public let workspace: Workspace
    public let generator: any Generator
    public let config: WorkspaceConfig

    public init(workspace: Workspace, generator: any Generator, config: WorkspaceConfig) {
        self.workspace = workspace
        self.generator = generator
        self.config = config
    }

    /// Starts a new run by `spec` (its review share and overlap are taken from the stage policy
    /// unless set) and generates every prompt.
    public func start(_ spec: RunSpec, progress: (@Sendable (GenerationProgress) -> Void)? = nil) async throws
        -> GenerationSummary {
        let run = try workspace.createRun(spec)
        return try await resume(runID: run.id, progress: progress)
    }

    /// Generates the prompts of a run that have fewer than `n` candidates, with the run's own
    /// parameters. Cancellation (Ctrl-C) stops between prompts: every finished prompt is kept,
    /// and the run is marked `interrupted`.
    public func resume(runID: Int64, progress: (@Sendable (GenerationProgress) -> Void)? = nil) async throws
        -> GenerationSummary {
        var run = try workspace.run(id: runID)
        if run.status == .complete, try workspace.unfinishedPrompts(ofRun: runID).isEmpty {
            return GenerationSummary(run: run, promptsGenerated: 0, candidatesStored: 0, itemsQueued: 0, interrupted: false)
        }
        let rubric = try workspace.rubric(id: run.rubricVersionID).rubric
        let spec = run.spec
        let allPrompts = try workspace.prompts(inSet: spec.setName, scope: spec.scope)
        let pending = try workspace.unfinishedPrompts(ofRun: runID)
        try workspace.setRunStatus(runID, .running)
        let policy = StagePolicy(reviewShare: spec.reviewShare, reviewFlagged: config.policy(for: spec.stage).reviewFlagged,
                                 overlap: spec.reviewOverlap)
        let clock = ContinuousClock()
        let start = clock.now
        var report = GenerationProgress(runID: runID, promptsDone: allPrompts.count - pending.count,
                                        promptsTotal: allPrompts.count, tokensOut: 0, elapsed: 0,
                                        startedWith: allPrompts.count - pending.count)
        var generated = 0, stored = 0, queued = 0
        do {
            for entry in pending {
                try Task.checkCancellation()
                var messages: [ChatMessage] = []
                if let system = spec.systemPrompt { messages.append(ChatMessage(role: .system, content: system)) }
                messages.append(ChatMessage(role: .user, content: entry.prompt.text))
                let missing = spec.n - entry.stored
                let request = GenerationRequest(
                    input: .chat(messages), n: missing,
                    sampling: SamplingParameters(
                        temperature: spec.temperature, topK: spec.topK, topP: spec.topP, minP: spec.minP,
                        repeatPenalty: spec.repeatPenalty,
                        seed: ReviewSelection.promptSeed(runSeed: spec.seed, promptRowID: entry.rowID),
                        maxTokens: spec.maxTokens))
                let cpuBefore = ProcessCPU.seconds()
                let result = try await generator.generate(request, onToken: nil)
                let cpu = ProcessCPU.seconds() - cpuBefore
                let drafts = result.candidates.enumerated().map { offset, candidate in
                    CandidateDraft(index: entry.stored + offset, text: candidate.text, tokenCount: candidate.tokenCount,
                                   finishReason: candidate.finishReason.rawValue,
                                   latencyMilliseconds: candidate.latency * 1000,
                                   autoFlags: AutoChecks.flags(text: candidate.text,
                                                               finishReason: candidate.finishReason.rawValue))
                }
                let items = ReviewSelection.items(policy: policy, reviewSeed: spec.reviewSeed, promptRowID: entry.rowID,
                                                  flags: drafts.map(\.autoFlags), pairwise: rubric.pairwise)
                let tokensOut = drafts.reduce(0) { $0 + $1.tokenCount }
                // The items index into this prompt's new drafts; stored candidates of an earlier,
                // interrupted attempt keep the items they already have.
                let ids = try workspace.storeCandidates(
                    runID: runID, promptRowID: entry.rowID, drafts, items: items,
                    tokensIn: result.promptTokens, tokensOut: tokensOut, cpuSeconds: cpu, wallSeconds: result.wallSeconds)
                generated += 1
                stored += ids.candidates.count
                queued += ids.items.count
                report.promptsDone += 1
                report.tokensOut += tokensOut
                let elapsed = clock.now - start
                report.elapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                progress?(report)
            }
        } catch is CancellationError {
            try workspace.setRunStatus(runID, .interrupted)
            run = try workspace.run(id: runID)
            return GenerationSummary(run: run, promptsGenerated: generated, candidatesStored: stored, itemsQueued: queued,
                                     interrupted: true)
        } catch {
            try? workspace.setRunStatus(runID, .failed)
            throw error
        }
        try workspace.setRunStatus(runID, .complete)
        run = try workspace.run(id: runID)
        return GenerationSummary(run: run, promptsGenerated: generated, candidatesStored: stored, itemsQueued: queued,
                                 interrupted: false)
    }
}

/// CPU time of this process (user + system), for the cost of runs.
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
