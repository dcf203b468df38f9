import Foundation

/// Why a request to an OpenAI-compatible server failed. Every message names the URL; none contains
/// the API key (server-provided text is redacted before it gets here).
public enum OpenAIClientError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The endpoint given is not an http(s) URL with a host.
    case invalidEndpoint(String)
    /// Nothing listens at the host and port.
    case connectionRefused(url: String)
    /// The host name does not resolve.
    case hostNotFound(url: String)
    /// No answer within the configured timeout.
    case timedOut(url: String, seconds: Double)
    /// Any other network failure, with the system's description.
    case transport(url: String, detail: String)
    /// A non-2xx answer: after `attempts` tries for 429 and 5xx, at once for other statuses.
    case httpStatus(url: String, status: Int, message: String, attempts: Int)
    /// The server asked to wait longer (Retry-After) than the retry policy allows.
    case retryAfterTooLong(url: String, status: Int, seconds: Double, limit: Double)
    /// A 2xx answer whose body is not the JSON expected.
    case badJSON(url: String, detail: String, bodyExcerpt: String)
    /// A 2xx answer without a field the client needs.
    case missingField(url: String, field: String)
    /// A 2xx answer with an empty `choices` list to a request for one candidate.
    case noChoices(url: String)
    /// The request cannot be sent (for example `n` below 1).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let value):
            "Invalid endpoint '\(value)': expected an http:// or https:// URL with a host, "
                + "such as http://127.0.0.1:8080"
        case .connectionRefused(let url):
            "Could not connect to \(url): connection refused (is the server running and listening there?)"
        case .hostNotFound(let url):
            "Could not connect to \(url): the host name does not resolve"
        case .timedOut(let url, let seconds):
            "POST \(url) timed out after \(Self.format(seconds)) s"
        case .transport(let url, let detail):
            "POST \(url) failed: \(detail)"
        case .httpStatus(let url, let status, let message, let attempts):
            "POST \(url) failed with HTTP \(status)" + (attempts > 1 ? " after \(attempts) attempts" : "")
                + (message.isEmpty ? "" : ": \(message)")
        case .retryAfterTooLong(let url, let status, let seconds, let limit):
            "POST \(url) got HTTP \(status) asking to retry after \(Self.format(seconds)) s, "
                + "longer than the \(Self.format(limit)) s this client waits"
        case .badJSON(let url, let detail, let excerpt):
            "POST \(url) returned a body that is not the expected JSON (\(detail)): \(excerpt)"
        case .missingField(let url, let field):
            "POST \(url) returned a response without '\(field)'"
        case .noChoices(let url):
            "POST \(url) returned no choices"
        case .invalidRequest(let detail):
            "Invalid generation request: \(detail)"
        }
    }

    public var errorDescription: String? { description }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.3g", seconds)
    }
}
