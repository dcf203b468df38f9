/// Rows of a report section that are pushed to the writer one at a time instead of held in an array.
///
/// Sections whose size grows with the workspace (one row per rating session, per run, per
/// counterfactual pair) are passed this way so that a writer never needs all of them in memory: the
/// store can walk a database cursor inside the closure. Every output of a report (HTML, XML) walks the
/// rows once, so the closure must produce the same rows each time it is called.
///
/// ```swift
/// let rows = ReportRows<GateReport.RunCost> { emit in
///     for run in try store.runCosts() { try emit(run) }
/// }
/// ```
public struct ReportRows<Row>: Sendable {
    private let produce: @Sendable (_ emit: (Row) throws -> Void) throws -> Void

    /// Rows produced by a closure that calls `emit` once per row, in order.
    ///
    /// - Parameter produce: called once per output written; errors it throws abort that output.
    public init(_ produce: @escaping @Sendable (_ emit: (Row) throws -> Void) throws -> Void) {
        self.produce = produce
    }

    /// Calls `body` with every row, in order.
    ///
    /// - Throws: whatever the producer or `body` throws.
    public func forEach(_ body: (Row) throws -> Void) throws {
        try produce(body)
    }
}

extension ReportRows where Row: Sendable {
    /// Rows held in an array (for reports small enough to keep in memory, and for tests).
    public init(_ rows: [Row]) {
        self.init { emit in
            for row in rows { try emit(row) }
        }
    }

    /// No rows.
    public static var empty: ReportRows { ReportRows([]) }
}
