/// What one console session did, printed when it ends.
public struct SessionSummary: Sendable, Hashable, Codable {
    /// Why the session ended.
    public enum Ending: String, Sendable, Hashable, Codable {
        /// The rater typed `q`.
        case quit
        /// The input ended.
        case endOfInput
        /// Nothing was left for this rater.
        case queueEmpty
        /// `--limit` items were saved.
        case limit
    }

    public var rater: String
    /// Ratings saved with outcome `rated` and not undone.
    public var rated: Int = 0
    /// Ratings saved with outcome `discarded` and not undone.
    public var discarded: Int = 0
    public var skipped: Int = 0
    public var undone: Int = 0
    /// Items whose lease was lost before they were saved.
    public var leasesLost: Int = 0
    /// Median active seconds per saved item, nil before any.
    public var medianSeconds: Double?
    public var ending: Ending = .quit

    public init(rater: String) { self.rater = rater }

    /// One line for the rater.
    public var text: String {
        var parts = ["\(rated) rated"]
        if discarded > 0 { parts.append("\(discarded) discarded") }
        parts.append("\(skipped) skipped")
        parts.append("\(undone) undone")
        if leasesLost > 0 { parts.append("\(leasesLost) lost to an expired lease") }
        let median = medianSeconds.map { "median \(Self.seconds($0)) per item" } ?? "no item timed"
        return "Session of \(rater): \(parts.joined(separator: ", ")); \(median)."
    }

    static func seconds(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
    }
}
