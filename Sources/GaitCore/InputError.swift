/// Bad input in a file or argument a user wrote: says what, the offending value, and where.
///
/// The message reads `FILE:LINE:COLUMN: KEY: problem`, with the parts that are known.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or a description such as `--rubric`) the input came from.
    public var source: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The key or field at fault, when there is one.
    public var key: String?
    /// What is wrong, naming the offending value.
    public var problem: String

    public init(source: String, line: Int? = nil, column: Int? = nil, key: String? = nil, problem: String) {
        self.source = source
        self.line = line
        self.column = column
        self.key = key
        self.problem = problem
    }

    public var description: String {
        var location = source
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        if let key { return "\(location): \(key): \(problem)" }
        return "\(location): \(problem)"
    }
}
