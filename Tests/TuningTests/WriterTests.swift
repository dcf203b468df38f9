import Foundation
import Testing
@testable import Tuning

@Suite struct YAMLWriterTests {
    @Test(arguments: [
        (1.0e-4, "1.0e-4"), (5.0e-6, "5.0e-6"), (2.0e-5, "2.0e-5"), (5.0e-5, "5.0e-5"), (1.5e-7, "1.5e-7"),
        (0.05, "0.05"), (2.0, "2.0"), (1.15, "1.15"), (0.0, "0.0"), (0.001, "0.001"), (3.0e6, "3.0e+6"), (-2.5e-4, "-2.5e-4"),
    ])
    func floatsReadBackAsFloats(_ value: Double, _ text: String) {
        #expect(YAMLValue.float(value) == text)
    }

    @Test(arguments: [
        ("no", "\"no\""), ("Yes", "\"Yes\""), ("ON", "\"ON\""), ("off", "\"off\""), ("y", "\"y\""), ("null", "\"null\""),
        ("~", "\"~\""), ("1e-4", "\"1e-4\""), ("42", "\"42\""), ("", "\"\""), ("a: b", "\"a: b\""), ("#x", "\"#x\""),
        ("all-linear", "all-linear"), ("HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"),
        ("sft.jsonl", "sft.jsonl"), ("none", "none"), ("say \"hi\"\n", "\"say \\\"hi\\\"\\n\""),
    ])
    func stringsThatWouldChangeTypeAreQuoted(_ value: String, _ text: String) {
        #expect(YAMLValue.scalar(value) == text)
    }

    /// Block style; a key is a scalar too (a bare `n` key would be the boolean false in YAML 1.1).
    @Test func blockLayout() {
        let value = YAMLValue.map([
            YAMLEntry("model", .string("m")),
            YAMLEntry("datasets", .list([.map([YAMLEntry("path", .string("a.jsonl")), YAMLEntry("split", .string("train"))])])),
            YAMLEntry("roles", .list([.string("assistant")])),
            YAMLEntry("nested", .map([YAMLEntry("flag", .bool(false)), YAMLEntry("n", .int(3))])),
        ])
        #expect(value.document(comment: ["hello"]) == """
            # hello
            model: m
            datasets:
              - path: a.jsonl
                split: train
            roles: [assistant]
            nested:
              flag: false
              "n": 3

            """)
    }
}

@Suite struct JSONValueTests {
    @Test func escapesAndKeepsKeyOrder() {
        let value = JSONValue.object([("z", .string("a\"b\\c\n\t\u{01}é/")), ("a", .bool(true)), ("n", .null)])
        #expect(value.compact == #"{"z": "a\"b\\c\n\t\u0001é/", "a": true, "n": null}"#)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(JSONValue.number(.nan) == .null)
        #expect(JSONValue.number(Double.infinity) == .null)
        #expect(JSONValue.number(Optional<Double>.none) == .null)
        #expect(JSONValue.number(2).compact == "2.0")
        #expect(JSONValue.number(0.25).compact == "0.25")
    }

    @Test func pretty() {
        let value = JSONValue.object([("a", .array([.int(1), .int(2)])), ("b", .object([])), ("c", .array([]))])
        #expect(value.pretty == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}\n")
    }
}

@Suite struct RowFormatTests {
    @Test func everyFormatCarriesTheSystemMessage() {
        #expect(RowFormats.sft(system: "S", user: "U", answer: "A").compact
                == #"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}"#)
        #expect(RowFormats.sftPromptCompletion(system: "S", user: "U", answer: "A").compact
                == #"{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}], "completion": [{"role": "assistant", "content": "A"}]}"#)
        #expect(RowFormats.dpo(system: "S", user: "U", chosen: "C", rejected: "R").compact
                == #"{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}], "chosen": [{"role": "assistant", "content": "C"}], "rejected": [{"role": "assistant", "content": "R"}]}"#)
        #expect(RowFormats.kto(system: "S", user: "U", completion: "C", label: false).compact
                == #"{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}], "completion": [{"role": "assistant", "content": "C"}], "label": false}"#)
        #expect(RowFormats.ktoAxolotl(system: "S", user: "U", completion: "C", label: true).compact
                == #"{"system": "S", "prompt": "U", "completion": "C", "label": true}"#)
        #expect(RowFormats.openAIDPO(system: "S", user: "U", chosen: "C", rejected: "R").compact
                == #"{"input": {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]}, "preferred_output": [{"role": "assistant", "content": "C"}], "non_preferred_output": [{"role": "assistant", "content": "R"}]}"#)
    }
}
