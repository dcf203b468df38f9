import Synchronization

/// First-come, first-served admission to the generator: at most `concurrency` requests generate at
/// once, at most `maxWaiting` wait, and the rest are refused at once so clients can back off.
final class GenerationQueue: Sendable {
    /// Thrown by `enter()` when `maxWaiting` requests already wait.
    struct Full: Error {
        var waiting: Int
    }

    /// Holds one generation slot; the slot passes on when the ticket is released (deinit), so a ticket
    /// that is dropped on any path frees its slot.
    final class Ticket: Sendable {
        private let queue: GenerationQueue

        fileprivate init(queue: GenerationQueue) {
            self.queue = queue
        }

        deinit {
            queue.leave()
        }
    }

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var nextID = 0
        var waiting: [Waiter] = []
    }

    let concurrency: Int
    let maxWaiting: Int
    private let state = Mutex(State())

    init(concurrency: Int, maxWaiting: Int) {
        precondition(concurrency >= 1 && maxWaiting >= 0, "a queue needs a slot and a non-negative wait limit")
        self.concurrency = concurrency
        self.maxWaiting = maxWaiting
    }

    /// Requests now generating and waiting.
    var load: (running: Int, waiting: Int) {
        state.withLock { ($0.running, $0.waiting.count) }
    }

    /// Waits for a slot, in arrival order.
    /// - Throws: `Full` when the wait list is full; `CancellationError` when cancelled while waiting.
    func enter() async throws -> Ticket {
        enum Admission { case now, wait(Int), full(Int) }
        let admission = state.withLock { state -> Admission in
            if state.running < concurrency && state.waiting.isEmpty {
                state.running += 1
                return .now
            }
            guard state.waiting.count < maxWaiting else { return .full(state.waiting.count) }
            state.nextID += 1
            return .wait(state.nextID)
        }
        switch admission {
        case .now:
            return Ticket(queue: self)
        case .full(let waiting):
            throw Full(waiting: waiting)
        case .wait(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLock { state -> Bool in
                        if Task.isCancelled { return true }
                        state.waiting.append(Waiter(id: id, continuation: continuation))
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiting.remove(at: index)
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
            // The slot was handed over by `leave()` without decrementing `running`.
            return Ticket(queue: self)
        }
    }

    fileprivate func leave() {
        let next = state.withLock { state -> Waiter? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume()
    }
}
