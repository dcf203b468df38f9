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
        var prompts: [Prompt] = []
        var seen: [String: Int] = [:]
        var lineNumber = 0
        var start = data.startIndex
        let newline = UInt8(ascii: "\n")
        while start < data.endIndex {
            lineNumber += 1
            let end = data[start...].firstIndex(of: newline) ?? data.endIndex
            var line = data[start..<end]
            start = end < data.endIndex ? end + 1 : end
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let prompt = try parseLine(line, number: lineNumber, source: source)
            if let first = seen[prompt.id] {
                throw InputError(source: source, line: lineNumber, key: "id",
                                 problem: "duplicate id '\(prompt.id)' (first on line \(first))")
            }
            seen[prompt.id] = lineNumber
            prompts.append(prompt)
        }
        if prompts.isEmpty { throw InputError(source: source, problem: "the file holds no prompts") }
        return prompts
    }

    static func parseLine(_ line: Data, number: Int, source: String) throws -> Prompt {
        func fail(_ key: String?, _ problem: String) -> InputError {
            InputError(source: source, line: number, key: key, problem: problem)
        }
        guard String(data: line, encoding: .utf8) != nil else { throw fail(nil, "the line is not valid UTF-8") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: line, options: [])
        } catch {
            throw fail(nil, "invalid JSON")
        }
        guard let fields = object as? [String: Any] else { throw fail(nil, "expected a JSON object") }
        for key in fields.keys where !allowedKeys.contains(key) {
            throw fail(key, "unknown key; expected \(allowedKeys.sorted().joined(separator: ", "))")
        }
        func string(_ key: String, required: Bool) throws -> String? {
            guard let value = fields[key], !(value is NSNull) else {
                if required { throw fail(key, "missing required key") }
                return nil
            }
            guard let text = value as? String, !isNumberOrBool(value) else {
                throw fail(key, "expected a string, found \(describe(value))")
            }
            return text
        }
        guard let id = try string("id", required: true), !id.trimmingWhitespace().isEmpty else {
            throw fail("id", "must not be empty")
        }
        guard let text = try string("prompt", required: true), !text.trimmingWhitespace().isEmpty else {
            throw fail("prompt", "must not be empty")
        }
        var attributes: [String: String] = [:]
        if let value = fields["attributes"], !(value is NSNull) {
            guard let dictionary = value as? [String: Any] else {
                throw fail("attributes", "expected an object of string values, found \(describe(value))")
            }
            for (name, attribute) in dictionary {
                guard Identifier.isValid(name) else { throw fail("attributes.\(name)", "not a valid attribute name") }
                guard let text = attribute as? String, !isNumberOrBool(attribute) else {
                    throw fail("attributes.\(name)", "expected a string, found \(describe(attribute))")
                }
                attributes[name] = text
            }
        }
        let scope = try string("scope", required: false)
        if let scope, !Identifier.isValid(scope) {
            throw fail("scope", "'\(scope)' is not a valid scope name (letters, digits, '-', '_', '.')")
        }
        return Prompt(id: id, text: text, attributes: attributes, scope: scope,
                      counterfactualGroup: try string("counterfactual_group", required: false),
                      reference: try string("reference", required: false))
    }

    private static func isNumberOrBool(_ value: Any) -> Bool { value is NSNumber && !(value is String) }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is String where !isNumberOrBool(value): "a string"
        case let number as NSNumber:
            CFGetTypeIDIsBool(number) ? "a boolean" : "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "null"
        }
    }

    private static func CFGetTypeIDIsBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c" || number === NSNumber(value: true) || number === NSNumber(value: false)
    }
}
