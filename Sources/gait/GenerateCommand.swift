import ArgumentParser
import Foundation
import GaitCore
import GaitStore
import Generation
import Inference

extension Stage: ExpressibleByArgument {}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate candidates for a prompt set and queue them for review by the stage policy.",
        discussion: """
            Records a run (model, sampling parameters, seed, stage, timings, tokens, CPU-seconds), \
            stores every candidate and queues items as gait.yaml's stage policy says: crawl reviews \
            every candidate, walk and run a seeded sample plus every candidate an automatic check \
            flags (empty, cut at the token limit, repeated n-grams). Each prompt is committed on its \
            own: after Ctrl-C or a crash, `gait generate --resume RUN` finishes the rest with the \
            same parameters. A stage a scope has not reached is refused unless --force.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var model: ModelSourceOptions

    @Option(help: "The prompt set.") var set: String?
    @Option(help: "The rollout stage: crawl, walk or run.") var stage: Stage?
    @Option(help: "The rubric the items are reviewed with (its newest version).") var rubric: String?
    @Option(help: "Only the prompts of this scope.") var scope: String?
    @Option(name: .short, help: "Candidates per prompt.") var n: Int = 4
    @Option(help: "Sampling temperature (0 is greedy).") var temperature: Double = 0.8
    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold.") var topP: Double?
    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens.") var topK: Int?
    @Option(name: .customLong("min-p"), help: "Drop tokens below this share of the best one's probability.") var minP: Double?
    @Option(name: .customLong("repeat-penalty"), help: "Penalty for repeated tokens (1 is none).") var repeatPenalty: Double?
    @Option(help: "The run's seed (random and recorded when not given).") var seed: Int64?
    @Option(name: .customLong("max-tokens"), help: "The most tokens per candidate.") var maxTokens: Int = 256
    @Option(help: "A system message for every prompt.") var system: String?
    @Option(help: "Finish an interrupted run with its own parameters.") var resume: Int64?
    @Flag(help: "Generate for a stage a scope has not reached.") var force = false

    func validate() throws {
        if resume == nil {
            if set == nil { throw ValidationError("--set is required (or --resume RUN)") }
            if stage == nil { throw ValidationError("--stage is required (crawl, walk or run)") }
            if rubric == nil { throw ValidationError("--rubric is required (see `gait rubrics list`)") }
        }
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        guard temperature >= 0 else { throw ValidationError("--temperature must not be negative") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if let minP, !(0...1).contains(minP) { throw ValidationError("--min-p must be in [0, 1]") }
        if let repeatPenalty, repeatPenalty <= 0 { throw ValidationError("--repeat-penalty must be positive") }
    }

    func run() async throws {
        try await withErrorHandling {
            let workspace = try global.openWorkspace()
            let config = try global.loadConfig()
            let summary: GenerationSummary
            if let resume {
                let run = try workspace.run(id: resume)
                let generator = try await model.makeGenerator(for: run.spec)
                Terminal.error("Resuming run \(resume) (\(run.spec.stage.rawValue), set \(run.spec.setName)).")
                summary = try await Generating.run(GenerationPipeline(workspace: workspace, generator: generator, config: config)) {
                    try await $0.resume(runID: resume, progress: $1)
                }
            } else {
                guard let set, let stage, let rubric else { throw ValidationError("--set, --stage and --rubric are required") }
                try Generating.checkStage(workspace: workspace, set: set, scope: scope, stage: stage, force: force)
                let generator = try await model.makeGenerator(for: nil)
                let policy = config.policy(for: stage)
                let runSeed = seed ?? Int64.random(in: 0...Int64(Int32.max))
                let identity = generator.identity
                let spec = RunSpec(
                    setName: set, rubricName: rubric, stage: stage, scope: scope, backend: identity.backend,
                    modelName: identity.name, modelSHA256: identity.fileSHA256, endpoint: identity.endpoint,
                    huggingFaceID: identity.huggingFaceID, n: n, temperature: temperature, topK: topK, topP: topP,
                    minP: minP, repeatPenalty: repeatPenalty, seed: runSeed, maxTokens: maxTokens, systemPrompt: system,
                    reviewShare: policy.reviewShare, reviewOverlap: policy.overlap,
                    reviewSeed: Int64(bitPattern: ReviewSelection.promptSeed(runSeed: runSeed, promptRowID: -1) >> 1))
                summary = try await Generating.run(GenerationPipeline(workspace: workspace, generator: generator, config: config)) {
                    try await $0.start(spec, progress: $1)
                }
            }
            try Generating.print(summary, format: global.format)
            if summary.interrupted { throw ExitCode(130) }
        }
    }
}

/// Running a pipeline from the command line: progress on stderr, Ctrl-C as cancellation.
enum Generating {
    /// Refuses a stage that the prompts' scopes have not reached (unscoped prompts: crawl only).
    static func checkStage(workspace: Workspace, set: String, scope: String?, stage: Stage, force: Bool) throws {
        guard !force else { return }
        let prompts = try workspace.prompts(inSet: set, scope: scope)
        if prompts.isEmpty {
            throw StoreError.refused("set '\(set)' has no prompts\(scope.map { " in scope '\($0)'" } ?? ""); see `gait prompts list`")
        }
        for name in Set(prompts.map { $0.prompt.scope ?? "" }).sorted() {
            let current: Stage = name.isEmpty ? .crawl : try workspace.currentStage(scope: name)
            if stage > current {
                let label = name.isEmpty ? "prompts without a scope (always crawl)" : "scope '\(name)' (in \(current.rawValue))"
                throw StoreError.refused("\(label) has not reached \(stage.rawValue); promote it first with `gait gate` and `gait promote`, or pass --force")
            }
        }
    }

    static func run(_ pipeline: GenerationPipeline,
                    _ body: @escaping @Sendable (GenerationPipeline, @escaping @Sendable (GenerationProgress) -> Void) async throws -> GenerationSummary)
        async throws -> GenerationSummary {
        let bar = ProgressLine()
        let task = Task { try await body(pipeline) { bar.show($0) } }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            Terminal.error("\nInterrupted: finishing the prompt in progress is skipped; every finished prompt is kept.")
            task.cancel()
        }
        source.resume()
        defer {
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
        let summary = try await task.value
        bar.finish()
        return summary
    }

    static func print(_ summary: GenerationSummary, format: OutputFormat) throws {
        if format == .json {
            try Terminal.json(RunOutput(summary.run, wattsPerCore: nil))
            return
        }
        let run = summary.run
        if summary.interrupted {
            Terminal.error("Run \(run.id) interrupted after \(summary.promptsGenerated) prompts; finish it with `gait generate --resume \(run.id)`.")
        }
        Terminal.out("Run \(run.id): \(summary.candidatesStored) candidates for \(summary.promptsGenerated) prompts, \(summary.itemsQueued) items queued for review (\(run.spec.stage.rawValue), overlap \(run.spec.reviewOverlap)).")
    }
}

/// The progress of a run on stderr: a bar redrawn in place on a terminal, a line every few
/// seconds otherwise.
final class ProgressLine: Sendable {
    private let state = NSLock()
    nonisolated(unsafe) private var lastLine = Date.distantPast
    nonisolated(unsafe) private var drawn = false
    private let terminal = Terminal.stderrIsTerminal

    func show(_ progress: GenerationProgress) {
        state.lock()
        defer { state.unlock() }
        let eta = progress.eta.map { "ETA \(Self.duration($0))" } ?? "ETA –"
        let rate = String(format: "%.1f tok/s", progress.tokensPerSecond)
        if terminal {
            let width = 24
            let filled = progress.promptsTotal > 0 ? width * progress.promptsDone / progress.promptsTotal : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(progress.promptsDone)/\(progress.promptsTotal) prompts · \(rate) · \(eta)".utf8))
            drawn = true
        } else if Date().timeIntervalSince(lastLine) >= 5 || progress.promptsDone == progress.promptsTotal {
            Terminal.error("run \(progress.runID): \(progress.promptsDone)/\(progress.promptsTotal) prompts, \(rate), \(eta)")
            lastLine = Date()
        }
    }

    func finish() {
        state.lock()
        defer { state.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
    }
}
