/// Per-thread scratch memory for `Attention.run`, allocated once for a cache and a thread pool.
///
/// Each attention task needs room for its scores and weights, as many floats as the positions it reads;
/// allocating that per task goes to the heap once it passes what `withUnsafeTemporaryAllocation` keeps on the
/// stack (about a kilobyte), hundreds of times per token. One region per thread of the pool, sized for the
/// cache's capacity, is reused instead: `ThreadPool.parallelFor` gives each running chunk its thread index, and
/// no two chunks run at once with the same index.
///
/// Not thread-safe across calls: one `Attention.run` at a time per scratch (a `Transformer` owns its own).
public final class AttentionScratch {
    /// The thread indices covered, `0..<threads` (a pool's `threadCount`).
    public let threads: Int
    /// The longest sequence (positions) the scratch serves.
    public let positions: Int
    /// Floats per thread, rounded up to whole cache lines so that threads do not share one.
    let stride: Int
    private let base: UnsafeMutablePointer<Float>

    /// Scratch for attention over up to `positions` positions, on threads `0..<threads`.
    public init(positions: Int, threads: Int) {
        precondition(positions >= 1 && threads >= 1)
        self.positions = positions
        self.threads = threads
        // The f16 path on AVX-512 takes 6 floats per position; the others 2 per position plus 16.
        let floats = max(6 * positions, 2 * (positions + 8))
        stride = (floats + 15) / 16 * 16
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 4 * stride * threads, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: stride * threads)
    }

    deinit {
        base.deallocate()
    }

    /// The region of thread `thread`.
    @inline(__always)
    func region(_ thread: Int) -> UnsafeMutablePointer<Float> {
        precondition(thread >= 0 && thread < threads, "thread \(thread) outside 0..<\(threads)")
        return base + thread * stride
    }
}
