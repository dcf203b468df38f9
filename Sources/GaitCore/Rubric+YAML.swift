extension Rubric {
    /// Parses a rubric from its YAML text (the format in DESIGN.md).
    ///
    /// - Throws: `InputError` naming file, line and key for every malformed part.
    public static func parse(yaml text: String, source: String) throws -> Rubric {
        let root = try YAMLNode.parse(text, source: source)
        try root.allowOnly(["name", "version", "instructions", "pairwise", "criteria", "flags"])
        let nameNode = try root.required("name")
        let name = try nameNode.string()
        guard Identifier.isValid(name) else {
            throw nameNode.error("'\(name)' is not a valid rubric name (letters, digits, '-', '_', '.'; 1–64 characters)")
        }
        let versionNode = try root.required("version")
        let version = try versionNode.int()
        guard version >= 1 else { throw versionNode.error("version must be 1 or more, found \(version)") }
        let instructionsNode = try root.required("instructions")
        let instructions = try instructionsNode.string().trimmingWhitespace()
        guard !instructions.isEmpty else { throw instructionsNode.error("instructions must not be empty") }
        let pairwise = try root.optional("pairwise")?.bool() ?? false

        let criteriaNode = try root.required("criteria")
        let criterionNodes = try criteriaNode.elements()
        guard !criterionNodes.isEmpty else { throw criteriaNode.error("a rubric needs at least one criterion") }
        var criteria: [Criterion] = []
        for node in criterionNodes {
            let criterion = try parseCriterion(node, pairwise: pairwise)
            if criteria.contains(where: { $0.id == criterion.id }) {
                throw try node.required("id").error("duplicate criterion id '\(criterion.id)'")
            }
            if criterion.isAcceptance, criteria.contains(where: \.isAcceptance) {
                throw try node.required("acceptance").error("only one criterion may be the acceptance criterion")
            }
            criteria.append(criterion)
        }

        var flags: [String] = []
        if let flagsNode = try root.optional("flags") {
            for node in try flagsNode.elements() {
                let flag = try node.string()
                guard Identifier.isValid(flag) else { throw node.error("'\(flag)' is not a valid flag name") }
                guard !flags.contains(flag) else { throw node.error("duplicate flag '\(flag)'") }
                flags.append(flag)
            }
        }
        return Rubric(name: name, version: version, instructions: instructions, pairwise: pairwise,
                      criteria: criteria, flags: flags)
    }

    private static func parseCriterion(_ node: YAMLNode, pairwise: Bool) throws -> Criterion {
        try node.allowOnly(["id", "question", "scale", "acceptance"])
        let idNode = try node.required("id")
        let id = try idNode.string()
        guard Identifier.isValid(id) else { throw idNode.error("'\(id)' is not a valid criterion id") }
        let questionNode = try node.required("question")
        let question = try questionNode.string().trimmingWhitespace()
        guard !question.isEmpty else { throw questionNode.error("question must not be empty") }
        let acceptanceNode = try node.optional("acceptance")
        let isAcceptance = try acceptanceNode?.bool() ?? false

        let scale: Scale
        if pairwise {
            // Pairwise criteria are answered a, b or =; a scale would mean nothing.
            if let scaleNode = try node.optional("scale") {
                throw scaleNode.error("a pairwise rubric's criteria take no scale (answers are a, b or =)")
            }
            scale = .nominal(options: ["a", "b", "="])
        } else {
            scale = try parseScale(try node.required("scale"))
        }
        if isAcceptance, let acceptanceNode {
            switch scale {
            case .binary: break
            default:
                throw acceptanceNode.error("the acceptance criterion must have a binary scale, found \(scale.typeName)")
            }
        }
        return Criterion(id: id, question: question, scale: scale, isAcceptance: isAcceptance)
    }

    private static func parseScale(_ node: YAMLNode) throws -> Scale {
        let typeNode = try node.required("type")
        let type = try typeNode.string()
        switch type {
        case "binary":
            try node.allowOnly(["type"])
            return .binary
        case "nominal":
            try node.allowOnly(["type", "options"])
            let optionsNode = try node.required("options")
            var options: [String] = []
            for element in try optionsNode.elements() {
                let option = try element.string().trimmingWhitespace()
                guard !option.isEmpty else { throw element.error("an option must not be empty") }
                guard !options.contains(option) else { throw element.error("duplicate option '\(option)'") }
                options.append(option)
            }
            guard options.count >= 2 else { throw optionsNode.error("a nominal scale needs at least two options") }
            return .nominal(options: options)
        case "ordinal":
            try node.allowOnly(["type", "min", "max", "labels"])
            let min = try node.required("min").int()
            let maxNode = try node.required("max")
            let max = try maxNode.int()
            guard max > min else { throw maxNode.error("max (\(max)) must be greater than min (\(min))") }
            guard max - min <= 100 else { throw maxNode.error("an ordinal scale may have at most 101 points") }
            var labels: [Int: String] = [:]
            if let labelsNode = try node.optional("labels") {
                for (key, value) in try labelsNode.entries() {
                    guard let point = Int(key), (min...max).contains(point) else {
                        throw value.error("label key '\(key)' is not a point of the scale \(min)…\(max)")
                    }
                    labels[point] = try value.string()
                }
            }
            return .ordinal(min: min, max: max, labels: labels)
        case "interval":
            try node.allowOnly(["type", "min", "max"])
            let min = try node.required("min").double()
            let maxNode = try node.required("max")
            let max = try maxNode.double()
            guard max > min else { throw maxNode.error("max (\(max)) must be greater than min (\(min))") }
            return .interval(min: min, max: max)
        default:
            throw typeNode.error("unknown scale type '\(type)'; expected binary, nominal, ordinal or interval")
        }
    }
}

/// Names users give things (rubrics, flags, criteria, raters, sets, scopes).
public enum Identifier {
    /// 1–64 characters of letters, digits, `-`, `_` and `.`, starting with a letter or digit.
    public static func isValid(_ text: String) -> Bool {
        // Most names are ASCII: decide those without Unicode property lookups.
        let utf8 = text.utf8
        if utf8.count <= 64, let first = utf8.first, utf8.allSatisfy({ $0 < 0x80 }) {
            func isAlphanumeric(_ byte: UInt8) -> Bool {
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            }
            return isAlphanumeric(first) && utf8.allSatisfy { isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
        }
        guard (1...64).contains(text.unicodeScalars.count), let first = text.unicodeScalars.first,
              first.properties.isAlphabetic || ("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar)
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }
}
