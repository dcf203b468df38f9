import Foundation
import Testing
@testable import GaitCore

@Suite struct RubricTests {
    let valid = """
        name: helpfulness
        version: 2
        instructions: Judge it.
        criteria:
          - id: helpful
            question: How helpful?
            scale: {type: ordinal, min: 1, max: 5, labels: {1: useless, 5: excellent}}
          - id: correct
            question: True?
            scale: {type: nominal, options: ["yes", "no", unsure]}
          - id: score
            question: Score?
            scale: {type: interval, min: 0, max: 10}
          - id: accept
            question: Send it?
            scale: {type: binary}
            acceptance: true
        flags: [bias, harmful]
        """

    @Test func parsesEveryScaleType() throws {
        let rubric = try Rubric.parse(yaml: valid, source: "r.yaml")
        #expect(rubric.name == "helpfulness")
        #expect(rubric.version == 2)
        #expect(rubric.criteria.map(\.scale) == [
            .ordinal(min: 1, max: 5, labels: [1: "useless", 5: "excellent"]),
            .nominal(options: ["yes", "no", "unsure"]),
            .interval(min: 0, max: 10),
            .binary,
        ])
        #expect(rubric.acceptanceCriterion?.id == "accept")
        #expect(rubric.flags == ["bias", "harmful"])
        #expect(rubric.criteria[1].scale.agreementLevel == "nominal")
        #expect(rubric.criteria[3].scale.agreementLevel == "nominal")
        #expect(rubric.criteria[0].scale.agreementLevel == "ordinal")
    }

    @Test func shippedRubricsParse() throws {
        let shipped = ShippedFiles.rubrics
        #expect(shipped.map(\.path) == ["rubrics/fairness.yaml", "rubrics/helpfulness.yaml",
                                        "rubrics/preference.yaml", "rubrics/safety.yaml"])
        for (path, text) in shipped {
            let rubric = try Rubric.parse(yaml: text, source: path)
            #expect(rubric.instructions.count > 100, "\(path) needs real instructions")
            if rubric.name == "preference" {
                #expect(rubric.pairwise)
            } else {
                #expect(rubric.acceptanceCriterion != nil, "\(path) needs an acceptance criterion")
            }
        }
    }

    static let errorCases: [(String, String)] = [
        ("name: x\nversion: 1\ninstructions: i\ncriteria: []\n",
         "r.yaml:4:11: criteria: a rubric needs at least one criterion"),
        ("name: x\ninstructions: i\ncriteria: []\n",
         "r.yaml:1:1: version: missing required key"),
        ("name: x\nversion: one\ninstructions: i\ncriteria: []\n",
         "r.yaml:2:10: version: expected a whole number, found 'one'"),
        ("name: x\nversion: 1\ninstructions: i\ncriteria:\n  - id: a\n    question: q\n    scale: {type: likert}\n",
         "r.yaml:7:19: criteria[0].scale.type: unknown scale type 'likert'; expected binary, nominal, ordinal or interval"),
        ("name: x\nversion: 1\ninstructions: i\ncriteria:\n  - id: a\n    question: q\n    scale: {type: ordinal, min: 5, max: 1}\n",
         "r.yaml:7:41: criteria[0].scale.max: max (1) must be greater than min (5)"),
        ("name: x\nversion: 1\ninstructions: i\ncriteria:\n  - id: a\n    question: q\n    scale: {type: nominal, options: [only]}\n",
         "r.yaml:7:37: criteria[0].scale.options: a nominal scale needs at least two options"),
        ("name: x\nversion: 1\ninstructions: i\ncriteria:\n  - id: a\n    question: q\n    scale: {type: ordinal, min: 1, max: 5}\n    acceptance: true\n",
         "r.yaml:8:17: criteria[0].acceptance: the acceptance criterion must have a binary scale, found ordinal"),
        ("name: x\nversion: 1\ninstructions: i\ncriteria:\n  - id: a\n    question: q\n    scale: {type: binary}\n  - id: a\n    question: q\n    scale: {type: binary}\n",
         "r.yaml:8:9: criteria[1].id: duplicate criterion id 'a'"),
        ("name: x\nversion: 1\ninstructions: i\nextra: 1\ncriteria: []\n",
         "r.yaml:4:1: extra: unknown key; expected one of: criteria, flags, instructions, name, pairwise, version"),
        ("name: x\nversion: 1\ninstructions: i\ncriteria: [\n",
         "r.yaml:5:1: invalid YAML: did not find expected node content"),
        ("name: x\nversion: 1\ninstructions: i\npairwise: true\ncriteria:\n  - id: a\n    question: q\n    scale: {type: binary}\n",
         "r.yaml:8:12: criteria[0].scale: a pairwise rubric's criteria take no scale (answers are a, b or =)"),
        ("name: bad name\nversion: 1\ninstructions: i\ncriteria: []\n",
         "r.yaml:1:7: name: 'bad name' is not a valid rubric name (letters, digits, '-', '_', '.'; 1–64 characters)"),
    ]

    @Test(arguments: errorCases)
    func malformedRubricsNameFileLineAndKey(yaml: String, message: String) {
        #expect(throws: Error.self) { try Rubric.parse(yaml: yaml, source: "r.yaml") }
        do {
            _ = try Rubric.parse(yaml: yaml, source: "r.yaml")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
