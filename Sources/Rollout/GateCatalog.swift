import GaitCore
import GaitStore

/// What gate rules may name: the workspace's rubrics (their criteria and flags) and prompt attributes.
public struct GateCatalog: Sendable, Hashable {
    /// Every registered rubric version.
    public var rubrics: [Rubric]
    /// Every attribute name prompts carry.
    public var attributes: Set<String>

    /// A catalog of the given rubrics and attribute names.
    public init(rubrics: [Rubric], attributes: Set<String>) {
        self.rubrics = rubrics
        self.attributes = attributes
    }

    /// The catalog of a workspace.
    public init(workspace: Workspace) throws {
        self.init(rubrics: try workspace.rubrics().map(\.rubric),
                  attributes: Set(try workspace.promptAttributeNames()))
    }

    /// The rubrics a condition reads: non-pairwise ones, only the named one when it names one.
    func rubrics(for condition: GateCondition) -> [Rubric] {
        rubrics.filter { !$0.pairwise && (condition.rubric == nil || $0.name == condition.rubric) }
    }
}

extension GateRules {
    /// Checks that every criterion, flag, rubric and attribute the rules name exists in the workspace,
    /// and that criteria have a scale their metric can read.
    ///
    /// - Throws: `InputError` at the file, line and key of the first unknown name.
    public func validate(against catalog: GateCatalog) throws {
        let rules = transitions.sorted { $0.key.rawValue < $1.key.rawValue }.map(\.value)
            + scopes.sorted { $0.key < $1.key }.flatMap { $0.value.sorted { $0.key.rawValue < $1.key.rawValue }.map(\.value) }
        for condition in rules.flatMap(\.conditions) {
            try validate(condition, catalog)
        }
    }

    private func validate(_ condition: GateCondition, _ catalog: GateCatalog) throws {
        func location(_ key: String) -> RuleLocation {
            condition.locations[key] ?? condition.locations["metric"]
                ?? RuleLocation(source: source, line: nil, column: nil, key: key)
        }
        func list(_ names: some Sequence<String>) -> String {
            let sorted = Set(names).sorted()
            return sorted.isEmpty ? "(none)" : sorted.joined(separator: ", ")
        }
        if let rubric = condition.rubric {
            let known = catalog.rubrics.filter { !$0.pairwise }.map(\.name)
            guard known.contains(rubric) else {
                throw location("rubric").error("unknown rubric '\(rubric)'; the workspace's rubrics (not pairwise): \(list(known))")
            }
        }
        let rubrics = catalog.rubrics(for: condition)
        if let criterion = condition.criterion {
            let owners = rubrics.filter { $0.criterion(criterion) != nil }
            guard !owners.isEmpty else {
                throw location("criterion").error(
                    "unknown criterion '\(criterion)'; the rubrics\(condition.rubric.map { " of '\($0)'" } ?? "") have: \(list(rubrics.flatMap { $0.criteria.map(\.id) }))")
            }
            if [.mean, .normalizedMean].contains(condition.metric) {
                for rubric in owners {
                    if let scale = rubric.criterion(criterion)?.scale, scale.numericRange == nil {
                        throw location("criterion").error(
                            "criterion '\(criterion)' of rubric '\(rubric.name)' v\(rubric.version) has a \(scale.typeName) scale; \(condition.metric.rawValue) needs a binary, ordinal or interval one")
                    }
                }
            }
        } else if [.mean, .normalizedMean].contains(condition.metric) {
            throw location("metric").error("\(condition.metric.rawValue) needs a criterion (criterion: NAME)")
        }
        if let flag = condition.flag {
            let flags = rubrics.flatMap(\.flags)
            guard flags.contains(flag) else {
                throw location("flag").error(
                    "unknown flag '\(flag)'; the rubrics\(condition.rubric.map { " of '\($0)'" } ?? "") allow: \(list(flags))")
            }
        }
        if let attribute = condition.attribute, !catalog.attributes.contains(attribute) {
            throw location("attribute").error(
                "unknown attribute '\(attribute)'; the workspace's prompts carry: \(list(catalog.attributes))")
        }
    }
}
