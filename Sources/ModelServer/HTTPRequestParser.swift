/// Parses the head of an HTTP/1.x request (RFC 9112 §2–6) from the bytes received so far.
///
/// Pure: the connection feeds it its buffer and acts on the outcome, so every malformed input is
/// testable without a socket.
struct HTTPRequestParser: Sendable {
    /// A request head and how its body is delimited.
    struct Head: Equatable {
        var method: String
        var target: String
        var version: String
        var headers: HTTPHeaders
        var contentLength: Int
        /// Bytes of the buffer the head took, the final CRLF CRLF included.
        var headLength: Int
    }

    /// An answer to send before closing: the request cannot be read.
    struct Failure: Error, Equatable {
        var status: Int
        var message: String
    }

    enum Outcome: Equatable {
        case needMore
        case head(Head)
        case failure(Failure)
    }

    var maxHeadBytes: Int
    var maxBodyBytes: Int

    func parse(_ buffer: [UInt8]) -> Outcome {
        guard let end = Self.headEnd(buffer) else {
            if buffer.count > maxHeadBytes {
                return .failure(Failure(status: 431, message: "The request head is longer than \(maxHeadBytes) bytes"))
            }
            return .needMore
        }
        guard end <= maxHeadBytes else {
            return .failure(Failure(status: 431, message: "The request head is longer than \(maxHeadBytes) bytes"))
        }
        guard let text = String(validating: buffer[0..<end - 4], as: UTF8.self) else {
            return .failure(Failure(status: 400, message: "The request head is not valid UTF-8"))
        }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst()
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].allSatisfy({ $0.isLetter && $0.isUppercase }) else {
            return .failure(Failure(status: 400, message: "Malformed request line '\(Self.clip(requestLine))'"))
        }
        let version = String(parts[2])
        guard version.hasPrefix("HTTP/") else {
            return .failure(Failure(status: 400, message: "Malformed request line '\(Self.clip(requestLine))'"))
        }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .failure(Failure(status: 505, message: "Unsupported protocol version '\(Self.clip(version))'"))
        }
        var headers = HTTPHeaders()
        for (offset, line) in lines.enumerated() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[line.startIndex].isWhitespace,
                  !line[..<colon].contains(where: \.isWhitespace) else {
                return .failure(Failure(status: 400,
                                        message: "Malformed header line \(offset + 2): '\(Self.clip(line))'"))
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.add(String(line[..<colon]), value)
        }
        if let coding = headers["Transfer-Encoding"] {
            return .failure(Failure(status: 501,
                                    message: "Transfer-Encoding '\(Self.clip(coding))' is not supported; send Content-Length"))
        }
        let lengths = Set(headers.values("Content-Length").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) })
        var contentLength = 0
        if let only = lengths.first {
            guard lengths.count == 1, let length = Int(only), length >= 0, only.allSatisfy(\.isASCII) else {
                return .failure(Failure(status: 400,
                                        message: "Invalid Content-Length '\(Self.clip(lengths.sorted().joined(separator: ",")))'"))
            }
            guard length <= maxBodyBytes else {
                return .failure(Failure(status: 413,
                                        message: "The request body is \(length) bytes, more than the limit of \(maxBodyBytes)"))
            }
            contentLength = length
        }
        return .head(Head(method: String(parts[0]), target: String(parts[1]), version: version, headers: headers,
                          contentLength: contentLength, headLength: end))
    }

    /// The index just past the first CRLF CRLF, or nil.
    static func headEnd(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 3..<buffer.count
        where buffer[index] == 10 && buffer[index - 1] == 13 && buffer[index - 2] == 10 && buffer[index - 3] == 13 {
            return index + 1
        }
        return nil
    }

    /// At most 80 characters of client-provided text, for messages.
    static func clip<S: StringProtocol>(_ text: S) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : String(text)
    }
}
