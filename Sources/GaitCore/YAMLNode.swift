import Yams

/// A YAML node that knows where it came from, so every error names file, line and key.
///
/// Used by every YAML format Gait reads (rubrics, `gait.yaml`, gate rules).
public struct YAMLNode {
    /// The file (or other source description) the node was read from.
    public let source: String
    /// The dotted path of keys leading to this node, e.g. `criteria[1].scale.min`.
    public let path: String
    let node: Node

    /// Parses YAML text; syntax errors are reported with their line and column.
    public static func parse(_ text: String, source: String) throws -> YAMLNode {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw InputError(source: source, line: 1, problem: "the file is empty")
            }
            return YAMLNode(source: source, path: "", node: node)
        } catch let error as InputError {
            throw error
        } catch let error as YamlError {
            switch error {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
                 let .composer(_, problem, mark, _):
                throw InputError(source: source, line: mark.line, column: mark.column,
                                 problem: "invalid YAML: \(problem)")
            case let .duplicatedKeysInMapping(duplicates, _):
                throw InputError(source: source, problem: "duplicate keys: \(duplicates.joined(separator: ", "))")
            default:
                throw InputError(source: source, problem: "invalid YAML: \(error)")
            }
        }
    }

    /// 1-based line of this node.
    public var line: Int? { node.mark?.line }
    /// 1-based column of this node.
    public var column: Int? { node.mark?.column }

    /// An error located at this node.
    public func error(_ problem: String) -> InputError {
        InputError(source: source, line: line, column: column, key: path.isEmpty ? nil : path, problem: problem)
    }

    // MARK: Mappings

    /// The keys of this mapping in file order; throws unless the node is a mapping.
    public func keys() throws -> [String] {
        guard let mapping = node.mapping else { throw error("expected a mapping of keys to values") }
        return mapping.keys.compactMap(\.string)
    }

    /// The value of `key`, or nil when absent (or null).
    public func optional(_ key: String) throws -> YAMLNode? {
        guard let mapping = node.mapping else { throw error("expected a mapping of keys to values") }
        guard let value = mapping[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain,
           ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        return YAMLNode(source: source, path: child(key), node: value)
    }

    /// The value of `key`; a missing key is an error that names it.
    public func required(_ key: String) throws -> YAMLNode {
        guard let value = try optional(key) else {
            throw InputError(source: source, line: line, column: column, key: child(key),
                             problem: "missing required key")
        }
        return value
    }

    /// Refuses keys outside `allowed`, naming the first unknown one and listing the allowed.
    public func allowOnly(_ allowed: Set<String>) throws {
        guard let mapping = node.mapping else { throw error("expected a mapping of keys to values") }
        for (key, _) in mapping {
            let name = key.string ?? "?"
            if !allowed.contains(name) {
                throw InputError(source: source, line: key.mark?.line, column: key.mark?.column, key: child(name),
                                 problem: "unknown key; expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    /// The (key, value) pairs of this mapping in file order.
    public func entries() throws -> [(key: String, value: YAMLNode)] {
        guard let mapping = node.mapping else { throw error("expected a mapping of keys to values") }
        return mapping.map { key, value in
            let name = key.string ?? "?"
            return (name, YAMLNode(source: source, path: child(name), node: value))
        }
    }

    // MARK: Sequences

    /// The elements of this sequence; throws unless the node is a sequence.
    public func elements() throws -> [YAMLNode] {
        guard let sequence = node.sequence else { throw error("expected a list") }
        return sequence.enumerated().map { index, value in
            YAMLNode(source: source, path: "\(path)[\(index)]", node: value)
        }
    }

    // MARK: Scalars

    /// The node as a string; throws for lists and mappings.
    public func string() throws -> String {
        guard let scalar = node.scalar else { throw error("expected a text value") }
        return scalar.string
    }

    /// The node as an integer.
    public func int() throws -> Int {
        guard let scalar = node.scalar, let value = Int(scalar.string) else {
            throw error("expected a whole number, found \(describe())")
        }
        return value
    }

    /// The node as a number.
    public func double() throws -> Double {
        guard let scalar = node.scalar, let value = node.float, value.isFinite else {
            throw error("expected a number, found \(describe())")
        }
        _ = scalar
        return value
    }

    /// The node as a boolean (`true`/`false`, `yes`/`no`).
    public func bool() throws -> Bool {
        guard node.scalar != nil, let value = node.bool else {
            throw error("expected true or false, found \(describe())")
        }
        return value
    }

    /// A short rendering of the node for messages.
    public func describe() -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}
