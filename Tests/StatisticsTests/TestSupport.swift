import Foundation
import Testing

extension Tag {
    @Tag static var slow: Tag
}

/// A decoded JSON value, for reading the published-cases fixture.
enum JSON: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    subscript(key: String) -> JSON {
        if case let .object(o) = self, let v = o[key] { return v }
        return .null
    }

    subscript(index: Int) -> JSON {
        if case let .array(a) = self, a.indices.contains(index) { return a[index] }
        return .null
    }

    var double: Double? {
        if case let .number(n) = self { return n }
        return nil
    }

    var array: [JSON] {
        if case let .array(a) = self { return a }
        return []
    }

    var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }
}

/// The fixtures directory next to this file.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The published cases, by name.
func publishedCases() throws -> [String: JSON] {
    let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent("published_cases.json"))
    var cases: [String: JSON] = [:]
    for item in try JSONDecoder().decode(JSON.self, from: data).array {
        if let name = item["name"].string { cases[name] = item }
    }
    return cases
}

/// Whether `actual` is within `tolerance` of `expected`.
func close(_ actual: Double?, _ expected: Double, _ tolerance: Double = 1e-9) -> Bool {
    guard let actual else { return false }
    return abs(actual - expected) <= tolerance
}

/// Parses CSV text for the report tests.
func table(_ text: String, source: String = "in.csv") throws -> Statistics.CSVTable {
    try Statistics.CSVTable(parsing: text, source: source)
}

import Statistics
