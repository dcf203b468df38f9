import Foundation

/// Carries one response's bytes from the task that produces them to the connection thread that
/// writes them, so no blocking socket call ever runs on the concurrency runtime's few threads.
///
/// `@unchecked Sendable` is sound: every stored property is read and written only while `condition`
/// is locked.
final class ResponseChannel: @unchecked Sendable {
    enum Next {
        case bytes([UInt8])
        /// The response is complete (or abandoned); keep the connection open only if `keepAlive`.
        case finished(keepAlive: Bool)
    }

    private let condition = NSCondition()
    private var pieces: [[UInt8]] = []
    private var finished = false
    private var keepAlive = true
    private var disconnected = false
    private var started = false
    private var waiter: CheckedContinuation<Void, Never>?

    // MARK: The producing task's side

    /// Queues bytes for the socket; false when the client is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !disconnected, !finished else { return false }
        started = true
        pieces.append(bytes)
        condition.signal()
        return true
    }

    /// Ends the response.
    func finish(keepAlive: Bool) {
        condition.lock()
        guard !finished else {
            condition.unlock()
            return
        }
        finished = true
        self.keepAlive = keepAlive
        let resumed = waiter
        waiter = nil
        condition.signal()
        condition.unlock()
        resumed?.resume()
    }

    var isDisconnected: Bool {
        condition.lock()
        defer { condition.unlock() }
        return disconnected
    }

    /// Returns once the client disconnects, the response is finished, or the task is cancelled.
    func waitUntilDisconnectedOrFinished() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                if disconnected || finished || Task.isCancelled {
                    condition.unlock()
                    continuation.resume()
                } else {
                    waiter = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            condition.lock()
            let resumed = waiter
            waiter = nil
            condition.unlock()
            resumed?.resume()
        }
    }

    /// Ends a response that no task will produce (the server stopped first): a 503 when nothing was
    /// sent yet, else just the end of the connection.
    func abandon(with response: [UInt8]) {
        condition.lock()
        let untouched = !started && !finished
        condition.unlock()
        if untouched { send(response) }
        finish(keepAlive: false)
    }

    // MARK: The connection thread's side

    /// The next piece to write, blocking until there is one. Every `pollInterval` seconds of waiting it
    /// asks `peerHungUp`; a hung-up peer ends the response as disconnected.
    func next(pollInterval: Double, peerHungUp: () -> Bool) -> Next {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if !pieces.isEmpty { return .bytes(pieces.removeFirst()) }
            if finished || disconnected { return .finished(keepAlive: keepAlive && !disconnected) }
            if !condition.wait(until: Date(timeIntervalSinceNow: pollInterval)) {
                condition.unlock()
                let gone = peerHungUp()
                condition.lock()
                if gone { markDisconnectedLocked() }
            }
        }
    }

    /// Records that the client is gone (a failed write): the producer's writes now fail and its waiter wakes.
    func markDisconnected() {
        condition.lock()
        markDisconnectedLocked()
        condition.unlock()
    }

    private func markDisconnectedLocked() {
        guard !disconnected else { return }
        disconnected = true
        pieces.removeAll()
        let resumed = waiter
        waiter = nil
        resumed?.resume()
    }
}

/// Writes a streamed response body (`HTTPResponse.Body.stream`).
public struct HTTPBodyWriter: Sendable {
    let channel: ResponseChannel
    /// Whether pieces are framed with the chunked transfer coding (HTTP/1.1) or the body ends with
    /// the connection (HTTP/1.0).
    let chunked: Bool

    /// Queues `bytes` for the client. Does not block.
    /// - Throws: `HTTPClientDisconnected` once the client has gone away.
    public func write(_ bytes: [UInt8]) throws(HTTPClientDisconnected) {
        guard !bytes.isEmpty else { return }
        let framed = chunked
            ? Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10]
            : bytes
        guard channel.send(framed) else { throw HTTPClientDisconnected() }
    }

    /// Queues a UTF-8 text.
    public func write(_ text: String) throws(HTTPClientDisconnected) {
        try write(Array(text.utf8))
    }

    /// Whether the client is still there.
    public var isConnected: Bool { !channel.isDisconnected }
}
