import Foundation

/// Header fields in arrival order, looked up without regard to case (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Hashable {
    /// One header line: its name as sent and its value without surrounding blanks.
    public struct Field: Sendable, Hashable {
        /// The name as sent (compare without regard to case).
        public var name: String
        /// The value, surrounding blanks removed.
        public var value: String
    }

    /// Every field, in order.
    public private(set) var fields: [Field]

    /// Headers from (name, value) pairs, in order.
    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// Appends a field (a name may repeat).
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }
}

/// A parsed HTTP/1.x request with its whole body.
public struct HTTPRequest: Sendable, Hashable {
    /// `GET`, `POST`…
    public var method: String
    /// The request target as sent: path and query.
    public var target: String
    /// `HTTP/1.0` or `HTTP/1.1`.
    public var version: String
    /// The header fields.
    public var headers: HTTPHeaders
    /// The whole body (`Content-Length` bytes).
    public var body: [UInt8]

    /// A request, as the server parses it or as a test builds it.
    public init(method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The target without its query string.
    public var path: String {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
    }

    /// Whether the client wants the connection kept open after the response (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        let connection = headers.values("Connection").joined(separator: ",").lowercased()
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if version == "HTTP/1.1" { return !connection.contains("close") }
        return connection.contains("keep-alive")
    }
}

/// What a handler answers: a status, headers, and a body given whole or written as it is produced.
public struct HTTPResponse: Sendable {
    /// A body known in full, or one written while it is produced.
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Written piece by piece (chunked transfer coding for HTTP/1.1 clients). The server always
        /// calls the closure once, even when the client is already gone (its writes then throw), so
        /// resources the closure holds are released by returning.
        case stream(@Sendable (HTTPBodyWriter) async -> Void)
    }

    /// The status code; the reason phrase is `reason(status)`.
    public var status: Int
    /// Header fields; the server adds the framing (`Content-Length` or chunked) and `Connection`.
    public var headers: HTTPHeaders
    /// The body.
    public var body: Body

    /// A response; an empty body by default.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from an `Encodable` value.
    public static func json<T: Encodable>(_ value: T, status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.add("Content-Type", "application/json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding the server's own Codable values cannot fail; an empty object keeps the response valid if it did.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return HTTPResponse(status: status, headers: headers, body: .bytes(Array(data)))
    }

    /// The standard reason phrase of a status code.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}

/// Error raised by `HTTPBodyWriter.write` when the client has gone away.
public struct HTTPClientDisconnected: Error, CustomStringConvertible {
    public var description: String { "The client closed the connection" }
}
