import ArgumentParser
import Foundation
import GaitStore
import Tuning

struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Write fine-tuning datasets (SFT, DPO, KTO) and TRL, Axolotl and OpenAI configs from the ratings.",
        discussion: """
            Writes one new folder (--out) and records it in the workspace and the audit log. Paths inside \
            the configs are relative to that folder: run the trainers from inside it, e.g. \
            `cd DIR && trl sft --config trl_sft.yaml` or `axolotl train axolotl_dpo.yaml`.

            Slices whose quality is below four fifths of the best slice's are upsampled in the training \
            split (at most --max-upsample copies); counterfactual counterparts get the group's better-rated \
            answer. manifest.json records thresholds, slice scores, factors, row counts and file hashes.
            """)

    /// The version written into export manifests.
    static let gaitVersion = "0.1.0"

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The export folder to create (must not exist, or be empty).", valueName: "dir"))
    var out: String

    @Option(help: "The rubric whose scores decide SFT, KTO and margin pairs (default: the only one rated).")
    var rubric: String?

    @Option(help: "Only prompts of this scope.")
    var scope: String?

    @Option(help: "The scored criterion (default: the rubric's only ordinal or interval criterion, else its acceptance criterion).")
    var criterion: String?

    @Flag(help: "A low score is good on the criterion (harm, stereotyping).")
    var lowerIsBetter = false

    @Option(help: "Pass threshold on the criterion's scale (default: 75% of the way to its best end; 4 on 1–5).")
    var threshold: Double?

    @Option(help: "Minimum score difference for a preference pair (default: 37.5% of the scale's range; 1.5 on 1–5).")
    var margin: Double?

    @Option(help: "Share of an item's raters that must agree with its verdict for it to be used.")
    var minAgreement: Double = 0.6

    @Option(help: "Share of prompts held out for evaluation (counterfactual groups stay together).")
    var evalShare: Double = 0.1

    @Option(help: "Seed of the held-out split and the KTO shuffle.")
    var seed: UInt64 = 0

    @Option(help: "Hugging Face id of the model to fine-tune (default: the generating run's).")
    var baseModel: String?

    @Option(help: "System message of every row (default: the run's, else the model template's).")
    var systemPrompt: String?

    @Flag(help: "Configs train every weight instead of a LoRA adapter (at a tenth of the learning rate).")
    var fullFineTune = false

    @Option(help: "Most copies bias upsampling makes of a row (1 turns upsampling off).")
    var maxUpsample: Int = 3

    @Option(name: .customLong("openai-model"), help: "OpenAI model named in the OpenAI job files.")
    var openAIModel: String = "gpt-4.1-mini-2025-04-14"

    var options: TuneOptions {
        TuneOptions(rubric: rubric, scope: scope, criterion: criterion, lowerIsBetter: lowerIsBetter, threshold: threshold,
                    margin: margin, minAgreement: minAgreement, evalShare: evalShare, seed: seed, baseModel: baseModel,
                    systemPrompt: systemPrompt, lora: !fullFineTune, maxUpsample: maxUpsample, openAIModel: openAIModel,
                    gaitVersion: Self.gaitVersion)
    }

    func validate() throws {
        do {
            try options.validate()
        } catch let error as TuningError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        try await withErrorHandling {
            let workspace = try global.openWorkspace()
            let result: TuneResult
            do {
                result = try Tuner.export(from: workspace, to: out, options: options)
            } catch let error as TuningError {
                if case .invalidOption = error { throw ValidationError(error.description) }
                throw error
            }
            for note in result.notes { Terminal.error("Note: \(note)") }
            if global.format == .json {
                try Terminal.json(result)
                return
            }
            Terminal.out("Wrote export \(result.exportID) to \(result.directory) for \(result.baseModel).")
            Terminal.out(table(["FILE", "ROWS"], result.rows.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] }))
            Terminal.out("Methods: \(result.methods.joined(separator: ", ")); \(result.trainRows) train and \(result.evalRows) held-out rows.")
            if !result.upsampledSlices.isEmpty {
                Terminal.out("Upsampled slices: \(result.upsampledSlices.joined(separator: ", ")).")
            }
            if result.counterfactualRows > 0 {
                Terminal.out("Counterfactual answers carried over: \(result.counterfactualRows).")
            }
            Terminal.out("Train from inside the folder, e.g.: cd \(result.directory) && trl sft --config trl_sft.yaml")
        }
    }
}
