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
