import Inference
import Synchronization

/// A generator that reports when a generation starts and then waits until the gate opens or the
/// request is cancelled, recording cancellations: for queueing and disconnect tests without sleeps.
final class GatedGenerator: Generator {
    let identity = ModelIdentity(backend: "fake", name: "gated")
    private let state = Mutex((open: false, started: 0, cancelled: 0, waiters: [(UInt64, CheckedContinuation<Void, Never>)](),
                               startWaiters: [(Int, CheckedContinuation<Void, Never>)](),
                               cancelWaiters: [CheckedContinuation<Void, Never>]()))

    var cancelled: Int { state.withLock { $0.cancelled } }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        waiters.forEach { $0.1.resume() }
    }

    /// Returns once `count` generations have started.
    func waitForStarts(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.started >= count { return true }
                state.startWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Returns once a generation has been cancelled.
    func waitForCancellation() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.cancelled > 0 { return true }
                state.cancelWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func generate(_ request: GenerationRequest,
                  onToken: (@Sendable (Int, String) -> Void)?) async throws -> GenerationResult {
        let ready = state.withLock { state in
            state.started += 1
            let count = state.started
            let ready = state.startWaiters.filter { $0.0 <= count }.map(\.1)
            state.startWaiters.removeAll { $0.0 <= count }
            return ready
        }
        ready.forEach { $0.resume() }
        let id = UInt64.random(in: 0...UInt64.max)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let proceed = state.withLock { state in
                    if state.open || Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if proceed { continuation.resume() }
            }
        } onCancel: {
            let (waiter, cancelWaiters) = state.withLock { state in
                state.cancelled += 1
                defer { state.cancelWaiters.removeAll() }
                let index = state.waiters.firstIndex { $0.0 == id }
                return (index.map { state.waiters.remove(at: $0).1 }, state.cancelWaiters)
            }
            waiter?.resume()
            cancelWaiters.forEach { $0.resume() }
        }
        try Task.checkCancellation()
        let candidates = (0..<request.n).map { index in
            GeneratedCandidate(text: "gated #\(index)", tokenIDs: nil, tokenCount: 2, finishReason: .stop, latency: 0)
        }
        return GenerationResult(candidates: candidates, promptTokens: 1, wallSeconds: 0)
    }
}
