/// Why an evaluation of the workspace's ratings cannot be computed, in words a user can act on.
public enum EvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No live rating matches the request; `selection` says what was asked for ("rubric helpfulness, scope faq").
    case noRatings(selection: String)
    /// The audit needs one rubric, but the ratings use several.
    case severalRubrics([String])
    /// The audit rates single answers; a pairwise rubric has no quality scale.
    case pairwiseAudit(rubric: String)
    /// The rubric has no criterion that can serve as quality.
    case noQualityCriterion(rubric: String, criteria: [String])
    /// The named criterion is not in the rubric, or is not numeric.
    case unusableCriterion(name: String, rubric: String, problem: String)
    /// Neither an acceptance criterion nor a pass threshold says what passing means.
    case noPassRule(rubric: String)
    /// A pass threshold outside the quality criterion's scale.
    case thresholdOutsideScale(threshold: Double, criterion: String, scale: String)
    /// No rated prompt carries the attribute.
    case unknownAttribute(name: String, known: [String])
    /// The attribute has no slice with this value.
    case unknownReference(attribute: String, value: String, known: [String])
    /// `--reference` names a value, but of which attribute?
    case referenceWithoutAttribute(value: String)
    /// A setting is outside its domain.
    case invalidSetting(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .noRatings(let selection):
            "no ratings yet for \(selection); raters add them with `gait review --rater NAME` (see `gait status`)"
        case .severalRubrics(let names):
            "the ratings use several rubrics (\(names.joined(separator: ", "))); choose one with --rubric"
        case .pairwiseAudit(let rubric):
            "rubric \(rubric) is pairwise (answers a, b or =): the bias audit needs a rubric that rates single answers on a scale; choose one with --rubric"
        case .noQualityCriterion(let rubric, let criteria):
            "rubric \(rubric) has no ordinal or interval criterion to measure quality (its criteria: \(criteria.joined(separator: ", ")))"
        case .unusableCriterion(let name, let rubric, let problem):
            "criterion '\(name)' of rubric \(rubric) \(problem)"
        case .noPassRule(let rubric):
            "rubric \(rubric) has no acceptance criterion, so passing is undefined; give --pass-threshold T (an item passes when its quality is at least T)"
        case .thresholdOutsideScale(let threshold, let criterion, let scale):
            "pass threshold \(decimal(threshold)) is outside the scale of '\(criterion)' (\(scale))"
        case .unknownAttribute(let name, let known):
            known.isEmpty
                ? "no rated prompt has attribute '\(name)'; the rated prompts have no attributes (give prompts `attributes` when importing them)"
                : "no rated prompt has attribute '\(name)'; the attributes are: \(known.joined(separator: ", "))"
        case .unknownReference(let attribute, let value, let known):
            "attribute '\(attribute)' has no rated slice '\(value)'; its values are: \(known.joined(separator: ", "))"
        case .referenceWithoutAttribute(let value):
            "--reference \(value) needs --attribute: a reference value belongs to one attribute"
        case .invalidSetting(let name, let value, let expected):
            "invalid \(name) \(value): expected \(expected)"
        }
    }
}

/// A number in the shortest decimal form: integers without a fraction.
func decimal(_ value: Double) -> String {
    value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
