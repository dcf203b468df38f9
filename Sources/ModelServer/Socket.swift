// Linux only: the server relies on MSG_NOSIGNAL and POLLRDHUP.
import Glibc

/// Why the server could not start.
public enum ModelServerError: Error, Equatable, CustomStringConvertible {
    /// The host does not resolve to an address this machine can listen on.
    case invalidAddress(host: String, port: Int, reason: String)
    /// socket, bind or listen failed (port in use, no permission…).
    case listenFailed(address: String, reason: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidAddress(let host, let port, let reason):
            "Cannot listen on \(host):\(port): \(reason)"
        case .listenFailed(let address, let reason):
            "Cannot listen on \(address): \(reason)"
        case .invalidConfiguration(let detail):
            "Invalid server configuration: \(detail)"
        }
    }
}

/// The text of an errno value.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// A TCP socket's file descriptor and the few blocking calls the server makes on it. It does not own
/// the descriptor's lifetime: whoever accepted or created it closes it, once.
struct Socket: Sendable {
    let descriptor: Int32

    /// What one `receive` got.
    enum Received {
        case bytes(Int)
        /// The peer closed its side, or the socket was shut down for reading.
        case closed
        /// Nothing arrived within the receive timeout.
        case timedOut
        case failed(Int32)
    }

    /// Opens a listening socket on `host:port` (port 0 picks a free one) and returns it with the port bound.
    static func listen(host: String, port: Int, backlog: Int32) throws(ModelServerError) -> (Socket, Int) {
        guard (0...65_535).contains(port) else {
            throw .invalidAddress(host: host, port: port, reason: "the port must be in 0...65535")
        }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let info = list else {
            throw .invalidAddress(host: host, port: port, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        let address = info.pointee.ai_family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard descriptor >= 0 else { throw .listenFailed(address: address, reason: errnoText(errno)) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0,
              Glibc.listen(descriptor, backlog) == 0 else {
            let reason = errnoText(errno)
            Glibc.close(descriptor)
            throw .listenFailed(address: address, reason: reason)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            let reason = errnoText(errno)
            Glibc.close(descriptor)
            throw .listenFailed(address: address, reason: reason)
        }
        let family = Int32(storage.ss_family)
        let bound: UInt16 = withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        }
        return (Socket(descriptor: descriptor), Int(bound))
    }

    /// Waits for a connection; nil once the listener is shut down or closed.
    func accept() -> Socket? {
        while true {
            let connection = Glibc.accept(descriptor, nil, nil)
            if connection >= 0 { return Socket(descriptor: connection) }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors or memory: wait a little instead of spinning, then try again.
                usleep(50_000)
                continue
            default: return nil
            }
        }
    }

    /// Sets how long a receive or a send may block, in seconds.
    func setTimeouts(receive: Double, send: Double) {
        for (option, seconds) in [(SO_RCVTIMEO, receive), (SO_SNDTIMEO, send)] {
            var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
            setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// Reads what is available (at most `count` bytes) and appends it to `buffer`.
    func receive(appendingTo buffer: inout [UInt8], count: Int) -> Received {
        var chunk = [UInt8](repeating: 0, count: count)
        while true {
            let read = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, count, 0) }
            if read > 0 {
                buffer.append(contentsOf: chunk[0..<read])
                return .bytes(read)
            }
            if read == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timedOut
            case ECONNRESET, ENOTCONN, ESHUTDOWN: return .closed
            case let code: return .failed(code)
            }
        }
    }

    /// Writes every byte; false when the peer is gone or the send timeout passed.
    func sendAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Whether the peer has closed or reset the connection, without blocking.
    func peerHungUp() -> Bool {
        // POLLRDHUP (Linux, <poll.h> under _GNU_SOURCE) is not imported into Swift.
        let readHangUp: Int16 = 0x2000
        var entry = pollfd(fd: descriptor, events: readHangUp, revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        let hungUp: Int16 = readHangUp | Int16(POLLHUP) | Int16(POLLERR)
        return entry.revents & hungUp != 0
    }

    /// Wakes a thread blocked in `accept` or `receive` on this socket.
    func shutdownReading() {
        _ = shutdown(descriptor, Int32(SHUT_RD))
    }

    func shutdownBoth() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
