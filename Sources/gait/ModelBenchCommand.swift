import ArgumentParser
import Foundation
import Inference

struct ModelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt and generation speed of the local model (use a release build).",
        discussion: """
            Runs a prompt of --prompt-tokens tokens, then decodes --gen-tokens tokens for each of -n candidates \
            together, --repetitions times after one warm-up, and prints the medians and the peak resident memory.
            """)

    @Option(name: .customLong("prompt-tokens"), help: "Prompt length in tokens.")
    var promptTokens = 64

    @Option(name: .customLong("gen-tokens"), help: "Tokens generated per candidate.")
    var genTokens = 128

    @Option(name: .shortAndLong, help: "Candidates decoded together.")
    var n = 1

    @Option(help: "Measured runs; the medians are reported.")
    var repetitions = 3

    @OptionGroup var options: ModelOptions

    func validate() throws {
        guard promptTokens >= 1 else { throw ValidationError("--prompt-tokens must be 1 or more, not \(promptTokens)") }
        guard genTokens >= 1 else { throw ValidationError("--gen-tokens must be 1 or more, not \(genTokens)") }
        guard (1...64).contains(n) else { throw ValidationError("-n must be between 1 and 64, not \(n)") }
        guard (1...100).contains(repetitions) else { throw ValidationError("--repetitions must be between 1 and 100, not \(repetitions)") }
    }

    struct Report: Encodable {
        var prompt_tokens_per_s: Double
        var gen_tokens_per_s: Double
        var aggregate_gen_tokens_per_s: Double
        var peak_rss_bytes: Int
        var threads: Int
        var n: Int
        var prompt_tokens: Int
        var gen_tokens: Int
        var repetitions: Int
        /// Rates per CPU second of the process (medians): on a busy machine the wall-clock rates above depend on
        /// the neighbours, these much less. With one thread they are the single-core speed.
        var prompt_tokens_per_cpu_s: Double
        var gen_tokens_per_cpu_s: Double
        var wall_seconds: Double
    }

    func run() throws {
        do {
            let generator = try options.loadGenerator()
            let engine = generator.engine
            let text = "The lighthouse keeper climbed the spiral stairs every evening to light the lamp, "
                + "watching ships pass through the narrow strait while storms gathered over the grey sea. "
            var prompt: [Int32] = []
            while prompt.count < promptTokens { prompt += engine.model.tokenizer.encode(text) }
            prompt = Array(prompt.prefix(promptTokens))
            func once(seed: UInt64, gen: Int) throws -> LocalEngine.Generation {
                // One more token than measured: the first comes from the prompt's logits, the rest are decode steps.
                try engine.generate(promptTokens: prompt, n: n,
                                    sampling: SamplingParameters(temperature: 0.8, seed: seed, maxTokens: gen + 1),
                                    stopAtEnd: false)
            }
            _ = try once(seed: 0, gen: min(genTokens, 8))
            var promptRates: [Double] = [], genRates: [Double] = []
            var promptCPURates: [Double] = [], genCPURates: [Double] = []
            let wallStart = Date()
            for repetition in 0..<repetitions {
                let run = try once(seed: UInt64(repetition + 1), gen: genTokens)
                promptRates.append(Double(prompt.count) / run.promptSeconds)
                genRates.append(Double(genTokens) / run.decodeSeconds)
                promptCPURates.append(Double(prompt.count) / run.promptCPUSeconds)
                genCPURates.append(Double(genTokens * n) / run.decodeCPUSeconds)
            }
            let wall = Date().timeIntervalSince(wallStart)
            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                    : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            }
            let report = Report(
                prompt_tokens_per_s: median(promptRates), gen_tokens_per_s: median(genRates),
                aggregate_gen_tokens_per_s: median(genRates) * Double(n),
                peak_rss_bytes: ProcessMemory.peakResidentBytes(), threads: engine.pool.threadCount, n: n,
                prompt_tokens: prompt.count, gen_tokens: genTokens, repetitions: repetitions,
                prompt_tokens_per_cpu_s: median(promptCPURates), gen_tokens_per_cpu_s: median(genCPURates),
                wall_seconds: wall)
            switch options.format {
            case .json: try printJSON(report)
            case .text:
                print(String(format: """
                    prompt:     %.1f tokens/s (%d tokens)
                    generation: %.1f tokens/s per candidate, %.1f tokens/s aggregate (n = %d, %d tokens each)
                    peak RSS:   %.1f MiB
                    threads:    %d; medians of %d runs
                    per CPU second: prompt %.1f tokens, generation %.1f tokens (all candidates)
                    """, report.prompt_tokens_per_s, report.prompt_tokens, report.gen_tokens_per_s,
                    report.aggregate_gen_tokens_per_s, n, genTokens, Double(report.peak_rss_bytes) / 1_048_576,
                    report.threads, repetitions, report.prompt_tokens_per_cpu_s, report.gen_tokens_per_cpu_s))
            }
        } catch { throw modelExitCode(for: error) }
    }
}
