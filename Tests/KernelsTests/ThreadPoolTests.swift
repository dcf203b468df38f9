import Foundation
import Kernels
import Synchronization
import Testing

@Suite("Thread pool")
struct ThreadPoolTests {
    @Test("every index is visited exactly once", arguments: [1, 2, 4])
    func coverage(threads: Int) {
        let pool = ThreadPool(threads: threads)
        for count in [0, 1, 7, 100, 1000] {
            let visits = Mutex([Int](repeating: 0, count: count))
            pool.parallelFor(count, grain: 3) { range in
                visits.withLock { for i in range { $0[i] += 1 } }
            }
            #expect(visits.withLock { $0.allSatisfy { $0 == 1 } }, "count \(count)")
        }
    }

    @Test("loops from several tasks at once are serialized safely")
    func concurrentCallers() async {
        let pool = ThreadPool(threads: 3)
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        pool.parallelFor(64, grain: 4) { range in total.value.add(range.count, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 4 * 50 * 64)
    }

    /// A loop body as a value, as the per-token loops pass theirs (no closure context to allocate).
    struct Visits: ParallelBody {
        let visits: UnsafeMutableBufferPointer<Atomic<Int>>
        /// Per thread index: whether a chunk is running with it now.
        let running: UnsafeMutableBufferPointer<Atomic<Bool>>
        let clashes: Counter
        func run(_ range: Range<Int>, thread: Int) {
            precondition(thread >= 0 && thread < running.count, "thread index \(thread)")
            if running[thread].exchange(true, ordering: .acquiring) { clashes.value.add(1, ordering: .relaxed) }
            for i in range { visits[i].add(1, ordering: .relaxed) }
            // Long enough for the other threads to take chunks meanwhile.
            var spin = 0
            for j in 0..<2_000 { spin &+= j }
            precondition(spin > 0)
            running[thread].store(false, ordering: .releasing)
        }
    }

    @Test("a ParallelBody loop visits every index once, never with two chunks on one thread index at a time",
          arguments: [1, 2, 4])
    func bodies(threads: Int) {
        let pool = ThreadPool(threads: threads)
        for count in [0, 1, 7, 100, 1000] {
            let visits = UnsafeMutableBufferPointer<Atomic<Int>>.allocate(capacity: max(count, 1))
            let running = UnsafeMutableBufferPointer<Atomic<Bool>>.allocate(capacity: threads)
            defer { visits.deallocate(); running.deallocate() }
            for i in 0..<max(count, 1) { (visits.baseAddress! + i).initialize(to: Atomic(0)) }
            for i in 0..<threads { (running.baseAddress! + i).initialize(to: Atomic(false)) }
            let clashes = Counter()
            pool.parallelFor(count, grain: 1, Visits(visits: visits, running: running, clashes: clashes))
            #expect((0..<count).allSatisfy { visits[$0].load(ordering: .relaxed) == 1 }, "count \(count)")
            #expect(clashes.value.load(ordering: .relaxed) == 0, "count \(count)")
        }
    }

    @Test("closure loops get thread indices below the thread count, the caller's being 0", arguments: [1, 3])
    func threadIndices(threads: Int) {
        let pool = ThreadPool(threads: threads)
        let seen = Mutex(Set<Int>())
        pool.parallelFor(200, grain: 1) { _, thread in seen.withLock { _ = $0.insert(thread) } }
        #expect(seen.withLock { $0.allSatisfy { (0..<threads).contains($0) } })
        let inline = Mutex(Set<Int>())
        pool.parallelFor(4, grain: 4) { _, thread in inline.withLock { _ = $0.insert(thread) } }
        #expect(inline.withLock { $0 } == [0])
    }

    @Test("grains are multiples and cover the count")
    func grains() {
        let pool = ThreadPool(threads: 2)
        #expect(pool.grain(for: 576, chunksPerThread: 8, multiple: 4) == 36)
        #expect(pool.grain(for: 3, chunksPerThread: 8, multiple: 4) == 4)
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
