import GaitStore

/// Where a training row came from.
public enum RowSource: String, Sendable, Hashable, CaseIterable {
    /// The best passing candidate of its prompt (SFT).
    case bestOfN = "best_of_n"
    /// A rater's corrected answer (SFT, KTO, and a DPO pair against the corrected candidate).
    case correction
    /// Two candidates of one prompt whose scores differ by at least the margin (DPO).
    case margin
    /// A pairwise item with a clear winner (DPO).
    case pairwise
    /// A rated candidate with a clear verdict (KTO).
    case rated
    /// The better-rated answer of a counterfactual group carried over to a counterpart prompt.
    case counterfactual
}

/// Which part of the export a row belongs to.
public enum Split: String, Sendable, Hashable {
    case train
    case eval
}

/// One training example before it is written in each trainer's format.
public struct Example: Sendable, Hashable {
    /// What the example teaches.
    public enum Kind: Sendable, Hashable {
        /// Supervised: this answer to this prompt.
        case sft(answer: String)
        /// Preference: `chosen` over `rejected`.
        case preference(chosen: String, rejected: String)
        /// Unpaired: this answer is desirable (`true`) or not.
        case kto(completion: String, label: Bool)
    }

    public var kind: Kind
    public var prompt: TuningPrompt
    public var source: RowSource
    public var candidateIDs: [Int64]
    public var ratingIDs: [Int64]
    public var raters: [String]
    /// For counterfactual rows: the prompt whose answer was carried over.
    public var fromPrompt: TuningPrompt?
    public var split: Split
    /// How many times the row is written (bias upsampling; 1 otherwise).
    public var copies: Int = 1

    /// The texts that must be non-empty.
    var texts: [String] {
        switch kind {
        case .sft(let answer): [answer]
        case .preference(let chosen, let rejected): [chosen, rejected]
        case .kto(let completion, _): [completion]
        }
    }
}
