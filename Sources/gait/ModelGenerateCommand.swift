import ArgumentParser
import Foundation
import Inference

struct ModelGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate candidates for one prompt with the local model.")

    @Argument(help: "The prompt: a user message (with --chat, the default) or raw text (with --raw).")
    var prompt: String

    @Flag(help: "Render the prompt with the model's chat template (the default).")
    var chat = false

    @Flag(help: "Take the prompt text verbatim (special tokens parsed), without the chat template.")
    var raw = false

    @Option(name: .shortAndLong, help: "Candidates to generate.")
    var n = 1

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature = 0.8

    @Option(name: .customLong("top-k"), help: "Keep the K most likely tokens.")
    var topK: Int?

    @Option(name: .customLong("top-p"), help: "Keep the smallest set of tokens with probability at least P.")
    var topP: Double?

    @Option(name: .customLong("min-p"), help: "Drop tokens less likely than P times the best one.")
    var minP: Double?

    @Option(name: .customLong("repeat-penalty"), help: "Penalty for tokens among the last 64 (1 = none).")
    var repeatPenalty: Double?

    @Option(help: "Random seed; the same seed gives the same tokens.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-tokens"), help: "The most tokens per candidate.")
    var maxTokens = 256

    @OptionGroup var options: ModelOptions

    func validate() throws {
        if chat && raw { throw ValidationError("--chat and --raw exclude each other") }
        guard (1...64).contains(n) else { throw ValidationError("-n must be between 1 and 64, not \(n)") }
        guard temperature >= 0 && temperature.isFinite else { throw ValidationError("--temperature must be 0 or more, not \(temperature)") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be 1 or more, not \(topK)") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1], not \(topP)") }
        if let minP, !(minP >= 0 && minP <= 1) { throw ValidationError("--min-p must be in [0, 1], not \(minP)") }
        if let repeatPenalty, !(repeatPenalty > 0) { throw ValidationError("--repeat-penalty must be positive, not \(repeatPenalty)") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be 0 or more, not \(maxTokens)") }
    }

    struct Output: Encodable {
        struct Candidate: Encodable {
            var index: Int
            var token_ids: [Int32]
            var text: String
            var finish_reason: String
            var latency_s: Double
        }
        struct Timings: Encodable {
            var prompt_s: Double
            var decode_s: Double
            var wall_s: Double
            var prompt_tokens_per_s: Double
            var gen_tokens_per_s: Double
        }
        var model: String
        var prompt_tokens: Int
        var candidates: [Candidate]
        var timings: Timings
    }

    func run() throws {
        do {
            let start = Date()
            let generator = try options.loadGenerator()
            let engine = generator.engine
            let input: GenerationInput = raw ? .raw(prompt) : .chat([ChatMessage(role: .user, content: prompt)])
            let promptTokens = try engine.model.promptTokens(for: input)
            let sampling = SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                                              repeatPenalty: repeatPenalty, seed: seed, maxTokens: maxTokens)
            let streaming = options.format == .text && n == 1
            let generation = try engine.generate(promptTokens: promptTokens, n: n, sampling: sampling) { _, piece in
                if streaming {
                    FileHandle.standardOutput.write(Data(piece.utf8))
                }
            }
            let wall = Date().timeIntervalSince(start)
            let generated = generation.candidates.reduce(0) { $0 + $1.tokenIDs.count }
            switch options.format {
            case .json:
                try printJSON(Output(
                    model: generator.identity.name, prompt_tokens: generation.promptTokens,
                    candidates: generation.candidates.enumerated().map { index, candidate in
                        .init(index: index, token_ids: candidate.tokenIDs, text: candidate.text,
                              finish_reason: candidate.finishReason.rawValue, latency_s: candidate.latency)
                    },
                    timings: .init(prompt_s: generation.promptSeconds, decode_s: generation.decodeSeconds, wall_s: wall,
                                   prompt_tokens_per_s: Double(generation.promptTokens) / max(generation.promptSeconds, 1e-9),
                                   gen_tokens_per_s: Double(generated) / max(generation.decodeSeconds, 1e-9))))
            case .text:
                if streaming {
                    print("")
                } else {
                    for (index, candidate) in generation.candidates.enumerated() {
                        print("--- candidate \(index + 1) of \(n) (\(candidate.finishReason.rawValue), \(candidate.tokenIDs.count) tokens)")
                        print(candidate.text)
                    }
                }
                printDiagnostic(String(format: "prompt: %d tokens in %.3f s; generated %d tokens in %.3f s (%.1f tokens/s)",
                                       generation.promptTokens, generation.promptSeconds, generated,
                                       generation.decodeSeconds, Double(generated) / max(generation.decodeSeconds, 1e-9)))
            }
        } catch { throw modelExitCode(for: error) }
    }
}

struct ModelPerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a text file, in llama.cpp's llama-perplexity convention.")

    @Argument(help: "A UTF-8 text file.")
    var file: String

    @Option(help: "Tokens per window; the second half of each window is scored.")
    var context = 128

    @OptionGroup var options: ModelOptions

    func run() throws {
        do {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                printDiagnostic("Error: cannot read \(file) as UTF-8 text: \(error.localizedDescription)")
                throw ExitCode(65)
            }
            let generator = try options.loadGenerator()
            let tokens = generator.engine.model.tokenizer.encode(text, parseSpecial: false)
            let result = try generator.engine.perplexity(tokens: tokens, context: context)
            switch options.format {
            case .json:
                try printJSON(["perplexity": result.perplexity, "windows": Double(result.windows),
                               "predictions": Double(result.predictions), "tokens": Double(result.tokens),
                               "context": Double(context), "seconds": result.seconds])
            case .text:
                print(String(format: "%.4f", result.perplexity))
                printDiagnostic("\(result.tokens) tokens, \(result.windows) windows of \(context), \(result.predictions) predictions, \(String(format: "%.2f", result.seconds)) s")
            }
        } catch let code as ExitCode { throw code } catch { throw modelExitCode(for: error) }
    }
}
