/// The typed answer scale of one criterion.
public enum Scale: Sendable, Hashable {
    /// Yes or no.
    case binary
    /// One of a fixed list of options, unordered.
    case nominal(options: [String])
    /// An integer from `min` to `max`, ordered; labels name some points.
    case ordinal(min: Int, max: Int, labels: [Int: String])
    /// A number from `min` to `max`.
    case interval(min: Double, max: Double)

    /// The scale's type name as written in a rubric.
    public var typeName: String {
        switch self {
        case .binary: "binary"
        case .nominal: "nominal"
        case .ordinal: "ordinal"
        case .interval: "interval"
        }
    }

    /// The agreement level this scale implies (binary and nominal → nominal).
    public var agreementLevel: String {
        switch self {
        case .binary, .nominal: "nominal"
        case .ordinal: "ordinal"
        case .interval: "interval"
        }
    }

    /// The numeric range, for ordinal and interval scales (binary is 0…1).
    public var numericRange: ClosedRange<Double>? {
        switch self {
        case .binary: 0...1
        case .nominal: nil
        case .ordinal(let min, let max, _): Double(min)...Double(max)
        case .interval(let min, let max): min...max
        }
    }

    /// The options of a nominal scale, `yes`/`no` for binary, nil otherwise.
    public var options: [String]? {
        switch self {
        case .binary: ["yes", "no"]
        case .nominal(let options): options
        case .ordinal, .interval: nil
        }
    }
}

/// One question a rater answers about a candidate.
public struct Criterion: Sendable, Hashable, Identifiable {
    public var id: String
    public var question: String
    public var scale: Scale
    /// The criterion whose rate of positive answers is the rollout's acceptance rate.
    public var isAcceptance: Bool

    public init(id: String, question: String, scale: Scale, isAcceptance: Bool = false) {
        self.id = id
        self.question = question
        self.scale = scale
        self.isAcceptance = isAcceptance
    }
}

/// A versioned rubric: instructions, criteria with typed scales, allowed flags.
///
/// A pairwise rubric compares two candidates: every criterion is answered `a`, `b` or `=`.
public struct Rubric: Sendable, Hashable {
    public var name: String
    public var version: Int
    public var instructions: String
    public var pairwise: Bool
    public var criteria: [Criterion]
    public var flags: [String]

    public init(name: String, version: Int, instructions: String, pairwise: Bool = false,
                criteria: [Criterion], flags: [String] = []) {
        self.name = name
        self.version = version
        self.instructions = instructions
        self.pairwise = pairwise
        self.criteria = criteria
        self.flags = flags
    }

    /// The acceptance criterion, if the rubric marks one.
    public var acceptanceCriterion: Criterion? { criteria.first(where: \.isAcceptance) }

    /// The criterion with this id.
    public func criterion(_ id: String) -> Criterion? { criteria.first { $0.id == id } }
}
