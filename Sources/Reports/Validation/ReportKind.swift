/// The kinds of XML document Gait writes and can validate.
public enum ReportKind: String, Sendable, Hashable, CaseIterable {
    /// What each rater did (`session-report`, schema `reports/session.xsd`).
    case session
    /// Gate decisions, stage history and run costs (`gate-report`, `reports/gate.xsd`).
    case gate
    /// A bias audit (`bias-report`, `reports/bias.xsd`).
    case bias
    /// JUnit XML of gate evaluations (`testsuites`), valid against both the Jenkins xUnit
    /// `junit-10.xsd` and the strict Ant JUnit schema.
    case junit

    /// The root element's name.
    var rootElement: String {
        switch self {
        case .session: "session-report"
        case .gate: "gate-report"
        case .bias: "bias-report"
        case .junit: "testsuites"
        }
    }

    /// The root element's namespace (none for JUnit).
    var namespace: String? {
        switch self {
        case .session: "urn:gait:report:session:1"
        case .gate: "urn:gait:report:gate:1"
        case .bias: "urn:gait:report:bias:1"
        case .junit: nil
        }
    }

    /// The embedded schemas a document of this kind must satisfy.
    var schemaPaths: [String] {
        switch self {
        case .session: ["reports/session.xsd"]
        case .gate: ["reports/gate.xsd"]
        case .bias: ["reports/bias.xsd"]
        case .junit: ["reports/jenkins-junit-10.xsd", "reports/ant-junit-strict.xsd"]
        }
    }

    /// The kind whose root element is `name` in `namespace`.
    init?(root name: String, namespace: String?) {
        guard let kind = Self.allCases.first(where: { $0.rootElement == name && $0.namespace == namespace })
        else { return nil }
        self = kind
    }
}
