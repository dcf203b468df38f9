import Foundation
import Inference
@testable import ModelServer
import Testing

@Suite("HTTPServer: framing, limits, keep-alive, shutdown")
struct HTTPServerTests {
    static let echo: HTTPServer.Handler = { request in
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                     body: .bytes(Array("\(request.method) \(request.target) \(request.body.count)".utf8)))
    }

    /// (raw request, status, message) the server answers itself and then closes.
    static let malformed: [(String, Int, String)] = [
        ("GARBAGE\r\n\r\n", 400, "Malformed request line 'GARBAGE'"),
        ("get / HTTP/1.1\r\n\r\n", 400, "Malformed request line 'get / HTTP/1.1'"),
        ("GET / HTTP/2.0\r\n\r\n", 505, "Unsupported protocol version 'HTTP/2.0'"),
        ("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "Malformed header line 2: 'No colon here'"),
        ("POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400, "Invalid Content-Length 'ten'"),
        ("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "Invalid Content-Length '3,4'"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501,
         "Transfer-Encoding 'chunked' is not supported; send Content-Length"),
        ("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 413,
         "The request body is 5000 bytes, more than the limit of 1000"),
        ("GET / HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n", 431,
         "The request head is longer than 1024 bytes"),
    ]

    @Test(arguments: malformed)
    func answersMalformedRequestsAndCloses(_ raw: String, _ status: Int, _ message: String) async throws {
        let limits = HTTPServer.Limits(maxHeadBytes: 1024, maxBodyBytes: 1000)
        let responses = try await withHTTPServer(limits: limits, handler: Self.echo) { port in
            try parseResponses(try await rawExchange(port: port, Array(raw.utf8)))
        }
        #expect(responses.count == 1)
        #expect(responses.first?.status == status)
        #expect(responses.first?.headers["connection"] == "close")
        let error = try #require(try responses.first?.json(OpenAIErrorBody.self)).error
        #expect(error.message == message)
        #expect(error.type == (status >= 500 ? "server_error" : "invalid_request_error"))
    }

    @Test func keepsTheConnectionAliveForPipelinedRequests() async throws {
        let raw = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b?x=1 HTTP/1.1\r\n\r\n"
            + "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n"
        let responses = try await withHTTPServer(handler: Self.echo) { port in
            try parseResponses(try await rawExchange(port: port, Array(raw.utf8)))
        }
        #expect(responses.map(\.body) == ["POST /a 3", "GET /b?x=1 0", "GET /c 0"])
        #expect(responses.map { $0.headers["connection"] } == ["keep-alive", "keep-alive", "close"])
    }

    @Test func answersExpect100Continue() async throws {
        let raw = "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        let bytes = try await withHTTPServer(handler: Self.echo) { port in
            try await rawExchange(port: port, Array(raw.utf8), continueWith: Array("hi".utf8))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("POST /x 2"))
    }

    @Test func streamsToHTTP10ClientsUntilClose() async throws {
        let responses = try await withHTTPServer(handler: { _ in
            HTTPResponse(status: 200, body: .stream { writer in
                try? writer.write("one ")
                try? writer.write("two")
            })
        }) { port in
            try parseResponses(try await rawExchange(port: port, Array("GET / HTTP/1.0\r\n\r\n".utf8)))
        }
        #expect(responses.map(\.body) == ["one two"])
        #expect(responses.first?.headers["transfer-encoding"] == nil)
        #expect(responses.first?.headers["connection"] == "close")
    }

    @Test func refusesConnectionsBeyondTheLimit() async throws {
        let generator = GatedGenerator()
        let api = try ModelServer(generator: generator, configuration: testConfiguration())
        let request = "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 48\r\nConnection: close\r\n\r\n"
            + #"{"messages": [{"role": "user", "content": "x"}]}"#
        let (first, second) = try await withHTTPServer(limits: HTTPServer.Limits(maxConnections: 1),
                                                       handler: api.respond) { port in
            async let first = rawExchange(port: port, Array(request.utf8))
            await generator.waitForStarts(1)
            let second = try await rawExchange(port: port, Array(request.utf8))
            generator.open()
            return (try parseResponses(try await first), try parseResponses(second))
        }
        #expect(first.map(\.status) == [200])
        #expect(second.map(\.status) == [503])
        #expect(try second.first?.json(OpenAIErrorBody.self).error.message
            == "The server has 1 open connections; try again")
    }

    @Test func shutdownClosesIdleConnectionsAndRunReturns() async throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, handler: Self.echo)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await server.run() }
            // A connection that sends nothing: run() must still return after shutdown().
            group.addTask { _ = try await rawExchange(port: server.port, []) }
            _ = try await rawHTTP(port: server.port, method: "GET", path: "/")
            server.shutdown()
            server.shutdown()
            try await group.waitForAll()
        }
        await #expect(throws: RawHTTPError.self) {
            try await rawHTTP(port: server.port, method: "GET", path: "/")
        }
    }

    @Test func cancellingRunStopsTheServer() async throws {
        let generator = GatedGenerator()
        let api = try ModelServer(generator: generator, configuration: testConfiguration())
        let server = try HTTPServer(host: "127.0.0.1", port: 0, handler: api.respond)
        let running = Task { await server.run() }
        let reply = Task {
            try await rawHTTP(port: server.port, path: "/v1/chat/completions",
                              body: #"{"messages": [{"role": "user", "content": "x"}]}"#)
        }
        await generator.waitForStarts(1)
        running.cancel()
        await running.value
        let response = try await reply.value
        #expect(response.status == 503)
        #expect(try response.json(OpenAIErrorBody.self).error.message == "The request was cancelled before it completed")
        #expect(generator.cancelled == 1)
    }

    @Test func listeningOnABusyPortFailsWithTheAddress() throws {
        let first = try HTTPServer(host: "127.0.0.1", port: 0, handler: Self.echo)
        defer { first.shutdown() }
        #expect(throws: ModelServerError.listenFailed(address: "127.0.0.1:\(first.port)",
                                                      reason: "Address already in use")) {
            try HTTPServer(host: "127.0.0.1", port: first.port, handler: Self.echo)
        }
        #expect(ModelServerError.listenFailed(address: "127.0.0.1:1", reason: "Address already in use").description
            == "Cannot listen on 127.0.0.1:1: Address already in use")
    }

    @Test func refusesABadHostOrPort() {
        #expect(throws: ModelServerError.invalidAddress(host: "127.0.0.1", port: 70_000,
                                                        reason: "the port must be in 0...65535")) {
            try HTTPServer(host: "127.0.0.1", port: 70_000, handler: Self.echo)
        }
        let error = #expect(throws: ModelServerError.self) {
            try HTTPServer(host: "no such host.invalid", port: 0, handler: Self.echo)
        }
        #expect(error?.description.hasPrefix("Cannot listen on no such host.invalid:0: ") == true)
    }

    @Test func aListenerBoundEarlierServesRequestsThatArrivedBefore() async throws {
        let listener = try HTTPListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        let response = try await withThrowingTaskGroup(of: RawResponse?.self) { group in
            // The request is sent before any server exists: it waits in the backlog.
            group.addTask { try await rawHTTP(port: port, method: "GET", path: "/early") }
            let server = try HTTPServer(listener: listener, handler: Self.echo)
            #expect(server.port == port)
            group.addTask { await server.run(); return nil }
            var response: RawResponse?
            while let next = try await group.next() {
                if let next {
                    response = next
                    server.shutdown()
                }
            }
            return response
        }
        #expect(response?.body == "GET /early 0")
    }

    @Test func refusesBadLimits() {
        #expect(throws: ModelServerError.invalidConfiguration(
            "maxConnections must be at least 1 and maxHeadBytes at least 256")) {
            try HTTPServer(host: "127.0.0.1", port: 0, limits: HTTPServer.Limits(maxConnections: 0), handler: Self.echo)
        }
    }

    @Test func refusesABadConfiguration() {
        #expect(throws: ModelServerError.invalidConfiguration("contextLength must be at least 1, got 0")) {
            try ModelServer(generator: FakeGenerator(), configuration: .init(contextLength: 0))
        }
        #expect(ModelServerError.invalidConfiguration("x").description == "Invalid server configuration: x")
    }

    @Test func parserWaitsForAWholeHead() {
        let parser = HTTPRequestParser(maxHeadBytes: 1024, maxBodyBytes: 1024)
        #expect(parser.parse(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)) == .needMore)
        guard case .head(let head) = parser.parse(Array("GET /v1/models?a=b HTTP/1.1\r\nHost:  x \r\n\r\nrest".utf8)) else {
            Issue.record("expected a head")
            return
        }
        #expect(head.method == "GET")
        #expect(head.target == "/v1/models?a=b")
        #expect(head.headers["host"] == "x")
        #expect(head.headLength == 42)
        #expect(HTTPRequest(method: "GET", target: head.target).path == "/v1/models")
    }

    @Test(arguments: [("HTTP/1.1", "", true), ("HTTP/1.1", "close", false), ("HTTP/1.0", "", false),
                      ("HTTP/1.0", "Keep-Alive", true), ("HTTP/1.1", "upgrade, Close", false)])
    func keepAliveFollowsVersionAndConnectionHeader(_ version: String, _ connection: String, _ expected: Bool) {
        let headers = connection.isEmpty ? HTTPHeaders() : HTTPHeaders([("Connection", connection)])
        #expect(HTTPRequest(method: "GET", target: "/", version: version, headers: headers).wantsKeepAlive == expected)
    }
}
