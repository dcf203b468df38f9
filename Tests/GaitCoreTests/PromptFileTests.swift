import Foundation
import Testing
@testable import GaitCore

@Suite struct PromptFileTests {
    @Test func parsesEveryField() throws {
        let text = """
            {"id": "nurse-f", "prompt": "Write a bio of Maria.", "attributes": {"gender": "female", "language": "en"}, "scope": "bios", "counterfactual_group": "nurse", "reference": "Maria is a nurse."}

            {"id": "q2", "prompt": "¿Qué hora es?"}
            """
        let prompts = try PromptFile.parse(Data(text.utf8), source: "p.jsonl")
        #expect(prompts == [
            Prompt(id: "nurse-f", text: "Write a bio of Maria.", attributes: ["gender": "female", "language": "en"],
                   scope: "bios", counterfactualGroup: "nurse", reference: "Maria is a nurse."),
            Prompt(id: "q2", text: "¿Qué hora es?"),
        ])
    }

    static let errorCases: [(String, String)] = [
        ("{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \"a\", \"prompt\": \"y\"}", "p.jsonl:2: id: duplicate id 'a' (first on line 1)"),
        ("{\"id\": \"a\"}", "p.jsonl:1: prompt: missing required key"),
        ("{\"prompt\": \"x\"}", "p.jsonl:1: id: missing required key"),
        ("{\"id\": 7, \"prompt\": \"x\"}", "p.jsonl:1: id: expected a string, found a number"),
        ("{\"id\": \"a\", \"prompt\": true}", "p.jsonl:1: prompt: expected a string, found a boolean"),
        ("{\"id\": \"a\", \"prompt\": \"x\", \"attributes\": [1]}", "p.jsonl:1: attributes: expected an object of string values, found an array"),
        ("{\"id\": \"a\", \"prompt\": \"x\", \"attributes\": {\"age\": 3}}", "p.jsonl:1: attributes.age: expected a string, found a number"),
        ("{\"id\": \"a\", \"prompt\": \"x\"", "p.jsonl:1:26: invalid JSON: unexpected end of line"),
        ("{\"id\": \"a\", \"id\": \"b\", \"prompt\": \"x\"}", "p.jsonl:1:13: invalid JSON: duplicate key 'id'"),
        ("{\"id\": \"a\\q\", \"prompt\": \"x\"}", "p.jsonl:1:12: invalid JSON: invalid escape"),
        ("{'id': 'a'}", "p.jsonl:1:2: invalid JSON: expected a key in double quotes"),
        ("[1, 2]", "p.jsonl:1: expected a JSON object, found an array"),
        ("{\"id\": \"a\", \"prompt\": \"  \"}", "p.jsonl:1: prompt: must not be empty"),
        ("{\"id\": \"a\", \"prompt\": \"x\", \"scope\": \"two words\"}", "p.jsonl:1: scope: 'two words' is not a valid scope name (letters, digits, '-', '_', '.')"),
        ("{\"id\": \"a\", \"prompt\": \"x\", \"attribute\": {}}", "p.jsonl:1: attribute: unknown key; expected attributes, counterfactual_group, id, prompt, reference, scope"),
        ("", "p.jsonl: the file holds no prompts"),
    ]

    @Test(arguments: errorCases)
    func badLinesAreReportedWithTheirNumber(text: String, message: String) {
        do {
            _ = try PromptFile.parse(Data(text.utf8), source: "p.jsonl")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func invalidUTF8IsReported() {
        var data = Data("{\"id\": \"a\", \"prompt\": \"x\"}\n".utf8)
        data.append(contentsOf: [0x7B, 0xFF, 0xFE, 0x7D, 0x0A])
        do {
            _ = try PromptFile.parse(data, source: "p.jsonl")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "p.jsonl:2: the line is not valid UTF-8")
        }
    }

    @Test func demoPromptsMeetTheirPurpose() throws {
        let prompts = try PromptFile.parse(Data(ShippedFiles.demoPrompts), source: "demo.jsonl")
        #expect(prompts.count >= 60)
        #expect(Set(prompts.compactMap(\.scope)).count >= 3)
        #expect(prompts.contains { $0.attributes["language"] == "es" })
        #expect(Set(prompts.compactMap { $0.attributes["gender"] }).count >= 2)
        #expect(prompts.contains { $0.attributes["region"] != nil || $0.attributes["dialect"] != nil })
        let groups = Dictionary(grouping: prompts.filter { $0.counterfactualGroup != nil }, by: { $0.counterfactualGroup! })
        #expect(groups.count >= 10)
        #expect(groups.values.allSatisfy { $0.count >= 2 })
    }
}
