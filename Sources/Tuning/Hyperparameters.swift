import Foundation

/// A fine-tuning method of the export.
public enum TuneMethod: String, Sendable, Hashable, CaseIterable {
    case sft, dpo, kto
}

/// Training settings chosen from the size of the data.
///
/// Small sets overfit fast, so they get fewer epochs and smaller learning rates (the rule, and
/// the usual LoRA practice: Hu et al. 2021 for LoRA; TRL's DPO/KTO defaults of 5e-7…5e-6 for full
/// fine-tuning, raised tenfold for LoRA adapters):
///
/// | rows | tier | SFT epochs, lr | DPO/KTO epochs, lr | batch | LoRA r |
/// |---|---|---|---|---|---|
/// | < 100 | small | 2, 5.0e-5 | 1, 5.0e-6 | 4 | 8 |
/// | 100–999 | medium | 3, 1.0e-4 | 2, 1.0e-5 | 8 | 16 |
/// | ≥ 1000 | large | 3, 2.0e-4 | 2, 2.0e-5 | 16 | 16 |
///
/// The effective batch never exceeds the row count (rounded down to a power of two); the micro batch is at
/// most 4 and gradient accumulation makes up the rest. Warm-up is 10% of the optimizer steps, given as
/// `warmup_steps` (transformers 5 removed `warmup_ratio`). LoRA alpha is 2r, an integer. The sequence length
/// is the longest row's UTF-8 bytes / 3 (a safe over-estimate of BPE tokens for English) plus 64, rounded up
/// to a power of two between 256 and 4096. Full fine-tuning (no LoRA) takes a tenth of the LoRA learning rate,
/// since every weight moves. OpenAI jobs get the same epochs and batch, and a learning-rate
/// multiplier of 0.5, 1 or 2 by tier. KTO class weights are set so that desirable weight × desirable rows is
/// 1.15 times undesirable weight × undesirable rows, inside the 1…4/3 band TRL's KTO documentation advises.
public struct Hyperparameters: Sendable, Hashable {
    public var method: TuneMethod
    public var trainRows: Int
    public var tier: String
    /// Whether a LoRA adapter is trained (the default) rather than every weight.
    public var lora: Bool
    public var epochs: Int
    public var learningRate: Double
    public var microBatchSize: Int
    public var gradientAccumulationSteps: Int
    public var warmupSteps: Int
    public var loraR: Int
    public var loraAlpha: Int
    public var loraDropout: Double
    public var maxLength: Int
    /// DPO and KTO's β.
    public var beta: Double?
    public var desirableWeight: Double?
    public var undesirableWeight: Double?
    public var openAILearningRateMultiplier: Double

    /// The effective batch size.
    public var batchSize: Int { microBatchSize * gradientAccumulationSteps }

    /// The settings for `method` on `trainRows` rows whose longest row has `longestRowBytes` bytes.
    ///
    /// - Parameters:
    ///   - desirable: KTO rows labelled `true` (ignored for other methods).
    ///   - undesirable: KTO rows labelled `false`.
    ///   - lora: train a LoRA adapter (`false`: every weight, at a tenth of the learning rate).
    public static func choose(method: TuneMethod, trainRows: Int, longestRowBytes: Int, desirable: Int = 0,
                              undesirable: Int = 0, lora: Bool = true) -> Hyperparameters {
        let tier = trainRows < 100 ? "small" : trainRows < 1000 ? "medium" : "large"
        let preference = method != .sft
        let (epochs, learningRate): (Int, Double) = switch (tier, preference) {
        case ("small", false): (2, 5.0e-5)
        case ("medium", false): (3, 1.0e-4)
        case (_, false): (3, 2.0e-4)
        case ("small", true): (1, 5.0e-6)
        case ("medium", true): (2, 1.0e-5)
        default: (2, 2.0e-5)
        }
        let target = tier == "small" ? 4 : tier == "medium" ? 8 : 16
        var batch = 1
        while batch * 2 <= min(target, max(1, trainRows)) { batch *= 2 }
        let micro = min(batch, 4)
        let stepsPerEpoch = max(1, (trainRows + batch - 1) / batch)
        let warmup = Int((Double(stepsPerEpoch * epochs) * 0.1).rounded())
        let r = tier == "small" ? 8 : 16
        var length = 256
        while length < longestRowBytes / 3 + 64 && length < 4096 { length *= 2 }
        var desirableWeight: Double?
        var undesirableWeight: Double?
        if method == .kto, desirable > 0, undesirable > 0 {
            let ratio = Double(desirable) / Double(undesirable)
            if ratio >= 1 {
                desirableWeight = 1.0
                undesirableWeight = ((ratio / 1.15) * 100).rounded() / 100
            } else {
                desirableWeight = ((1.15 / ratio) * 100).rounded() / 100
                undesirableWeight = 1.0
            }
        }
        return Hyperparameters(
            method: method, trainRows: trainRows, tier: tier, lora: lora, epochs: epochs,
            learningRate: lora ? learningRate : learningRate / 10,
            microBatchSize: micro, gradientAccumulationSteps: batch / micro, warmupSteps: warmup, loraR: r,
            loraAlpha: 2 * r, loraDropout: 0.05, maxLength: length, beta: preference ? 0.1 : nil,
            desirableWeight: desirableWeight, undesirableWeight: undesirableWeight,
            openAILearningRateMultiplier: tier == "small" ? 0.5 : tier == "medium" ? 1.0 : 2.0)
    }

    /// The manifest's record of these settings.
    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("tier", .string(tier)), ("train_rows", .int(trainRows)), ("lora", .bool(lora)), ("epochs", .int(epochs)),
            ("learning_rate", .number(learningRate)), ("micro_batch_size", .int(microBatchSize)),
            ("gradient_accumulation_steps", .int(gradientAccumulationSteps)), ("warmup_steps", .int(warmupSteps)),
            ("lora_r", .int(loraR)), ("lora_alpha", .int(loraAlpha)), ("lora_dropout", .number(loraDropout)),
            ("max_length", .int(maxLength)), ("openai_learning_rate_multiplier", .number(openAILearningRateMultiplier)),
        ]
        if let beta { fields.append(("beta", .number(beta))) }
        if let desirableWeight { fields.append(("desirable_weight", .number(desirableWeight))) }
        if let undesirableWeight { fields.append(("undesirable_weight", .number(undesirableWeight))) }
        return .object(fields)
    }
}
