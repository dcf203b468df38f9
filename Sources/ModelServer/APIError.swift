import Inference

/// An error answer of the OpenAI-compatible API: a status and OpenAI's error body
/// (`{"error": {"message", "type", "param", "code"}}`).
struct APIError: Error, Equatable {
    var status: Int
    var message: String
    var type: String
    var param: String?
    var code: String?
    var retryAfter: Int?

    /// A 400 `invalid_request_error`.
    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// `Invalid value for 'name': value; expected …` for a parameter out of range.
    static func invalidValue(_ param: String, _ value: String, expected: String) -> APIError {
        invalid("Invalid value for '\(param)': \(value); expected \(expected)", param: param, code: "invalid_value")
    }

    var response: HTTPResponse {
        var headers = HTTPHeaders()
        if let retryAfter { headers.add("Retry-After", String(retryAfter)) }
        return .json(OpenAIErrorBody(error: .init(message: message, type: type, param: param, code: code)),
                     status: status, headers: headers)
    }
}
