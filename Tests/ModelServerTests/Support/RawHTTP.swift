import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP response as read off the wire by `rawHTTP`.
struct RawResponse: Sendable {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    /// The body, de-chunked when the response was chunked.
    var body: String

    /// The `data:` payloads of a server-sent event stream, in order.
    var events: [String] {
        body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : "NOT AN EVENT: \($0)"
        }
    }

    /// The body decoded as JSON.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.utf8))
    }
}

enum RawHTTPError: Error, CustomStringConvertible {
    case connect(Int32), malformed(String)
    var description: String {
        switch self {
        case .connect(let code): "connect failed: \(String(cString: strerror(code)))"
        case .malformed(let text): "malformed response: \(text.prefix(200))"
        }
    }
}

/// Sends `text` (CRLF line ends are the caller's) to 127.0.0.1:`port` and reads until the server
/// closes the connection. The blocking socket calls run on their own thread.
/// With `continueWith`, those bytes are sent once the first response head (`100 Continue`) arrived.
func rawExchange(port: Int, _ bytes: [UInt8], halfClose: Bool = false,
                 continueWith: [UInt8]? = nil) async throws -> [UInt8] {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
        Thread {
            continuation.resume(with: Result { try blockingExchange(port: port, bytes, halfClose: halfClose,
                                                                    continueWith: continueWith) })
        }.start()
    }
}

/// An open connection, for tests that keep a response streaming.
struct OpenConnection: Sendable {
    let descriptor: Int32
    func close() { _ = Glibc.close(descriptor) }
}

/// Connects, sends `bytes`, and returns once the response contains `marker`, leaving the
/// connection open.
func openStream(port: Int, _ bytes: [UInt8], until marker: [UInt8]) async throws -> OpenConnection {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<OpenConnection, any Error>) in
        Thread {
            continuation.resume(with: Result {
                let descriptor = try connectLoopback(port: port)
                sendAll(descriptor, bytes)
                var received: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while received.firstRange(of: marker) == nil {
                    let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 4096, 0) }
                    guard count > 0 else {
                        Glibc.close(descriptor)
                        throw RawHTTPError.malformed(String(decoding: received, as: UTF8.self))
                    }
                    received += chunk[0..<count]
                }
                return OpenConnection(descriptor: descriptor)
            })
        }.start()
    }
}

private func connectLoopback(port: Int) throws -> Int32 {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw RawHTTPError.connect(errno) }
    var timeout = timeval(tv_sec: 300, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        let code = errno
        Glibc.close(descriptor)
        throw RawHTTPError.connect(code)
    }
    return descriptor
}

private func blockingExchange(port: Int, _ bytes: [UInt8], halfClose: Bool, continueWith: [UInt8]?) throws -> [UInt8] {
    let descriptor = try connectLoopback(port: port)
    defer { close(descriptor) }
    sendAll(descriptor, bytes)
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    if let continueWith {
        while received.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 65_536, 0) }
            if count <= 0 { break }
            received += chunk[0..<count]
        }
        sendAll(descriptor, continueWith)
    }
    if halfClose { shutdown(descriptor, Int32(SHUT_WR)) }
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 65_536, 0) }
        if count <= 0 { break }
        received += chunk[0..<count]
    }
    return received
}

private func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes {
            send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
        }
        // The server may answer and close before reading everything (413, 431): stop sending then.
        if written <= 0 { break }
        offset += written
    }
}

/// Sends one request (adding `Connection: close`) and parses the one response.
func rawHTTP(port: Int, method: String = "POST", path: String, body: String? = nil,
             headers: [String] = []) async throws -> RawResponse {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for header in headers { text += header + "\r\n" }
    if let body {
        text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    } else {
        text += "\r\n"
    }
    let bytes = try await rawExchange(port: port, Array(text.utf8))
    let responses = try parseResponses(bytes)
    guard responses.count == 1 else { throw RawHTTPError.malformed("\(responses.count) responses") }
    return responses[0]
}

/// Parses consecutive responses (keep-alive) from raw bytes.
func parseResponses(_ bytes: [UInt8]) throws -> [RawResponse] {
    var rest = bytes[...]
    var responses: [RawResponse] = []
    while !rest.isEmpty {
        guard let headEnd = rest.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw RawHTTPError.malformed(String(decoding: rest, as: UTF8.self))
        }
        let head = String(decoding: rest[..<headEnd.lowerBound], as: UTF8.self)
        rest = rest[headEnd.upperBound...]
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawHTTPError.malformed(head) }
        if status == 100 { continue }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPError.malformed(head) }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap(Int.init) {
            body = Array(rest.prefix(length))
            rest = rest.dropFirst(length)
        } else if headers["transfer-encoding"] == "chunked" {
            while true {
                guard let lineEnd = rest.firstRange(of: Array("\r\n".utf8)),
                      let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) else {
                    throw RawHTTPError.malformed(String(decoding: rest, as: UTF8.self))
                }
                rest = rest[lineEnd.upperBound...]
                if size == 0 {
                    rest = rest.dropFirst(2)
                    break
                }
                body += rest.prefix(size)
                rest = rest.dropFirst(size + 2)
            }
        } else {
            body = Array(rest)
            rest = []
        }
        responses.append(RawResponse(status: status, headers: headers, body: String(decoding: body, as: UTF8.self)))
    }
    return responses
}
