import Foundation
@testable import Kernels
#if arch(x86_64)
import KernelsAVX512
#endif
import Testing

@Suite("Attention, RoPE and vector operations")
struct AttentionTests {
    /// Softmax attention computed directly from the rows, optionally rounding q, k and v to f16 first.
    static func direct(q: FloatMatrix, k: FloatMatrix, v: FloatMatrix, head h: Int, group: Int, width: Int,
                       last: Int, half: Bool) -> [Float] {
        func r(_ x: Float) -> Float { half ? Float(Float16(x)) : x }
        let g = h / group
        var scores = (0...last).map { t in
            (0..<width).reduce(Float(0)) { $0 + r(q[0, h * width + $1]) * r(k[t, g * width + $1]) } / Float(width).squareRoot()
        }
        let m = scores.max()!
        scores = scores.map { expf($0 - m) }
        let sum = scores.reduce(0, +)
        return (0..<width).map { i in (0...last).reduce(Float(0)) { $0 + scores[$1] / sum * r(v[$1, g * width + i]) } }
    }

    @Test("grouped-query attention over an f32 cache equals a direct computation", arguments: [8, 64])
    func attention(width: Int) {
        let heads = 4, kvHeads = 2, positions = 5
        let cache = KVCache(layers: 1, slots: 2, capacity: positions, width: kvHeads * width, element: .f32)
        let k = randomActivations(rows: positions, columns: kvHeads * width, seed: 1)
        let v = randomActivations(rows: positions, columns: kvHeads * width, seed: 2)
        for p in 0..<positions { cache.store(layer: 0, slot: 1, position: p, k: k, v: v, row: p) }
        let q = randomActivations(rows: 1, columns: heads * width, seed: 3)
        let out = FloatMatrix(rows: 1, columns: heads * width)
        Attention.run(q: q, cache: cache, layer: 0, slots: [1], positions: [3], heads: heads, kvHeads: kvHeads,
                      headWidth: width, into: out, pool: ThreadPool(threads: 2))
        for h in 0..<heads {
            let expected = Self.direct(q: q, k: k, v: v, head: h, group: 2, width: width, last: 3, half: false)
            for i in 0..<width { #expect(abs(out[0, h * width + i] - expected[i]) < 1e-4) }
        }
    }

    @Test("an f16 cache stores rounded keys and its attention stays within f16 accumulation of the rounded inputs",
          arguments: [8, 64, 72])
    func attentionHalf(width: Int) {
        let heads = 3, kvHeads = 1, positions = 40
        let cache = KVCache(layers: 1, slots: 1, capacity: positions, width: width)
        #expect(cache.element == .f16 && cache.byteCount == 2 * 2 * positions * width)
        let k = randomActivations(rows: positions, columns: width, seed: 4)
        let v = randomActivations(rows: positions, columns: width, seed: 5)
        for p in 0..<positions { cache.store(layer: 0, slot: 0, position: p, k: k, v: v, row: p) }
        #expect(cache.key(layer: 0, slot: 0, position: 7, index: 3) == Float(Float16(k[7, 3])))
        let q = randomActivations(rows: 1, columns: heads * width, seed: 6)
        let original = q.rowArray(0)
        let out = FloatMatrix(rows: 1, columns: heads * width)
        Attention.run(q: q, cache: cache, layer: 0, slots: [0], positions: [positions - 1], heads: heads,
                      kvHeads: kvHeads, headWidth: width, into: out, pool: ThreadPool(threads: 2))
        #expect(q.rowArray(0) == original.map { Float(Float16($0)) }, "queries are rounded to f16 in place")
        q.setRow(0, original)
        var worst: Float = 0
        for h in 0..<heads {
            let expected = Self.direct(q: q, k: k, v: v, head: h, group: 3, width: width, last: positions - 1, half: true)
            for i in 0..<width { worst = max(worst, abs(out[0, h * width + i] - expected[i])) }
        }
        // The running sum is rounded to f16 (relative 2⁻¹¹) at each of 40 steps: far below 5e-3, far above 1e-6.
        #expect(worst < 5e-3 && worst > 1e-6, "\(worst)")
    }

    @Test("the AVX-512 f16 attention gives the AVX2 path's bits, for several slots, positions and groups",
          .enabled(if: Attention.wideAvailable), arguments: [8, 24, 64, 72, 80, 128, 136])
    func attentionHalfWide(width: Int) {
        // Groups of 3 (three heads at once), 4 (three, then one), 6 (three twice) and 1 (one by one).
        for (heads, kvHeads) in [(6, 2), (8, 2), (6, 1), (2, 2)] {
            let positions = 50
            let cache = KVCache(layers: 2, slots: 3, capacity: positions, width: kvHeads * width)
            let k = randomActivations(rows: positions, columns: kvHeads * width, seed: 7)
            let v = randomActivations(rows: positions, columns: kvHeads * width, seed: 8)
            for slot in 0..<3 {
                for p in 0..<positions {
                    cache.store(layer: 1, slot: slot, position: p, k: k, v: v, row: (p * (slot + 3)) % positions)
                }
            }
            let slots = [2, 0, 1, 2], last = [49, 0, 17, 33]
            let q = randomActivations(rows: slots.count, columns: heads * width, seed: 9)
            let copy = FloatMatrix(rows: slots.count, columns: heads * width)
            for b in 0..<slots.count { copy.setRow(b, q.rowArray(b)) }
            let wide = FloatMatrix(rows: slots.count, columns: heads * width)
            let narrow = FloatMatrix(rows: slots.count, columns: heads * width)
            Attention.run(q: q, cache: cache, layer: 1, slots: slots, positions: last, heads: heads, kvHeads: kvHeads,
                          headWidth: width, into: wide, pool: ThreadPool(threads: 2), wide: true)
            Attention.run(q: copy, cache: cache, layer: 1, slots: slots, positions: last, heads: heads,
                          kvHeads: kvHeads, headWidth: width, into: narrow, pool: ThreadPool(threads: 1), wide: false)
            for b in 0..<slots.count {
                #expect(q.rowArray(b).map(\.bitPattern) == copy.rowArray(b).map(\.bitPattern),
                        "rounded queries, \(heads)/\(kvHeads) heads, row \(b)")
                #expect(wide.rowArray(b).map(\.bitPattern) == narrow.rowArray(b).map(\.bitPattern),
                        "\(heads)/\(kvHeads) heads, row \(b)")
                #expect(wide.rowArray(b).contains { $0 != 0 })
            }
        }
    }

    @Test("attention quantizes its output as quantizing it afterwards does", arguments: [32, 64, 72])
    func attentionQuantized(width: Int) {
        let heads = 6, kvHeads = 2, positions = 20
        let cache = KVCache(layers: 1, slots: 9, capacity: positions, width: kvHeads * width)
        let k = randomActivations(rows: positions, columns: kvHeads * width, seed: 10)
        let v = randomActivations(rows: positions, columns: kvHeads * width, seed: 11)
        for slot in 0..<9 {
            for p in 0..<positions { cache.store(layer: 0, slot: slot, position: p, k: k, v: v, row: (p + slot) % positions) }
        }
        let slots = Array(0..<9), last = (0..<9).map { ($0 * 7) % positions }
        let q = randomActivations(rows: 9, columns: heads * width, seed: 12)
        for wide in Attention.wideAvailable ? [false, true] : [false] {
            let copy = FloatMatrix(rows: 9, columns: heads * width)
            for b in 0..<9 { copy.setRow(b, q.rowArray(b)) }
            let out = FloatMatrix(rows: 9, columns: heads * width), fused = FloatMatrix(rows: 9, columns: heads * width)
            let afterwards = QuantizedActivations(capacity: 9, columns: heads * width)
            let together = QuantizedActivations(capacity: 9, columns: heads * width)
            Attention.run(q: copy, cache: cache, layer: 0, slots: slots, positions: last, heads: heads, kvHeads: kvHeads,
                          headWidth: width, into: out, pool: ThreadPool(threads: 2), wide: wide)
            afterwards.quantize(out, rows: 9)
            for b in 0..<9 { copy.setRow(b, q.rowArray(b)) }
            Attention.run(q: copy, cache: cache, layer: 0, slots: slots, positions: last, heads: heads, kvHeads: kvHeads,
                          headWidth: width, into: fused, quantized: together, pool: ThreadPool(threads: 3), wide: wide)
            for b in 0..<9 { #expect(fused.rowArray(b).map(\.bitPattern) == out.rowArray(b).map(\.bitPattern)) }
            #expect(MatMulTests.productBits(together, columns: heads * width)
                    == MatMulTests.productBits(afterwards, columns: heads * width), "width \(width), wide \(wide)")
        }
    }

    @Test("attention with one scratch reused across calls gives the bits of a scratch per call",
          arguments: [1, 2, 3])
    func attentionScratchReuse(threads: Int) {
        let heads = 6, kvHeads = 2, width = 64, positions = 40
        let cache = KVCache(layers: 2, slots: 4, capacity: positions, width: kvHeads * width)
        let k = randomActivations(rows: positions, columns: kvHeads * width, seed: 20)
        let v = randomActivations(rows: positions, columns: kvHeads * width, seed: 21)
        for layer in 0..<2 {
            for slot in 0..<4 {
                for p in 0..<positions {
                    let row = (p + 3 * slot + layer) % positions
                    cache.store(layer: layer, slot: slot, position: p, k: k, v: v, row: row)
                }
            }
        }
        let pool = ThreadPool(threads: threads)
        let scratch = AttentionScratch(positions: positions, threads: threads)
        let q = randomActivations(rows: 4, columns: heads * width, seed: 22)
        // Longer sequences after shorter ones and back: what an earlier call left in the scratch must not matter.
        let calls: [(layer: Int, slots: [Int], positions: [Int])] = [
            (0, [0, 1, 2, 3], [3, 9, 1, 5]), (1, [2, 0], [39, 38]), (0, [3], [0]), (1, [1, 3, 0, 2], [17, 2, 39, 8]),
        ]
        for wide in Attention.wideAvailable ? [false, true] : [false] {
            for call in calls {
                let batch = call.slots.count
                let first = FloatMatrix(rows: batch, columns: heads * width)
                let second = FloatMatrix(rows: batch, columns: heads * width)
                for b in 0..<batch { first.setRow(b, q.rowArray(b)); second.setRow(b, q.rowArray(b)) }
                let reused = FloatMatrix(rows: batch, columns: heads * width)
                let fresh = FloatMatrix(rows: batch, columns: heads * width)
                Attention.run(q: first, cache: cache, layer: call.layer, slots: call.slots, positions: call.positions,
                              heads: heads, kvHeads: kvHeads, headWidth: width, into: reused, scratch: scratch,
                              pool: pool, wide: wide)
                Attention.run(q: second, cache: cache, layer: call.layer, slots: call.slots, positions: call.positions,
                              heads: heads, kvHeads: kvHeads, headWidth: width, into: fresh,
                              pool: ThreadPool(threads: 1), wide: wide)
                for b in 0..<batch {
                    #expect(reused.rowArray(b).map(\.bitPattern) == fresh.rowArray(b).map(\.bitPattern),
                            "positions \(call.positions), row \(b), wide \(wide)")
                    #expect(reused.rowArray(b).contains { $0 != 0 })
                }
            }
        }
    }

    @Test("threads of an attention scratch have disjoint regions, the same on every call")
    func scratchRegions() {
        let scratch = AttentionScratch(positions: 100, threads: 3)
        let regions = (0..<3).map { scratch.region($0) }
        #expect((0..<3).map { scratch.region($0) } == regions)
        for t in 1..<3 {
            // Room for the AVX-512 path's 6 floats per position, whole cache lines apart.
            #expect(regions[t] - regions[t - 1] >= 600)
            #expect(Int(bitPattern: regions[t]) % 64 == 0)
        }
    }

    #if arch(x86_64)
    /// Every input the online softmax gives (scores minus a larger maximum, −∞ first) is ≤ 0: one in every 7
    /// bit patterns of them (all of them were compared once), the edges of glibc's ranges, and a few positive
    /// values and NaN.
    @Test("the eight-lane exponential is glibc's expf bit for bit", .enabled(if: Attention.wideAvailable))
    func glibcExponential() {
        var mismatches = 0
        func check(_ x: SIMD8<Float>) {
            let e = HalfAttention.exp8(x)
            for i in 0..<8 where e[i].bitPattern != expf(x[i]).bitPattern && !(e[i].isNaN && x[i].isNaN) {
                mismatches += 1
            }
        }
        var lanes = SIMD8<Float>()
        var bits: UInt32 = 0x8000_0000
        var filled = 0
        while bits <= 0xff80_0000 {
            lanes[filled] = Float(bitPattern: bits)
            filled += 1
            if filled == 8 { check(lanes); filled = 0 }
            bits += 7
        }
        let underflow: Float = -0x1.9fe368p6, mayUnderflow: Float = -0x1.9d1d9ep6, overflow: Float = 0x1.62e42ep6
        let edges: [Float] = [underflow, underflow.nextUp, underflow.nextDown, mayUnderflow, mayUnderflow.nextUp,
                              mayUnderflow.nextDown, -.infinity, -0.0, 0, -87.33, -88.8, 1, 20, overflow,
                              overflow.nextUp, .infinity, .nan, -Float.leastNonzeroMagnitude]
        for start in stride(from: 0, to: edges.count, by: 8) {
            var v = SIMD8<Float>(repeating: -1)
            for i in start..<min(start + 8, edges.count) { v[i - start] = edges[i] }
            check(v)
        }
        #expect(mismatches == 0)
    }
    #endif

    @Test("copying a prefix gives another slot the same keys")
    func copyPrefix() {
        let cache = KVCache(layers: 2, slots: 3, capacity: 4, width: 8)
        let k = randomActivations(rows: 2, columns: 8, seed: 4)
        for layer in 0..<2 { for p in 0..<2 { cache.store(layer: layer, slot: 0, position: p, k: k, v: k, row: p) } }
        cache.copyPrefix(from: 0, to: 2, count: 2)
        let q = randomActivations(rows: 2, columns: 8, seed: 5)
        let a = FloatMatrix(rows: 2, columns: 8), b = FloatMatrix(rows: 2, columns: 8)
        Attention.run(q: q, cache: cache, layer: 1, slots: [0, 2], positions: [1, 1], heads: 1, kvHeads: 1,
                      headWidth: 8, into: a, pool: ThreadPool(threads: 1))
        Attention.run(q: q, cache: cache, layer: 1, slots: [2, 0], positions: [1, 1], heads: 1, kvHeads: 1,
                      headWidth: 8, into: b, pool: ThreadPool(threads: 1))
        #expect(a.rowArray(0) == b.rowArray(0) && a.rowArray(1) == b.rowArray(1))
    }

    @Test("RoPE rotates pairs by position · base^(−2i/d) and keeps their norm")
    func rope() {
        let table = RotaryTable(positions: 8, dimensions: 4, base: 10000)
        let x = FloatMatrix(rows: 1, columns: 4)
        x.setRow(0, [1, 0, 0, 1])
        table.apply(x, row: 0, heads: 1, headWidth: 4, position: 3)
        #expect(abs(x[0, 0] - cosf(3)) < 1e-6 && abs(x[0, 1] - sinf(3)) < 1e-6)
        let angle = 3 * powf(10000, -0.5)
        #expect(abs(x[0, 2] + sinf(angle)) < 1e-6 && abs(x[0, 3] - cosf(angle)) < 1e-6)
    }

    @Test("RMSNorm, SwiGLU and softmax")
    func vectorOps() {
        let x = FloatMatrix(rows: 1, columns: 8)
        x.setRow(0, [1, 2, 3, 4, 5, 6, 7, 8])
        let out = FloatMatrix(rows: 1, columns: 8)
        VectorOps.rmsNorm(x, weight: [Float](repeating: 2, count: 8), epsilon: 0, rows: 1, into: out)
        let rms = (Float(204) / 8).squareRoot()
        #expect(abs(out[0, 7] - 16 / rms) < 1e-5)
        let up = FloatMatrix(rows: 1, columns: 8)
        up.setRow(0, [Float](repeating: 2, count: 8))
        VectorOps.swiGLU(gate: x, up: up, rows: 1)
        #expect(abs(x[0, 0] - 2 / (1 + expf(-1))) < 1e-6)
        var values: [Float] = [1, 2, 3]
        values.withUnsafeMutableBufferPointer { VectorOps.softmax($0.baseAddress!, count: 3) }
        #expect(abs(values.reduce(0, +) - 1) < 1e-6 && values[2] > values[1])
    }

    @Test("the vectorized exponential is within 2 ulp of e^x from −87 to 88")
    func exponential() {
        var worst: Float = 0
        var x: Float = -87
        while x < 87.5 {
            let lanes = VectorOps.exp(SIMD8(repeating: x) + SIMD8(0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7))
            for i in 0..<8 {
                let expected = Float(Foundation.exp(Double(x + Float(i) * 0.1)))
                worst = max(worst, abs(lanes[i] - expected) / expected)
            }
            x += 0.37
        }
        #expect(worst < 2.5e-7, "\(worst)")
        #expect(VectorOps.exp(SIMD8(repeating: 0)) == SIMD8(repeating: 1))
    }

    @Test("mapping a missing file or a folder fails with the path and the reason")
    func mappingErrors() {
        #expect(throws: MappedFile.Error(path: "/nonexistent/model.gguf", reason: "No such file or directory")) {
            try MappedFile(url: URL(fileURLWithPath: "/nonexistent/model.gguf"))
        }
        #expect(throws: MappedFile.Error(path: "/tmp", reason: "not a regular file")) {
            try MappedFile(url: URL(fileURLWithPath: "/tmp"))
        }
        #expect(MappedFile.Error(path: "/x", reason: "y").description == "cannot map /x: y")
    }
}
