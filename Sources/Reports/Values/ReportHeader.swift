import Foundation

/// What every report states about itself: what it is, when and from what it was made.
public struct ReportHeader: Sendable, Hashable {
    /// The heading of the report ("Gate report for faq").
    public var title: String
    /// When the report was generated.
    public var generatedAt: Date
    /// The workspace database the facts come from (a path or a name).
    public var workspace: String
    /// The program that wrote the report ("gait 0.1.0").
    public var generator: String
    /// The filters the facts were selected with, in the order given (`scope = faq`, `since = 2026-11-01`).
    public var filters: [Filter]
    /// Plain statements a reader must know: capabilities not yet measured, data left out and why.
    public var notes: [String]

    /// One filter applied when gathering the report's facts.
    public struct Filter: Sendable, Hashable {
        /// The filter's name (`scope`, `rater`, `since`).
        public var name: String
        /// The value it was given.
        public var value: String

        /// A filter `name = value`.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A header; `filters` and `notes` default to none.
    public init(title: String, generatedAt: Date, workspace: String, generator: String,
                filters: [Filter] = [], notes: [String] = []) {
        self.title = title
        self.generatedAt = generatedAt
        self.workspace = workspace
        self.generator = generator
        self.filters = filters
        self.notes = notes
    }
}
