import Foundation

/// What `gait tune` exports and how.
///
/// Thresholds and margins are given on the criterion's own scale; `nil` takes the defaults described on each
/// property, which are fractions of the scale's range so they fit any scale.
public struct TuneOptions: Sendable, Hashable {
    /// The rubric whose scores decide SFT, KTO and margin pairs; `nil` takes the only scoring rubric rated.
    public var rubric: String?
    /// Only prompts of this scope.
    public var scope: String?
    /// The scored criterion; `nil` takes the rubric's only ordinal or interval criterion, else its
    /// acceptance criterion. For a pairwise rubric, `nil` takes its first criterion.
    public var criterion: String?
    /// Whether a low score is good (`harm`, `stereotyping`).
    public var lowerIsBetter: Bool
    /// An answer passes when its mean score is at least this (at most, when lower is better).
    /// Default: 75% of the way from the worst to the best end of the scale (4 on 1–5).
    public var threshold: Double?
    /// Two answers to one prompt form a preference pair when their mean scores differ by at least this.
    /// Default: 37.5% of the scale's range (1.5 on 1–5).
    public var margin: Double?
    /// The share of an item's raters that must agree with its verdict (pass/fail, or the pairwise
    /// winner) for the item to be used; below it the item is skipped as low-agreement.
    public var minAgreement: Double
    /// The share of prompts (counterfactual groups stay together) held out for evaluation.
    public var evalShare: Double
    /// Seeds the held-out split and the KTO shuffle.
    public var seed: UInt64
    /// The Hugging Face id of the model to fine-tune; `nil` takes the generating run's.
    public var baseModel: String?
    /// The system message of every row; `nil` takes the run's, or the model's template default.
    public var systemPrompt: String?
    /// Whether the configs train a LoRA adapter (the default) rather than every weight.
    public var lora: Bool
    /// The most copies of a row that bias upsampling may make.
    public var maxUpsample: Int
    /// The OpenAI model the OpenAI job files name (OpenAI cannot fine-tune Hugging Face models).
    public var openAIModel: String
    /// Written into the manifest.
    public var gaitVersion: String
    /// Who the audit event names.
    public var actor: String

    public init(rubric: String? = nil, scope: String? = nil, criterion: String? = nil, lowerIsBetter: Bool = false,
                threshold: Double? = nil, margin: Double? = nil, minAgreement: Double = 0.6, evalShare: Double = 0.1,
                seed: UInt64 = 0, baseModel: String? = nil, systemPrompt: String? = nil, lora: Bool = true, maxUpsample: Int = 3,
                openAIModel: String = "gpt-4.1-mini-2025-04-14", gaitVersion: String, actor: String = "system") {
        self.rubric = rubric
        self.scope = scope
        self.criterion = criterion
        self.lowerIsBetter = lowerIsBetter
        self.threshold = threshold
        self.margin = margin
        self.minAgreement = minAgreement
        self.evalShare = evalShare
        self.seed = seed
        self.baseModel = baseModel
        self.systemPrompt = systemPrompt
        self.lora = lora
        self.maxUpsample = maxUpsample
        self.openAIModel = openAIModel
        self.gaitVersion = gaitVersion
        self.actor = actor
    }

    /// Checks the options that do not depend on the rubric.
    public func validate() throws {
        guard minAgreement > 0.5 && minAgreement <= 1 else {
            throw TuningError.invalidOption(name: "--min-agreement", value: format(minAgreement),
                                            expected: "a share above 0.5 and at most 1")
        }
        guard evalShare >= 0 && evalShare < 1 else {
            throw TuningError.invalidOption(name: "--eval-share", value: format(evalShare), expected: "a share from 0 up to (not including) 1")
        }
        guard (1...10).contains(maxUpsample) else {
            throw TuningError.invalidOption(name: "--max-upsample", value: String(maxUpsample), expected: "1 to 10 copies")
        }
        if let margin, !(margin > 0) {
            throw TuningError.invalidOption(name: "--margin", value: format(margin), expected: "a positive number")
        }
        for (name, value) in [("--base-model", baseModel), ("--system-prompt", systemPrompt), ("--openai-model", Optional(openAIModel))] {
            if let value, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw TuningError.invalidOption(name: name, value: "''", expected: "a non-empty text")
            }
        }
    }
}

/// A number for messages and manifests: integers without a fraction.
func format(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}

