import Foundation
@testable import Kernels
import Testing

@Suite("Attention, RoPE and vector operations")
struct AttentionTests {
    @Test("grouped-query attention over the cache equals a direct computation")
    func attention() {
        let heads = 4, kvHeads = 2, width = 8, positions = 5
        let cache = KVCache(layers: 1, slots: 2, capacity: positions, width: kvHeads * width)
        let k = randomActivations(rows: positions, columns: kvHeads * width, seed: 1)
        let v = randomActivations(rows: positions, columns: kvHeads * width, seed: 2)
        for p in 0..<positions { cache.store(layer: 0, slot: 1, position: p, k: k, v: v, row: p) }
        let q = randomActivations(rows: 1, columns: heads * width, seed: 3)
        let out = FloatMatrix(rows: 1, columns: heads * width)
        Attention.run(q: q, cache: cache, layer: 0, slots: [1], positions: [3], heads: heads, kvHeads: kvHeads,
                      headWidth: width, into: out, pool: ThreadPool(threads: 2))
        for h in 0..<heads {
            let g = h / 2
            var scores = (0...3).map { t in
                (0..<width).reduce(Float(0)) { $0 + q[0, h * width + $1] * k[t, g * width + $1] } / Float(width).squareRoot()
            }
            let m = scores.max()!
            scores = scores.map { expf($0 - m) }
            let sum = scores.reduce(0, +)
            for i in 0..<width {
                let expected = (0...3).reduce(Float(0)) { $0 + scores[$1] / sum * v[$1, g * width + i] }
                #expect(abs(out[0, h * width + i] - expected) < 1e-4)
            }
        }
    }

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
