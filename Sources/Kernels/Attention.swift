import Foundation

/// Rotary position embedding tables (Su et al. 2021, "RoFormer"), in llama.cpp's "normal" mode
/// (`GGML_ROPE_TYPE_NORM`, used by the llama architecture in GGUF): dimension pairs `(2i, 2i+1)` of each head
/// rotate by `position · base^(−2i/d)`, where `d` is the number of rotated dimensions.
public final class RotaryTable: Sendable {
    public let positions: Int
    /// Rotated dimensions per head (even).
    public let dimensions: Int
    let cosines: [Float]
    let sines: [Float]

    /// Tables for positions `0..<positions`.
    public init(positions: Int, dimensions: Int, base: Float) {
        precondition(dimensions % 2 == 0)
        self.positions = positions
        self.dimensions = dimensions
        let half = dimensions / 2
        var cosines = [Float](repeating: 0, count: positions * half)
        var sines = [Float](repeating: 0, count: positions * half)
        for p in 0..<positions {
            for i in 0..<half {
                let theta = Double(p) * pow(Double(base), -2 * Double(i) / Double(dimensions))
                cosines[p * half + i] = Float(cos(theta))
                sines[p * half + i] = Float(sin(theta))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// Rotates every head of row `row` of `x` (heads of `headWidth` floats side by side) to `position`.
    public func apply(_ x: FloatMatrix, row: Int, heads: Int, headWidth: Int, position: Int) {
        precondition(position < positions && heads * headWidth <= x.columns && dimensions <= headWidth)
        let half = dimensions / 2
        cosines.withUnsafeBufferPointer { cosTable in
            sines.withUnsafeBufferPointer { sinTable in
                let c = cosTable.baseAddress! + position * half, s = sinTable.baseAddress! + position * half
                let base = x.row(row)
                for h in 0..<heads {
                    let v = base + h * headWidth
                    for i in 0..<half {
                        let x0 = v[2 * i], x1 = v[2 * i + 1]
                        v[2 * i] = x0 * c[i] - x1 * s[i]
                        v[2 * i + 1] = x0 * s[i] + x1 * c[i]
                    }
                }
            }
        }
    }
}

/// Causal grouped-query attention (Ainslie et al. 2023) over a `KVCache`.
public enum Attention {
    /// For each batch row `b`, with query row `q[b]` at `positions[b]` of `slots[b]`, writes
    /// `softmax(q·Kᵀ/√d) · V` over positions `0...positions[b]` of that slot into `out[b]`, head by head;
    /// query head `h` reads KV head `h / (heads / kvHeads)`. The cache must already hold those positions.
    public static func run(q: FloatMatrix, cache: KVCache, layer: Int, slots: [Int], positions: [Int],
                           heads: Int, kvHeads: Int, headWidth: Int, into out: FloatMatrix, pool: ThreadPool) {
        let batch = slots.count
        precondition(positions.count == batch && heads % kvHeads == 0 && kvHeads * headWidth == cache.width)
        precondition(q.columns == heads * headWidth && out.columns == q.columns && headWidth % 8 == 0)
        let group = heads / kvHeads
        let scale = 1 / Float(headWidth).squareRoot()
        slots.withUnsafeBufferPointer { slotList in
            positions.withUnsafeBufferPointer { positionList in
                pool.parallelFor(batch * heads) { range in
                    var longest = 0
                    for task in range { longest = max(longest, positionList[task / heads]) }
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: longest + 1) { scores in
                        let p = scores.baseAddress!
                        for task in range {
                            let b = task / heads, h = task % heads
                            let kvHead = h / group
                            let last = positionList[b]
                            let query = q.row(b) + h * headWidth
                            let base = cache.offset(layer: layer, slot: slotList[b], position: 0) + kvHead * headWidth
                            let keys = cache.keys + base, values = cache.values + base
                            for t in 0...last {
                                p[t] = dot(query, keys + t * cache.width, count: headWidth) * scale
                            }
                            VectorOps.softmax(p, count: last + 1)
                            let target = out.row(b) + h * headWidth
                            target.update(repeating: 0, count: headWidth)
                            for t in 0...last {
                                axpy(p[t], values + t * cache.width, target, count: headWidth)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i < count {
            acc += VectorOps.load8(a, i) * VectorOps.load8(b, i)
            i += 8
        }
        return acc.sum()
    }

    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i < count {
            let r = UnsafeMutableRawPointer(y + i)
            r.storeBytes(of: VectorOps.load8(y, i) + a * VectorOps.load8(x, i), as: SIMD8<Float>.self)
            i += 8
        }
    }
}
