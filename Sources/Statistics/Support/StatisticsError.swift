/// The one error type of the Statistics module.
///
/// Every message says what failed, the offending value, and where (a CSV source and line, a unit, an item).
/// Callers print ``description`` as it is; tests compare it exactly.
public enum StatisticsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument of a statistic is outside its domain, e.g. a confidence of 1.5 or trials = 0.
    case invalidArgument(name: String, value: String, expected: String)
    /// A statistic got no data to work with.
    case emptyInput(String)
    /// The input is well-formed but the statistic cannot be computed on it; the text says why.
    case invalidData(String)
    /// A CSV file is malformed or one of its fields is unusable; `line` is 1-based, counting the header.
    case csv(source: String, line: Int, message: String)

    /// The message: what failed, the offending value and where.
    public var description: String {
        switch self {
        case let .invalidArgument(name, value, expected):
            return "invalid \(name) \(value): expected \(expected)"
        case let .emptyInput(message):
            return message
        case let .invalidData(message):
            return message
        case let .csv(source, line, message):
            return "\(source):\(line): \(message)"
        }
    }
}

/// Formats a number for an error message: integers without a fraction, others in Swift's shortest form.
func formatted(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
