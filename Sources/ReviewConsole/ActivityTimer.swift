import Foundation

/// Measures the active time spent on an item: the sum of the gaps between the rater's inputs,
/// leaving out every gap longer than the idle threshold (the rater was away).
public struct ActivityTimer: Sendable, Hashable {
    public let idleSeconds: Double
    public private(set) var activeSeconds: Double = 0
    private var last: Date

    /// Starts timing when the item is shown.
    public init(shownAt: Date, idleSeconds: Double) {
        self.idleSeconds = idleSeconds
        self.last = shownAt
    }

    /// Records an input at `now`.
    public mutating func record(_ now: Date) {
        let gap = now.timeIntervalSince(last)
        if gap > 0 && gap <= idleSeconds { activeSeconds += gap }
        last = max(last, now)
    }
}
