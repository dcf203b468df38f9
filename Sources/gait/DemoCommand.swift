import ArgumentParser
import Foundation
import GaitCore
import GaitStore
import Generation
import Inference
import ReviewConsole

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The first run: a workspace, the demo prompts, the model, crawl candidates, the review console.",
        discussion: """
            In DIR (created if needed) it creates a workspace, imports the demo prompt set (shipped \
            inside gait), fetches the embedded model if it is missing, generates crawl candidates \
            with a progress bar, and opens the review console for a lead named after you. Running \
            it again continues where it stopped: an unfinished run is resumed, a finished one is \
            not repeated, and the console shows what is left to rate.
            """)

    @Option(help: "The demo's folder.") var dir: String = "gait-demo"
    @Option(help: "The reviewer's name (default: your user name).") var rater: String?
    @Option(name: .short, help: "Candidates per prompt.") var n: Int = 2
    @Option(name: .customLong("max-tokens"), help: "The most tokens per candidate.") var maxTokens: Int = 96
    @Option(help: "Only the demo prompts of this scope (faq, bios, medical, travel).") var scope: String?
    @Option(help: "Threads for the embedded engine (default: the number of cores).") var threads: Int?
    @Flag(name: .customLong("no-review"), help: "Stop after generating; do not open the console.") var noReview = false

    static let setName = "demo"

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() async throws {
        try await withErrorHandling {
            let folder = URL(fileURLWithPath: dir).standardizedFileURL
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let global = try GlobalOptions.parse(["--db", folder.appendingPathComponent("gait.sqlite").path])
            let setup = try Initialization.run(global: global)
            if !setup.appliedMigrations.isEmpty { Terminal.error("Created the workspace \(global.databasePath).") }
            let workspace = try global.openWorkspace()
            let config = try global.loadConfig()

            if !(try workspace.promptSets().contains { $0.name == Self.setName }) {
                let prompts = try PromptFile.parse(Data(ShippedFiles.demoPrompts), source: "examples/prompts/demo.jsonl")
                try workspace.importPrompts(prompts, into: Self.setName, source: "examples/prompts/demo.jsonl")
                Terminal.error("Imported \(prompts.count) demo prompts into set '\(Self.setName)'.")
            }
            let reviewer = try ensureReviewer(workspace)

            let previous = try workspace.runs().last { $0.spec.setName == Self.setName && $0.spec.stage == .crawl }
            if let previous, previous.status == .complete, try workspace.unfinishedPrompts(ofRun: previous.id).isEmpty {
                Terminal.error("Candidates exist already (run \(previous.id)); continuing with the review.")
            } else {
                Terminal.error("Loading the model (it is fetched first if missing)…")
                let generator = try GeneratorFactory.local(path: nil, threads: threads)
                let pipeline = GenerationPipeline(workspace: workspace, generator: generator, config: config)
                let summary: GenerationSummary
                if let previous {
                    Terminal.error("Resuming run \(previous.id).")
                    summary = try await Generating.run(pipeline) { try await $0.resume(runID: previous.id, progress: $1) }
                } else {
                    let policy = config.policy(for: .crawl)
                    let identity = generator.identity
                    let spec = RunSpec(
                        setName: Self.setName, rubricName: "helpfulness", stage: .crawl, scope: scope,
                        backend: identity.backend, modelName: identity.name, modelSHA256: identity.fileSHA256,
                        huggingFaceID: identity.huggingFaceID, n: n, temperature: 0.7, topP: 0.95, seed: 42,
                        maxTokens: maxTokens, systemPrompt: "You are a helpful assistant. Answer briefly.",
                        reviewShare: policy.reviewShare, reviewOverlap: policy.overlap, reviewSeed: 42)
                    Terminal.error("Generating \(n) crawl candidates per prompt with \(identity.name)…")
                    summary = try await Generating.run(pipeline) { try await $0.start(spec, progress: $1) }
                }
                try Generating.print(summary, format: .text)
                if summary.interrupted { throw ExitCode(130) }
            }

            if !noReview {
                Terminal.error("Opening the review console for \(reviewer). Type ? at any prompt for help, q to stop.")
                let io = ReviewCommand.standardIO()
                var console = ReviewConsole(
                    workspace: workspace,
                    options: ConsoleOptions(rater: reviewer, filter: QueueFilter(rubricName: "helpfulness"),
                                            settings: config.queue, seed: Int64.random(in: 0..<Int64.max)),
                    io: io)
                _ = try console.run()
            }
            let db = "\(dir)/gait.sqlite"
            let next: [[String]] = [
                ["gait review --db \(db) --rater \(reviewer)", "rate more (each item wants 3 raters: add them with gait raters add)"],
                ["gait status --db \(db)", "what the queue holds"],
                ["gait scores --db \(db)", "quality per stage, scope and slice"],
                ["gait audit --db \(db)", "the bias audit over the demo's attributes"],
                ["gait gate --db \(db) --scope faq --from crawl --to walk", "may faq move to walk?"],
                ["gait report bias --db \(db) --out reports", "HTML and XML reports"],
                ["gait tune --db \(db) --out tune", "fine-tuning datasets and configs"],
                ["gait verify --db \(db)", "check the audit log"],
            ]
            Terminal.out("\nNext:\n" + table(["COMMAND", "WHAT"], next).split(separator: "\n").dropFirst()
                .map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    /// The reviewer: --rater, else the user's name when it is a valid rater name, else `reviewer`;
    /// registered as a lead the first time.
    private func ensureReviewer(_ workspace: Workspace) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let name = rater ?? [environment["USER"], environment["LOGNAME"]].compactMap { $0 }
            .first(where: Identifier.isValid) ?? "reviewer"
        if (try? workspace.rater(named: name)) == nil {
            try workspace.addRater(name: name, role: .lead)
            Terminal.error("Registered \(name) as a lead rater.")
        }
        return name
    }
}
