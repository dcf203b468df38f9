import Synchronization

/// A socket bound and listening on an address, before anything serves it: binding first reports a
/// port in use at once, before slow work such as loading a model. Connections that arrive meanwhile
/// wait in the backlog. Give it to `HTTPServer(listener:limits:handler:)`; one left unused closes
/// its socket when released.
public final class HTTPListener: Sendable {
    /// The host listened on, as given.
    public let host: String
    /// The port bound: the one asked for, or the one the system picked for port 0.
    public let port: Int
    let socket: Socket
    private let adopted = Mutex(false)

    /// Binds and listens.
    ///
    /// - Parameters:
    ///   - host: an address or name to listen on, `127.0.0.1` for this machine only.
    ///   - port: 0 lets the system pick a free port, read back from `port`.
    /// - Throws: `ModelServerError` when the address cannot be listened on.
    public init(host: String, port: Int) throws {
        let (socket, bound) = try Socket.listen(host: host, port: port, backlog: 128)
        self.host = host
        self.port = bound
        self.socket = socket
    }

    /// Hands the socket to a server, once.
    func adopt() -> Socket {
        let first = adopted.withLock { adopted -> Bool in
            defer { adopted = true }
            return !adopted
        }
        precondition(first, "an HTTPListener serves one HTTPServer")
        return socket
    }

    deinit {
        if !adopted.withLock({ $0 }) { socket.close() }
    }
}
