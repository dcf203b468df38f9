import ArgumentParser
import Foundation
import GaitCore
import GaitStore

/// A run as `gait runs` prints it in JSON.
struct RunOutput: Encodable {
    var id: Int64
    var status: String
    var set: String
    var rubric: String
    var stage: String
    var scope: String?
    var backend: String
    var model: String
    var model_sha256: String?
    var endpoint: String?
    var n: Int
    var temperature: Double
    var top_k: Int?
    var top_p: Double?
    var min_p: Double?
    var repeat_penalty: Double?
    var seed: Int64
    var max_tokens: Int
    var system: String?
    var review_share: Double
    var review_overlap: Int
    var review_seed: Int64
    var started_at: String
    var finished_at: String?
    var candidates: Int
    var items: Int
    var tokens_in: Int
    var tokens_out: Int
    var tokens_per_second: Double?
    var cpu_seconds: Double
    var wall_seconds: Double
    /// Watt-hours: CPU-seconds × watts per core ÷ 3600, when gait.yaml sets watts_per_core.
    var energy_wh: Double?

    init(_ run: RunInfo, wattsPerCore: Double?) {
        let spec = run.spec
        id = run.id
        status = run.status.rawValue
        set = spec.setName
        rubric = "\(spec.rubricName) v\(spec.rubricVersion ?? 0)"
        stage = spec.stage.rawValue
        scope = spec.scope
        backend = spec.backend
        model = spec.modelName
        model_sha256 = spec.modelSHA256
        endpoint = spec.endpoint
        n = spec.n
        temperature = spec.temperature
        top_k = spec.topK
        top_p = spec.topP
        min_p = spec.minP
        repeat_penalty = spec.repeatPenalty
        seed = spec.seed
        max_tokens = spec.maxTokens
        system = spec.systemPrompt
        review_share = spec.reviewShare
        review_overlap = spec.reviewOverlap
        review_seed = spec.reviewSeed
        started_at = run.startedAt
        finished_at = run.finishedAt
        candidates = run.candidates
        items = run.items
        tokens_in = run.tokensIn
        tokens_out = run.tokensOut
        tokens_per_second = run.wallSeconds > 0 ? Double(run.tokensOut) / run.wallSeconds : nil
        cpu_seconds = run.cpuSeconds
        wall_seconds = run.wallSeconds
        energy_wh = wattsPerCore.map { run.cpuSeconds * $0 / 3600 }
    }
}

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Generation runs: what they produced and what they cost.",
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs with candidates, tokens, tokens/s and CPU-seconds.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await withErrorHandling {
                let watts = try global.loadConfig().wattsPerCore
                let runs = try global.openWorkspace().runs().map { RunOutput($0, wattsPerCore: watts) }
                if global.format == .json {
                    try Terminal.json(runs)
                } else if runs.isEmpty {
                    Terminal.out("No runs yet; start one with `gait generate`.")
                } else {
                    var header = ["RUN", "STATUS", "SET", "STAGE", "MODEL", "CANDIDATES", "ITEMS", "TOKENS", "TOK/S", "CPU-S"]
                    if watts != nil { header.append("WH") }
                    Terminal.out(table(header, runs.map { run in
                        var row = [String(run.id), run.status, run.set, run.stage, run.model, String(run.candidates),
                                   String(run.items), String(run.tokens_out),
                                   run.tokens_per_second.map { String(format: "%.1f", $0) } ?? "-",
                                   String(format: "%.1f", run.cpu_seconds)]
                        if let energy = run.energy_wh { row.append(String(format: "%.3f", energy)) }
                        return row
                    }))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run: parameters, seed, timings, tokens and cost.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run's id.") var run: Int64

        func run() async throws {
            try await withErrorHandling {
                let watts = try global.loadConfig().wattsPerCore
                let output = RunOutput(try global.openWorkspace().run(id: run), wattsPerCore: watts)
                if global.format == .json {
                    try Terminal.json(output)
                    return
                }
                let fields: [(String, String?)] = [
                    ("run", String(output.id)), ("status", output.status), ("set", output.set), ("rubric", output.rubric),
                    ("stage", output.stage), ("scope", output.scope), ("backend", output.backend), ("model", output.model),
                    ("model sha256", output.model_sha256), ("endpoint", output.endpoint), ("n", String(output.n)),
                    ("temperature", String(output.temperature)), ("top-k", output.top_k.map(String.init)),
                    ("top-p", output.top_p.map { String($0) }), ("min-p", output.min_p.map { String($0) }),
                    ("repeat penalty", output.repeat_penalty.map { String($0) }), ("seed", String(output.seed)),
                    ("max tokens", String(output.max_tokens)), ("system", output.system),
                    ("review", "\(output.review_share) of candidates, overlap \(output.review_overlap), seed \(output.review_seed)"),
                    ("started", output.started_at), ("finished", output.finished_at),
                    ("candidates", String(output.candidates)), ("items", String(output.items)),
                    ("tokens in / out", "\(output.tokens_in) / \(output.tokens_out)"),
                    ("tokens/s", output.tokens_per_second.map { String(format: "%.1f", $0) }),
                    ("CPU-seconds", String(format: "%.2f", output.cpu_seconds)),
                    ("wall seconds", String(format: "%.2f", output.wall_seconds)),
                    ("energy", output.energy_wh.map { String(format: "%.3f Wh (at %.1f W per core)", $0, watts ?? 0) }),
                ]
                Terminal.out(fields.compactMap { name, value in value.map { "\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0)" } }
                    .joined(separator: "\n"))
            }
        }
    }
}
