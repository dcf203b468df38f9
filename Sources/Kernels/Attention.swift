import Foundation
import KernelsAVX512

/// Rotary position embedding tables (Su et al. 2021, "RoFormer"), in llama.cpp's "normal" mode
/// (`GGML_ROPE_TYPE_NORM`, used by the llama architecture in GGUF): dimension pairs `(2i, 2i+1)` of each head
/// rotate by `position · base^(−2i/d)`, where `d` is the number of rotated dimensions.
public final class RotaryTable: Sendable {
    public let positions: Int
    /// Rotated dimensions per head (even).
    public let dimensions: Int
    let cosines: [Float]
    let sines: [Float]

    /// Tables for positions `0..<positions`, computed in float as ggml's `ggml_rope_cache_init` does: the angle
    /// starts at the position and is multiplied by `base^(−2/d)` (itself `powf`) pair after pair, so its
    /// rounding matches llama.cpp's.
    public init(positions: Int, dimensions: Int, base: Float) {
        precondition(dimensions % 2 == 0)
        self.positions = positions
        self.dimensions = dimensions
        let half = dimensions / 2
        let step = powf(base, -2 / Float(dimensions))
        var cosines = [Float](repeating: 0, count: positions * half)
        var sines = [Float](repeating: 0, count: positions * half)
        for p in 0..<positions {
            var theta = Float(p)
            for i in 0..<half {
                cosines[p * half + i] = cosf(theta)
                sines[p * half + i] = sinf(theta)
                theta *= step
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// Rotates every head of row `row` of `x` (heads of `headWidth` floats side by side) to `position`:
    /// `(x0·cos − x1·sin, x0·sin + x1·cos)`, each with one fused multiply-add as ggml's `rotate_pairs` compiles
    /// (GCC contracts `a·b ± c·d` into `fma(a, b, ±c·d)`); with these roundings the logits match llama.cpp's.
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
                        v[2 * i] = (-(x1 * s[i])).addingProduct(x0, c[i])
                        v[2 * i + 1] = (x1 * c[i]).addingProduct(x0, s[i])
                    }
                }
            }
        }
    }
}

/// Causal grouped-query attention (Ainslie et al. 2023) over a `KVCache`.
///
/// With an f16 cache the arithmetic follows llama.cpp's default CPU attention, ggml's flash attention
/// (`ggml_compute_forward_flash_attn_ext_f16` in ggml-cpu/ops.cpp): the query is rounded to f16 like the keys,
/// scores `q·k` are summed in f32 and scaled by `1/√d`, and an online softmax walks the positions in order,
/// keeping the running weighted sum of values in f16 (rescaled by `e^(M_old − M)` when the running maximum `M`
/// grows, then `+= e^(s − M) · v`, each step rounded to f16) and the running sum of weights `S` in f32; the
/// output is the f16 sum divided by `S`. With an f32 cache nothing is rounded: a plain softmax in f32.
public enum Attention {
    /// For each batch row `b`, with query row `q[b]` at `positions[b]` of `slots[b]`, writes
    /// `softmax(q·Kᵀ/√d) · V` over positions `0...positions[b]` of that slot into `out[b]`, head by head;
    /// query head `h` reads KV head `h / (heads / kvHeads)`. The cache must already hold those positions.
    /// With an f16 cache, the query rows of `q` are rounded to f16 in place.
    ///
    /// With `quantized`, the output rows are also quantized into it (as `quantized.quantize(out, rows:)` would),
    /// each head's blocks by the thread that computed them when heads span whole blocks of 32.
    ///
    /// `scratch` (for `pool`'s threads and at least the longest position + 1) makes the call allocate nothing;
    /// without it, one is allocated for this call.
    public static func run(q: FloatMatrix, cache: KVCache, layer: Int, slots: [Int], positions: [Int],
                           heads: Int, kvHeads: Int, headWidth: Int, into out: FloatMatrix,
                           quantized: QuantizedActivations? = nil, scratch: AttentionScratch? = nil,
                           pool: ThreadPool) {
        run(q: q, cache: cache, layer: layer, slots: slots, positions: positions, heads: heads, kvHeads: kvHeads,
            headWidth: headWidth, into: out, quantized: quantized, scratch: scratch, pool: pool, wide: wideAvailable)
    }

    /// Whether the processor runs `HalfAttention`'s AVX-512 code.
    static let wideAvailable = EightRowProducts.isSupported

    /// `run`, with `wide` choosing the f16 path's AVX-512 kernel (`HalfAttention`, only where the processor has
    /// it) or the AVX2 one; both give the same bits.
    static func run(q: FloatMatrix, cache: KVCache, layer: Int, slots: [Int], positions: [Int],
                    heads: Int, kvHeads: Int, headWidth: Int, into out: FloatMatrix,
                    quantized: QuantizedActivations? = nil, scratch: AttentionScratch? = nil, pool: ThreadPool,
                    wide: Bool) {
        let batch = slots.count
        precondition(positions.count == batch && heads % kvHeads == 0 && kvHeads * headWidth == cache.width)
        precondition(q.columns == heads * headWidth && out.columns == q.columns && headWidth % 8 == 0)
        var longestPosition = 0
        for position in positions { longestPosition = max(longestPosition, position) }
        let scratch = scratch ?? AttentionScratch(positions: longestPosition + 1, threads: pool.threadCount)
        precondition(longestPosition < scratch.positions && scratch.threads >= pool.threadCount,
                     "scratch for \(scratch.positions) positions on \(scratch.threads) threads")
        let group = heads / kvHeads
        let scale = 1 / Float(headWidth).squareRoot()
        // Heads of whole blocks are quantized by their task; otherwise all rows at the end.
        let perTask = quantized != nil && headWidth % 32 == 0
        quantized?.prepare(out, rows: batch)
        defer { if let quantized, !perTask { quantized.quantize(rows: 0..<batch, blocks: 0..<(out.columns / 32)) } }
        #if arch(x86_64)
        if wide && cache.element == .f16 {
            runWide(q: q, cache: cache, layer: layer, slots: slots, positions: positions, heads: heads,
                    kvHeads: kvHeads, headWidth: headWidth, into: out, quantized: perTask ? quantized : nil,
                    scratch: scratch, pool: pool)
            return
        }
        #endif
        let taskQuantized = perTask ? quantized : nil
        /// One task per batch row and query head; a `ParallelBody` rather than a closure, so no allocation.
        struct Body: ParallelBody {
            let q: FloatMatrix, out: FloatMatrix, cache: KVCache, layer: Int
            let slotList: UnsafeBufferPointer<Int>, positionList: UnsafeBufferPointer<Int>
            let heads: Int, group: Int, headWidth: Int, scale: Float
            let taskQuantized: QuantizedActivations?, scratch: AttentionScratch
            func run(_ range: Range<Int>, thread: Int) {
                var longest = 0
                for task in range { longest = max(longest, positionList[task / heads]) }
                let p = scratch.region(thread), weights = p + (longest + 8)
                for task in range {
                    let b = task / heads, h = task % heads
                    precondition(positionList[b] < cache.capacity && slotList[b] < cache.slots)
                    let base = cache.offset(layer: layer, slot: slotList[b], position: 0) + (h / group) * headWidth
                    let query = q.row(b) + h * headWidth, target = out.row(b) + h * headWidth
                    let count = positionList[b] + 1
                    switch cache.element {
                    case .f16:
                        Attention.roundToHalf(query, count: headWidth)
                        Attention.halfScores(query: query, keys: cache.keys + 2 * base, stride: cache.width,
                                             count: count, width: headWidth, scale: scale, into: p)
                        Attention.onlineSoftmaxHalf(scores: p, weights: weights, values: cache.values + 2 * base,
                                                    stride: cache.width, count: count, width: headWidth,
                                                    into: target)
                    case .f32:
                        Attention.scores(FloatElement.self, query: query, keys: cache.keys + 4 * base,
                                         stride: cache.width, count: count, width: headWidth, scale: scale, into: p)
                        VectorOps.softmax(p, count: count)
                        Attention.weightedSum(FloatElement.self, weights: p, values: cache.values + 4 * base,
                                              stride: cache.width, count: count, width: headWidth, into: target)
                    }
                    taskQuantized?.quantize(rows: b..<(b + 1),
                                            blocks: (h * headWidth / 32)..<((h + 1) * headWidth / 32))
                }
            }
        }
        slots.withUnsafeBufferPointer { slotList in
            positions.withUnsafeBufferPointer { positionList in
                pool.parallelFor(batch * heads, Body(q: q, out: out, cache: cache, layer: layer, slotList: slotList,
                                                     positionList: positionList, heads: heads, group: group,
                                                     headWidth: headWidth, scale: scale, taskQuantized: taskQuantized,
                                                     scratch: scratch))
            }
        }
    }

    #if arch(x86_64)
    /// The f16 path on AVX-512: one task per batch row and key-value head, whose query heads go through
    /// `HalfAttention` three at a time (sharing each key and value load), any rest one by one.
    static func runWide(q: FloatMatrix, cache: KVCache, layer: Int, slots: [Int], positions: [Int],
                        heads: Int, kvHeads: Int, headWidth: Int, into out: FloatMatrix,
                        quantized: QuantizedActivations?, scratch: AttentionScratch, pool: ThreadPool) {
        let group = heads / kvHeads
        let scale = 1 / Float(headWidth).squareRoot()
        /// One task per batch row and key-value head.
        struct Body: ParallelBody {
            let q: FloatMatrix, out: FloatMatrix, cache: KVCache, layer: Int
            let slotList: UnsafeBufferPointer<Int>, positionList: UnsafeBufferPointer<Int>
            let kvHeads: Int, group: Int, headWidth: Int, scale: Float
            let quantized: QuantizedActivations?, scratch: AttentionScratch
            func run(_ range: Range<Int>, thread: Int) {
                let p = scratch.region(thread)
                for task in range {
                    let b = task / kvHeads, g = task % kvHeads
                    precondition(positionList[b] < cache.capacity && slotList[b] < cache.slots)
                    let base = cache.offset(layer: layer, slot: slotList[b], position: 0) + g * headWidth
                    let keys = UnsafeRawPointer(cache.keys + 2 * base)
                    let values = UnsafeRawPointer(cache.values + 2 * base)
                    let count = positionList[b] + 1
                    var h = g * group
                    while h < (g + 1) * group {
                        let query = q.row(b) + h * headWidth, target = out.row(b) + h * headWidth
                        if h + 3 <= (g + 1) * group {
                            HalfAttention.threeHeads(queries: query, queryStride: headWidth, keys: keys,
                                                     values: values, stride: cache.width, count: count,
                                                     width: headWidth, scale: scale, scratch: p, into: target)
                            h += 3
                        } else {
                            HalfAttention.head(query: query, keys: keys, values: values, stride: cache.width,
                                               count: count, width: headWidth, scale: scale, scratch: p,
                                               into: target)
                            h += 1
                        }
                    }
                    quantized?.quantize(rows: b..<(b + 1),
                                        blocks: (g * group * headWidth / 32)..<((g + 1) * group * headWidth / 32))
                }
            }
        }
        slots.withUnsafeBufferPointer { slotList in
            positions.withUnsafeBufferPointer { positionList in
                pool.parallelFor(slots.count * kvHeads, Body(q: q, out: out, cache: cache, layer: layer,
                                                             slotList: slotList, positionList: positionList,
                                                             kvHeads: kvHeads, group: group, headWidth: headWidth,
                                                             scale: scale, quantized: quantized, scratch: scratch))
            }
        }
    }
    #endif

    @inline(__always)
    static func roundToHalf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for c in stride(from: 0, to: count, by: 8) {
            UnsafeMutableRawPointer(x + c).storeBytes(of: Half.round8(VectorOps.load8(x, c)), as: SIMD8<Float>.self)
        }
    }

    /// `p[t] = (query · key[t]) · scale` for `t < count`. Four positions at a time keep four independent sums
    /// in flight; each position's sum runs in the same order whatever its group.
    @inline(__always)
    static func scores<E: CacheElement>(_: E.Type, query: UnsafeMutablePointer<Float>, keys: UnsafeRawPointer,
                                        stride: Int, count: Int, width: Int, scale: Float,
                                        into p: UnsafeMutablePointer<Float>) {
        var t = 0
        while t + 4 <= count {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            let k = t * stride
            for c in Swift.stride(from: 0, to: width, by: 8) {
                let x = VectorOps.load8(query, c)
                a0 = a0.addingProduct(x, E.load8(keys, k + c))
                a1 = a1.addingProduct(x, E.load8(keys, k + stride + c))
                a2 = a2.addingProduct(x, E.load8(keys, k + 2 * stride + c))
                a3 = a3.addingProduct(x, E.load8(keys, k + 3 * stride + c))
            }
            p[t] = MatMul.hsum(a0) * scale
            p[t + 1] = MatMul.hsum(a1) * scale
            p[t + 2] = MatMul.hsum(a2) * scale
            p[t + 3] = MatMul.hsum(a3) * scale
            t += 4
        }
        while t < count {
            var a = SIMD8<Float>()
            for c in Swift.stride(from: 0, to: width, by: 8) {
                a = a.addingProduct(VectorOps.load8(query, c), E.load8(keys, t * stride + c))
            }
            p[t] = MatMul.hsum(a) * scale
            t += 1
        }
    }

    /// `p[t] = (query · key[t]) · scale` over f16 keys in the order of ggml's `ggml_vec_dot_f16` as built for
    /// AVX-512 (four accumulators of 16 lanes over steps of 64 values, folded 0+2, 1+3, then 0+1, then the 16
    /// lanes halved down to one, and any tail beyond a multiple of 64 added one by one in double). The products
    /// of two f16 values are exact in f32, so only the order of the sums matters, and it is ggml's.
    @inline(__always)
    static func halfScores(query: UnsafeMutablePointer<Float>, keys: UnsafeRawPointer, stride: Int, count: Int,
                           width: Int, scale: Float, into p: UnsafeMutablePointer<Float>) {
        let whole = width - width % 64
        for t in 0..<count {
            let k = keys + 2 * t * stride
            var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
            var c = 0
            while c < whole {
                s0 = s0.addingProduct(load16(query, c), load16Half(k, c))
                s1 = s1.addingProduct(load16(query, c + 16), load16Half(k, c + 16))
                s2 = s2.addingProduct(load16(query, c + 32), load16Half(k, c + 32))
                s3 = s3.addingProduct(load16(query, c + 48), load16Half(k, c + 48))
                c += 64
            }
            let folded = (s0 + s2) + (s1 + s3)
            let h8 = folded.lowHalf + folded.highHalf
            let h4 = h8.lowHalf + h8.highHalf
            var sum = Double((h4[0] + h4[2]) + (h4[1] + h4[3]))
            while c < width {
                sum += Double(query[c] * Float(Float16(bitPattern: k.load(fromByteOffset: 2 * c, as: UInt16.self))))
                c += 1
            }
            p[t] = Float(sum) * scale
        }
    }

    @inline(__always)
    static func load16(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func load16Half(_ p: UnsafeRawPointer, _ i: Int) -> SIMD16<Float> {
        // Two eight-lane conversions: the standard library's sixteen-lane one is not vectorized.
        SIMD16(lowHalf: Half.load8(p + 2 * i), highHalf: Half.load8(p + 2 * i + 16))
    }

    /// `target = Σ_t w[t] · v[t]`, 32 outputs at a time in registers.
    @inline(__always)
    static func weightedSum<E: CacheElement>(_: E.Type, weights w: UnsafeMutablePointer<Float>, values: UnsafeRawPointer,
                                             stride: Int, count: Int, width: Int, into target: UnsafeMutablePointer<Float>) {
        var c = 0
        while c + 32 <= width {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for t in 0..<count {
                let x = SIMD8<Float>(repeating: w[t]), v = t * stride + c
                a0 = a0.addingProduct(x, E.load8(values, v))
                a1 = a1.addingProduct(x, E.load8(values, v + 8))
                a2 = a2.addingProduct(x, E.load8(values, v + 16))
                a3 = a3.addingProduct(x, E.load8(values, v + 24))
            }
            let r = UnsafeMutableRawPointer(target + c)
            r.storeBytes(of: a0, as: SIMD8<Float>.self)
            r.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
            r.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
            r.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
            c += 32
        }
        while c < width {
            var a = SIMD8<Float>()
            for t in 0..<count { a = a.addingProduct(SIMD8(repeating: w[t]), E.load8(values, t * stride + c)) }
            UnsafeMutableRawPointer(target + c).storeBytes(of: a, as: SIMD8<Float>.self)
            c += 8
        }
    }

    /// ggml's online softmax over f16 values. The rescale factors `e^(M_old − M)` (into `scores`) and weights
    /// `e^(s − M)` (into `weights`) depend only on the position, so they are found first, in order, and then
    /// the f16 accumulator runs 32 outputs at a time in registers, rounded to f16 after every step as ggml's
    /// `ggml_vec_scale_f16` and `ggml_vec_mad_f16` store it.
    @inline(__always)
    static func onlineSoftmaxHalf(scores p: UnsafeMutablePointer<Float>, weights w: UnsafeMutablePointer<Float>,
                                  values: UnsafeRawPointer, stride: Int, count: Int, width: Int,
                                  into target: UnsafeMutablePointer<Float>) {
        var maximum = -Float.infinity, sum: Float = 0
        for t in 0..<count {
            let s = p[t]
            var rescale: Float = 1, weight: Float = 1
            if s > maximum {
                rescale = expf(maximum - s)
                maximum = s
            } else {
                weight = expf(s - maximum)
            }
            p[t] = rescale
            w[t] = weight
            sum = weight.addingProduct(sum, rescale)
        }
        let inverse = 1 / sum
        var c = 0
        while c + 64 <= width {
            // Sixty-four outputs: eight independent accumulators hide the rounding round trips' latency.
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
            for t in 0..<count {
                let v = t * stride + c
                if p[t] != 1 {
                    let m = SIMD8<Float>(repeating: p[t])
                    a0 = Half.round8(a0 * m); a1 = Half.round8(a1 * m); a2 = Half.round8(a2 * m); a3 = Half.round8(a3 * m)
                    a4 = Half.round8(a4 * m); a5 = Half.round8(a5 * m); a6 = Half.round8(a6 * m); a7 = Half.round8(a7 * m)
                }
                let x = SIMD8<Float>(repeating: w[t])
                a0 = Half.round8(a0.addingProduct(HalfElement.load8(values, v), x))
                a1 = Half.round8(a1.addingProduct(HalfElement.load8(values, v + 8), x))
                a2 = Half.round8(a2.addingProduct(HalfElement.load8(values, v + 16), x))
                a3 = Half.round8(a3.addingProduct(HalfElement.load8(values, v + 24), x))
                a4 = Half.round8(a4.addingProduct(HalfElement.load8(values, v + 32), x))
                a5 = Half.round8(a5.addingProduct(HalfElement.load8(values, v + 40), x))
                a6 = Half.round8(a6.addingProduct(HalfElement.load8(values, v + 48), x))
                a7 = Half.round8(a7.addingProduct(HalfElement.load8(values, v + 56), x))
            }
            let r = UnsafeMutableRawPointer(target + c)
            r.storeBytes(of: a0 * inverse, as: SIMD8<Float>.self)
            r.storeBytes(of: a1 * inverse, toByteOffset: 32, as: SIMD8<Float>.self)
            r.storeBytes(of: a2 * inverse, toByteOffset: 64, as: SIMD8<Float>.self)
            r.storeBytes(of: a3 * inverse, toByteOffset: 96, as: SIMD8<Float>.self)
            r.storeBytes(of: a4 * inverse, toByteOffset: 128, as: SIMD8<Float>.self)
            r.storeBytes(of: a5 * inverse, toByteOffset: 160, as: SIMD8<Float>.self)
            r.storeBytes(of: a6 * inverse, toByteOffset: 192, as: SIMD8<Float>.self)
            r.storeBytes(of: a7 * inverse, toByteOffset: 224, as: SIMD8<Float>.self)
            c += 64
        }
        while c < width {
            var a = SIMD8<Float>()
            for t in 0..<count {
                if p[t] != 1 { a = Half.round8(a * p[t]) }
                a = Half.round8(a.addingProduct(HalfElement.load8(values, t * stride + c), SIMD8(repeating: w[t])))
            }
            UnsafeMutableRawPointer(target + c).storeBytes(of: a * inverse, as: SIMD8<Float>.self)
            c += 8
        }
    }
}

/// How attention reads one element type of the cache.
protocol CacheElement {
    /// Eight values starting at element `index`, as floats.
    static func load8(_ base: UnsafeRawPointer, _ index: Int) -> SIMD8<Float>
}

enum HalfElement: CacheElement {
    @inline(__always)
    static func load8(_ base: UnsafeRawPointer, _ index: Int) -> SIMD8<Float> { Half.load8(base + 2 * index) }
}

enum FloatElement: CacheElement {
    @inline(__always)
    static func load8(_ base: UnsafeRawPointer, _ index: Int) -> SIMD8<Float> {
        base.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self)
    }
}
