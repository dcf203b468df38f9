import Statistics

/// A rated prompt of a counterfactual group.
struct GroupMember {
    var promptID: String
    var attributes: [String: String]
    /// Mean of its items' qualities.
    var quality: Double
    var candidates: [Int64]
}

/// Pairs every member of a counterfactual group with the group's member holding the attribute's reference
/// value, for each audited attribute that differs within the group, and tests the differences per value.
func counterfactualAudit(_ items: [AuditItem], references: [String: String],
                         settings: ResamplingSettings) throws -> CounterfactualAudit {
    var byPrompt: [Int64: (group: String, member: GroupMember, qualities: [Double])] = [:]
    for entry in items {
        guard let group = entry.counterfactualGroup else { continue }
        var current = byPrompt[entry.promptRowID]
            ?? (group, GroupMember(promptID: entry.promptID, attributes: entry.attributes, quality: 0, candidates: []), [])
        current.qualities.append(entry.quality)
        current.member.candidates.append(entry.candidateA)
        byPrompt[entry.promptRowID] = current
    }
    var groups: [String: [GroupMember]] = [:]
    for (_, value) in byPrompt {
        var member = value.member
        member.quality = average(value.qualities)
        groups[value.group, default: []].append(member)
    }
    var pairs: [CounterfactualPairScore] = []
    var unpaired: [String] = []
    for name in groups.keys.sorted() {
        let members = (groups[name] ?? []).sorted { $0.promptID < $1.promptID }
        guard members.count >= 2 else {
            unpaired.append("group \(name): only one rated prompt (\(members.first?.promptID ?? "none"))")
            continue
        }
        var varied = false
        for attribute in references.keys.sorted() {
            let values = Set(members.compactMap { $0.attributes[attribute] })
            guard values.count >= 2, let referenceValue = references[attribute] else { continue }
            varied = true
            guard let reference = members.first(where: { $0.attributes[attribute] == referenceValue }) else {
                unpaired.append("group \(name): no rated prompt has \(attribute) = \(referenceValue), the reference")
                continue
            }
            for member in members {
                guard let value = member.attributes[attribute], value != referenceValue else { continue }
                pairs.append(CounterfactualPairScore(
                    group: name, attribute: attribute, prompt: member.promptID, value: value,
                    referencePrompt: reference.promptID, referenceValue: referenceValue, quality: member.quality,
                    referenceQuality: reference.quality, candidates: member.candidates.sorted(),
                    referenceCandidates: reference.candidates.sorted()))
            }
        }
        if !varied { unpaired.append("group \(name): its rated prompts do not differ in an audited attribute") }
    }
    var keys: [(attribute: String, value: String)] = []
    for pair in pairs where !keys.contains(where: { $0 == (pair.attribute, pair.value) }) {
        keys.append((pair.attribute, pair.value))
    }
    keys.sort { ($0.attribute, $0.value) < ($1.attribute, $1.value) }
    var comparisons = try keys.map { key in
        let differences = pairs.filter { $0.attribute == key.attribute && $0.value == key.value }.map(\.difference)
        let wilcoxon = wilcoxonSignedRank(differences: differences)
        return CounterfactualComparison(
            attribute: key.attribute, value: key.value, reference: references[key.attribute] ?? "",
            pairs: differences.count, meanDifference: average(differences), wilcoxon: wilcoxon,
            p: wilcoxon.exactP ?? wilcoxon.p, adjustedP: nil,
            signFlip: try signFlipTest(differences: differences, resamples: settings.resamples, seed: settings.seed))
    }
    let tested = comparisons.indices.filter { comparisons[$0].p != nil }
    let adjusted = try adjustPValues(tested.compactMap { comparisons[$0].p }, method: .holm)
    for (index, p) in zip(tested, adjusted) { comparisons[index].adjustedP = p }
    return CounterfactualAudit(groups: groups.count, comparisons: comparisons, pairs: pairs, unpaired: unpaired)
}

/// The audit's method in plain words.
func auditMethod(criterion: String, pass: PassRule, request: AuditRequest, settings: ResamplingSettings) -> String {
    let level = percent(settings.confidence)
    let quality = request.lowerIsBetter
        ? "the mean answer to '\(criterion)' per item, reflected (min + max − answer) because lower answers are better"
        : "the mean answer to '\(criterion)' per item"
    let passing = if let threshold = pass.threshold {
        "its quality is \(request.lowerIsBetter ? "at most" : "at least") \(decimal(threshold)) (before reflection)"
    } else {
        "more than half of its raters answered '\(pass.criterion ?? "")' yes"
    }
    let tests = request.permutationTests
        ? " and a two-sided permutation test of the difference in means; both are" : ", which is"
    return """
        Each item is rated by one or more raters; quality is \(quality), so every item weighs the same. An item \
        passes when \(passing). Per attribute, every value is a slice; the reference slice is \
        \(request.reference.map { "'\($0)'" } ?? "the largest (the first by name among equals)"). Per slice: the \
        mean quality with a \(level) percentile bootstrap interval over items (\(settings.resamples) resamples, \
        seed \(settings.seed)) and the pass rate with a \(level) Wilson score interval. The quality ratio is the \
        slice's normalized mean quality over the reference's, the pass ratio its pass rate over the \
        reference's; the four-fifths flag is raised when either is below 0.8 (EEOC Uniform Guidelines, \
        29 CFR 1607.4(D), one-sided because quality is higher-is-better). Each slice's item qualities are \
        compared with the reference's by the two-sided Mann–Whitney U test (normal approximation with tie \
        and continuity correction)\(tests) \
        Holm-adjusted over every judged slice of the audit. Verdict: 'insufficient data' when the slice or \
        the reference has fewer than \(request.minimumItems) items (not tested, not adjusted); otherwise \
        'disparity' when the flag is raised and the adjusted Mann–Whitney p is below \
        \(decimal(request.alpha)), 'possible disparity' when only one of the two holds, 'no evidence' when \
        neither. An attribute's verdict is the most severe of its slices. Agreement within a slice is \
        Krippendorff's α on '\(criterion)' among the slice's items, so rater disagreement can be told from \
        model bias. Counterfactual groups: within a group, each prompt is paired with the prompt holding the \
        attribute's reference value, and the differences of their quality (the mean of their items) are \
        tested per attribute value with the Wilcoxon signed-rank test (exact p without ties or zeros up to 25 \
        pairs, else the normal approximation) and the sign-flip test of the mean difference, Holm-adjusted \
        over the comparisons. Gold items and retracted ratings are left out.
        """
}
