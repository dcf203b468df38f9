import Foundation
import Testing
@testable import Tuning

/// The rules that trip real trainers, checked on every line and config of an export.
@Suite struct CompatibilityRuleTests {
    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    static func messages(_ value: Any?) -> [[String: Any]] { (value as? [[String: Any]]) ?? [] }

    @Test func everyJSONLRowFollowsTheRules() throws {
        let (temporary, out, _, _) = try GoldenExportTests.export()
        defer { _ = temporary }
        let allowedRoles: Set<String> = ["system", "user", "assistant"]
        for name in GoldenExportTests.expectedFiles where name.hasSuffix(".jsonl") {
            var keys: [String]?
            for (index, line) in try Self.lines(out.appendingPathComponent(name)).enumerated() {
                let where_ = "\(name):\(index + 1)"
                #expect(!line.contains("NaN") && !line.contains("Infinity"), "\(where_) holds a non-number")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(where_)")
                // Identical keys on every line (the writer keeps their order too).
                let lineKeys = object.keys.sorted()
                if let keys { #expect(lineKeys == keys, "\(where_) has other keys") } else { keys = lineKeys }
                if name.hasSuffix("metadata.jsonl") { continue }
                var conversations: [[[String: Any]]] = []
                if let list = object["messages"] { conversations.append(Self.messages(list)) }
                if let prompt = object["prompt"] as? [[String: Any]] { conversations.append(prompt) }
                if let input = object["input"] as? [String: Any] { conversations.append(Self.messages(input["messages"])) }
                for key in ["completion", "chosen", "rejected", "preferred_output", "non_preferred_output"] {
                    if let list = object[key] as? [[String: Any]] {
                        conversations.append(list)
                        #expect(list.allSatisfy { $0["role"] as? String == "assistant" }, "\(where_): \(key) is not the assistant's")
                    }
                }
                for conversation in conversations {
                    for message in conversation {
                        #expect(allowedRoles.contains(message["role"] as? String ?? ""), "\(where_): role \(message["role"] ?? "none")")
                        let content = message["content"] as? String ?? ""
                        #expect(!content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(where_): empty content")
                    }
                }
                // An explicit system message on every row.
                if name.contains("kto_axolotl") {
                    #expect((object["system"] as? String)?.isEmpty == false, "\(where_) has no system text")
                } else if let first = conversations.first {
                    #expect(first.first?["role"] as? String == "system", "\(where_) does not start with a system message")
                }
                // chosen ≠ rejected.
                let chosen = Self.messages(object["chosen"] ?? object["preferred_output"]).first?["content"] as? String
                let rejected = Self.messages(object["rejected"] ?? object["non_preferred_output"]).first?["content"] as? String
                if let chosen, let rejected { #expect(chosen != rejected, "\(where_): chosen equals rejected") }
                // Labels are JSON booleans, not strings or numbers.
                if object["label"] != nil {
                    #expect(line.hasSuffix("\"label\": true}") || line.hasSuffix("\"label\": false}"), "\(where_): label is not a boolean")
                }
            }
        }
    }

    @Test func configsFollowTheRules() throws {
        let (temporary, out, _, _) = try GoldenExportTests.export()
        defer { _ = temporary }
        let bareExponent = try Regex(#":\s*-?[0-9]+(\.[0-9]*)?[eE][0-9]"#)   // 1e-4 without a dot or sign reads as a string
        for name in GoldenExportTests.expectedFiles where name.hasSuffix(".yaml") {
            let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("warmup_ratio"), "\(name) uses warmup_ratio")
            #expect(text.contains("warmup_steps: "), "\(name) has no warmup_steps")
            #expect(text.firstMatch(of: bareExponent) == nil, "\(name) writes a float YAML reads as a string")
            for line in text.split(separator: "\n") where line.contains("lora_alpha:") {
                #expect(Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) != nil, "\(name): \(line)")
            }
            for word in ["no", "yes", "on", "off"] {
                #expect(!text.contains(": \(word)\n"), "\(name) has an unquoted '\(word)'")
            }
            for line in text.split(separator: "\n") where line.contains("path:") || line.contains("data_files:") || line.contains("_dir:") {
                let value = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
                #expect(!value.hasPrefix("/") && !value.hasPrefix("~"), "\(name): \(line) is not relative to the export folder")
            }
            if name.hasPrefix("axolotl_dpo") || name.hasPrefix("axolotl_kto") {
                #expect(text.contains("sample_packing: false\n"), "\(name) packs samples")
            }
        }
        let yaml = try String(contentsOf: out.appendingPathComponent("trl_dpo.yaml"), encoding: .utf8)
        #expect(yaml.contains("learning_rate: 5.0e-6\n"))
        #expect(yaml.contains("eval_strategy: \"no\"\n"))
    }
}
