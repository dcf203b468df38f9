import Foundation
import Inference
import Synchronization

/// A small HTTP/1.1 server over POSIX sockets: enough for a JSON API with server-sent events.
///
/// Blocking socket calls run on plain threads (one accept thread, one thread per connection, at most
/// `Limits.maxConnections`), never on the concurrency runtime's threads; each request is handed to
/// `run()`'s task group, where `handler` runs as a child task. A connection thread writes the bytes
/// its request's task produces, then reads the next request (keep-alive) or closes.
///
/// A client that disconnects while its request is handled cancels that task. `shutdown()` stops
/// accepting, closes idle connections and lets requests in progress finish; cancelling the task
/// that runs `run()` also cancels them (their clients get a 503).
///
/// ```swift
/// let server = try HTTPServer(host: "127.0.0.1", port: 0) { request in HTTPResponse(status: 204) }
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { await server.run() }
///     // … talk to 127.0.0.1:\(server.port) …
///     server.shutdown()
/// }
/// ```
public final class HTTPServer: Sendable {
    /// Bounds on what one client can make the server hold.
    public struct Limits: Sendable {
        /// Open connections; one more is answered 503 and closed.
        public var maxConnections: Int
        /// Bytes of a request line and headers.
        public var maxHeadBytes: Int
        /// Bytes of a request body; a larger Content-Length gets 413.
        public var maxBodyBytes: Int
        /// Seconds a connection may stay silent while the server waits for a request.
        public var idleTimeout: Double
        /// Seconds one socket write may block on a client that does not read.
        public var sendTimeout: Double

        /// Limits for a server on one machine serving a handful of clients.
        public init(maxConnections: Int = 64, maxHeadBytes: Int = 16 * 1024, maxBodyBytes: Int = 4 * 1024 * 1024,
                    idleTimeout: Double = 30, sendTimeout: Double = 30) {
            self.maxConnections = maxConnections
            self.maxHeadBytes = maxHeadBytes
            self.maxBodyBytes = maxBodyBytes
            self.idleTimeout = idleTimeout
            self.sendTimeout = sendTimeout
        }
    }

    /// Answers one request. Handlers never throw: errors are responses too.
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// The host the server listens on, as given.
    public let host: String
    /// The port bound: the one asked for, or the one the system picked for port 0.
    public let port: Int
    /// The limits the server enforces.
    public let limits: Limits
    private let handler: Handler
    private let listener: Socket
    private let state = Mutex(State())

    private struct Exchange: Sendable {
        var request: HTTPRequest
        var channel: ResponseChannel
    }

    private enum Phase { case ready, running, stopping, stopped }

    private struct Connection {
        var socket: Socket
        var busy: Bool
    }

    private struct State {
        var phase = Phase.ready
        var exchanges: AsyncStream<Exchange>.Continuation?
        var connections: [Int32: Connection] = [:]
        var pending: [ObjectIdentifier: ResponseChannel] = [:]
        /// The accept thread and the connection threads still alive.
        var threads = 0
        var drained: CheckedContinuation<Void, Never>?
    }

    /// Binds and listens at once, so a port in use is reported before anything runs.
    ///
    /// - Parameters:
    ///   - host: an address or name to listen on, `127.0.0.1` for this machine only.
    ///   - port: 0 lets the system pick a free port, read back from `port`.
    /// - Throws: `ModelServerError` when the address cannot be listened on or `limits` are out of range.
    public convenience init(host: String, port: Int, limits: Limits = Limits(), handler: @escaping Handler) throws {
        try Self.check(limits)
        try self.init(listener: HTTPListener(host: host, port: port), limits: limits, handler: handler)
    }

    /// Serves a socket bound earlier.
    /// - Throws: `ModelServerError.invalidConfiguration` when `limits` are out of range.
    public init(listener: HTTPListener, limits: Limits = Limits(), handler: @escaping Handler) throws {
        try Self.check(limits)
        self.host = listener.host
        self.port = listener.port
        self.limits = limits
        self.handler = handler
        self.listener = listener.adopt()
    }

    private static func check(_ limits: Limits) throws {
        guard limits.maxConnections >= 1, limits.maxHeadBytes >= 256, limits.maxBodyBytes >= 0 else {
            throw ModelServerError.invalidConfiguration(
                "maxConnections must be at least 1 and maxHeadBytes at least 256")
        }
    }

    deinit {
        let phase = state.withLock { $0.phase }
        if phase == .ready { listener.close() }
    }

    /// Serves until `shutdown()` is called or the calling task is cancelled, then returns once every
    /// connection is closed. Call it once.
    public func run() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Exchange.self)
        let starts = state.withLock { state -> Bool in
            guard state.phase == .ready else { return false }
            state.phase = .running
            state.exchanges = continuation
            state.threads = 1
            return true
        }
        guard starts else {
            continuation.finish()
            return
        }
        Thread { self.acceptConnections() }.start()
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await exchange in stream {
                    group.addTask { await self.serve(exchange) }
                }
            }
        } onCancel: {
            self.shutdown()
        }
        // Requests accepted but never handed to a task (cancellation ends the loop early) get a 503.
        let leftovers = state.withLock { state in
            state.phase = .stopped
            state.exchanges = nil
            continuation.finish()
            return Array(state.pending.values)
        }
        for channel in leftovers {
            channel.abandon(with: Self.errorBytes(status: 503, message: "The server is shutting down"))
        }
        await withCheckedContinuation { (drained: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.threads == 0 { return true }
                state.drained = drained
                return false
            }
            if done { drained.resume() }
        }
        listener.close()
    }

    /// Stops accepting connections and closes idle ones; requests in progress finish first.
    /// `run()` returns once all connections are closed. Safe to call more than once, from anywhere.
    public func shutdown() {
        state.withLock { state in
            switch state.phase {
            case .ready:
                state.phase = .stopped
                listener.close()
            case .running:
                state.phase = .stopping
                listener.shutdownBoth()
                for connection in state.connections.values where !connection.busy {
                    connection.socket.shutdownReading()
                }
            case .stopping, .stopped:
                break
            }
        }
    }

    // MARK: - Threads

    private func acceptConnections() {
        while let socket = listener.accept() {
            let refusal = state.withLock { state -> String? in
                guard state.phase == .running else { return "The server is shutting down" }
                guard state.connections.count < limits.maxConnections else {
                    return "The server has \(limits.maxConnections) open connections; try again"
                }
                state.connections[socket.descriptor] = Connection(socket: socket, busy: false)
                state.threads += 1
                return nil
            }
            if let refusal {
                socket.setTimeouts(receive: 1, send: 1)
                _ = socket.sendAll(Self.errorBytes(status: 503, message: refusal))
                socket.close()
            } else {
                Thread { self.serveConnection(socket) }.start()
            }
        }
        threadExited()
    }

    private func threadExited() {
        let (drained, exchanges) = state.withLock { state -> (CheckedContinuation<Void, Never>?, AsyncStream<Exchange>.Continuation?) in
            state.threads -= 1
            guard state.threads == 0, state.phase != .running else { return (nil, nil) }
            let drained = state.drained
            state.drained = nil
            return (drained, state.exchanges)
        }
        // With no thread left nobody can submit a request: the request loop may end.
        exchanges?.finish()
        drained?.resume()
    }

    private func serveConnection(_ socket: Socket) {
        defer {
            state.withLock { _ = $0.connections.removeValue(forKey: socket.descriptor) }
            socket.close()
            threadExited()
        }
        socket.setTimeouts(receive: limits.idleTimeout, send: limits.sendTimeout)
        let parser = HTTPRequestParser(maxHeadBytes: limits.maxHeadBytes, maxBodyBytes: limits.maxBodyBytes)
        var buffer: [UInt8] = []
        while true {
            guard let request = readRequest(from: socket, parser: parser, buffer: &buffer) else { return }
            let channel = ResponseChannel()
            guard submit(Exchange(request: request, channel: channel), on: socket) else {
                _ = socket.sendAll(Self.errorBytes(status: 503, message: "The server is shutting down"))
                return
            }
            var keepAlive = false
            writing: while true {
                switch channel.next(pollInterval: 0.25, peerHungUp: socket.peerHungUp) {
                case .bytes(let bytes):
                    if !socket.sendAll(bytes) {
                        channel.markDisconnected()
                    }
                case .finished(let keep):
                    keepAlive = keep
                    break writing
                }
            }
            let open = state.withLock { state -> Bool in
                state.pending[ObjectIdentifier(channel)] = nil
                state.connections[socket.descriptor]?.busy = false
                return state.phase == .running
            }
            guard keepAlive, open, request.wantsKeepAlive else { return }
        }
    }

    /// Hands a request to `run()`'s task group; false when the server no longer takes requests.
    private func submit(_ exchange: Exchange, on socket: Socket) -> Bool {
        state.withLock { state in
            guard state.phase == .running, let exchanges = state.exchanges else { return false }
            guard case .enqueued = exchanges.yield(exchange) else { return false }
            state.pending[ObjectIdentifier(exchange.channel)] = exchange.channel
            state.connections[socket.descriptor]?.busy = true
            return true
        }
    }

    /// Reads one whole request; nil when the connection should close (after answering a bad request).
    private func readRequest(from socket: Socket, parser: HTTPRequestParser, buffer: inout [UInt8]) -> HTTPRequest? {
        var head: HTTPRequestParser.Head
        while true {
            switch parser.parse(buffer) {
            case .needMore:
                switch socket.receive(appendingTo: &buffer, count: 16 * 1024) {
                case .bytes: continue
                case .timedOut:
                    if !buffer.isEmpty {
                        _ = socket.sendAll(Self.errorBytes(status: 408, message: "The request did not arrive in time"))
                    }
                    return nil
                case .closed, .failed: return nil
                }
            case .failure(let failure):
                _ = socket.sendAll(Self.errorBytes(status: failure.status, message: failure.message))
                return nil
            case .head(let parsed):
                head = parsed
            }
            break
        }
        let end = head.headLength + head.contentLength
        if buffer.count < end, head.headers["Expect"]?.lowercased() == "100-continue" {
            guard socket.sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        while buffer.count < end {
            switch socket.receive(appendingTo: &buffer, count: min(64 * 1024, end - buffer.count)) {
            case .bytes: continue
            case .timedOut:
                _ = socket.sendAll(Self.errorBytes(status: 408, message: "The request body did not arrive in time"))
                return nil
            case .closed, .failed: return nil
            }
        }
        let body = Array(buffer[head.headLength..<end])
        buffer.removeFirst(end)
        return HTTPRequest(method: head.method, target: head.target, version: head.version, headers: head.headers,
                           body: body)
    }

    // MARK: - Tasks

    private func serve(_ exchange: Exchange) async {
        let channel = exchange.channel
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let response = await self.handler(exchange.request)
                await Self.write(response, for: exchange.request, to: channel)
            }
            group.addTask { await channel.waitUntilDisconnectedOrFinished() }
            await group.next()
            group.cancelAll()
        }
        channel.finish(keepAlive: false)
    }

    private static func write(_ response: HTTPResponse, for request: HTTPRequest, to channel: ResponseChannel) async {
        let keepAlive = request.wantsKeepAlive
        switch response.body {
        case .bytes(let body):
            channel.send(head(response, version: request.version, framing: .length(body.count), keepAlive: keepAlive)
                + body)
            channel.finish(keepAlive: keepAlive)
        case .stream(let produce):
            let chunked = request.version == "HTTP/1.1"
            channel.send(head(response, version: request.version, framing: chunked ? .chunked : .untilClose,
                              keepAlive: chunked && keepAlive))
            await produce(HTTPBodyWriter(channel: channel, chunked: chunked))
            if chunked { channel.send(Array("0\r\n\r\n".utf8)) }
            channel.finish(keepAlive: chunked && keepAlive)
        }
    }

    private enum Framing {
        case length(Int)
        case chunked
        case untilClose
    }

    private static func head(_ response: HTTPResponse, version: String, framing: Framing, keepAlive: Bool) -> [UInt8] {
        var text = "\(version) \(response.status) \(HTTPResponse.reason(response.status))\r\n"
        for field in response.headers.fields {
            text += "\(field.name): \(field.value)\r\n"
        }
        switch framing {
        case .length(let count): text += "Content-Length: \(count)\r\n"
        case .chunked: text += "Transfer-Encoding: chunked\r\n"
        case .untilClose: break
        }
        text += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// A complete response with an OpenAI-style error body, closing the connection.
    static func errorBytes(status: Int, message: String) -> [UInt8] {
        let type = status >= 500 ? "server_error" : "invalid_request_error"
        let response = HTTPResponse.json(
            OpenAIErrorBody(error: .init(message: message, type: type, param: nil, code: nil)), status: status)
        guard case .bytes(let body) = response.body else { return [] }
        return head(response, version: "HTTP/1.1", framing: .length(body.count), keepAlive: false) + body
    }
}
