import Foundation

/// How `OpenAICompatibleGenerator` retries answers that say "try again": HTTP 429 and 5xx, and a
/// connection lost mid-request.
///
/// The wait before retry `k` (1-based) is `initialDelay · 2^(k−1)`, capped at `maxDelay`; a
/// `Retry-After` header (seconds or an HTTP date, RFC 9110 §10.2.3) replaces it, and one longer than
/// `maxDelay` ends the retries with `OpenAIClientError.retryAfterTooLong`.
public struct OpenAIRetryPolicy: Sendable {
    /// Tries in all, the first included; 1 disables retries.
    public var maxAttempts: Int
    /// Seconds before the first retry.
    public var initialDelay: Double
    /// The longest wait, for backoff and for Retry-After.
    public var maxDelay: Double
    /// Waits the given seconds; injected so tests observe the delays without sleeping.
    public var sleep: @Sendable (Double) async throws -> Void

    /// Four attempts, waiting 0.5 s, 1 s, 2 s (or what Retry-After asks, up to 60 s).
    public init(maxAttempts: Int = 4, initialDelay: Double = 0.5, maxDelay: Double = 60,
                sleep: @escaping @Sendable (Double) async throws -> Void = { seconds in
                    try await Task.sleep(for: .seconds(seconds))
                }) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// The backoff before retry number `retry` (1 for the first retry), without Retry-After.
    public func backoff(beforeRetry retry: Int) -> Double {
        min(maxDelay, initialDelay * pow(2, Double(retry - 1)))
    }

    /// Seconds a `Retry-After` value asks to wait, or nil when it is neither delta-seconds nor an
    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    public static func retryAfterSeconds(_ value: String, now: Date) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 {
            return Double(seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
