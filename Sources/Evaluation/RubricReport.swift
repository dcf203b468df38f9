import GaitStore

/// A workspace report made of one entry per rubric version, with the selection and resampling
/// it was computed with: the shape `gait scores` and `gait agreement` print.
public struct RubricReport<Entry: Sendable & Encodable>: Sendable, Encodable {
    /// The ratings read.
    public var selection: RatingSelection
    /// Confidence level and resampling of every interval.
    public var settings: ResamplingSettings
    /// How the numbers were computed, in plain words.
    public var method: String
    /// One entry per rubric version with ratings.
    public var rubrics: [Entry]

    public init(selection: RatingSelection, settings: ResamplingSettings, method: String, rubrics: [Entry]) {
        self.selection = selection
        self.settings = settings
        self.method = method
        self.rubrics = rubrics
    }

    enum CodingKeys: String, CodingKey { case rubric, scope, stage, confidence, resamples, seed, method, rubrics }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(selection.rubric, forKey: .rubric)
        try container.encode(selection.scope, forKey: .scope)
        try container.encode(selection.stage, forKey: .stage)
        try container.encode(settings.confidence, forKey: .confidence)
        try container.encode(settings.resamples, forKey: .resamples)
        try container.encode(settings.seed, forKey: .seed)
        try container.encode(method, forKey: .method)
        try container.encode(rubrics, forKey: .rubrics)
    }
}
