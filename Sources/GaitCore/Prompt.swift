import Foundation

/// One prompt of a prompt set, as imported from JSONL.
public struct Prompt: Sendable, Hashable {
    /// The prompt's id within its set (the file's `id`).
    public var id: String
    public var text: String
    /// Slice labels such as `gender` or `language`.
    public var attributes: [String: String]
    /// The request class whose rollout stage governs this prompt.
    public var scope: String?
    /// Prompts that differ only in a demographic detail share a group.
    public var counterfactualGroup: String?
    /// A reference answer, when one is known.
    public var reference: String?

    public init(id: String, text: String, attributes: [String: String] = [:], scope: String? = nil,
                counterfactualGroup: String? = nil, reference: String? = nil) {
        self.id = id
        self.text = text
        self.attributes = attributes
        self.scope = scope
        self.counterfactualGroup = counterfactualGroup
        self.reference = reference
    }
}

/// Reads prompts from JSONL, all or nothing: the first bad line is reported with its number.
public enum PromptFile {
    static let allowedKeys: Set<String> = ["id", "prompt", "attributes", "scope", "counterfactual_group", "reference"]

    /// Parses every line of a JSONL prompts file.
    ///
    /// Blank lines are skipped. Any bad line — invalid UTF-8 or JSON, a missing `id` or `prompt`,
    /// a value of the wrong type, an unknown key, an id seen before in the file — throws
    /// `InputError` with its line number, and nothing is returned.
    public static func parse(_ data: Data, source: String) throws -> [Prompt] {
        let bytes = [UInt8](data)
        var prompts: [Prompt] = []
        prompts.reserveCapacity(bytes.count / 100)
        var seen: [String: Int] = [:]
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = bytes[start..<lineEnd]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let prompt = try parseLine(line, number: lineNumber, source: source)
            if let first = seen.updateValue(lineNumber, forKey: prompt.id) {
                throw InputError(source: source, line: lineNumber, key: "id",
                                 problem: "duplicate id '\(prompt.id)' (first on line \(first))")
            }
            prompts.append(prompt)
        }
        if prompts.isEmpty { throw InputError(source: source, problem: "the file holds no prompts") }
        return prompts
    }

    static func parseLine(_ line: ArraySlice<UInt8>, number: Int, source: String) throws -> Prompt {
        func fail(_ key: String?, _ problem: String) -> InputError {
            InputError(source: source, line: number, key: key, problem: problem)
        }
        let object: JSONValue
        do {
            object = try JSONValue.parse(line)
        } catch {
            if String(validating: line, as: UTF8.self) == nil { throw fail(nil, "the line is not valid UTF-8") }
            throw InputError(source: source, line: number, column: error.column, problem: "invalid JSON: \(error.problem)")
        }
        guard case .object(let fields) = object else { throw fail(nil, "expected a JSON object, found \(object.kindDescription)") }
        var id: String?, text: String?, scope: String?, group: String?, reference: String?
        var attributes: [String: String] = [:]
        for (key, value) in fields {
            func string() throws -> String? {
                switch value {
                case .string(let text): return text
                case .null: return nil
                default: throw fail(key, "expected a string, found \(value.kindDescription)")
                }
            }
            switch key {
            case "id": id = try string()
            case "prompt": text = try string()
            case "scope": scope = try string()
            case "counterfactual_group": group = try string()
            case "reference": reference = try string()
            case "attributes":
                switch value {
                case .null: break
                case .object(let pairs):
                    for (name, attribute) in pairs {
                        guard Identifier.isValid(name) else { throw fail("attributes.\(name)", "not a valid attribute name") }
                        guard case .string(let text) = attribute else {
                            throw fail("attributes.\(name)", "expected a string, found \(attribute.kindDescription)")
                        }
                        attributes[name] = text
                    }
                default:
                    throw fail("attributes", "expected an object of string values, found \(value.kindDescription)")
                }
            default:
                throw fail(key, "unknown key; expected \(allowedKeys.sorted().joined(separator: ", "))")
            }
        }
        guard let id else { throw fail("id", "missing required key") }
        guard !id.trimmingWhitespace().isEmpty else { throw fail("id", "must not be empty") }
        guard let text else { throw fail("prompt", "missing required key") }
        guard !text.trimmingWhitespace().isEmpty else { throw fail("prompt", "must not be empty") }
        if let scope, !Identifier.isValid(scope) {
            throw fail("scope", "'\(scope)' is not a valid scope name (letters, digits, '-', '_', '.')")
        }
        return Prompt(id: id, text: text, attributes: attributes, scope: scope, counterfactualGroup: group,
                      reference: reference)
    }
}
