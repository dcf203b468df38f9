import Foundation
import Synchronization

/// A fixed set of worker threads for data-parallel loops over disjoint ranges, like ggml's thread pool.
///
/// `parallelFor` hands out chunks of `0..<count` from an atomic counter; the calling thread works too.
/// Idle workers spin briefly (a forward pass issues hundreds of small parallel loops per token, far too
/// short for a sleep and wake-up each), then block on a condition until the next loop.
///
/// Results never depend on the thread count as long as each index's work is independent of the others,
/// which is how every kernel here splits its work (disjoint output rows).
public final class ThreadPool: Sendable {
    /// The number of threads working on a loop, the caller included.
    public let threadCount: Int
    private let shared: Shared

    /// A pool of `threads` threads (the caller counts as one; at least 1).
    public init(threads: Int) {
        threadCount = max(1, threads)
        shared = Shared()
        for index in 1..<threadCount {
            let shared = self.shared
            let thread = Thread { shared.workerLoop(index: index) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        shared.stop()
    }

    /// The number of processors the system makes available to this process.
    public static var processorCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Runs `body` on chunks covering `0..<count` (each chunk at most `grain` long), on all threads, and
    /// returns when every chunk is done.
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        parallelFor(count, grain: grain) { range, _ in body(range) }
    }

    /// Runs `body` on chunks covering `0..<count` as `parallelFor(_:grain:_:)` does, also passing the index of
    /// the thread running the chunk: 0 for the caller, `1..<threadCount` for the workers. No two chunks run at
    /// once with the same index, so `body` may use per-thread scratch memory allocated once and indexed by it.
    ///
    /// Handing a closure to the workers takes `withoutActuallyEscaping`, which allocates a context on the heap
    /// per call; loops in the per-token path use the `ParallelBody` overload, which allocates nothing.
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: (_ range: Range<Int>, _ thread: Int) -> Void) {
        guard count > 0 else { return }
        if threadCount == 1 || count <= max(1, grain) {
            body(0..<count, 0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            parallelFor(count, grain: grain, ClosureBody(body: escapable))
        }
    }

    /// Runs `body.run(range, thread:)` on chunks covering `0..<count` as `parallelFor(_:grain:_:)` does, without
    /// allocating: the workers reach `body` through a pointer to the caller's copy.
    public func parallelFor<Body: ParallelBody>(_ count: Int, grain: Int = 1, _ body: Body) {
        guard count > 0 else { return }
        let grain = max(1, grain)
        if threadCount == 1 || count <= grain {
            body.run(0..<count, thread: 0)
            return
        }
        withUnsafePointer(to: body) { pointer in
            shared.start(count: count, grain: grain, job: Job(body: UnsafeRawPointer(pointer), type: Body.self),
                         helpers: threadCount - 1)
            // The caller works on its own `body` directly: only the workers copy it (see `run(at:chunks:thread:)`).
            let chunks = ParallelChunks(shared: shared)
            while let range = chunks.next() { body.run(range, thread: 0) }
            shared.finish()
        }
    }

    /// Splits `0..<count` so that each thread gets about `chunksPerThread` chunks.
    public func grain(for count: Int, chunksPerThread: Int = 4, multiple: Int = 1) -> Int {
        let chunks = threadCount * chunksPerThread
        let raw = max(1, (count + chunks - 1) / chunks)
        return ((raw + multiple - 1) / multiple) * multiple
    }
}

/// The work of one parallel loop as a value: `run` handles one chunk, and is called from several threads at once
/// on the same value, so each chunk may write only its own part of the output (and scratch indexed by `thread`).
///
/// A struct holding what the loop needs (matrices, pointers, sizes) replaces a closure's captures: the pool hands
/// the workers its address, where a closure would need a heap-allocated escaping context per loop.
public protocol ParallelBody {
    /// Does the work of indices `range` on thread `thread` (0 for the caller).
    func run(_ range: Range<Int>, thread: Int)

    /// Runs the body at `pointer` (a `Self`) on the chunks `chunks` hands out; the default is the one to use.
    static func run(at pointer: UnsafeRawPointer, chunks: ParallelChunks, thread: Int)
}

extension ParallelBody {
    // A requirement with an inlinable default, so that each conformance gets its own specialized copy. Reading the
    // body through the pointer copies it (retaining every object it holds): once per thread and loop here, not per
    // chunk, where the threads' retains of the same objects would contend.
    @inlinable
    public static func run(at pointer: UnsafeRawPointer, chunks: ParallelChunks, thread: Int) {
        let body = pointer.assumingMemoryBound(to: Self.self).pointee
        while let range = chunks.next() { body.run(range, thread: thread) }
    }
}

/// The chunks of the current parallel loop, handed out one at a time to whichever thread asks first.
public struct ParallelChunks {
    fileprivate let shared: Shared

    /// The next chunk of the loop, or nil when all are handed out.
    public func next() -> Range<Int>? {
        let start = shared.nextChunk.add(shared.grain, ordering: .relaxed).oldValue
        return start < shared.count ? start..<min(start + shared.grain, shared.count) : nil
    }
}

/// A closure as a `ParallelBody`.
private struct ClosureBody: ParallelBody {
    let body: (Range<Int>, Int) -> Void
    func run(_ range: Range<Int>, thread: Int) { body(range, thread) }
}

/// A loop's body for the workers: its address and its type, so that no closure is formed.
private struct Job {
    let body: UnsafeRawPointer
    let type: any ParallelBody.Type

    fileprivate func run(_ chunks: ParallelChunks, thread: Int) {
        type.run(at: body, chunks: chunks, thread: thread)
    }
}

/// The state the workers share with the caller.
fileprivate final class Shared: @unchecked Sendable {
    // Sendable: `job`, `count` and `grain` are written only by the caller before it publishes a new
    // generation (release) and read by workers after they observe it (acquire); the caller waits for
    // `busy` to reach zero before returning, so the job (and the caller's body value it points at) never
    // outlives its `parallelFor` call.
    let generation = Atomic<Int>(0)
    let nextChunk = Atomic<Int>(0)
    let busy = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let condition = NSCondition()
    var job: Job?
    var count = 0
    var grain = 1
    /// Serializes `run` calls from different callers.
    let callerLock = NSLock()

    /// Publishes a loop to the workers; the caller then takes chunks itself and calls `finish`.
    func start(count: Int, grain: Int, job: Job, helpers: Int) {
        callerLock.lock()
        self.job = job
        self.count = count
        self.grain = grain
        nextChunk.store(0, ordering: .relaxed)
        busy.store(helpers, ordering: .relaxed)
        condition.lock()
        generation.add(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the workers to finish the loop `start` published.
    func finish() {
        var spins = 0
        while busy.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 1000 { sched_yield() }
        }
        self.job = nil
        callerLock.unlock()
    }

    @inline(__always)
    func work(_ job: Job, thread: Int) {
        job.run(ParallelChunks(shared: self), thread: thread)
    }

    func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > 20_000 {
                    condition.lock()
                    while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .relaxed) {
                        condition.wait()
                    }
                    condition.unlock()
                    spins = 0
                }
                if stopping.load(ordering: .relaxed) { return }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .relaxed) { return }
            if let job { work(job, thread: index) }
            busy.subtract(1, ordering: .releasing)
        }
    }

    func stop() {
        condition.lock()
        stopping.store(true, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }
}
