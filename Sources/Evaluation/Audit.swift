import GaitCore
import GaitStore
import Statistics

/// What to audit and how: `gait audit`'s options.
public struct AuditRequest: Sendable, Hashable {
    /// The rubric (its newest version with ratings); nil when the ratings use only one.
    public var rubric: String?
    /// Only prompts of this scope.
    public var scope: String?
    /// Only items of this stage.
    public var stage: Stage?
    /// Only this attribute; nil audits every attribute of the rated prompts.
    public var attribute: String?
    /// The reference slice of ``attribute``; nil takes the largest slice (ties: the first value by name).
    public var reference: String?
    /// The quality criterion; nil takes the criterion named `quality` if it is ordinal or interval, else the
    /// first ordinal or interval criterion.
    public var criterion: String?
    /// Pass when the item's mean quality is at least this (at most, when lower is better); nil passes items
    /// most of whose raters answered the acceptance criterion yes.
    public var passThreshold: Double?
    /// Whether lower answers of the quality criterion are better (harm, stereotyping).
    public var lowerIsBetter: Bool
    /// Slices (and references) with fewer items are reported but not judged.
    public var minimumItems: Int
    /// Significance level of the adjusted p-values.
    public var alpha: Double
    /// Whether each slice is also compared with the reference by a permutation test of the mean (its p and
    /// Holm-adjusted p are reported next to Mann–Whitney's). The verdicts rest on Mann–Whitney alone, so a
    /// caller that shows only those (the bias report) can leave out the resamples this costs.
    public var permutationTests: Bool

    /// A request; by default every attribute, reference the largest slice, at least 10 items, α = 0.05.
    public init(rubric: String? = nil, scope: String? = nil, stage: Stage? = nil, attribute: String? = nil,
                reference: String? = nil, criterion: String? = nil, passThreshold: Double? = nil,
                lowerIsBetter: Bool = false, minimumItems: Int = 10, alpha: Double = 0.05,
                permutationTests: Bool = true) {
        self.rubric = rubric
        self.scope = scope
        self.stage = stage
        self.attribute = attribute
        self.reference = reference
        self.criterion = criterion
        self.passThreshold = passThreshold
        self.lowerIsBetter = lowerIsBetter
        self.minimumItems = minimumItems
        self.alpha = alpha
        self.permutationTests = permutationTests
    }

    /// The ratings the audit reads.
    public var selection: RatingSelection { RatingSelection(rubric: rubric, scope: scope, stage: stage) }
}

/// The bias audit of the workspace's ratings (`gait audit`, DESIGN.md "Reports: bias").
///
/// Audits the newest version of the rubric that has ratings in the selection, as ``audit(of:request:settings:)``
/// does, but streams the ratings from the store item by item (`Workspace.forEachItemAnswers`) instead of
/// reading them all: memory grows with the rated items, not with the ratings and their answers.
///
/// - Throws: `StoreError.notFound` for an unknown rubric; ``EvaluationError`` when there is no rating, the
///   ratings use several rubrics and none is chosen, or the request does not fit the data.
public func audit(_ request: AuditRequest, settings: ResamplingSettings = ResamplingSettings(),
                  in workspace: Workspace) throws -> AuditReport {
    try settings.validate()
    try validate(request)
    if let name = request.rubric { _ = try workspace.rubric(named: name) }
    let selection = request.selection
    let versions = try workspace.ratedRubricVersions(
        RatingFilter(rubricName: selection.rubric, scope: selection.scope, stage: selection.stage))
    guard !versions.isEmpty else { throw EvaluationError.noRatings(selection: selection.text) }
    let names = Set(versions.map(\.rubric.name)).sorted()
    guard names.count == 1, let newest = versions.last else { throw EvaluationError.severalRubrics(names) }
    let plan = try AuditPlan(newest.rubric, request: request)
    var items: [AuditItem] = []
    try workspace.forEachItemAnswers(rubricVersionID: newest.id, scope: selection.scope, stage: selection.stage,
                                     criteria: plan.criteria) { entry in
        if let item = plan.item(prompt: entry.prompt, candidateA: entry.candidateA, ratings: entry.ratings,
                                answers: entry.answers(0), passAnswers: plan.criteria.count > 1 ? entry.answers(1) : []) {
            items.append(item)
        }
    }
    return try audit(items, plan: plan, request: request, settings: settings)
}

func validate(_ request: AuditRequest) throws {
    if let reference = request.reference, request.attribute == nil {
        throw EvaluationError.referenceWithoutAttribute(value: reference)
    }
    guard request.minimumItems >= 1 else {
        throw EvaluationError.invalidSetting(name: "minimum slice size", value: String(request.minimumItems), expected: "at least 1")
    }
    guard request.alpha > 0, request.alpha < 1 else {
        throw EvaluationError.invalidSetting(name: "significance level", value: decimal(request.alpha),
                                             expected: "a number between 0 and 1, such as 0.05")
    }
}

/// One rated item as the audit sees it: its prompt's slices, its answers to the quality criterion, and
/// its quality and pass.
struct AuditItem {
    var promptRowID: Int64
    var promptID: String
    var attributes: [String: String]
    var counterfactualGroup: String?
    var candidateA: Int64
    /// Live ratings with outcome `rated` (with or without an answer to the quality criterion).
    var ratings: Int
    /// The answers to the quality criterion, in rating order: the values α compares within a slice.
    var answers: [Double]
    /// Mean quality of the item's answers, reflected when lower is better.
    var quality: Double
    var passes: Bool
}

/// What an audit of one rubric version measures: its quality criterion and scale, and its pass rule.
struct AuditPlan {
    var rubric: Rubric
    var quality: Criterion
    var range: ClosedRange<Double>
    var pass: PassRule
    var lowerIsBetter: Bool

    /// The criteria whose numbers an item's audit reads: the quality criterion, then the acceptance
    /// criterion when passing is decided by it.
    var criteria: [String] { [quality.id] + (pass.criterion.map { [$0] } ?? []) }

    /// - Throws: ``EvaluationError`` for a pairwise rubric, no usable quality criterion, a threshold off
    ///   the scale, or no pass rule.
    init(_ rubric: Rubric, request: AuditRequest) throws {
        let label = "\(rubric.name) v\(rubric.version)"
        let quality = try qualityCriterion(rubric, named: request.criterion)
        guard let range = quality.scale.numericRange else {
            preconditionFailure("a quality criterion is ordinal or interval, so it has a range")
        }
        if let threshold = request.passThreshold {
            guard range.contains(threshold) else {
                throw EvaluationError.thresholdOutsideScale(threshold: threshold, criterion: quality.id,
                                                            scale: "\(decimal(range.lowerBound))–\(decimal(range.upperBound))")
            }
            pass = PassRule(kind: "threshold", criterion: nil, threshold: threshold)
        } else if let acceptance = rubric.acceptanceCriterion {
            pass = PassRule(kind: "acceptance", criterion: acceptance.id, threshold: nil)
        } else {
            throw EvaluationError.noPassRule(rubric: label)
        }
        self.rubric = rubric
        self.quality = quality
        self.range = range
        self.lowerIsBetter = request.lowerIsBetter
    }

    /// An item's quality and pass from its answers to the quality criterion and (for the acceptance rule)
    /// to the acceptance criterion; nil when no rating answered the quality criterion.
    ///
    /// Passing by acceptance: more than half of the answers are yes (1); a tie is not a pass.
    func item(prompt: PromptSlices, candidateA: Int64, ratings: Int, answers: [Double], passAnswers: [Double]) -> AuditItem? {
        guard !answers.isEmpty else { return nil }
        let raw = answers.reduce(0, +) / Double(answers.count)
        let passes: Bool = if let threshold = pass.threshold {
            lowerIsBetter ? raw <= threshold : raw >= threshold
        } else {
            !passAnswers.isEmpty && 2 * passAnswers.filter { $0 == 1 }.count > passAnswers.count
        }
        let reflected = lowerIsBetter ? range.lowerBound + range.upperBound - raw : raw
        return AuditItem(promptRowID: prompt.rowID, promptID: prompt.promptID, attributes: prompt.attributes,
                         counterfactualGroup: prompt.counterfactualGroup, candidateA: candidateA, ratings: ratings,
                         answers: answers, quality: reflected, passes: passes)
    }
}

/// The bias audit of one rubric version's ratings.
///
/// Per attribute (``AuditRequest/attribute`` or every attribute of the rated prompts) and slice (each of
/// its values): items; item-level quality (the mean of each item's answers to the quality criterion) with
/// its mean, normalized mean and percentile bootstrap interval over items; the pass rate over items with its
/// Wilson interval; the ratios of normalized mean quality and of pass rate to the reference slice's and the
/// four-fifths flag (either below 0.8); against the reference, the Mann–Whitney p (``mannWhitneyU(_:_:)``)
/// and permutation p (``twoSamplePermutationTest(_:_:resamples:seed:)``) of the item qualities, each Holm-
/// adjusted (``adjustPValues(_:method:)``) over every judged slice of the audit; the verdict
/// (``AuditVerdict``); Krippendorff's α on the quality criterion within the slice. Counterfactual groups:
/// within each group, each member is paired with the member holding the attribute's reference value; the
/// differences of prompt quality (mean of its item qualities) are tested per attribute value with the
/// Wilcoxon signed-rank test (``wilcoxonSignedRank(differences:)``) and the sign-flip test
/// (``signFlipTest(differences:resamples:seed:)``), Holm-adjusted over the comparisons.
///
/// - Throws: ``EvaluationError`` for a pairwise rubric, no usable quality criterion or pass rule, an
///   unknown attribute or reference value.
public func audit(of entry: RubricRatings, request: AuditRequest,
                  settings: ResamplingSettings = ResamplingSettings()) throws -> AuditReport {
    try settings.validate()
    try validate(request)
    let plan = try AuditPlan(entry.rubric.rubric, request: request)
    let items: [AuditItem] = RatedItem.group(entry.ratings).compactMap { item in
        plan.item(prompt: PromptSlices(rowID: item.promptRowID, promptID: item.promptID, attributes: item.attributes,
                                       counterfactualGroup: item.counterfactualGroup),
                  candidateA: item.candidateA, ratings: item.ratings.count, answers: item.numbers(plan.quality.id),
                  passAnswers: plan.pass.criterion.map(item.numbers) ?? [])
    }
    return try audit(items, plan: plan, request: request, settings: settings)
}

/// The audit of the rated items of one rubric version, in item order.
func audit(_ items: [AuditItem], plan: AuditPlan, request: AuditRequest, settings: ResamplingSettings) throws -> AuditReport {
    let rubric = plan.rubric
    let label = "\(rubric.name) v\(rubric.version)"
    let quality = plan.quality, range = plan.range, pass = plan.pass
    guard !items.isEmpty else {
        throw EvaluationError.noRatings(selection: "criterion '\(quality.id)' of rubric \(label)"
                                        + (request.selection.text == "this workspace" ? "" : " (\(request.selection.text))"))
    }
    let known = Set(items.flatMap(\.attributes.keys)).sorted()
    var names = known
    if let attribute = request.attribute {
        guard known.contains(attribute) else { throw EvaluationError.unknownAttribute(name: attribute, known: known) }
        names = [attribute]
    }
    let context = SliceContext(criterion: quality, range: range, minimumItems: request.minimumItems,
                               permutationTests: request.permutationTests, settings: settings)
    var attributes = try concurrentMap(names) { name in
        try attributeAudit(name, items: items, reference: name == request.attribute ? request.reference : nil, context: context)
    }
    try adjustAndJudge(&attributes, minimumItems: request.minimumItems, alpha: request.alpha)
    let references = Dictionary(uniqueKeysWithValues: attributes.map { ($0.attribute, $0.reference) })
    let counterfactual = try counterfactualAudit(items, references: references, settings: settings)
    return AuditReport(
        rubric: rubric.name, version: rubric.version, scope: request.scope, stage: request.stage, criterion: quality.id,
        scaleMinimum: range.lowerBound, scaleMaximum: range.upperBound, lowerIsBetter: request.lowerIsBetter, pass: pass,
        minimumItems: request.minimumItems, alpha: request.alpha, settings: settings,
        method: auditMethod(criterion: quality.id, pass: pass, request: request, settings: settings),
        attributes: attributes, counterfactual: counterfactual)
}

/// The quality criterion: the named one, else `quality`, else the first ordinal or interval criterion.
func qualityCriterion(_ rubric: Rubric, named name: String?) throws -> Criterion {
    let label = "\(rubric.name) v\(rubric.version)"
    guard !rubric.pairwise else { throw EvaluationError.pairwiseAudit(rubric: label) }
    func isScaled(_ criterion: Criterion) -> Bool {
        switch criterion.scale {
        case .ordinal, .interval: true
        case .binary, .nominal: false
        }
    }
    if let name {
        guard let criterion = rubric.criterion(name) else {
            throw EvaluationError.unusableCriterion(
                name: name, rubric: label, problem: "does not exist; its criteria: \(rubric.criteria.map(\.id).joined(separator: ", "))")
        }
        guard isScaled(criterion) else {
            throw EvaluationError.unusableCriterion(
                name: name, rubric: label,
                problem: "has a \(criterion.scale.typeName) scale; quality needs an ordinal or interval one")
        }
        return criterion
    }
    if let named = rubric.criterion("quality"), isScaled(named) { return named }
    guard let first = rubric.criteria.first(where: isScaled) else {
        throw EvaluationError.noQualityCriterion(rubric: label, criteria: rubric.criteria.map(\.id))
    }
    return first
}

/// What every slice computation shares.
struct SliceContext {
    var criterion: Criterion
    var range: ClosedRange<Double>
    var minimumItems: Int
    /// Whether each slice is also compared with the reference by a permutation test.
    var permutationTests: Bool
    var settings: ResamplingSettings

    func normalized(_ mean: Double) -> Double { (mean - range.lowerBound) / (range.upperBound - range.lowerBound) }
}

func attributeAudit(_ name: String, items: [AuditItem], reference requested: String?,
                    context: SliceContext) throws -> AttributeAudit {
    var slices: [String: [AuditItem]] = [:]
    for item in items { if let value = item.attributes[name] { slices[value, default: []].append(item) } }
    let values = slices.keys.sorted()
    let reference: String
    if let requested {
        guard slices[requested] != nil else {
            throw EvaluationError.unknownReference(attribute: name, value: requested, known: values)
        }
        reference = requested
    } else {
        // The largest slice; among equals, the first by name.
        let largest = values.map { slices[$0]?.count ?? 0 }.max() ?? 0
        reference = values.first { slices[$0]?.count == largest } ?? values[0]
    }
    return try attributeAudit(name, slices: slices, values: values, reference: reference, context: context)
}

func attributeAudit(_ name: String, slices: [String: [AuditItem]], values: [String], reference: String,
                    context: SliceContext) throws -> AttributeAudit {
    let base = slices[reference] ?? []
    let baseQualities = base.map(\.quality)
    let baseNormalized = context.normalized(average(baseQualities))
    let basePasses = base.filter(\.passes).count
    let rows = try values.map { value in
        let members = slices[value] ?? []
        let qualities = members.map(\.quality)
        let mean = average(qualities)
        let passes = members.filter(\.passes).count
        let isReference = value == reference
        let normalized = context.normalized(mean)
        let qualityRatio = baseNormalized == 0 ? nil : normalized / baseNormalized
        // One division of integers, so that a ratio of exactly 4/5 is not a rounding error below 0.8.
        let passRatio = basePasses == 0 ? nil : Double(passes * base.count) / Double(members.count * basePasses)
        let units = members.map(\.answers)
        var row = SliceAudit(
            value: value, isReference: isReference, items: members.count,
            ratings: members.reduce(0) { $0 + $1.ratings },
            quality: QualityEstimate(mean: mean, normalizedMean: normalized,
                                     interval: try itemBootstrap(qualities, context.settings)),
            pass: try proportion(passes, of: members.count, confidence: context.settings.confidence),
            qualityRatio: qualityRatio, passRatio: passRatio,
            fourFifthsFlag: [qualityRatio, passRatio].contains { ($0 ?? 1) < fairnessBand.lowerBound },
            verdict: isReference ? .reference : .insufficientData,
            agreement: AlphaSummary(try krippendorffAlpha(ReliabilityData(units: units), level: context.criterion.measurementLevel)))
        if !isReference {
            row.mannWhitneyP = try mannWhitneyU(qualities, baseQualities).p
        }
        if !isReference, context.permutationTests {
            row.permutationP = try twoSamplePermutationTest(qualities, baseQualities, resamples: context.settings.resamples,
                                                            seed: context.settings.seed).p
        }
        return row
    }
    return AttributeAudit(attribute: name, reference: reference, slices: rows, verdict: .insufficientData)
}

/// Holm over every judged slice of the audit (Mann–Whitney and permutation p-values, each family on its
/// own), then the verdicts (see ``AuditVerdict``).
func adjustAndJudge(_ attributes: inout [AttributeAudit], minimumItems: Int, alpha: Double) throws {
    var judged: [(attribute: Int, slice: Int)] = []
    for a in attributes.indices {
        let referenceItems = attributes[a].slices.first(where: \.isReference)?.items ?? 0
        for s in attributes[a].slices.indices where !attributes[a].slices[s].isReference {
            if attributes[a].slices[s].items >= minimumItems, referenceItems >= minimumItems { judged.append((a, s)) }
        }
    }
    let mannWhitney = try adjustPValues(judged.map { attributes[$0.attribute].slices[$0.slice].mannWhitneyP ?? 1 }, method: .holm)
    let permutationPs = judged.map { attributes[$0.attribute].slices[$0.slice].permutationP }
    let permutation: [Double?] = permutationPs.contains(nil)
        ? permutationPs.map { _ in nil } : try adjustPValues(permutationPs.map { $0 ?? 1 }, method: .holm)
    for (index, position) in judged.enumerated() {
        var slice = attributes[position.attribute].slices[position.slice]
        slice.mannWhitneyAdjustedP = mannWhitney[index]
        slice.permutationAdjustedP = permutation[index]
        let significant = mannWhitney[index] < alpha
        slice.verdict = switch (slice.fourFifthsFlag, significant) {
        case (true, true): .disparity
        case (true, false), (false, true): .possibleDisparity
        case (false, false): .noEvidence
        }
        attributes[position.attribute].slices[position.slice] = slice
    }
    for a in attributes.indices {
        attributes[a].verdict = attributes[a].slices.filter { !$0.isReference }.map(\.verdict).max() ?? .insufficientData
    }
}
